package main

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const headHint = "see docs/step2-client.md, \"Exercise\", and RFC 9112 §2.1"

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
			want:  strings.Split(strings.TrimSuffix(articleRequest, "\r\n\r\n"), "\r\n"),
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
		for _, rd := range splitReaders {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				r := bufio.NewReader(rd.wrap(strings.NewReader(tt.input)))
				got, err := readHead(r)
				require.NoError(t, err, headHint)
				assert.Equal(t, tt.want, got, "readHead(%q): the lines, without \\r\\n (%s)", tt.input, headHint)
				rest, _ := io.ReadAll(r)
				assert.Equal(t, tt.rest, string(rest), "readHead must not read past the empty line (%s)", headHint)
			})
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
			assert.ErrorIs(t, err, tt.want, "readHead must fail with %v (%s)", tt.want, headHint)
		})
	}
}
