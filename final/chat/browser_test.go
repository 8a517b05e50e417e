package main

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestTwoBrowserPagesTalk opens the chat page twice in one Chromium, as two
// tabs would be: what each one says, the other one shows.
func TestTwoBrowserPagesTalk(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	addr, out := startChat(t, 0, roomConfig{queue: 64, history: 20})
	open := func(name, say string) *wstest.Page {
		return browser.Open("http://" + addr + "/?name=" + name + "&auto=" + url.QueryEscape(say))
	}
	// shows waits until page lists want.
	shows := func(page *wstest.Page, want, hint string) {
		t.Helper()
		wstest.WaitUntil(t, fmt.Sprintf("the page should show %q (%s)", want, hint), func() (bool, string) {
			log := wstest.ListItems(wstest.FindByID(page.DOM(), "log"))
			return slices.Contains(log, want), fmt.Sprintf("%q\nthe server's last lines:\n%s", wstest.Shorten(log, 5), out.Tail(5))
		})
	}
	alice := open("alice", "hello from alice")
	shows(alice, "alice: hello from alice", "a page shows its own message as the room sends it")
	bob := open("bob", "你好, alice")
	shows(bob, "alice: hello from alice", "a newcomer gets the last messages")
	shows(alice, "* bob joined (2 here)", "the first page sees the second one join")
	shows(alice, "bob: 你好, alice", "the first page shows what the second one says, as it says it")
	shows(bob, "bob: 你好, alice", "and so does the second one")
}
