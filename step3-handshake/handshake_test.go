package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const handshakeHint = "see docs/step3-handshake.md, \"Exercise\", and RFC 6455 §4.2"

func TestGetHeaders(t *testing.T) {
	t.Run("parses the article's request", func(t *testing.T) {
		lines := strings.Split(strings.TrimSuffix(articleRequest, "\r\n\r\n"), "\r\n")
		req, err := getHeaders(lines)
		require.NoError(t, err, handshakeHint)
		assert.Equal(t, "GET", req.method, "the method is the first word of the request line")
		assert.Equal(t, "/chatsocket", req.url, "the url is the second word")
		assert.Equal(t, "HTTP/1.1", req.protocol, "the protocol is the third word")
		assert.Equal(t, "mnwFxiOlctXFN/DeMt1Amg==", req.header.Get("Sec-WebSocket-Key"), handshakeHint)
		assert.Equal(t, "permessage-deflate; client_max_window_bits", req.header.Get("Sec-WebSocket-Extensions"),
			"only the first colon separates the name from the value")
		assert.Len(t, req.header, 9, "one entry per header line")
	})

	tests := []struct {
		name  string
		lines []string
		key   string
		want  []string
	}{
		{"names are case-insensitive", []string{"GET / HTTP/1.1", "sec-websocket-key: abc"}, "Sec-WebSocket-Key", []string{"abc"}},
		{"spaces around a value are dropped", []string{"GET / HTTP/1.1", "Upgrade:   websocket  "}, "Upgrade", []string{"websocket"}},
		{"no space after the colon is fine", []string{"GET / HTTP/1.1", "Upgrade:websocket"}, "Upgrade", []string{"websocket"}},
		{"a value may hold colons", []string{"GET / HTTP/1.1", "Host: 127.0.0.1:8002"}, "Host", []string{"127.0.0.1:8002"}},
		{"a repeated field keeps every value", []string{"GET / HTTP/1.1", "Connection: keep-alive", "Connection: Upgrade"}, "Connection", []string{"keep-alive", "Upgrade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := getHeaders(tt.lines)
			require.NoError(t, err, handshakeHint)
			assert.Equal(t, tt.want, req.header.Values(tt.key), "getHeaders(%q)[%q] (%s)", tt.lines, tt.key, handshakeHint)
		})
	}
}

func TestGetHeadersRejects(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{"a request line with two words", []string{"GET /"}},
		{"a request line with four words", []string{"GET / HTTP/1.1 extra"}},
		{"a header line without a colon", []string{"GET / HTTP/1.1", "Host 127.0.0.1"}},
		{"a header with an empty name", []string{"GET / HTTP/1.1", ": value"}},
		{"a header name with a space", []string{"GET / HTTP/1.1", "Bad Name: value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := getHeaders(tt.lines)
			bad := tt.lines[len(tt.lines)-1]
			assert.ErrorContains(t, err, bad, "getHeaders(%q) must fail, not guess, and say which line is wrong (%s)", tt.lines, handshakeHint)
		})
	}
}

func TestAcceptKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want string
	}{
		{"the RFC 6455 §1.3 sample key", "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		{"the article's key", "mnwFxiOlctXFN/DeMt1Amg==", "oRjiwsm8ZS/eLqIQ6p82z1wgGHE="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := acceptKey(tt.key)
			assert.Equal(t, tt.want, got, "acceptKey(%q): got %q want %q; is it SHA-1 (not HMAC) of key+magicString, then base64? (%s)",
				tt.key, got, tt.want, handshakeHint)
		})
	}
}
