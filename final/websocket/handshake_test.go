package websocket

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

func TestAcceptKey(t *testing.T) {
	const hint = "RFC 6455 §1.3: base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\"))"
	t.Run("the RFC sample key gives the RFC's answer", func(t *testing.T) {
		assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), hint)
	})
	t.Run("the article's key", func(t *testing.T) {
		assert.Equal(t, wstest.AcceptKeyWith("mnwFxiOlctXFN/DeMt1Amg==", MagicString), AcceptKey("mnwFxiOlctXFN/DeMt1Amg=="), hint)
	})
	t.Run("the companion README's misspelt GUID gives a wrong answer", func(t *testing.T) {
		typo := wstest.AcceptKeyWith("dGhlIHNhbXBsZSBub25jZQ==", "285EAFA5-E914-47DA-95CA-C5AB0DC85B11")
		assert.NotEqual(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", typo, hint)
	})
}

func TestHandshake(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	good := wstest.HandshakeRequest("/xxoo", key)
	tests := []struct {
		name    string
		request string
		origins []string
		status  int
		hint    string
	}{
		{"the article's request is accepted", wstest.ArticleRequest, articleOrigin, 101, "RFC 6455 §4.2.2"},
		{"Firefox's Connection: keep-alive, Upgrade is accepted", good, nil, 101, "Connection is a token list (RFC 9110 §7.6.1)"},
		{"any path upgrades", wstest.HandshakeRequest("/chatsocket?x=1", key), nil, 101, "the article's server ignores the path"},
		{"header names and tokens in any case are accepted",
			"GET / HTTP/1.1\r\nhost: a\r\nUPGRADE: WebSocket\r\nconnection: UPGRADE\r\nsec-websocket-key: " + key +
				"\r\nsec-websocket-version: 13\r\n\r\n", nil, 101, "header names are case-insensitive (RFC 9110 §5.1)"},
		{"a POST upgrade is refused with 405", strings.Replace(good, "GET", "POST", 1), nil, 405, "the handshake is a GET (RFC 6455 §4.2.1 item 1)"},
		{"no Upgrade header is refused with 400", strings.Replace(good, "Upgrade: websocket\r\n", "", 1), nil, 400, "RFC 6455 §4.2.1 item 3"},
		{"Upgrade: h2c is refused with 400", strings.Replace(good, "Upgrade: websocket", "Upgrade: h2c", 1), nil, 400, "RFC 6455 §4.2.1 item 3"},
		{"Connection without Upgrade is refused with 400", strings.Replace(good, "keep-alive, Upgrade", "keep-alive", 1), nil, 400, "RFC 6455 §4.2.1 item 4"},
		{"no key is refused with 400", strings.Replace(good, "Sec-WebSocket-Key: "+key+"\r\n", "", 1), nil, 400, "RFC 6455 §4.2.1 item 5"},
		{"a key that is not base64 is refused with 400", strings.Replace(good, key, "not base64 at all!!!!!!!", 1), nil, 400, "RFC 6455 §4.2.1 item 5"},
		{"a key of 15 bytes is refused with 400", strings.Replace(good, key, "dGhlIHNhbXBsZSBub25jZQ", 1), nil, 400, "the key is 16 bytes in base64 (RFC 6455 §4.2.1 item 5)"},
		{"a key of 17 bytes is refused with 400", strings.Replace(good, key, "dGhlIHNhbXBsZSBub25jZQ8=", 1), nil, 400, "the key is 16 bytes in base64 (RFC 6455 §4.2.1 item 5)"},
		{"two keys are refused with 400", strings.Replace(good, "\r\n\r\n", "\r\nSec-WebSocket-Key: "+key+"\r\n\r\n", 1), nil, 400,
			"Sec-WebSocket-Key must not appear more than once (RFC 6455 §11.3.1)"},
		{"version 8 is refused with 426", strings.Replace(good, "Version: 13", "Version: 8", 1), nil, 426, "RFC 6455 §4.2.2 item 4"},
		{"no version is refused with 426", strings.Replace(good, "Sec-WebSocket-Version: 13\r\n", "", 1), nil, 426, "RFC 6455 §4.2.2 item 4"},
		{"HTTP/1.0 is refused with 400", strings.Replace(good, "HTTP/1.1", "HTTP/1.0", 1), nil, 400, "RFC 6455 §4.1: HTTP/1.1 or higher"},
		{"an allowed origin is accepted", strings.Replace(good, "\r\n\r\n", "\r\nOrigin: http://127.0.0.1:8002\r\n\r\n", 1),
			[]string{"http://127.0.0.1:8002"}, 101, "-origin (RFC 6455 §10.2)"},
		{"another origin is refused with 403", strings.Replace(good, "\r\n\r\n", "\r\nOrigin: http://evil.example\r\n\r\n", 1),
			[]string{"http://127.0.0.1:8002"}, 403, "-origin stops cross-site WebSocket hijacking (RFC 6455 §10.2)"},
		{"another origin is refused without -origin", strings.Replace(good, "\r\n\r\n", "\r\nOrigin: http://evil.example\r\n\r\n", 1),
			nil, 403, "the server's own pages only, by default (Options.Origins, RFC 6455 §10.2)"},
		{"a head larger than MaxHeaderBytes is refused with 431",
			strings.Replace(good, "\r\n\r\n", "\r\nX-Big: "+strings.Repeat("a", 200<<10)+"\r\n\r\n", 1), nil, 431, "http.Server.MaxHeaderBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testServer()
			cfg.Origins = tt.origins
			_, addr, _ := startServer(t, cfg)
			resp := wstest.RoundTrip(t, addr, tt.request)
			assert.Equal(t, tt.status, resp.StatusCode, "HTTP status (%s)", tt.hint)
			if tt.status == 101 {
				assert.True(t, hasTokenRef(resp.Header.Get("Upgrade"), "websocket"), "Upgrade: websocket (RFC 6455 §4.2.2)")
				assert.True(t, hasTokenRef(resp.Header.Get("Connection"), "upgrade"), "Connection: Upgrade (RFC 6455 §4.2.2)")
				want := wstest.AcceptKey(key)
				if tt.request == wstest.ArticleRequest {
					want = wstest.AcceptKey("mnwFxiOlctXFN/DeMt1Amg==")
				}
				assert.Equal(t, want, resp.Header.Get("Sec-WebSocket-Accept"), "RFC 6455 §4.2.2")
				assert.Empty(t, resp.Header.Get("Sec-WebSocket-Extensions"), "no extension is negotiated, so RSV bits stay 0")
			}
			if tt.status == 405 {
				assert.Equal(t, "GET", resp.Header.Get("Allow"), "a 405 says which method is allowed (RFC 9110 §15.5.6)")
			}
			if tt.status == 426 {
				assert.Equal(t, "13", resp.Header.Get("Sec-WebSocket-Version"), "a 426 names the version the server speaks (RFC 6455 §4.4)")
			}
			if tt.status != 101 && tt.status != 431 {
				assert.True(t, resp.Close, "a refused upgrade ends the connection (Connection: close)")
				echoWorks(t, addr)
			}
		})
	}
}

// articleOrigin lets the article's request in: its page came from an IDE's
// server on another port, so the article's server must allow that origin.
var articleOrigin = []string{"http://localhost:63342"}

func hasTokenRef(v, token string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

func TestHandshakeSplitIntoSingleBytes(t *testing.T) {
	cfg := testServer()
	cfg.Origins = articleOrigin
	_, addr, _ := startServer(t, cfg)
	conn := wstest.Dial(t, addr)
	for i := range len(wstest.ArticleRequest) {
		_, err := conn.Write([]byte{wstest.ArticleRequest[i]})
		require.NoError(t, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	assert.Equal(t, 101, resp.StatusCode, "a request may arrive one byte at a time; read until \\r\\n\\r\\n")
}

func TestSlowHandshakeIsCutOff(t *testing.T) {
	cfg := testServer()
	cfg.HeadTimeout = time.Second // generous: the heads of echoWorks must arrive within it on a loaded machine too
	_, addr, _ := startServer(t, cfg)

	// Slowloris: send a request head a little at a time and never finish it,
	// to hold a connection (and its goroutine) for as long as the server lets.
	slow := wstest.Dial(t, addr)
	_, err := slow.Write([]byte("GET /xxoo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"))
	require.NoError(t, err)
	echoWorks(t, addr)

	slow.SetReadDeadline(time.Now().Add(wstest.WaitFor))
	_, err = io.ReadAll(slow)
	require.NoError(t, err, "the server must hang up on a head that does not arrive within the read deadline (ReadHeaderTimeout)")
	echoWorks(t, addr)
}

func TestPlainHTTP(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	tests := []struct {
		name    string
		request string
		status  int
	}{
		{"GET / serves the page", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200},
		{"another path without an upgrade is not found", "GET /favicon.ico HTTP/1.1\r\nHost: a\r\n\r\n", 404},
		{"POST / is not allowed", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, wstest.RoundTrip(t, addr, tt.request).StatusCode)
		})
	}
}
