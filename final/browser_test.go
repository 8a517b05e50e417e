package main

import (
	"context"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// findChromium returns the path of a Chromium the test can drive, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// dumpDOM loads pageURL in headless Chromium, lets its script run, and returns
// the document as the browser holds it then.
func dumpDOM(t *testing.T, chromium, pageURL string) *html.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000", "--dump-dom", pageURL)
	out, err := cmd.Output()
	require.NoError(t, err, "chromium --dump-dom %s failed", pageURL)
	doc, err := html.Parse(strings.NewReader(string(out)))
	require.NoError(t, err)
	return doc
}

// TestBrowserEchoesThroughThePage is the tutorial's promise, checked by a real
// browser: final's page opens a WebSocket from Chromium's own implementation,
// sends a message, and shows the echo.
func TestBrowserEchoesThroughThePage(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		wstest.SkipUnlessCI(t, "skipping the browser test: no chromium on PATH (apt-get install chromium; .ci/run installs it)")
	}
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	addr, out := startEcho(t)

	tests := []struct {
		name string
		text string
	}{
		{"an ASCII message", "hello"},
		{"a message in Chinese", "你好, WebSocket"},
		{"a 70 000-character message (64-bit length)", strings.Repeat("x", 70000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pageURL := "http://" + addr + "/?auto=" + url.QueryEscape(tt.text)
			var status string
			var log []string
			require.Eventually(t, func() bool {
				doc := dumpDOM(t, chromium, pageURL)
				status = textOf(findByID(doc, "status"))
				log = listItems(findByID(doc, "log"))
				return status == "open" && slices.Contains(log, "echo: "+tt.text)
			}, 30*time.Second, 100*time.Millisecond,
				"the page should show status open and the echo; it showed status %q and log %q\nthe server printed:\n%s",
				status, shorten(log), out)
			assert.Contains(t, log, "sent: "+tt.text, "the page sent the message itself")
		})
	}
}

// findByID returns the element with the given id attribute, or nil.
func findByID(doc *html.Node, id string) *html.Node {
	for n := range doc.Descendants() {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				return n
			}
		}
	}
	return nil
}

// textOf returns the text inside n.
func textOf(n *html.Node) string {
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

// listItems returns the text of each <li> directly inside n.
func listItems(n *html.Node) []string {
	var items []string
	if n == nil {
		return items
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "li" {
			items = append(items, textOf(c))
		}
	}
	return items
}

// shorten keeps failure messages readable when the page logged a long message.
func shorten(items []string) []string {
	short := make([]string, len(items))
	for i, item := range items {
		if len(item) > 80 {
			item = item[:80] + "…"
		}
		short[i] = item
	}
	return short
}
