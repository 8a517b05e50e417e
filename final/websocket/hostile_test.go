package websocket

// Tests of the Server and the frame picture under hostile use: a Handler
// that panics or never returns, an upgrade that carries a body, and what a
// watched connection costs.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// panicky echoes, except on /panic, where its Handler has a bug.
func panicky(c *Conn, r *http.Request) error {
	if r.URL.Path == "/panic" {
		panic("a bug in the Handler")
	}
	return echo(c, r)
}

func TestAPanickingHandlerClosesOnlyItsConnection(t *testing.T) {
	s := testServer()
	s.Handler = panicky
	_, addr, out := startServer(t, s)
	c := wstest.ConnectPath(t, addr, "/panic")
	f, err := c.Read()
	require.NoError(t, err, "the process must survive a Handler's panic, as net/http's does")
	require.Equal(t, byte(closeFrame), f.Opcode, "the panicked connection gets a close frame")
	assert.Equal(t, wstest.ClosePayload(CloseInternalError, ""), f.Payload, "with 1011 internal error (RFC 6455 §7.4.1)")
	c.Send(closeFrame, wstest.ClosePayload(CloseNormal, ""))
	c.ExpectEOF("the closing handshake ends as usual")
	wstest.WaitForOutput(t, out, `panic in the Handler: "a bug in the Handler"`)
	assert.Contains(t, out.String(), "hostile_test.go", "the log has the stack, down to the line that panicked")
	echoWorks(t, addr)
}

func TestShutdownReturnsByItsDeadline(t *testing.T) {
	stuck := make(chan struct{})
	s := testServer()
	s.Handler = func(c *Conn, r *http.Request) error {
		if r.URL.Path == "/stuck" {
			<-stuck // never returns while the test runs
			return nil
		}
		return echo(c, r)
	}
	s, addr, out := startServer(t, s)
	t.Cleanup(func() { close(stuck) }) // runs before startServer's cleanup
	wstest.ConnectPath(t, addr, "/stuck")
	wstest.WaitForOutput(t, out, `WebSocket open on "/stuck"`)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	returned := make(chan error, 1)
	go func() { returned <- s.Shutdown(ctx) }()
	select {
	case err := <-returned:
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Shutdown says that its context ended first, as net/http's does")
	case <-time.After(wstest.WaitFor):
		t.Fatal("Shutdown still waits for a Handler that never returns, long after its context ended")
	}
}

func TestAnUpgradeWithABodyIsRefused(t *testing.T) {
	frame := wstest.ClientFrame(0x80|textFrame, []byte("smuggled as a body"))
	tests := []struct {
		name    string
		headers string
		body    []byte
		status  int
	}{
		{"Content-Length: 0 is no body", "Content-Length: 0\r\n", nil, http.StatusSwitchingProtocols},
		{"Content-Length is refused with 400", fmt.Sprintf("Content-Length: %d\r\n", len(frame)), frame, http.StatusBadRequest},
		{"chunked Transfer-Encoding is refused with 400", "Transfer-Encoding: chunked\r\n",
			fmt.Appendf(nil, "%x\r\n%s\r\n0\r\n\r\n", len(frame), frame), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr, _ := startServer(t, testServer())
			conn := wstest.Dial(t, addr)
			request := strings.Replace(wstest.HandshakeRequest("/xxoo", wstest.NewKey()), "\r\n\r\n", "\r\n"+tt.headers+"\r\n", 1)
			_, err := conn.Write(append([]byte(request), tt.body...))
			require.NoError(t, err)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.StatusCode, "the handshake is a head alone (RFC 6455 §4.1): a proxy would pass a body on, and it would become frames")
			if tt.status == http.StatusBadRequest {
				io.Copy(io.Discard, resp.Body)
				rest, _ := io.ReadAll(br)
				assert.Empty(t, rest, "nothing follows the refusal: the body never becomes frames")
			}
		})
	}
}

// allocatedPerEcho is how many bytes the process allocates to echo a 1 MiB
// message through s: the least of a few echoes, since one now and then finds
// no pooled buffer (sync.Pool keeps one per core), watched or not.
func allocatedPerEcho(t *testing.T, s *Server) uint64 {
	_, addr, _ := startServer(t, s)
	c := wstest.Connect(t, addr)
	msg := bytes.Repeat([]byte("a"), 1<<20)
	frame := wstest.ClientFrame(0x80|binaryFrame, msg)
	reply := make([]byte, len(appendFrameHeader(nil, binaryFrame, len(msg)))+len(msg))
	least := uint64(math.MaxUint64)
	var before, after runtime.MemStats
	for range 8 {
		runtime.ReadMemStats(&before)
		_, err := c.Conn.Write(frame)
		require.NoError(t, err)
		_, err = io.ReadFull(c.BR, reply)
		require.NoError(t, err)
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

func TestAWatchedConnectionCostsLittleMore(t *testing.T) {
	unwatched := allocatedPerEcho(t, testServer())
	s := testServer()
	s.OnFrame = func(_ *Conn, f Frame) { _ = f.Describe() } // what -v and the frame view do
	watched := allocatedPerEcho(t, s)
	assert.Less(t, watched, unwatched+64<<10,
		"a 1 MiB echo allocates %d bytes watched, %d unwatched: a picture shows 16 bytes in hex and 64 of text, copy no more (docs/final.md, the frame view)",
		watched, unwatched)
}

func TestAFrameCutToWhatIsShownDescribesTheWholeFrame(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
	}{
		{"a masked text frame of 1000 bytes", wstest.ClientFrame(0x80|textFrame, bytes.Repeat([]byte("0123456789"), 100))},
		{"an unmasked binary frame of 70 000 bytes", append(appendFrameHeader(nil, binaryFrame, 70000), make([]byte, 70000)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := describeWire(t, "in", tt.wire)
			h, raw, err := readFrameHeader(bytes.NewReader(tt.wire), make([]byte, maxFrameHeaderSize))
			require.NoError(t, err)
			cut := Frame{Incoming: true, Header: raw, Payload: shown(tt.wire[len(raw):]), h: h}
			assert.Equal(t, whole, cut.Describe(), "the picture counts the bytes a Frame does not carry (docs/final.md, the frame view)")
		})
	}
}
