package main

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// startEchoTLS runs the echo server over TLS with a certificate for
// 127.0.0.1 made for the test, and returns its address and certificate.
func startEchoTLS(t testing.TB) (string, wstest.Cert) {
	t.Helper()
	cert := wstest.NewCert(t, "127.0.0.1")
	frames := true
	return wstest.StartTLS(t, newServer(&wstest.SyncBuffer{}, &frames), cert), cert
}

// TestEchoOverTLS is final with -tls-cert and -tls-key: a wss:// client
// gets its echo, text and a close handshake, all inside TLS (RFC 6455 §4.1:
// a wss:// connection is a TLS handshake, then the opening handshake).
func TestEchoOverTLS(t *testing.T) {
	addr, cert := startEchoTLS(t)
	c := wstest.ConnectTLS(t, addr, "/", cert.Roots)
	c.Send(textFrame, []byte("over TLS"))
	c.Expect(textFrame, []byte("over TLS"), "the echo comes back inside TLS")
	c.Send(closeFrame, wstest.ClosePayload(1000, ""))
	assert.Equal(t, 1000, c.ExpectClose("the close handshake works inside TLS (RFC 6455 §7.1.2)"))
}

// TestTLSPortRefusesWhatItCannotTrust: a client that does not trust the
// certificate, or finds it made for another host, stops at the TLS
// handshake, and plain ws:// on the TLS port gets a 400 that says why.
func TestTLSPortRefusesWhatItCannotTrust(t *testing.T) {
	addr, _ := startEchoTLS(t)
	otherHost := wstest.NewCert(t, "example.com")
	otherAddr := wstest.StartTLS(t, newServer(&wstest.SyncBuffer{}, new(bool)), otherHost)
	tests := []struct {
		name, addr string
		cert       wstest.Cert
		want       string
	}{
		{"a certificate the client does not trust", addr, wstest.NewCert(t, "127.0.0.1"), "certificate signed by unknown authority"},
		{"a certificate for another host", otherAddr, otherHost, "doesn't contain any IP SANs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wstest.DialTLS(t, tt.addr, tt.cert.Roots)
			assert.ErrorContains(t, err, tt.want, "the TLS handshake must fail, saying why (a browser shows its certificate warning here)")
		})
	}
	t.Run("plain ws:// on the TLS port", func(t *testing.T) {
		resp := wstest.RoundTrip(t, addr, wstest.HandshakeRequest("/", wstest.NewKey()))
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "net/http answers plain HTTP on a TLS port with 400")
		assert.Contains(t, string(body), "Client sent an HTTP request to an HTTPS server", "the 400 says why")
	})
}

// TestPageOverHTTP2KeepsItsWebSocket: over TLS net/http serves the page with
// HTTP/2, and announces no extended CONNECT (RFC 8441), so a browser opens
// its WebSocket on an HTTP/1.1 connection of its own, which upgrades.
func TestPageOverHTTP2KeepsItsWebSocket(t *testing.T) {
	addr, cert := startEchoTLS(t)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Roots}, ForceAttemptHTTP2: true}}
	resp, err := client.Get("https://" + addr + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "HTTP/2.0", resp.Proto, "net/http serves the page over HTTP/2 when the client offers h2")

	settings := serverSettings(t, addr, cert)
	assert.NotEqual(t, uint32(1), settings[settingEnableConnectProtocol],
		"SETTINGS_ENABLE_CONNECT_PROTOCOL must not be announced: browsers would then send every WebSocket as an extended CONNECT (RFC 8441 §3), which the package does not take")

	c := wstest.ConnectTLS(t, addr, "/", cert.Roots)
	c.Send(textFrame, []byte("after an h2 page"))
	c.Expect(textFrame, []byte("after an h2 page"), "the WebSocket on its own HTTP/1.1 connection echoes")
}

// settingEnableConnectProtocol is the HTTP/2 setting by which a server
// offers WebSockets over HTTP/2 (RFC 8441 §3).
const settingEnableConnectProtocol = 0x8

// serverSettings opens an HTTP/2 connection and returns the settings of the
// server's first frame, which must be SETTINGS (RFC 9113 §3.4, §6.5): each
// is a 16-bit identifier and a 32-bit value after the 9-byte frame header.
func serverSettings(t *testing.T, addr string, cert wstest.Cert) map[uint16]uint32 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: cert.Roots, NextProtos: []string{"h2"}})
	require.NoError(t, err)
	defer conn.Close()
	require.Equal(t, "h2", conn.ConnectionState().NegotiatedProtocol, "the server offers h2 over TLS (ALPN)")
	const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	_, err = io.WriteString(conn, preface+"\x00\x00\x00\x04\x00\x00\x00\x00\x00") // and an empty SETTINGS frame
	require.NoError(t, err)
	var head [9]byte
	_, err = io.ReadFull(conn, head[:])
	require.NoError(t, err, "reading the server's first HTTP/2 frame")
	require.Equal(t, byte(0x4), head[3], "the server's first HTTP/2 frame is SETTINGS (RFC 9113 §3.4)")
	payload := make([]byte, int(head[0])<<16|int(head[1])<<8|int(head[2]))
	_, err = io.ReadFull(conn, payload)
	require.NoError(t, err)
	settings := map[uint16]uint32{}
	for p := payload; len(p) >= 6; p = p[6:] {
		settings[binary.BigEndian.Uint16(p)] = binary.BigEndian.Uint32(p[2:])
	}
	return settings
}

// TestBrowserOverHTTPSOpensWSS: Chromium (taking the test's certificate)
// loads the page over https:// with HTTP/2; the page's script, which builds
// its socket's URL from location, opens wss://; the echo comes back and the
// frame view shows the browser's masked hello and the server's echo.
func TestBrowserOverHTTPSOpensWSS(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	addr, _ := startEchoTLS(t)
	page := browser.Open("https://" + addr + "/?auto=hello")
	wstest.WaitUntil(t, "the https page should show status open and the echo", func() (bool, string) {
		doc := page.DOM()
		status := wstest.TextOf(wstest.FindByID(doc, "status"))
		log := wstest.ListItems(wstest.FindByID(doc, "log"))
		return status == "open" && slices.Contains(log, "echo: hello"), fmt.Sprintf("status %q and log %q", status, wstest.Shorten(log, 5))
	})
	assert.Equal(t, "h2", page.Eval(`performance.getEntriesByType("navigation")[0].nextHopProtocol`), "the page itself came over HTTP/2")
	assert.Equal(t, "wss://"+addr+"/xxoo?token=", strings.SplitAfter(page.Eval("socket.url"), "token=")[0], "an https page opens wss:// (page.html builds the URL from location)")
	wstest.WaitUntil(t, "the frame view should show the browser's hello and its echo", func() (bool, string) {
		frames := shownFrames(page)
		in := slices.ContainsFunc(frames, func(f shownFrame) bool { return f.direction == "in" && f.masked == "1" && f.plain == "68 65 6c 6c 6f" })
		out := slices.ContainsFunc(frames, func(f shownFrame) bool { return f.direction == "out" && f.masked == "0" && f.plain == "68 65 6c 6c 6f" })
		return in && out, fmt.Sprintf("%d frames: %+v", len(frames), frames[max(0, len(frames)-4):])
	})
}
