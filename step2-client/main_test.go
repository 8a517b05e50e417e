package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestServerServesThePage(t *testing.T) {
	needs(t, readHeadExercise)
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

func TestServerPrintsTheUpgradeRequestHeaderByHeader(t *testing.T) {
	needs(t, readHeadExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)
	_, err := conn.Write([]byte(articleRequest))
	require.NoError(t, err)

	const hint = "step 2 prints an upgrade request line by line, marking the headers that matter"
	waitForOutput(t, out, "asks to upgrade GET /chatsocket to a WebSocket", hint)
	for _, marked := range []string{"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: mnwFxiOlctXFN/DeMt1Amg==", "Sec-WebSocket-Version: 13", "Origin: http://localhost:63342"} {
		waitForOutput(t, out, "  * "+marked, hint)
	}
	waitForOutput(t, out, "    Pragma: no-cache\n", "headers that do not matter are printed unmarked")
	waitForOutput(t, out, "not answering", hint)

	// Step 2 must not answer: the handshake answer is step 3's lesson.
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := conn.Read(make([]byte, 1))
	assert.Zero(t, n, "step 2 sends nothing back to an upgrade request")
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "the connection stays open, waiting")

	conn.Close()
	waitForOutput(t, out, "closed the connection", "the server notices the browser giving up")
}

func TestServerReadsARequestSentOneByteAtATime(t *testing.T) {
	needs(t, readHeadExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)
	for i := range len(articleRequest) {
		_, err := conn.Write([]byte{articleRequest[i]})
		require.NoError(t, err)
	}
	waitForOutput(t, out, "asks to upgrade GET /chatsocket", "a request split over many TCP writes is still one request")
}

func TestServerAnswersOtherRequests(t *testing.T) {
	needs(t, readHeadExercise)
	tests := []struct {
		name    string
		request string
		status  int
	}{
		{"an unknown path is not found", "GET /favicon.ico HTTP/1.1\r\nHost: a\r\n\r\n", http.StatusNotFound},
		{"a POST to / is not found", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", http.StatusNotFound},
		{"garbage is a bad request", "\x16\x03\x01\x02\x00\r\n\r\n", http.StatusBadRequest},
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
	needs(t, readHeadExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)
	conn.Close()
	waitForOutput(t, out, "connected and left without sending anything", "an empty connection is not an error")
	assert.NotContains(t, out.String(), "could not read", "browsers open spare connections; that is not a bad request")
}

func TestServerSurvivesAClientThatHangsUpMidHead(t *testing.T) {
	needs(t, readHeadExercise)
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
