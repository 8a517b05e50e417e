package wstest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
	"golang.org/x/net/websocket"
)

// FindChromium returns the path of a Chromium a test can drive, or "".
func FindChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// chromiumFlags keep a headless Chromium quiet and off the network; it
// takes the certificates that tests make for themselves (wss://).
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--ignore-certificate-errors",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"}

// Browser is a headless Chromium driven over its DevTools protocol, so that
// a test can keep several pages open at once, in real time, and read each
// one's DOM while the others go on. The protocol runs over a WebSocket; the
// client is golang.org/x/net/websocket, which shares no code with ours.
type Browser struct {
	t         *testing.T // the test that a failure fails (In)
	*devtools            // shared by every Browser In a test
}

// devtools is the connection to Chromium's DevTools.
type devtools struct {
	ws   *websocket.Conn
	next int // the id of the last command sent
}

// In is the browser for a subtest t: a failure of a call, or of a page it
// opens, fails t, not the test that started the browser.
func (b *Browser) In(t *testing.T) *Browser { return &Browser{t: t, devtools: b.devtools} }

// StartBrowser starts Chromium for the length of the test; without one the
// test is skipped (failed under CI).
func StartBrowser(t *testing.T) *Browser {
	t.Helper()
	chromium := FindChromium()
	if chromium == "" {
		SkipUnlessCI(t, "skipping the browser test: no chromium on PATH (apt-get install chromium; .ci/run installs it)")
	}
	// Not t.TempDir: Chromium's helper processes may still be writing there
	// when the test ends, and a directory that cannot be removed at once
	// must not fail the test.
	profile, err := os.MkdirTemp("", "chromium-")
	require.NoError(t, err)
	args := append(chromiumFlags, "--user-data-dir="+profile, "--remote-debugging-port=0", "--remote-allow-origins=http://127.0.0.1", "about:blank")
	cmd := exec.Command(chromium, args...)
	ownGroup(cmd) // its helpers too, for the kill below
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		killGroup(cmd)
		cmd.Wait()
		os.RemoveAll(profile)
	})
	// Chromium says where it listens: "DevTools listening on ws://…".
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if _, url, ok := strings.Cut(lines.Text(), "DevTools listening on "); ok {
				found <- url
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not say where its DevTools listen")
	}
	ws, err := websocket.Dial(url, "", "http://127.0.0.1")
	require.NoError(t, err, "connecting to Chromium's DevTools")
	ws.SetDeadline(time.Now().Add(2 * time.Minute))
	t.Cleanup(func() { ws.Close() })
	return &Browser{t: t, devtools: &devtools{ws: ws}}
}

// call sends one DevTools command and returns its result; events that come
// in between are skipped.
func (b *Browser) call(session, method string, params any, result any) {
	b.t.Helper()
	require.NoError(b.t, b.try(session, method, params, result), "Chromium refused %s", method)
}

// try is call that returns Chromium's refusal as an error, for a command
// that may fail while a page is still loading.
func (b *Browser) try(session, method string, params any, result any) error {
	b.t.Helper()
	b.next++
	id := b.next
	require.NoError(b.t, websocket.JSON.Send(b.ws, map[string]any{"id": id, "sessionId": session, "method": method, "params": params}))
	for {
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		require.NoError(b.t, websocket.JSON.Receive(b.ws, &reply), "reading Chromium's answer to %s", method)
		if reply.ID != id {
			continue
		}
		if reply.Error != nil {
			return errors.New(reply.Error.Message)
		}
		require.NoError(b.t, json.Unmarshal(reply.Result, result))
		return nil
	}
}

// Page is one open page of the browser.
type Page struct {
	b       *Browser
	session string
}

// Open opens url in a new page and returns once it has loaded.
func (b *Browser) Open(url string) *Page {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("", "Target.createTarget", map[string]any{"url": url}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	p := &Page{b: b, session: attached.SessionID}
	// Loaded: a script run before would be lost with the blank page it ran in.
	WaitUntil(b.t, "the page "+url+" should load", func() (bool, string) {
		state, err := p.tryEval(`location.href === "about:blank" ? "not yet navigated" : document.readyState`)
		if err != nil {
			return false, err.Error() // between two documents: no context to run in
		}
		return state == "complete", state
	})
	return p
}

// Eval runs a JavaScript expression in the page and returns its value as
// text: how a test clicks a button.
func (p *Page) Eval(expr string) string {
	p.b.t.Helper()
	value, err := p.tryEval(expr)
	require.NoError(p.b.t, err, "Chromium refused Runtime.evaluate")
	return value
}

// tryEval is Eval that returns Chromium's refusal as an error.
func (p *Page) tryEval(expr string) (string, error) {
	p.b.t.Helper()
	var result struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
	}
	if err := p.b.try(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &result); err != nil {
		return "", err
	}
	if s, ok := result.Result.Value.(string); ok {
		return s, nil
	}
	return fmt.Sprint(result.Result.Value), nil
}

// DOM is the page's document as the browser holds it now.
func (p *Page) DOM() *html.Node {
	p.b.t.Helper()
	doc, err := html.Parse(strings.NewReader(p.Eval("document.documentElement.outerHTML")))
	require.NoError(p.b.t, err)
	return doc
}

// WaitUntil checks cond every 50ms for up to 30s; if it never holds, the
// test fails with want and the state cond last described.
func WaitUntil(t testing.TB, want string, cond func() (ok bool, state string)) {
	t.Helper()
	var state string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ok bool
		if ok, state = cond(); ok {
			return
		}
	}
	t.Fatalf("%s; it showed %s", want, state)
}

// FindByID returns the element with the given id attribute, or nil.
func FindByID(doc *html.Node, id string) *html.Node {
	for n := range doc.Descendants() {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				return n
			}
		}
	}
	return nil
}

// TextOf returns the text inside n.
func TextOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// Attr returns the value of n's attribute key, or "".
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// ListItems returns the text of each <li> directly inside n.
func ListItems(n *html.Node) []string {
	var items []string
	if n == nil {
		return items
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "li" {
			items = append(items, TextOf(c))
		}
	}
	return items
}

// Shorten keeps failure messages readable when a page logged long lines:
// the last n items, each cut to 80 bytes.
func Shorten(items []string, n int) []string {
	items = items[max(0, len(items)-n):]
	short := make([]string, len(items))
	for i, item := range items {
		if len(item) > 80 {
			item = fmt.Sprintf("%s… (%d bytes)", item[:80], len(item))
		}
		short[i] = item
	}
	return short
}
