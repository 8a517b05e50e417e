package websocket

// Tests of the Server under hostile use: a Handler that panics or never
// returns, and an upgrade that carries a body.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
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
	wstest.WaitForOutput(t, out, "panic in the Handler: a bug in the Handler")
	assert.Contains(t, out.String(), "hostile_test.go", "the log has the stack, down to the line that panicked")
	echoWorks(t, addr)
}

func TestShutdownReturnsByItsDeadline(t *testing.T) {
	stuck := make(chan struct{})
	s := testServer()
	s.Handler = func(c *Conn, r *http.Request) error { <-stuck; return nil } // never returns while the test runs
	s, addr, out := startServer(t, s)
	t.Cleanup(func() { close(stuck) }) // runs before startServer's cleanup
	wstest.Connect(t, addr)
	wstest.WaitForOutput(t, out, "WebSocket open")

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
