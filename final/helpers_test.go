package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
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

// articleRequest is the handshake request printed in section 3 of the article,
// as a browser sends it.
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

// articleAccept is the Sec-WebSocket-Accept that answers articleRequest.
var articleAccept = acceptKeyRef("mnwFxiOlctXFN/DeMt1Amg==")

// waitFor is how long a test waits for something that should happen at once.
const waitFor = 10 * time.Second

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

// testConfig is the configuration the tests run with unless they change it.
func testConfig() config {
	return config{maxMessage: 32 << 20, idleTimeout: time.Minute, headTimeout: 10 * time.Second, writeTimeout: 10 * time.Second}
}

// startServer runs a server with cfg on a free port of 127.0.0.1 for the
// length of the test and returns it, its address and everything it logs.
func startServer(t testing.TB, cfg config) (*server, string, *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	out := &syncBuffer{}
	s := newServer(cfg, out)
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.serve(ln)
	}()
	t.Cleanup(func() {
		done := make(chan struct{})
		close(done)
		s.shutdown(done)
		<-served
	})
	return s, ln.Addr().String(), out
}

// dial opens a TCP connection that is closed when the test ends.
func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(30 * time.Second)) // a broken server fails the test instead of hanging it
	t.Cleanup(func() { c.Close() })
	return c
}

// client is a raw-TCP WebSocket client: it writes masked frames byte by byte
// as the test says and reads the server's frames with its own small decoder,
// independent of the server's code.
type client struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

// handshakeRequest is a correct opening handshake for path with key.
func handshakeRequest(path, key string) string {
	return "GET " + path + " HTTP/1.1\r\n" +
		"Host: 127.0.0.1\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: keep-alive, Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"\r\n"
}

// connect dials addr and completes the opening handshake.
func connect(t testing.TB, addr string) *client {
	t.Helper()
	conn := dial(t, addr)
	key := newKey()
	_, err := io.WriteString(conn, handshakeRequest("/xxoo", key))
	require.NoError(t, err)
	c := &client{t: t, conn: conn, br: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(c.br, nil)
	require.NoError(t, err, "reading the handshake response (RFC 6455 §4.2.2)")
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "the handshake must be answered with 101 (RFC 6455 §4.2.2)")
	require.Equal(t, acceptKeyRef(key), resp.Header.Get("Sec-WebSocket-Accept"), "Sec-WebSocket-Accept (RFC 6455 §4.2.2)")
	return c
}

func newKey() string {
	var nonce [16]byte
	rand.Read(nonce[:])
	return base64.StdEncoding.EncodeToString(nonce[:])
}

// frameBytes builds a masked client frame with the given first byte (FIN,
// RSV and opcode) and payload.
func frameBytes(b0 byte, payload []byte) []byte {
	return frameBytesKey(b0, payload, [4]byte{0x37, 0xfa, 0x21, 0x3d})
}

func frameBytesKey(b0 byte, payload []byte, key [4]byte) []byte {
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

// closePayload is a close frame's payload: the code, then the reason.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func (c *client) write(p []byte) {
	c.t.Helper()
	_, err := c.conn.Write(p)
	require.NoError(c.t, err)
}

// send writes one masked, final frame.
func (c *client) send(opcode byte, payload []byte) {
	c.t.Helper()
	c.write(frameBytes(0x80|opcode, payload))
}

// serverFrame is one frame as the server sent it.
type serverFrame struct {
	fin     bool
	opcode  byte
	payload []byte
}

// read reads one server frame; servers never mask (RFC 6455 §5.1).
func (c *client) read() (serverFrame, error) {
	var head [2]byte
	if _, err := io.ReadFull(c.br, head[:]); err != nil {
		return serverFrame{}, err
	}
	if head[0]&0x70 != 0 || head[1]&0x80 != 0 {
		return serverFrame{}, fmt.Errorf("server frame % x has RSV or MASK set (RFC 6455 §5.1, §5.2)", head)
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return serverFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return serverFrame{}, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > 64<<20 {
		return serverFrame{}, fmt.Errorf("server frame claims %d bytes", n)
	}
	f := serverFrame{fin: head[0]&0x80 != 0, opcode: head[0] & 0x0f, payload: make([]byte, n)}
	_, err := io.ReadFull(c.br, f.payload)
	return f, err
}

// expect reads one frame and requires it to be a final frame with opcode and payload.
func (c *client) expect(opcode byte, payload []byte, hint string) {
	c.t.Helper()
	f, err := c.read()
	require.NoError(c.t, err, hint)
	require.True(c.t, f.fin, "server frames are final: %s", hint)
	require.Equal(c.t, opcode, f.opcode, "opcode: %s", hint)
	if !bytes.Equal(payload, f.payload) {
		require.Failf(c.t, "payload differs", "got %d bytes %.40q, want %d bytes %.40q: %s",
			len(f.payload), f.payload, len(payload), payload, hint)
	}
}

// expectClose reads frames until a close frame and returns its code
// (1005 if it has none); the server must then end the TCP connection.
func (c *client) expectClose(hint string) int {
	c.t.Helper()
	for {
		f, err := c.read()
		require.NoError(c.t, err, "want a close frame: %s", hint)
		if f.opcode != 0x8 {
			continue
		}
		code := 1005
		if len(f.payload) >= 2 {
			code = int(binary.BigEndian.Uint16(f.payload))
		}
		c.expectEOF(hint)
		return code
	}
}

// expectEOF requires the server to close the TCP connection.
func (c *client) expectEOF(hint string) {
	c.t.Helper()
	_, err := c.br.ReadByte()
	require.ErrorIs(c.t, err, io.EOF, "after its close frame the server closes TCP (RFC 6455 §7.1.1): %s", hint)
}

// acceptKeyRef is an independent Sec-WebSocket-Accept for the tests: the
// hash of the RFC's recipe, computed without the server's code.
func acceptKeyRef(key string) string {
	return acceptKeyWith(key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
}

// echoWorks checks that the server still echoes on a fresh connection.
func echoWorks(t testing.TB, addr string) {
	t.Helper()
	c := connect(t, addr)
	c.send(0x1, []byte("still there?"))
	c.expect(0x1, []byte("still there?"), "the server goes on serving after a bad client")
}

// waitForOutput waits until the server has logged want.
func waitForOutput(t testing.TB, out *syncBuffer, want string) {
	t.Helper()
	require.Eventuallyf(t, func() bool { return strings.Contains(out.String(), want) },
		waitFor, 10*time.Millisecond, "the server never logged %q; it logged:\n%s", want, out)
}

// skipUnlessCI skips a test that needs a program this machine lacks, but
// fails it under CI (CI=true), which installs every such program: there a
// skip would hide a check that must run.
func skipUnlessCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why + "; CI must run this test (see .ci/run)")
	}
	t.Skip(why)
}
