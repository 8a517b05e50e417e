package websocket

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// openerPage opens the WebSocket its URL's fragment names: a URL, then the
// subprotocols to offer, space-separated. Its title then says what became of
// it: "open <ws.protocol>", or "failed <close code>" (the title is trimmed).
var openerPage = []byte(`<!DOCTYPE html><title>connecting</title><script>
const [target, ...protocols] = decodeURIComponent(location.hash.slice(1)).split(" ");
const ws = new WebSocket(target, protocols);
ws.onopen = () => { document.title = "open " + ws.protocol; };
ws.onclose = (e) => { if (!document.title.startsWith("open")) document.title = "failed " + e.code; };
</script>`)

// openFromPage has Chromium load pageAddr's openerPage and open a WebSocket
// to wsAddr offering protocols, and waits for the page's title to say want.
func openFromPage(t *testing.T, browser *wstest.Browser, pageAddr, wsAddr, want string, protocols ...string) {
	t.Helper()
	fragment := url.PathEscape(strings.Join(append([]string{"ws://" + wsAddr + "/xxoo"}, protocols...), " "))
	page := browser.In(t).Open("http://" + pageAddr + "/#" + fragment)
	wstest.WaitUntil(t, "the page should say "+want, func() (bool, string) {
		title := page.Eval("document.title")
		return title == want, "title " + title
	})
}

// TestBrowserNegotiatesSubprotocol: Chromium's own WebSocket offers two
// subprotocols and sees the one the server chose in ws.protocol.
func TestBrowserNegotiatesSubprotocol(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	cfg := testServer()
	cfg.Page = openerPage
	cfg.Subprotocols = []string{"chat.v2", "chat.v1"}
	_, addr, _ := startServer(t, cfg)
	openFromPage(t, browser, addr, addr, "open chat.v2", "x", "chat.v2")
}

// TestBrowserCrossOriginIsRefused: by default a page of another origin (the
// same host, another port) cannot open a WebSocket to the server, and the
// page sees the failure; the server's own page can, and so can an origin
// that Options.Origins allows.
func TestBrowserCrossOriginIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	start := func(origins ...string) (string, *wstest.SyncBuffer) {
		cfg := testServer()
		cfg.Page = openerPage
		cfg.Origins = origins
		_, addr, out := startServer(t, cfg)
		return addr, out
	}
	other, _ := start()
	strict, out := start()
	open, _ := start("http://127.0.0.1:*")
	t.Run("another origin's page is refused with 403", func(t *testing.T) {
		openFromPage(t, browser, other, strict, "failed 1006")
		wstest.WaitForOutput(t, out, "is not allowed (403)")
	})
	t.Run("the server's own page connects", func(t *testing.T) {
		openFromPage(t, browser, strict, strict, "open")
	})
	t.Run("an origin the pattern allows connects", func(t *testing.T) {
		openFromPage(t, browser, other, open, "open")
	})
}
