package main

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// behindNginx is the echo server behind nginx run with the repository's
// configuration (final/deploy/nginx.conf).
type behindNginx struct {
	proxy  string // nginx's address: https:// and wss://
	direct string // the server's own address: http://
	server *websocket.Server
	out    *wstest.SyncBuffer
	cert   wstest.Cert // nginx's
}

// startBehindNginx runs the echo server, set up by setup (which is told
// nginx's address), behind nginx whose proxy_read_timeout is readTimeout.
func startBehindNginx(t *testing.T, readTimeout string, setup func(s *websocket.Server, proxy string)) behindNginx {
	t.Helper()
	out := &wstest.SyncBuffer{}
	frames := true
	s := newServer(out, &frames)
	proxy := wstest.FreeAddr(t)
	setup(s, proxy)
	direct := wstest.Start(t, s)
	n := wstest.Nginx{Addr: proxy, Conf: "deploy/nginx.conf", Backend: direct, Cert: wstest.NewCert(t, "127.0.0.1"), ReadTimeout: readTimeout}
	n.Start(t)
	return behindNginx{proxy: proxy, direct: direct, server: s, out: out, cert: n.Cert}
}

// trustProxy is the setup of a server started with -trusted-proxy naming
// the test's nginx.
func trustProxy(s *websocket.Server, _ string) {
	s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(wstest.ProxyAddr + "/32")}
}

// noSetup leaves the server as the program starts it by default.
func noSetup(*websocket.Server, string) {}

// waitForEcho waits until page shows status open and the echo of text.
func waitForEcho(t *testing.T, page *wstest.Page, text string, out *wstest.SyncBuffer) {
	t.Helper()
	wstest.WaitUntil(t, "the page should show status open and the echo of "+text, func() (bool, string) {
		doc := page.DOM()
		status := wstest.TextOf(wstest.FindByID(doc, "status"))
		log := wstest.ListItems(wstest.FindByID(doc, "log"))
		return status == "open" && slices.Contains(log, "echo: "+text),
			fmt.Sprintf("status %q and log %q\nthe server's last lines:\n%s", status, wstest.Shorten(log, 5), out.Tail(5))
	})
}

// TestBrowserEchoesThroughNginx: Chromium → nginx (TLS) → final, with the
// repository's configuration: the page opens wss:// to nginx, the upgrade
// passes, the echo and the frame view work, and the server, told to trust
// the proxy, logs the browser's address as nginx forwarded it.
func TestBrowserEchoesThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the nginx test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	b := startBehindNginx(t, "60s", trustProxy)
	page := browser.Open("https://" + b.proxy + "/?auto=hello")
	waitForEcho(t, page, "hello", b.out)
	wstest.WaitUntil(t, "the frame view should show the echo through the proxy", func() (bool, string) {
		frames := shownFrames(page)
		return slices.ContainsFunc(frames, func(f shownFrame) bool { return f.direction == "out" && f.plain == "68 65 6c 6c 6f" }),
			fmt.Sprintf("%d frames", len(frames))
	})
	wstest.WaitForOutput(t, b.out, "127.0.0.1 via "+wstest.ProxyAddr+":")
}

// TestPingsKeepAConnectionThroughNginx: nginx cuts a WebSocket on which the
// server sends nothing for proxy_read_timeout (shortened here to 1s); the
// server's pings (-ping-interval) keep it open, and without them nginx cuts
// it (the browser sees 1006).
func TestPingsKeepAConnectionThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the nginx test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	tests := []struct {
		name     string
		ping     time.Duration // -ping-interval; negative: none
		stayOpen bool
	}{
		{"pings every 300ms keep it open", 300 * time.Millisecond, true},
		{"without pings nginx cuts it", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBehindNginx(t, "1s", func(s *websocket.Server, _ string) { s.PingInterval = tt.ping })
			page := browser.In(t).Open("https://" + b.proxy + "/?auto=hello")
			waitForEcho(t, page, "hello", b.out)
			time.Sleep(3 * time.Second) // three proxy_read_timeouts without a message
			if !tt.stayOpen {
				wstest.WaitUntil(t, "nginx should have cut the quiet connection", func() (bool, string) {
					status := wstest.TextOf(wstest.FindByID(page.DOM(), "status"))
					return strings.HasPrefix(status, "closed"), "status " + status
				})
				return
			}
			page.Eval(`document.getElementById("msg").value = "after a quiet while"; document.getElementById("send").click()`)
			waitForEcho(t, page, "after a quiet while", b.out)
		})
	}
}

// TestServerLogsForwardedClientOnlyWhenTrusted: through nginx, a client
// that forges X-Forwarded-For; the server logs the address nginx saw
// (127.0.0.1) only with -trusted-proxy naming nginx, else nginx's own, and
// never the forged one.
func TestServerLogsForwardedClientOnlyWhenTrusted(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the nginx test in -short mode")
	}
	tests := []struct {
		name  string
		setup func(*websocket.Server, string)
		want  string // the log line of the opening, a regular expression
	}{
		{"with -trusted-proxy the log names the client", trustProxy, `\d 127\.0\.0\.1 via 127\.0\.0\.2:\d+: WebSocket open`},
		{"without it the log names the proxy", noSetup, `\d 127\.0\.0\.2:\d+: WebSocket open`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBehindNginx(t, "60s", tt.setup)
			conn, err := wstest.DialTLS(t, b.proxy, b.cert.Roots)
			require.NoError(t, err)
			key := wstest.NewKey()
			forged := strings.Replace(wstest.HandshakeRequest("/", key), "\r\n\r\n", "\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n", 1)
			c := wstest.ConnectOn(t, conn, forged, key)
			c.Send(textFrame, []byte("who am I"))
			c.Expect(textFrame, []byte("who am I"), "the echo through nginx")
			wstest.WaitForOutput(t, b.out, "WebSocket open")
			assert.Regexp(t, tt.want, b.out.String(), "who the server logs (docs/final-extras.md#deploying)")
			assert.NotContains(t, b.out.String(), "203.0.113.9", "what the client wrote in X-Forwarded-For is never believed")
		})
	}
}

// TestShutdownThroughNginx: the server's goodbye (what Ctrl-C and SIGTERM
// call) passes through nginx: the client gets 1001, answers, and the
// connection ends (RFC 6455 §7.1.2).
func TestShutdownThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the nginx test in -short mode")
	}
	b := startBehindNginx(t, "60s", noSetup)
	c := wstest.ConnectTLS(t, b.proxy, "/", b.cert.Roots)
	c.Send(textFrame, []byte("before shutdown"))
	c.Expect(textFrame, []byte("before shutdown"), "the echo through nginx")
	ctx, cancel := context.WithTimeout(context.Background(), wstest.WaitFor)
	defer cancel()
	go b.server.Shutdown(ctx)
	f, err := c.Read()
	require.NoError(t, err, "on shutdown the client gets a close frame through nginx")
	assert.Equal(t, wstest.ClosePayload(closeGoingAway, "server shutting down"), f.Payload, "with 1001 going away (RFC 6455 §7.4.1)")
	c.Send(closeFrame, wstest.ClosePayload(closeGoingAway, ""))
	c.ExpectEOF("once both close frames passed, nginx ends the connection it proxied")
}

// TestCrossOriginPageRefusedThroughNginx: a page of another origin (the
// server's own http:// address) opens wss:// to nginx; the server sees the
// page's Origin and the public Host nginx passed on, and refuses it with
// 403, which the page sees as 1006.
func TestCrossOriginPageRefusedThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the nginx test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	tests := []struct {
		name    string
		origins func(proxy string) []string // -origin
	}{
		{"with -origin naming the public origin", func(proxy string) []string { return []string{"https://" + proxy} }},
		{"by the same-origin default", func(string) []string { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBehindNginx(t, "60s", func(s *websocket.Server, proxy string) { s.Origins = tt.origins(proxy) })
			same := browser.In(t).Open("https://" + b.proxy + "/?auto=hello")
			waitForEcho(t, same, "hello", b.out) // the public origin itself is let in
			other := browser.In(t).Open("http://" + b.direct + "/")
			other.Eval(`window.result = "pending"; var ws = new WebSocket("wss://` + b.proxy + `/");
				ws.onopen = function () { result = "open"; };
				ws.onclose = function (e) { if (result === "pending") { result = "closed " + e.code; } };`)
			wstest.WaitUntil(t, "the other origin's WebSocket should be refused", func() (bool, string) {
				r := other.Eval("result")
				return r == "closed 1006", r
			})
			wstest.WaitForOutput(t, b.out, "is not allowed")
		})
	}
}
