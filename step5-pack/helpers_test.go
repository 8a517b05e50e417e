package main

import (
	"bufio"
	"bytes"
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

// waitForOutput waits until the server has printed want.
func waitForOutput(t *testing.T, out *syncBuffer, want string, hint string) {
	t.Helper()
	require.Eventuallyf(t, func() bool {
		printed := out.String()
		return strings.Contains(printed, want) || strings.Contains(printed, stubMarker)
	}, 5*time.Second, 10*time.Millisecond,
		"the server never printed %q (%s)\nit printed:\n%s", want, hint, out)
	require.Containsf(t, out.String(), want,
		"the server stopped at an exercise TODO before printing %q (%s)", want, hint)
}

// stubMarker ends the error of every exercise stub that returns one: once the
// server has printed it, what the test waits for will not come, so
// waitForOutput stops waiting.
const stubMarker = "is not written yet"

// roundTrip sends a raw request on a new connection and reads the response the
// server writes back before closing.
func roundTrip(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	conn := dial(t, addr)
	_, err := conn.Write([]byte(request))
	require.NoError(t, err)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server should answer %q with an HTTP response", request)
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

// openSocket connects and completes the opening handshake with the article's
// request. Read what the server sends next from the returned reader.
func openSocket(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn := dial(t, addr)
	_, err := conn.Write([]byte(articleRequest))
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "the handshake must succeed before frames can flow")
	return conn, r
}

// clientFrame builds a frame the way a browser does: FIN set, masked with
// key. It masks with its own loop, so the tests do not depend on the code
// they test.
func clientFrame(opcode byte, payload string, key [4]byte) []byte {
	b := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	b = append(b, key[:]...)
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return b
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
