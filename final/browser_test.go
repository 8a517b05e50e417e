package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
	"github.com/wsfromscratch/websocket-go/final/websocket"
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
			page := browser.In(t).Open("http://" + addr + "/?auto=" + url.QueryEscape(tt.text))
			var log []string
			wstest.WaitUntil(t, "the page should show status open and the echo", func() (bool, string) {
				doc := page.DOM()
				status := wstest.TextOf(wstest.FindByID(doc, "status"))
				log = wstest.ListItems(wstest.FindByID(doc, "log"))
				return status == "open" && slices.Contains(log, "echo: "+inLog(tt.text)),
					fmt.Sprintf("status %q and log %q\nthe server's last lines:\n%s", status, wstest.Shorten(log, 5), out.Tail(5))
			})
			assert.Contains(t, log, "sent: "+inLog(tt.text), "the page sent the message itself")
			assert.Equal(t, "true", page.Eval("document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
				"the page is no wider than the window: the log cuts a long message as the frame view cuts a payload")
		})
	}
}

// inLog is a message as the page's log shows it: cut after 64 bytes of
// whole characters, as the frame view cuts a payload, saying how many bytes
// were not shown.
func inLog(text string) string {
	for i, r := range text {
		if i+utf8.RuneLen(r) > 64 {
			return fmt.Sprintf("%s … (%d more bytes)", text[:i], len(text)-i)
		}
	}
	return text
}

// shownFrame is one frame as the page's frame view shows it.
type shownFrame struct{ direction, fin, opcode, masked, key, plain, closeCode string }

// shownFrames reads the frame view from the page's DOM.
func shownFrames(page *wstest.Page) []shownFrame {
	var frames []shownFrame
	list := wstest.FindByID(page.DOM(), "frames")
	if list == nil {
		return nil
	}
	for li := list.FirstChild; li != nil; li = li.NextSibling {
		if li.Data != "li" {
			continue
		}
		a := func(k string) string { return wstest.Attr(li, "data-"+k) }
		frames = append(frames, shownFrame{a("direction"), a("fin"), a("opcode"), a("masked"), a("key"), a("plain"), a("close-code")})
	}
	return frames
}

// TestBrowserShowsItsFrames is the frame view in a real browser: the page
// draws the frames of its own connection, Chromium's masked frames and the
// server's echo, a ping and the browser's own pong, and a close handshake.
func TestBrowserShowsItsFrames(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	addr, out := startEcho(t)
	page := browser.Open("http://" + addr + "/?auto=hello")
	shows := func(hint string, want ...func(shownFrame) bool) {
		t.Helper()
		wstest.WaitUntil(t, "the frame view should show "+hint, func() (bool, string) {
			frames := shownFrames(page)
			ok := true
			for _, w := range want {
				ok = ok && slices.ContainsFunc(frames, w)
			}
			return ok, fmt.Sprintf("%d frames, the last ones %+v\nthe server's last lines:\n%s", len(frames), frames[max(0, len(frames)-4):], out.Tail(5))
		})
	}
	frame := func(direction, opcode string, more func(shownFrame) bool) func(shownFrame) bool {
		return func(f shownFrame) bool { return f.direction == direction && f.opcode == opcode && more(f) }
	}
	hello := func(f shownFrame) bool { return f.fin == "1" && f.plain == "68 65 6c 6c 6f" }
	shows("the browser's hello and its echo",
		frame("in", "1", func(f shownFrame) bool {
			return hello(f) && f.masked == "1" && len(strings.Fields(f.key)) == 4
		}),
		frame("out", "1", func(f shownFrame) bool { return hello(f) && f.masked == "0" }))
	accept := wstest.TextOf(wstest.FindByID(page.DOM(), "handshake-accept"))
	assert.Contains(t, accept, "base64(SHA-1(key + GUID))", "the handshake's computation is spelled out")

	page.Eval(`document.getElementById("ask-ping").click()`)
	shows("the server's ping and the browser's pong",
		frame("out", "9", func(shownFrame) bool { return true }),
		frame("in", "10", func(f shownFrame) bool { return f.masked == "1" }))

	page.Eval(`document.getElementById("close").click()`)
	shows("the browser's close with 4000 and its echo",
		frame("in", "8", func(f shownFrame) bool { return f.closeCode == "4000" }),
		frame("out", "8", func(f shownFrame) bool { return f.closeCode == "4000" }))
}

// TestBrowserNegotiatesCompression has Chromium, which offers
// permessage-deflate on every connection, talk to final with -compress: the
// extension is agreed, and both sides' messages go compressed (RSV1).
func TestBrowserNegotiatesCompression(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	out := &wstest.SyncBuffer{}
	frames := false
	s := newServer(out, &frames)
	s.Compress = true
	var compressedIn, compressedOut atomic.Int64
	s.OnFrame = func(_ *websocket.Conn, f websocket.Frame) {
		if d := f.Describe(); d.Compressed && d.Direction == "in" {
			compressedIn.Add(1)
		} else if d.Compressed {
			compressedOut.Add(1)
		}
	}
	addr := wstest.Start(t, s)
	text := strings.Repeat("compress me, ", 100)
	page := browser.Open("http://" + addr + "/?auto=" + url.QueryEscape(text))
	wstest.WaitUntil(t, "the page should show the echo of a compressed message", func() (bool, string) {
		log := wstest.ListItems(wstest.FindByID(page.DOM(), "log"))
		return slices.Contains(log, "echo: "+inLog(text)), fmt.Sprintf("%q\nthe server's last lines:\n%s", wstest.Shorten(log, 5), out.Tail(5))
	})
	assert.Positive(t, compressedIn.Load(), "Chromium's message came compressed (RSV1, RFC 7692 §6)")
	assert.Positive(t, compressedOut.Load(), "the echo went compressed, and Chromium inflated it")
}
