package docs

// This file checks that the log lines a chapter quotes can still be printed
// by the code. The convention it enforces:
//
//   - A fenced block opened with exactly ```text holds what a program really
//     printed. Each of its lines that a logger wrote, which starts with the
//     time of day ("13:52:59 ") or a date and time ("2026/12/01 13:43:32 ")
//     or with a program's name ("final: ", "chat: ", "step3: "), must be one
//     the code can still print today. The other lines of the block (frame
//     pictures, test output, HTTP responses) are not checked.
//   - A block that only looks like output (drawn by hand, cut together, or
//     printed by an older commit) opens with ```text illustrative, which
//     renders the same and is not checked.
//   - An inline code span that starts with "WebSocket closed: ",
//     "WebSocket open on " or "websocket: " quotes a log line or an error of
//     final/websocket, and is checked the same way.
//   - In a quoted line, "…" stands for text left out, and matches anything.
//
// "Can still print" means: the line can be built from the string literals of
// the Go code (every non-test .go file of the repository, final/bench
// included; "a " + f(x) + " b" counts as the format "a %v b"), each line of a
// literal a format whose verbs are holes. %d takes digits, %q a quoted
// string, %x hex; %v, %s and %w take one word (an address, a duration), two
// without a colon (a name with a space), or another format filled in the same
// way, which is how an error wrapped in an error reads. Formats without a
// letter ("%s: %v") are used only at the start of a line, a line may start
// with a word and a space (log.Print(addr, " ", frame)), and a format may be
// followed by those that start with ", " (a line built with +=). So a
// reworded literal fails the line that quotes it, while the addresses, times
// and sizes of a real run pass.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stdlibErrors are the standard library's errors (net.OpError and the
// system calls' texts) that quoted log lines hold; they are in no literal of
// ours.
var stdlibErrors = []string{
	"read: connection reset by peer",
	"write: connection reset by peer",
	"write: broken pipe",
	"EOF",
	"i/o timeout",
	"accept4: too many open files",
	"accept tcp %v: %v",
	"read tcp %v->%v: %v",
	"write tcp %v->%v: %v",
}

var (
	// logPrefix is what a log.Logger puts before a line: the time of day
	// (log.Ltime), or the date and time (log's default flags).
	logPrefix = regexp.MustCompile(`^(?:\d{4}/\d\d/\d\d )?\d\d:\d\d:\d\d `)
	// programPrefix starts the lines the programs print with fmt.
	programPrefix = regexp.MustCompile(`^(?:final|chat|step[1-5]): `)
	// quotedSpan is an inline code span that quotes a log line or an error.
	quotedSpan = regexp.MustCompile("`((?:WebSocket closed: |WebSocket open on |websocket: )[^`]+)`")
	// verb is a fmt verb with its flags, width and precision.
	verb = regexp.MustCompile(`%[-+# 0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]`)
)

// quotedLine is one line of output that a chapter quotes as real.
type quotedLine struct {
	line
	quoted string // the text that must be producible, prefix removed
}

// quotedOutput returns the lines of real output in a markdown file's lines:
// the log and program lines of its ```text blocks, and its quoting code
// spans.
func quotedOutput(lines []line) []quotedLine {
	var quoted []quotedLine
	checked := false // inside a ```text block
	for _, l := range lines {
		trimmed := strings.TrimSpace(l.text)
		switch {
		case l.inFence && fenceOf(trimmed) != "" && !checked && strings.TrimSpace(strings.TrimLeft(trimmed, trimmed[:1])) == "text":
			checked = true
		case !l.inFence || fenceOf(trimmed) != "":
			checked = false
			if !l.inFence {
				for _, m := range quotedSpan.FindAllStringSubmatch(l.text, -1) {
					quoted = append(quoted, quotedLine{l, m[1]})
				}
			}
		case checked:
			if p := logPrefix.FindString(l.text); p != "" {
				quoted = append(quoted, quotedLine{l, l.text[len(p):]})
			} else if programPrefix.MatchString(l.text) {
				quoted = append(quoted, quotedLine{l, l.text})
			}
		}
	}
	return quoted
}

// A piece is a literal stretch of a format, or a hole a verb leaves.
type piece struct {
	text string // the literal, when verb is 0
	verb byte   // 'd', 'q', 'x' or 'v' (any other verb)
}

// format is one line of a string literal, cut into pieces.
type format []piece

// parseFormat cuts one line of a literal at its verbs. A literal without
// verbs is one piece: it is printed as it is.
func parseFormat(s string) format {
	var f format
	for {
		loc := verb.FindStringIndex(s)
		if loc == nil {
			break
		}
		v := s[loc[1]-1]
		if v == '%' {
			f = append(f, piece{text: s[:loc[0]] + "%"})
		} else {
			if loc[0] > 0 {
				f = append(f, piece{text: s[:loc[0]]})
			}
			switch v {
			case 'd', 'q', 'x':
			default:
				v = 'v'
			}
			f = append(f, piece{verb: v})
		}
		s = s[loc[1]:]
	}
	if s != "" {
		f = append(f, piece{text: s})
	}
	return f
}

// codeFormats returns every line of every string literal in the
// repository's non-test Go files (a + b of two literals counts as one
// literal), and the standard library's errors, as formats.
func codeFormats(t *testing.T) []format {
	t.Helper()
	var formats []format
	add := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			if strings.TrimSpace(l) != "" {
				formats = append(formats, parseFormat(l))
			}
		}
	}
	for _, s := range stdlibErrors {
		add(s)
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != repoRoot {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if s, literal := formatOf(n); literal {
				add(s)
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return formats
}

// formatOf returns a string literal, or a sum with string literals in it
// ("origin " + quote(origin) + " is not allowed"), as a format: what is not a
// literal becomes a %v. literal is false when n holds no string literal.
func formatOf(n ast.Node) (f string, literal bool) {
	switch n := n.(type) {
	case *ast.BasicLit:
		if n.Kind == token.STRING {
			s, err := strconv.Unquote(n.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if n.Op == token.ADD {
			x, litX := formatOf(n.X)
			y, litY := formatOf(n.Y)
			return x + y, litX || litY
		}
	case *ast.ParenExpr:
		return formatOf(n.X)
	}
	return "%v", false
}

// maxDepth is how deeply literals may fill each other's holes: an error
// wrapped in an error in a log line is three.
const maxDepth = 5

// matcher says whether a line can be built from the formats.
type matcher struct {
	byFirst   map[byte][]format // formats that start with a literal, by its first byte
	holeFirst []format          // formats that start with a verb
	// joiners are formats without a letter but with a colon ("%s: %v"):
	// they join an address to the rest at the top of a line, and nowhere
	// else, or any words would do. "%s %s" and "%v" join nothing.
	joiners []format
	// appended are the formats that a line built with += may end with:
	// ", permessage-deflate accepted".
	appended []format
}

func newMatcher(formats []format) *matcher {
	m := &matcher{byFirst: map[byte][]format{}}
	for _, f := range formats {
		switch {
		case !hasLetter(f) && hasColon(f):
			m.joiners = append(m.joiners, f)
		case !hasLetter(f):
		case f[0].verb != 0:
			m.holeFirst = append(m.holeFirst, f)
		default:
			m.byFirst[f[0].text[0]] = append(m.byFirst[f[0].text[0]], f)
			if strings.HasPrefix(f[0].text, ", ") {
				m.appended = append(m.appended, f)
			}
		}
	}
	return m
}

func hasColon(f format) bool {
	for _, p := range f {
		if strings.Contains(p.text, ":") {
			return true
		}
	}
	return false
}

func hasLetter(f format) bool {
	for _, p := range f {
		if strings.IndexFunc(p.text, unicode.IsLetter) >= 0 {
			return true
		}
	}
	return false
}

// producible reports whether the whole of s can be printed: as one format
// filled in, optionally after one word and a space (log.Print(addr, " ", x)).
func (m *matcher) producible(s string) bool {
	r := &run{matcher: m, s: s, memo: map[[2]int][]int{}}
	starts := []int{0}
	for _, end := range value(s, 0) {
		if end < len(s) && s[end] == ' ' {
			starts = append(starts, end+1)
		}
	}
	for _, start := range starts {
		if slices.Contains(r.filled(start, 0), len(s)) {
			return true
		}
	}
	return false
}

// run matches one line, and remembers where each hole can end.
type run struct {
	*matcher
	s    string
	memo map[[2]int][]int // {start, depth} → ends
}

// filled returns where a hole that starts at i can end: after a single value,
// or after one or more formats filled in (a line built with +=), optionally
// followed by a value (strings.Join of user input).
func (r *run) filled(i, depth int) []int {
	key := [2]int{i, depth}
	if ends, ok := r.memo[key]; ok {
		return ends
	}
	r.memo[key] = nil // a format that starts with a hole does not recurse at once
	ends := value(r.s, i)
	if depth < maxDepth {
		frontier := r.expand(i, depth)
		seen := map[int]bool{}
		for len(frontier) > 0 {
			e := frontier[0]
			frontier = frontier[1:]
			if seen[e] {
				continue
			}
			seen[e] = true
			ends = append(ends, e)
			ends = append(ends, value(r.s, e)...)
			for _, f := range r.appended {
				frontier = append(frontier, r.fill(f, e, depth+1)...)
			}
		}
	}
	ends = dedupe(ends)
	r.memo[key] = ends
	return ends
}

// expand returns where one format, filled in, that starts at i can end.
func (r *run) expand(i, depth int) []int {
	if i >= len(r.s) {
		return nil
	}
	candidates := append(r.byFirst[r.s[i]], r.holeFirst...)
	if depth == 0 {
		candidates = append(candidates, r.joiners...)
	}
	var ends []int
	for _, f := range candidates {
		ends = append(ends, r.fill(f, i, depth+1)...)
	}
	return ends
}

// fill returns where format f can end when it starts at i.
func (r *run) fill(f format, i, depth int) []int {
	s := r.s
	positions := []int{i}
	for _, p := range f {
		var next []int
		for _, at := range positions {
			switch p.verb {
			case 0:
				if strings.HasPrefix(s[at:], p.text) {
					next = append(next, at+len(p.text))
				} else if j := strings.Index(s[at:], "…"); j > 0 && strings.HasPrefix(p.text, s[at:at+j]) {
					next = append(next, at+j+len("…")) // the quote left the rest out
				}
			case 'd':
				next = appendMatch(next, s, at, digits)
			case 'x':
				next = appendMatch(next, s, at, hexDigits)
			case 'q':
				next = appendMatch(next, s, at, quoted)
			default:
				next = append(next, r.filled(at, depth)...)
			}
		}
		positions = dedupe(next)
		if len(positions) == 0 {
			return nil
		}
	}
	return positions
}

var (
	digits    = regexp.MustCompile(`^-?\d+`)
	hexDigits = regexp.MustCompile(`^[0-9a-fA-F]+`)
	quoted    = regexp.MustCompile(`^(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)
	word      = regexp.MustCompile(`^[^\s]+`)
	twoWords  = regexp.MustCompile(`^[^\s:]+ [^\s:]+`)
)

func appendMatch(ends []int, s string, at int, re *regexp.Regexp) []int {
	if loc := re.FindStringIndex(s[at:]); loc != nil {
		ends = append(ends, at+loc[1])
	}
	return ends
}

// value returns where a plain value that starts at i can end: anywhere in
// the word there, or at the end of a quoted string, or, once the quote
// leaves text out with "…", anywhere after it.
func value(s string, i int) []int {
	var ends []int
	if loc := word.FindStringIndex(s[i:]); loc != nil {
		for e := i + 1; e <= i+loc[1]; e++ {
			ends = append(ends, e)
		}
	}
	if loc := twoWords.FindStringIndex(s[i:]); loc != nil {
		ends = append(ends, i+loc[1]) // a name with a space in it: "eve hi"
	}
	ends = appendMatch(ends, s, i, quoted)
	if j := strings.Index(s[i:], "…"); j >= 0 {
		for e := i + j + len("…"); e <= len(s); e++ {
			ends = append(ends, e)
		}
	}
	return ends
}

func dedupe(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func TestQuotedOutputIsWhatTheCodePrints(t *testing.T) {
	m := newMatcher(codeFormats(t))
	files := markdownFiles(t)
	files["final/bench/README.md"] = readLines(t, "final/bench/README.md")
	for _, name := range sortedKeys(files) {
		t.Run(name, func(t *testing.T) {
			for _, q := range quotedOutput(files[name]) {
				// A span may leave out the address a log line starts with.
				if !m.producible(q.quoted) && !m.producible("127.0.0.1:1: "+q.quoted) {
					t.Errorf("%s: no string in the Go code prints this line any more:\n\t%s\n"+
						"quote what the program prints today, or open the block with ```text illustrative "+
						"if it is not real output (docs/README.md, quoted output)", q.where(), q.quoted)
				}
			}
		})
	}
}

func readLines(t *testing.T, rel string) []line {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	require.NoError(t, err)
	return splitLines(rel, string(data))
}

// The tests below check the checker.

func TestQuotedOutput(t *testing.T) {
	text := "```text\n12:00:01 127.0.0.1:1: hello\nframe picture\nfinal: stopped\n```\n" +
		"```text illustrative\n12:00:02 drawn\n```\n```sh\n12:00:03 not output\n```\n" +
		"a span `WebSocket closed: x` and `other`\n"
	var got []string
	for _, q := range quotedOutput(splitLines("x.md", text)) {
		got = append(got, fmt.Sprintf("%d %s", q.num, q.quoted))
	}
	assert.Equal(t, []string{"2 127.0.0.1:1: hello", "4 final: stopped", "12 WebSocket closed: x"}, got)
}

func TestProducible(t *testing.T) {
	m := newMatcher([]format{
		parseFormat("%s: WebSocket closed: %v"),
		parseFormat("%w: nothing could be sent for %v"),
		parseFormat("websocket: the client has stopped reading"),
		parseFormat("%s: %s joined the room (%d here)"),
		parseFormat("messages up to %d bytes each"),
		parseFormat(", origins allowed: "),
		parseFormat("chat: %s"),
		parseFormat("frame %s, %d bytes on the wire:"),
		parseFormat("reason=%q"),
		parseFormat("%s %s"),
		parseFormat("%v"),
		parseFormat("origin %v is not allowed"),
	})
	tests := []struct {
		name string
		line string
		want bool
	}{
		{"an error wrapped in an error", "127.0.0.1:5: WebSocket closed: websocket: the client has stopped reading: nothing could be sent for 10s", true},
		{"a reworded literal", "127.0.0.1:5: WebSocket closed: websocket: the client has stopped reading: nothing could be written for 10s", false},
		{"words where a value goes", "127.0.0.1:5: WebSocket closed: the client went away", false},
		{"a name and a count", "127.0.0.1:5: slow joined the room (1 here)", true},
		{"a count that is not a number", "127.0.0.1:5: slow joined the room (one here)", false},
		{"literals joined with +=", "chat: messages up to 4096 bytes each, origins allowed: http://a", true},
		{"a word, a space, then a format (log.Print)", "127.0.0.1:5 frame in, 11 bytes on the wire:", true},
		{"a quoted string", `reason="going away"`, true},
		{"words joined by a format without a letter", "127.0.0.1:5: WebSocket closed: the client went away and never came back", false},
		{"a literal with a call in the middle", `127.0.0.1:5: WebSocket closed: origin "http://evil.example" is not allowed`, true},
		{"a name with a space", "127.0.0.1:5: eve hi joined the room (2 here)", true},
		{"text left out with …", "127.0.0.1:5: WebSocket closed: websocket: the client has … for 10s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, m.producible(tt.line))
		})
	}
}
