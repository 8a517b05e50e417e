// Package wstest is what the tests of final's programs and package share: a
// raw-TCP WebSocket client that writes masked frames byte by byte as a test
// says and reads the server's frames with its own small decoder, independent
// of the server's code, and helpers to start a server and read its log.
package wstest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ArticleRequest is the handshake request printed in section 3 of the
// article, as a browser sends it.
const ArticleRequest = "GET /chatsocket HTTP/1.1\r\n" +
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

// WaitFor is how long a test waits for something that should happen at once.
const WaitFor = 10 * time.Second

// SyncBuffer is a bytes.Buffer that a server's goroutines may write to while
// the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail is the last n lines of the log, for a failure message.
func (b *SyncBuffer) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Server is what Start runs: websocket.Server has these methods.
type Server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// Start runs s on a free port of 127.0.0.1 for the length of the test and
// returns its address. At the end of the test s is shut down at once.
func Start(t testing.TB, s Server) string {
	t.Helper()
	return start(t, s, s.Serve)
}

// start runs serve on a free port of 127.0.0.1 and shuts s down at the end.
func start(t testing.TB, s Server, serve func(net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() {
		defer close(served)
		serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s.Shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}

// Dial opens a TCP connection that is closed when the test ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(30 * time.Second)) // a broken server fails the test instead of hanging it
	t.Cleanup(func() { c.Close() })
	return c
}

// NewClient is a client on a connection whose handshake is done, reading
// through br.
func NewClient(t testing.TB, conn net.Conn, br *bufio.Reader) *Client {
	return &Client{t: t, Conn: conn, BR: br}
}

// RoundTrip sends a raw HTTP request and reads the response.
func RoundTrip(t testing.TB, addr, request string) *http.Response {
	t.Helper()
	conn := Dial(t, addr)
	_, err := io.WriteString(conn, request)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	return resp
}

// Client is a raw-TCP WebSocket client.
type Client struct {
	t    testing.TB
	Conn net.Conn
	BR   *bufio.Reader
	// Deflate lets server frames carry RSV1, once permessage-deflate is agreed.
	Deflate bool
}

// HandshakeRequest is a correct opening handshake for path with key.
func HandshakeRequest(path, key string) string {
	return "GET " + path + " HTTP/1.1\r\n" +
		"Host: 127.0.0.1\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: keep-alive, Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"\r\n"
}

// Connect dials addr and completes the opening handshake on /xxoo.
func Connect(t testing.TB, addr string) *Client {
	t.Helper()
	return ConnectPath(t, addr, "/xxoo")
}

// ConnectPath dials addr and completes the opening handshake on path.
func ConnectPath(t testing.TB, addr, path string) *Client {
	t.Helper()
	key := NewKey()
	return ConnectWith(t, addr, HandshakeRequest(path, key), key)
}

// ConnectWith dials addr, writes request in one write (a handshake with key,
// maybe followed by frames) and requires the 101 answer.
func ConnectWith(t testing.TB, addr, request, key string) *Client {
	t.Helper()
	return ConnectOn(t, Dial(t, addr), request, key)
}

// ConnectOn is ConnectWith on a connection already open, such as a TLS one.
func ConnectOn(t testing.TB, conn net.Conn, request, key string) *Client {
	t.Helper()
	_, err := io.WriteString(conn, request)
	require.NoError(t, err)
	c := NewClient(t, conn, bufio.NewReader(conn))
	resp, err := http.ReadResponse(c.BR, nil)
	require.NoError(t, err, "reading the handshake response (RFC 6455 §4.2.2)")
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "the handshake must be answered with 101 (RFC 6455 §4.2.2)")
	require.Equal(t, AcceptKey(key), resp.Header.Get("Sec-WebSocket-Accept"), "Sec-WebSocket-Accept (RFC 6455 §4.2.2)")
	return c
}

// NewKey is a fresh Sec-WebSocket-Key.
func NewKey() string {
	var nonce [16]byte
	rand.Read(nonce[:])
	return base64.StdEncoding.EncodeToString(nonce[:])
}

// AcceptKeyWith is SHA-1 of key+guid in base64, computed without the server's code.
func AcceptKeyWith(key, guid string) string {
	h := sha1.New()
	io.WriteString(h, key)
	io.WriteString(h, guid)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// AcceptKey is an independent Sec-WebSocket-Accept: the hash of the RFC's
// recipe (RFC 6455 §1.3).
func AcceptKey(key string) string {
	return AcceptKeyWith(key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
}

// ClientFrame builds a masked client frame with the given first byte (FIN,
// RSV and opcode) and payload.
func ClientFrame(b0 byte, payload []byte) []byte {
	return ClientFrameKey(b0, payload, [4]byte{0x37, 0xfa, 0x21, 0x3d})
}

// ClientFrameKey is ClientFrame with the masking key given.
func ClientFrameKey(b0 byte, payload []byte, key [4]byte) []byte {
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}

// ClosePayload is a close frame's payload: the code, then the reason.
func ClosePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// Write writes raw bytes.
func (c *Client) Write(p []byte) {
	c.t.Helper()
	_, err := c.Conn.Write(p)
	require.NoError(c.t, err)
}

// Send writes one masked, final frame.
func (c *Client) Send(opcode byte, payload []byte) {
	c.t.Helper()
	c.Write(ClientFrame(0x80|opcode, payload))
}

// ServerFrame is one frame as the server sent it.
type ServerFrame struct {
	Fin     bool
	RSV1    bool // compressed (permessage-deflate); allowed only if the client's Deflate is set
	Opcode  byte
	Payload []byte
}

// Read reads one server frame; servers never mask (RFC 6455 §5.1).
func (c *Client) Read() (ServerFrame, error) {
	var head [2]byte
	if _, err := io.ReadFull(c.BR, head[:]); err != nil {
		return ServerFrame{}, err
	}
	rsv1 := head[0]&0x40 != 0 && c.Deflate
	if head[0]&0x70 != 0 && !rsv1 || head[1]&0x80 != 0 {
		return ServerFrame{}, fmt.Errorf("server frame % x has RSV or MASK set (RFC 6455 §5.1, §5.2)", head)
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.BR, ext[:]); err != nil {
			return ServerFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.BR, ext[:]); err != nil {
			return ServerFrame{}, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > 64<<20 {
		return ServerFrame{}, fmt.Errorf("server frame claims %d bytes", n)
	}
	f := ServerFrame{Fin: head[0]&0x80 != 0, RSV1: rsv1, Opcode: head[0] & 0x0f, Payload: make([]byte, n)}
	_, err := io.ReadFull(c.BR, f.Payload)
	return f, err
}

// String shows a frame as a reader of a failure wants it: its opcode, and a
// close frame's code and reason or a data frame's size and first bytes.
func (f ServerFrame) String() string {
	name := map[byte]string{0x0: "continuation", 0x1: "text", 0x2: "binary", 0x8: "close", 0x9: "ping", 0xa: "pong"}[f.Opcode]
	if name == "" {
		name = fmt.Sprintf("opcode %#x", f.Opcode)
	}
	if !f.Fin {
		name += " (FIN=0)"
	}
	if f.Opcode == 0x8 {
		if len(f.Payload) < 2 {
			return name + " with no code"
		}
		return fmt.Sprintf("%s %d %q", name, binary.BigEndian.Uint16(f.Payload), f.Payload[2:])
	}
	return fmt.Sprintf("%s of %d bytes %.40q", name, len(f.Payload), f.Payload)
}

// Expect reads one frame and requires it to be a final frame with opcode and payload.
func (c *Client) Expect(opcode byte, payload []byte, hint string) {
	c.t.Helper()
	f, err := c.Read()
	require.NoError(c.t, err, hint)
	want := ServerFrame{Fin: true, Opcode: opcode, Payload: payload}
	if !f.Fin || f.Opcode != opcode || !bytes.Equal(payload, f.Payload) {
		c.t.Fatalf("got %v, want %v: %s", f, want, hint)
	}
}

// ExpectClose reads frames until a close frame and returns its code
// (1005 if it has none); the server must then end the TCP connection. Pings
// and pongs on the way are skipped; a data frame fails the test at once.
func (c *Client) ExpectClose(hint string) int {
	c.t.Helper()
	return c.expectClose(false, hint)
}

// SkipToClose is ExpectClose for a server that may still send data frames
// before its close frame (a chat room's announcements): they are skipped.
func (c *Client) SkipToClose(hint string) int {
	c.t.Helper()
	return c.expectClose(true, hint)
}

func (c *Client) expectClose(skipData bool, hint string) int {
	c.t.Helper()
	for {
		f, err := c.Read()
		require.NoError(c.t, err, "want a close frame: %s", hint)
		switch {
		case f.Opcode == 0x9 || f.Opcode == 0xa || f.Opcode < 0x8 && skipData:
			continue
		case f.Opcode != 0x8:
			c.t.Fatalf("got %v, want a close frame: %s", f, hint)
		}
		code := 1005
		if len(f.Payload) >= 2 {
			code = int(binary.BigEndian.Uint16(f.Payload))
		}
		c.ExpectEOF(hint)
		return code
	}
}

// ExpectEOF requires the server to close the TCP connection.
func (c *Client) ExpectEOF(hint string) {
	c.t.Helper()
	_, err := c.BR.ReadByte()
	require.ErrorIs(c.t, err, io.EOF, "after its close frame the server closes TCP (RFC 6455 §7.1.1): %s", hint)
}

// WaitForOutput waits until the server has logged want.
func WaitForOutput(t testing.TB, out *SyncBuffer, want string) {
	t.Helper()
	require.Eventuallyf(t, func() bool { return strings.Contains(out.String(), want) },
		WaitFor, 10*time.Millisecond, "the server never logged %q; its last lines:\n%s", want, out.Tail(8))
}

// SkipUnlessCI skips a test that needs a program this machine lacks, but
// fails it under CI (CI=true), which installs every such program: there a
// skip would hide a check that must run.
func SkipUnlessCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why + "; CI must run this test (see .ci/run)")
	}
	t.Skip(why)
}
