package main

import (
	"bufio"
	"io"
	"net"
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
	needs(t, readFrameExercise)
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

func TestServerPrintsEachFrameDecoded(t *testing.T) {
	needs(t, readFrameExercise, unmaskExercise)
	tests := []struct {
		name   string
		writes [][]byte
		want   []string
	}{
		{
			name:   "RFC 6455 §5.7: a masked \"Hello\"",
			writes: [][]byte{{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
			want:   []string{"frame in, 11 bytes on the wire", "opcode=0x1 (text)", "bytes 2-5   37 fa 21 3d", `text: "Hello"`},
		},
		{
			name:   "a frame split over two TCP writes",
			writes: [][]byte{{0x81, 0x85, 0x37, 0xfa}, {0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
			want:   []string{`text: "Hello"`},
		},
		{
			name:   "two frames in one TCP write",
			writes: [][]byte{append(clientFrame(textFrame, "one", rfcKey), clientFrame(textFrame, "two", rfcKey)...)},
			want:   []string{`text: "one"`, `text: "two"`},
		},
		{
			name:   "a frame with a 16-bit length",
			writes: [][]byte{clientFrame(textFrame, strings.Repeat("a", 200), rfcKey)},
			want:   []string{"payload len=126 (16-bit length follows)", "extended payload length = 200"},
		},
		{
			name:   "a frame with a 64-bit length",
			writes: [][]byte{clientFrame(binaryFrame, strings.Repeat("b", 70000), rfcKey)},
			want:   []string{"payload len=127 (64-bit length follows)", "extended payload length = 70000", "opcode=0x2 (binary)"},
		},
		{
			name:   "the article's captured \"hello\" is a close frame",
			writes: [][]byte{{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}},
			want:   []string{"opcode=0x8 (close)", `close code=1001 (going away) reason=""`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, out := startServer(t)
			conn, _ := openSocket(t, addr)
			for _, w := range tt.writes {
				_, err := conn.Write(w)
				require.NoError(t, err)
			}
			for _, want := range tt.want {
				waitForOutput(t, out, want, "step 4 prints each frame decoded, however TCP cuts the bytes (docs/step4-unpack.md)")
			}
		})
	}
}

func TestServerReadsAFrameSentOneByteAtATime(t *testing.T) {
	needs(t, readFrameExercise)
	addr, out := startServer(t)
	conn, _ := openSocket(t, addr)
	for _, b := range clientFrame(textFrame, "slow", rfcKey) {
		_, err := conn.Write([]byte{b})
		require.NoError(t, err)
	}
	waitForOutput(t, out, `text: "slow"`, "a frame arriving one byte per TCP segment is still one frame")
}

func TestServerPrintsAFrameThatCameWithTheRequest(t *testing.T) {
	needs(t, readFrameExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)
	// A client may send its first frame right behind the request, in the same
	// TCP segment: the bytes readHead buffered past the head must not be lost.
	_, err := conn.Write([]byte(articleRequest + string(clientFrame(textFrame, "eager", rfcKey))))
	require.NoError(t, err)
	waitForOutput(t, out, `text: "eager"`, "the frame after the head is decoded, not dropped")
}

func TestServerSurvivesBadFrames(t *testing.T) {
	needs(t, readFrameExercise)
	tests := []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"a frame cut short", []byte{0x81, 0x85, 0x37, 0xfa}, "unexpected EOF"},
		{"a frame claiming 2^63-1 bytes", []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, errFrameTooLarge.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, out := startServer(t)
			conn, _ := openSocket(t, addr)
			_, err := conn.Write(tt.bytes)
			require.NoError(t, err)
			conn.(*net.TCPConn).CloseWrite()
			waitForOutput(t, out, tt.want, "bad input is reported, not a crash")

			next, _ := openSocket(t, addr)
			_, err = next.Write(clientFrame(textFrame, "still here", rfcKey))
			require.NoError(t, err)
			waitForOutput(t, out, `text: "still here"`, "the server goes on serving other clients")
		})
	}
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
