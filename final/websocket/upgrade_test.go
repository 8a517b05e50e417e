package websocket

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// withHeaders adds header lines to a handshake request.
func withHeaders(request string, lines ...string) string {
	return strings.Replace(request, "\r\n\r\n", "\r\n"+strings.Join(lines, "\r\n")+"\r\n\r\n", 1)
}

// sayProtocol is a handler that sends the agreed subprotocol as its first
// message, then echoes.
func sayProtocol(c *Conn, r *http.Request) error {
	if err := c.WriteMessage(TextMessage, []byte("protocol="+c.Subprotocol())); err != nil {
		return err
	}
	return echo(c, r)
}

func TestSubprotocols(t *testing.T) {
	cfg := testServer()
	cfg.Subprotocols = []string{"chat.v2", "chat.v1"}
	cfg.Handler = sayProtocol
	_, addr, _ := startServer(t, cfg)
	tests := []struct {
		name  string
		offer []string // Sec-WebSocket-Protocol lines
		want  string
	}{
		{"no offer agrees on none", nil, ""},
		{"one offer we speak is chosen", []string{"chat.v1"}, "chat.v1"},
		{"one offer we do not speak agrees on none", []string{"graphql-ws"}, ""},
		{"of several offers, our first preference wins", []string{"x, chat.v1, chat.v2"}, "chat.v2"},
		{"offers on repeated header lines count together", []string{"x", "chat.v1"}, "chat.v1"},
		{"odd spacing around the tokens is ignored", []string{" x ,chat.v1\t,  "}, "chat.v1"},
		{"names differing in case do not match", []string{"Chat.V2, CHAT.V1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := wstest.NewKey()
			request := wstest.HandshakeRequest("/xxoo", key)
			for _, line := range tt.offer {
				request = withHeaders(request, "Sec-WebSocket-Protocol: "+line)
			}
			c := wstest.ConnectWith(t, addr, request, key)
			c.Expect(textFrame, []byte("protocol="+tt.want), "Conn.Subprotocol is the one agreed (Options.Subprotocols)")
		})
	}
	t.Run("the 101 names the chosen subprotocol, or none", func(t *testing.T) {
		for offer, want := range map[string][]string{"x, chat.v1": {"chat.v1"}, "x": nil} {
			resp := wstest.RoundTrip(t, addr, withHeaders(wstest.HandshakeRequest("/xxoo", wstest.NewKey()), "Sec-WebSocket-Protocol: "+offer))
			require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
			assert.Equal(t, want, resp.Header.Values("Sec-WebSocket-Protocol"), "offer %q: one of the client's, or no header at all (RFC 6455 §4.2.2)", offer)
		}
	})
}
