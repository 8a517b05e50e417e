package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

const headHint = "docs/step2-client.md § Exercise, RFC 9112 §2.1"

// headErrors are the errors of errors.go, by name.
var headErrors = map[error]string{errHeadTooLarge: "errHeadTooLarge", errEmptyHead: "errEmptyHead"}

// articleLines is articleRequest as readHead returns it.
func articleLines() []string {
	return strings.Split(strings.TrimSuffix(articleRequest, "\r\n\r\n"), "\r\n")
}

// TestReadHeadMistakes looks for the mistakes the chapter warns about, one
// case each: a case fails only when the result is wrong the way its mistake
// makes it (looks), naming the mistake. TestReadHead and
// TestReadHeadRejects check everything else.
func TestReadHeadMistakes(t *testing.T) {
	frame := "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
	tests := []struct {
		mistake string
		input   string
		want    []string // the lines, if wantErr is nil
		rest    string   // what must be left in r
		wantErr error
		looks   func(lines []string, rest string, err error) bool
		hint    string
	}{
		{
			mistake: "the error looked at before the size",
			input:   "GET /" + strings.Repeat("a", 5000) + "\r\n\r\n",
			wantErr: errHeadTooLarge,
			looks:   func(_ []string, _ string, err error) bool { return errors.Is(err, bufio.ErrBufferFull) },
			hint:    "a line longer than r's buffer makes ReadSlice return bufio.ErrBufferFull: that head is too large too",
		},
		{
			mistake: "a limit on each line instead of the whole head",
			input:   "GET / HTTP/1.1\r\n" + strings.Repeat("X-Filler: 0123456789\r\n", 1000) + "\r\n",
			wantErr: errHeadTooLarge,
			looks:   func(_ []string, _ string, err error) bool { return err == nil },
			hint:    "maxHeadSize bounds the whole head: add up the bytes of all its lines",
		},
		{
			mistake: "io.EOF in the middle of a head passed on as io.EOF",
			input:   "GET / HTTP/1.1\r\nHost: a\r\n",
			wantErr: io.ErrUnexpectedEOF,
			looks:   func(_ []string, _ string, err error) bool { return err == io.EOF },
			hint:    "io.EOF after some bytes means the client hung up mid-head: that is io.ErrUnexpectedEOF",
		},
		{
			mistake: "io.EOF before the first byte turned into io.ErrUnexpectedEOF",
			input:   "",
			wantErr: io.EOF,
			looks:   func(_ []string, _ string, err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
			hint:    "a client that sends nothing gives plain io.EOF: the server takes it for a browser's spare connection",
		},
		{
			mistake: "an empty first line taken for an empty head",
			input:   "\r\n",
			wantErr: errEmptyHead,
			looks:   func(_ []string, _ string, err error) bool { return err == nil },
			hint:    "an empty line where the request line should be is errEmptyHead: the caller needs a request line",
		},
		{
			mistake: "the \\r left on each line",
			input:   "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			want:    []string{"GET / HTTP/1.1", "Host: a"},
			looks: func(lines []string, _ string, err error) bool {
				return errors.Is(err, io.ErrUnexpectedEOF) || len(lines) > 0 && strings.HasSuffix(lines[0], "\r")
			},
			hint: "strip the \\n and then the \\r: with the \\r left, the empty line \\r\\n never looks empty",
		},
		{
			mistake: "only \\r\\n taken for a line ending",
			input:   "GET / HTTP/1.1\nHost: a\n\n",
			want:    []string{"GET / HTTP/1.1", "Host: a"},
			looks: func(lines []string, _ string, err error) bool {
				return errors.Is(err, io.ErrUnexpectedEOF) || len(lines) > 0 && strings.HasSuffix(lines[0], "\n")
			},
			hint: "a bare \\n ends a line too (RFC 9112 §2.2): strip the \\n, then a \\r if there is one",
		},
		{
			mistake: "reading past the empty line",
			input:   "GET /xxoo HTTP/1.1\r\nHost: a\r\n\r\n" + frame,
			want:    []string{"GET /xxoo HTTP/1.1", "Host: a"},
			rest:    frame,
			looks:   func(_ []string, rest string, err error) bool { return err == nil && len(rest) < len(frame) },
			hint:    "the bytes after the empty line belong to the next reader of r (step 3 reads a frame there): take only lines from r",
		},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.input))
			lines, err := readHead(r)
			restBytes, _ := io.ReadAll(r)
			rest := string(restBytes)
			var problem string
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				problem = fmt.Sprintf("%s, want %s", errName(err, headErrors), errName(tt.wantErr, headErrors))
			case tt.wantErr != nil:
				return
			case err != nil:
				problem = fmt.Sprintf("%s, want the lines", errName(err, headErrors))
			case linesDiffer(lines, tt.want) != "":
				problem = linesDiffer(lines, tt.want)
			case rest != tt.rest:
				problem = fmt.Sprintf("%s is left in r, want %s", short(rest), short(tt.rest))
			default:
				return
			}
			if tt.looks(lines, rest, err) {
				t.Errorf("readHead(%s): %s: that is the mistake \"%s\": %s", short(tt.input), problem, tt.mistake, tt.hint)
			}
		})
	}
}

func TestReadHead(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
		rest  string // what must be left unread after the head
	}{
		{
			name:  "reads the article's request line by line",
			input: articleRequest,
			want:  articleLines(),
		},
		{
			name:  "stops at the empty line and leaves what follows",
			input: "GET /xxoo HTTP/1.1\r\nHost: a\r\n\r\n\x81\x85\x37\xfa\x21\x3d\x7f",
			want:  []string{"GET /xxoo HTTP/1.1", "Host: a"},
			rest:  "\x81\x85\x37\xfa\x21\x3d\x7f",
		},
		{
			name:  "accepts a bare \\n as a line ending",
			input: "GET / HTTP/1.1\nHost: a\n\n",
			want:  []string{"GET / HTTP/1.1", "Host: a"},
		},
		{
			name:  "reads only the first of two pipelined requests",
			input: "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
			want:  []string{"GET /a HTTP/1.1"},
			rest:  "GET /b HTTP/1.1\r\n\r\n",
		},
	}
	for _, tt := range tests {
		for i, rd := range splitReaders {
			passed := t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				how := rd.name
				if i > 0 {
					how += " (in one read it works: a whole line takes more than one Read)"
				}
				r := bufio.NewReader(rd.wrap(strings.NewReader(tt.input)))
				got, err := readHead(r)
				if err != nil {
					t.Fatalf("readHead(%s), %s: %s, want the lines (%s)", short(tt.input), how, errName(err, headErrors), headHint)
				}
				if diff := linesDiffer(got, tt.want); diff != "" {
					t.Errorf("readHead(%s), %s: %s: the lines, without \\r\\n (%s)", short(tt.input), how, diff, headHint)
				}
				if rest, _ := io.ReadAll(r); string(rest) != tt.rest {
					t.Errorf("after readHead(%s), %s, %s is left in r, want %s: readHead must not read past the empty line (%s)",
						short(tt.input), how, short(string(rest)), short(tt.rest), headHint)
				}
			})
			if i == 0 && !passed {
				break // cut in pieces, the same bytes would only fail again
			}
		}
	}
}

func TestReadHeadRejects(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  error
	}{
		{"a client that hangs up mid-head", "GET / HTTP/1.1\r\nHost: a\r\n", io.ErrUnexpectedEOF},
		{"a client that sends nothing", "", io.EOF},
		{"an empty line instead of a request line", "\r\n", errEmptyHead},
		{"a head that never ends", "GET / HTTP/1.1\r\n" + strings.Repeat("X-Filler: 0123456789\r\n", 1000), errHeadTooLarge},
		{"one endless line", "GET /" + strings.Repeat("a", 10000), errHeadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readHead(bufio.NewReader(strings.NewReader(tt.input)))
			if !errors.Is(err, tt.want) {
				t.Errorf("readHead(%s): %s, want %s (%s)", short(tt.input), errName(err, headErrors), errName(tt.want, headErrors), headHint)
			}
		})
	}
}

// linesDiffer returns "" if got and want hold the same lines, or says
// where they first differ.
func linesDiffer(got, want []string) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d lines, want %d: line %d, %s, is missing", len(got), len(want), i+1, short(want[i]))
		case i >= len(want):
			return fmt.Sprintf("%d lines, want %d: line %d, %s, is one too many", len(got), len(want), i+1, short(got[i]))
		case got[i] != want[i]:
			return fmt.Sprintf("line %d is %s, want %s", i+1, short(got[i]), short(want[i]))
		}
	}
	return ""
}
