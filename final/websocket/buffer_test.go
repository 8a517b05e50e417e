package websocket

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// socketPair is both ends of a loopback TCP connection.
func socketPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client = wstest.Dial(t, ln.Addr().String())
	server, err = ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	return server, client
}

func TestReadBufferIsLentOnlyWhileBytesWait(t *testing.T) {
	server, client := socketPair(t)
	progress := 0
	b := newReadBuffer(server, bufio.NewReader(strings.NewReader("")), func() error { progress++; return nil })
	const hint = "an idle connection must hold no read buffer (docs/performance.md, memory per idle connection)"

	waitIdle := func() {
		t.Helper()
		server.SetReadDeadline(time.Now().Add(20 * time.Millisecond)) // only to end the wait
		err := b.fill()
		require.ErrorIs(t, err, os.ErrDeadlineExceeded, "nothing was sent, so the wait ends at the deadline")
		assert.Nil(t, b.buf, hint)
		server.SetReadDeadline(time.Time{})
	}
	waitIdle()

	_, err := client.Write([]byte("hello"))
	require.NoError(t, err)
	got := make([]byte, 5)
	_, err = io.ReadFull(b, got)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))
	assert.Equal(t, 1, progress, "each read that brings bytes counts as progress")
	waitIdle()

	big := bytes.Repeat([]byte{0xab}, 3*readBufferSize)
	go client.Write(big)
	got = make([]byte, len(big))
	_, err = io.ReadFull(b, got)
	require.NoError(t, err)
	assert.Equal(t, big, got, "a read as large as the buffer goes straight into the caller's slice")
	waitIdle()

	client.Close()
	assert.ErrorIs(t, b.fill(), io.EOF, "the client hung up")
}

func TestReadBufferStartsWithWhatTheHTTPServerRead(t *testing.T) {
	server, _ := socketPair(t)
	br := bufio.NewReader(strings.NewReader("frames that came with the handshake"))
	br.Peek(1) // the HTTP server has read them into its buffer
	b := newReadBuffer(server, br, func() error { return nil })
	got := make([]byte, len("frames that came with the handshake"))
	_, err := io.ReadFull(b, got)
	require.NoError(t, err)
	assert.Equal(t, "frames that came with the handshake", string(got), "bytes after the request head belong to the WebSocket")
}

func TestFramesInTheSameWriteAsTheHandshakeAreRead(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	key := wstest.NewKey()
	frame := wstest.ClientFrame(0x81, []byte("right behind the handshake"))
	c := wstest.ConnectWith(t, addr, wstest.HandshakeRequest("/xxoo", key)+string(frame), key)
	c.Expect(textFrame, []byte("right behind the handshake"), "a client may send frames before it has read the 101 (RFC 6455 §4.1)")
}

func TestSocketWriterFailsLikeConnWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client func(net.Conn) // what the client does instead of reading
		want   string
	}{
		{"the client reset the connection", func(c net.Conn) { c.(*net.TCPConn).SetLinger(0); c.Close() },
			`^write tcp \S+->\S+: write: (broken pipe|connection reset by peer)$`},
		{"the client stopped reading", func(net.Conn) {}, `^write tcp \S+->\S+: i/o timeout$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := socketPair(t)
			tc.client(client)
			w := writers.Get().(*socketWriter)
			w.c = newConn(server, nil, Options{WriteTimeout: -1, PingInterval: -1}, false)
			server.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)) // only to end the wait
			_, err := w.Write(make([]byte, 16<<20))                        // more than the socket buffers hold
			require.Error(t, err, "the write cannot finish")
			assert.Regexp(t, tc.want, err.Error(),
				"a write call that fails says what net.Conn.Write would: the log lines of docs/final-extras.md quote it")
		})
	}
}
