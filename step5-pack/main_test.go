package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestServerServesThePage(t *testing.T) {
	addr, out := startServer(t)
	resp := roundTrip(t, addr, "GET /?auto=hello HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")

	require.Equalf(t, http.StatusOK, resp.StatusCode, "GET / is answered with the page; the server's last lines:\n%s", tail{out})
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	doc, err := html.Parse(resp.Body)
	require.NoError(t, err)

	for _, id := range []string{"status", "msg", "send", "log"} {
		assert.NotNil(t, findByID(doc, id), "the page needs an element with id=%q", id)
	}
	script := findScript(doc)
	require.NotEmpty(t, script, "the page needs a <script> that opens the WebSocket")
	assert.Contains(t, script, "new WebSocket(", "the script opens a WebSocket")
	assert.Contains(t, script, `"ws://" + location.host`, "the script builds the ws:// URL from the page's own host, so -addr works")
	waitForOutput(t, out, "GET / → sent the page", "the server says it sent the page")
}

func TestServerAnswersTheHandshake(t *testing.T) {
	addr, out := startServer(t)
	conn := dial(t, addr)
	_, err := conn.Write([]byte(articleRequest))
	require.NoError(t, err)

	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server must answer the upgrade request with an HTTP response")
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "the handshake answer is 101 (RFC 6455 §4.2.2)")
	assert.Equal(t, "websocket", resp.Header.Get("Upgrade"))
	assert.Equal(t, "Upgrade", resp.Header.Get("Connection"))
	assert.Equal(t, "oRjiwsm8ZS/eLqIQ6p82z1wgGHE=", resp.Header.Get("Sec-WebSocket-Accept"),
		"Sec-WebSocket-Accept answers the article's key mnwFxiOlctXFN/DeMt1Amg== (RFC 6455 §4.2.2)")
	assert.Empty(t, resp.Header.Get("WebSocket-Location"), "WebSocket-Location is from a draft before RFC 6455")
	waitForOutput(t, out, "answered 101 Switching Protocols, Sec-WebSocket-Accept: oRjiwsm8ZS/eLqIQ6p82z1wgGHE=", "the server says what it answered")

	conn.Close()
	waitForOutput(t, out, "closed the connection", "the server notices the browser leaving")
}

func TestServerRefusesAnUpgradeWithoutAKey(t *testing.T) {
	addr, out := startServer(t)
	request := strings.Replace(articleRequest, "Sec-WebSocket-Key: mnwFxiOlctXFN/DeMt1Amg==\r\n", "", 1)
	resp := roundTrip(t, addr, request)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "no Sec-WebSocket-Key, nothing to answer: 400")
	waitForOutput(t, out, "no Sec-WebSocket-Key", "the server says why it refused")
}

func TestServerReadsARequestSentOneByteAtATime(t *testing.T) {
	addr, out := startServer(t)
	conn := dial(t, addr)
	for i := range len(articleRequest) {
		_, err := conn.Write([]byte{articleRequest[i]})
		require.NoError(t, err)
	}
	waitForOutput(t, out, "answered 101", "a request split over many TCP writes is still one request")
}

func TestServerAnswersOtherRequests(t *testing.T) {
	tests := []struct {
		name    string
		request string
		status  int
	}{
		{"an unknown path is not found", "GET /favicon.ico HTTP/1.1\r\nHost: a\r\n\r\n", http.StatusNotFound},
		{"a POST to / is not found", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", http.StatusNotFound},
		{"garbage is a bad request", "\x16\x03\x01\x02\x00\r\n\r\n", http.StatusBadRequest},
		{"a header line without a colon is a bad request", "GET / HTTP/1.1\r\nHost a\r\n\r\n", http.StatusBadRequest},
		{"an endless head is a bad request", "GET / HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", 3000), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := startServer(t)
			resp := roundTrip(t, addr, tt.request)
			assert.Equal(t, tt.status, resp.StatusCode)

			// The server goes on serving after a bad request.
			resp = roundTrip(t, addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the server keeps serving after %s", tt.name)
		})
	}
}

func TestServerSaysWhenASpareConnectionLeaves(t *testing.T) {
	addr, out := startServer(t)
	conn := dial(t, addr)
	conn.Close()
	waitForOutput(t, out, "connected and left without sending anything", "an empty connection is not an error")
	assert.NotContains(t, out.String(), "could not read", "browsers open spare connections; that is not a bad request")
}

func TestServerSurvivesAClientThatHangsUpMidHead(t *testing.T) {
	addr, out := startServer(t)
	conn := dial(t, addr)
	_, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost:"))
	require.NoError(t, err)
	conn.Close()
	waitForOutput(t, out, "unexpected EOF", "a head cut short is reported")

	resp := roundTrip(t, addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, _ = io.Copy(io.Discard, resp.Body)
}

func TestResponseTemplateIsAValidHandshakeAnswer(t *testing.T) {
	answer := http.Header{}
	for _, line := range strings.Split(strings.TrimSuffix(responseTemplate, "\r\n\r\n"), "\r\n")[1:] {
		name, value, ok := strings.Cut(line, ": ")
		require.True(t, ok, "%q must be Name: value, with a space after the colon", line)
		answer.Add(name, value)
	}
	assert.Equal(t, "websocket", answer.Get("Upgrade"))
	assert.Equal(t, "Upgrade", answer.Get("Connection"))
	assert.Equal(t, "%s", answer.Get("Sec-WebSocket-Accept"))
}
