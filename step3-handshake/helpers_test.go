package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// articleRequest is the handshake request printed in section 3 of the article,
// as a browser sends it: header lines ending in \r\n, then an empty line.
const articleRequest = "GET /chatsocket HTTP/1.1\r\n" +
	"Host: 127.0.0.1:8002\r\n" +
	"Connection: Upgrade\r\n" +
	"Pragma: no-cache\r\n" +
	"Cache-Control: no-cache\r\n" +
	"Upgrade: websocket\r\n" +
	"Origin: http://localhost:63342\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"Sec-WebSocket-Key: mnwFxiOlctXFN/DeMt1Amg==\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
	"\r\n"

// syncBuffer is a bytes.Buffer that the server's goroutines may write to while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer runs serve on a free port of 127.0.0.1 for the length of the test
// and returns its address and everything it prints.
func startServer(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	out := &syncBuffer{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(ln, out)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String(), out
}

// dial connects to the server like a browser would, and closes the
// connection when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// roundTrip sends a raw request on a new connection and reads the response the
// server writes back before closing.
func roundTrip(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	conn := dial(t, addr)
	_, err := conn.Write([]byte(request))
	require.NoError(t, err)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server should answer %s with an HTTP response", short(request))
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// findByID returns the element with the given id attribute, or nil.
func findByID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				return n
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if found := findByID(c, id); found != nil {
			return found
		}
	}
	return nil
}

// findScript returns the text of the page's first <script> element.
func findScript(n *html.Node) string {
	if n.Type == html.ElementNode && n.Data == "script" && n.FirstChild != nil {
		return n.FirstChild.Data
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if s := findScript(c); s != "" {
			return s
		}
	}
	return ""
}

// splitReaders deliver the same bytes cut in different ways, as TCP may: the
// code that reads them must give the same result every time.
var splitReaders = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"in one read", func(r io.Reader) io.Reader { return r }},
	{"one byte per read", iotest.OneByteReader},
	{"half of what is asked per read", iotest.HalfReader},
}

// waitForOutput waits until the server has printed want. If it has not
// within 5 seconds, or if it has printed an exercise stub's error (after
// which want cannot come), the test stops with the last lines of the log.
func waitForOutput(t *testing.T, out *syncBuffer, want string, hint string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		printed := out.String()
		switch {
		case strings.Contains(printed, want):
			return
		case strings.Contains(printed, stubMarker):
			t.Fatalf("the server stopped at an exercise stub before printing %q (%s); its last lines:\n%s",
				want, hint, lastLines(printed, 5))
		case time.Now().After(deadline):
			t.Fatalf("the server never printed %q (%s); its last lines:\n%s", want, hint, lastLines(printed, 5))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stubMarker is in the error of every exercise stub that returns one
// ("readHead is not written yet (…)").
const stubMarker = "is not written yet"

// An exercise is a function the learner writes in an _exercise.go file.
// While it is still the stub, its own tests stop at once with one line
// (every case would fail the same way), and so do the tests of code that
// calls it, instead of waiting for output that cannot come.
type exercise struct {
	name    string // the function
	file    string // the file to edit, from the repository root
	section string // where the chapter explains it
	test    string // the test that checks it case by case
	// stub reports whether the function still does what its stub does.
	stub func() bool
	// probe tries the function on the plain cases the server relies on and
	// says what it got wrong, or returns "".
	probe func() string
}

// notStub stops a test of e, with one line, while e is still its stub.
func notStub(t *testing.T, e exercise) {
	t.Helper()
	if e.stub() {
		t.Fatalf("%s is not written yet: write it in %s (read %s)", e.name, e.file, e.section)
	}
}

// needs stops a test that runs code calling the exercises, with one line, if
// one of them is still its stub or gets a plain case wrong.
func needs(t *testing.T, exercises ...exercise) {
	t.Helper()
	for _, e := range exercises {
		problem := "it is still the stub"
		if !e.stub() {
			problem = e.probe()
		}
		if problem != "" {
			t.Fatalf("needs %s: see %s (%s, %s): %s", e.name, e.test, e.file, e.section, problem)
		}
	}
}

// lastLines returns the last n lines of a server's log, indented, to attach
// to a failure: the whole log can run to kilobytes.
func lastLines(log string, n int) string {
	log = strings.TrimRight(log, "\n")
	if log == "" {
		return "    (nothing)"
	}
	lines := strings.Split(log, "\n")
	before := ""
	if len(lines) > n {
		before = fmt.Sprintf("    (%d lines before)\n", len(lines)-n)
		lines = lines[len(lines)-n:]
	}
	return before + "    " + strings.Join(lines, "\n    ")
}

// tail prints as the last lines of out at the moment a failure message is
// formatted, not when the message's arguments are evaluated.
type tail struct{ out *syncBuffer }

func (l tail) String() string { return lastLines(l.out.String(), 5) }

// short quotes s, cut after 40 bytes: some test inputs are kilobytes long.
func short(s string) string {
	const most = 40
	if len(s) <= most {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:most], len(s))
}

// errName names err the way the code does (io.EOF, errHeadTooLarge …), from
// names or the usual ones, for a failure message.
func errName(err error, names map[error]string) string {
	if err == nil {
		return "no error"
	}
	for e, name := range names {
		if errors.Is(err, e) {
			return name
		}
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "io.ErrUnexpectedEOF"
	case errors.Is(err, io.EOF):
		return "io.EOF"
	case errors.Is(err, bufio.ErrBufferFull):
		return "bufio.ErrBufferFull"
	}
	return fmt.Sprintf("%q", err.Error())
}
