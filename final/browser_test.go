package main

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestBrowserEchoesThroughThePage is the tutorial's promise, checked by a real
// browser: final's page opens a WebSocket from Chromium's own implementation,
// sends a message, and shows the echo.
func TestBrowserEchoesThroughThePage(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
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
			page := browser.Open("http://" + addr + "/?auto=" + url.QueryEscape(tt.text))
			var status string
			var log []string
			require.Eventually(t, func() bool {
				doc := page.DOM()
				status = wstest.TextOf(wstest.FindByID(doc, "status"))
				log = wstest.ListItems(wstest.FindByID(doc, "log"))
				return status == "open" && slices.Contains(log, "echo: "+tt.text)
			}, 30*time.Second, 50*time.Millisecond,
				"the page should show status open and the echo; it showed status %q and log %q\nthe server's last lines:\n%s",
				status, wstest.Shorten(log, 5), out.Tail(5))
			assert.Contains(t, log, "sent: "+tt.text, "the page sent the message itself")
		})
	}
}
