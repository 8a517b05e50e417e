package websocket

import (
	"context"
	"log"
	"net/http"
	"net/http/httptest"
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
	if exercise {
		startServer(t, testServer()) // stops here, with one line, while the message layer is a stub
	}
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

func TestUpgradeSendsTheCallersHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=abc; HttpOnly")
		w.Header().Set("X-Request-Id", "42\r\nX-Forged: 1") // a newline must not start a line of its own
		for _, owned := range []string{"Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "sec-websocket-extensions"} {
			w.Header()[owned] = []string{"forged"}
		}
		if c, err := Upgrade(w, r, nil); err == nil {
			c.CloseNow()
		}
	}))
	defer srv.Close()
	key := wstest.NewKey()
	resp := wstest.RoundTrip(t, srv.Listener.Addr().String(), wstest.HandshakeRequest("/", key))
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, []string{"session=abc; HttpOnly"}, resp.Header.Values("Set-Cookie"), "a cookie set before Upgrade goes out with the 101")
	assert.Equal(t, "42  X-Forged: 1", resp.Header.Get("X-Request-Id"), "a newline in a value becomes a space")
	assert.Empty(t, resp.Header.Get("X-Forged"), "no header line can be forged through a value")
	for name, want := range map[string][]string{"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-WebSocket-Accept": {wstest.AcceptKey(key)}, "Sec-WebSocket-Protocol": nil, "Sec-WebSocket-Extensions": nil} {
		assert.Equal(t, want, resp.Header.Values(name), "%s is the handshake's own (RFC 6455 §4.2.2): the caller's value is dropped", name)
	}
}

func TestOrigins(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		origin  string // "" sends none
		origins []string
		status  int
	}{
		{"a client without Origin is accepted", "127.0.0.1:8002", "", nil, 101},
		{"the server's own page is accepted", "127.0.0.1:8002", "http://127.0.0.1:8002", nil, 101},
		{"the server's own page in another case is accepted", "Example.COM", "https://example.com", nil, 101},
		{"another port is another origin, refused", "127.0.0.1:8002", "http://127.0.0.1:8003", nil, 403},
		{"another site is refused", "127.0.0.1:8002", "http://evil.example", nil, 403},
		{"the opaque origin null is refused", "127.0.0.1:8002", "null", nil, 403},
		{"an origin listed is accepted", "127.0.0.1:8002", "http://127.0.0.1:8003", []string{"http://127.0.0.1:8003"}, 101},
		{"a subdomain pattern accepts a subdomain", "api.example.com", "https://app.example.com", []string{"https://*.example.com"}, 101},
		{"a subdomain pattern refuses another scheme", "api.example.com", "http://app.example.com", []string{"https://*.example.com"}, 403},
		{"a subdomain pattern refuses a look-alike site", "api.example.com", "https://example.com.evil", []string{"https://*.example.com"}, 403},
		{"a port pattern accepts any port", "127.0.0.1:8002", "http://localhost:3000", []string{"http://localhost:*"}, 101},
		{"* accepts any origin", "127.0.0.1:8002", "http://evil.example", []string{"*"}, 101},
		{"the server's own page is accepted whatever is listed", "127.0.0.1:8002", "http://127.0.0.1:8002", []string{"https://other"}, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testServer()
			cfg.Origins = tt.origins
			_, addr, _ := startServer(t, cfg)
			request := strings.Replace(wstest.HandshakeRequest("/xxoo", wstest.NewKey()), "Host: 127.0.0.1", "Host: "+tt.host, 1)
			if tt.origin != "" {
				request = withHeaders(request, "Origin: "+tt.origin)
			}
			resp := wstest.RoundTrip(t, addr, request)
			assert.Equal(t, tt.status, resp.StatusCode, "Origin %q, Host %q, Origins %q (Options.Origins, RFC 6455 §10.2)", tt.origin, tt.host, tt.origins)
		})
	}
}

func TestServerOnAMuxKeepsItsLimits(t *testing.T) {
	needMessageLayer(t)
	out := &wstest.SyncBuffer{}
	s := &Server{Handler: echo, MaxConns: 1, MaxMemory: 1000, Logger: log.New(out, "", 0)}
	mux := http.NewServeMux()
	mux.Handle("/ws", s)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	addr := srv.Listener.Addr().String()

	c := wstest.ConnectPath(t, addr, "/ws")
	t.Run("MaxConns: one connection too many gets 503", func(t *testing.T) {
		resp := wstest.RoundTrip(t, addr, wstest.HandshakeRequest("/ws", wstest.NewKey()))
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "Server.MaxConns applies on a mux too")
	})
	t.Run("MaxMemory: a message past the budget is closed with 1013", func(t *testing.T) {
		c.Send(binaryFrame, make([]byte, 2000))
		assert.Equal(t, CloseTryAgainLater, c.ExpectClose("a 2000-byte message, MaxMemory 1000"), "Server.MaxMemory applies on a mux too")
	})
}
