package websocket

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// readAll reads until ReadMessage fails, as most handlers do.
func readAll(c *Conn) error {
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}

func TestCloseStatus(t *testing.T) {
	if exercise {
		startServer(t, testServer()) // stops here, with one line, while the message layer is a stub
	}
	tests := []struct {
		name   string
		config func(s *Server)
		serve  func(c *Conn) error // returns the error CloseStatus classifies
		client func(c *wstest.Client)
		want   int
		cause  error // what errors.Is finds in the error, if anything
	}{
		{"the client closes with 4000", nil, readAll,
			func(c *wstest.Client) { c.Send(closeFrame, wstest.ClosePayload(4000, "bye")) }, 4000, nil},
		{"the server closes with 4001 and the client answers",
			nil, func(c *Conn) error { c.Close(4001, "bye"); return readAll(c) },
			func(c *wstest.Client) { c.Read(); c.Send(closeFrame, wstest.ClosePayload(4001, "")) }, 4001, nil},
		{"the server closes with 4001 and the client never answers",
			nil, func(c *Conn) error { c.Close(4001, "bye"); return readAll(c) },
			func(*wstest.Client) {}, 4001, net.ErrClosed},
		{"the client hangs up without a close frame", nil, readAll,
			func(c *wstest.Client) { c.Conn.Close() }, CloseAbnormal, io.EOF},
		{"the client is quiet past the idle timeout",
			func(s *Server) { s.IdleTimeout, s.PingInterval = 100*time.Millisecond, -1 }, readAll,
			func(*wstest.Client) {}, CloseGoingAway, os.ErrDeadlineExceeded},
		{"the client sends an unmasked frame", nil, readAll,
			func(c *wstest.Client) { c.Write([]byte{0x81, 0x02, 'h', 'i'}) }, CloseProtocolError, errUnmasked},
		{"the client sends a message over MaxMessage", func(s *Server) { s.MaxMessage = 10 }, readAll,
			func(c *wstest.Client) { c.Send(binaryFrame, make([]byte, 20)) }, CloseMessageTooBig, errMessageTooBig},
		{"the client stops reading and a write times out",
			func(s *Server) { s.WriteTimeout = 100 * time.Millisecond },
			func(c *Conn) error {
				for {
					if err := c.WriteMessage(BinaryMessage, make([]byte, 1<<20)); err != nil {
						return err
					}
				}
			},
			func(*wstest.Client) {}, CloseAbnormal, errNotReading},
		{"the server ends the connection with CloseNow", nil,
			func(c *Conn) error { c.CloseNow(); return readAll(c) },
			func(*wstest.Client) {}, CloseAbnormal, net.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan error, 1)
			cfg := testServer()
			cfg.Handler = func(c *Conn, _ *http.Request) error {
				err := tt.serve(c)
				got <- err
				return err
			}
			if tt.config != nil {
				tt.config(cfg)
			}
			_, addr, _ := startServer(t, cfg)
			tt.client(wstest.Connect(t, addr))
			select {
			case err := <-got:
				assert.Equal(t, tt.want, CloseStatus(err), "CloseStatus(%q) (RFC 6455 §7.4.1)", err)
				if tt.cause != nil {
					assert.ErrorIs(t, err, tt.cause, "the cause is wrapped, for errors.Is")
				}
			case <-time.After(wstest.WaitFor):
				t.Fatal("the handler never returned")
			}
		})
	}
	t.Run("an error that is not about closing is -1", func(t *testing.T) {
		for _, err := range []error{nil, errors.New("other"), errNotAData} {
			assert.Equal(t, -1, CloseStatus(err), "CloseStatus(%v)", err)
		}
	})
}
