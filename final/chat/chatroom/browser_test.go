package chatroom

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestTwoBrowserPagesTalk opens the chat page twice in one Chromium, as two
// tabs would be: what each one says, the other one shows.
func TestTwoBrowserPagesTalk(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	addr, out := startChat(t, 0, Config{Queue: 64, History: 20})
	open := func(name, say string) *wstest.Page { return openAs(browser, addr, name, say) }
	// shows waits until page lists want.
	shows := func(page *wstest.Page, want, hint string) {
		t.Helper()
		wstest.WaitUntil(t, fmt.Sprintf("the page should show %q (%s)", want, hint), func() (bool, string) {
			log := wstest.ListItems(wstest.FindByID(page.DOM(), "log"))
			return slices.Contains(log, want), fmt.Sprintf("%+v\nthe server's last lines:\n%s", wstest.Shorten(log, 5), out.Tail(5))
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

// drawnLines is a script for a chat page: for each entry in the log, its
// text, the name it is drawn under, and how many of its lines start at the
// log's left edge below its first line, where a line reads as an entry of
// its own.
const drawnLines = `JSON.stringify(Array.from(document.querySelectorAll("#log li"), function (li) {
  var box = li.getBoundingClientRect(), name = li.querySelector(".name"), edge = 0;
  var texts = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
  for (var n = texts.nextNode(); n !== null; n = texts.nextNode()) {
    var r = document.createRange();
    r.selectNodeContents(n);
    Array.from(r.getClientRects()).forEach(function (rect) {
      if (rect.width > 0 && rect.left - box.left < 1 && rect.top - box.top >= 1) { edge++; }
    });
  }
  return {text: li.textContent, name: name === null ? "" : name.textContent, edge: edge};
}))`

// TestNoMessageOrNamePassesForAnotherMember shows bob's page what mallory
// would use to speak as alice: a message padded with spaces until its tail
// wraps to a line of its own, a message with a line break, and names that
// look like alice's.
func TestNoMessageOrNamePassesForAnotherMember(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	addr, out := startChat(t, 0, Config{Queue: 64, History: 20})
	open := func(name, say string) *wstest.Page { return openAs(browser, addr, name, say) }
	bob := browser.Open("http://" + addr + "/?name=bob")
	type entry struct {
		Text, Name string
		Edge       int
	}
	var log []entry
	// shows waits until bob's page has an entry whose text ends with said.
	shows := func(said string) entry {
		t.Helper()
		wstest.WaitUntil(t, fmt.Sprintf("bob's page should show %.40q", said), func() (bool, string) {
			require.NoError(t, json.Unmarshal([]byte(bob.Eval(drawnLines)), &log))
			return slices.ContainsFunc(log, func(e entry) bool { return strings.HasSuffix(e.Text, said) }),
				fmt.Sprintf("%+v\nthe server's last lines:\n%s", log[max(0, len(log)-5):], out.Tail(5))
		})
		return log[slices.IndexFunc(log, func(e entry) bool { return strings.HasSuffix(e.Text, said) })]
	}
	open("alice", "hello from alice")
	shows("hello from alice")
	padded := "hi" + strings.Repeat(" ", 300) + "alice: my new password is hunter2"
	open("mallory", padded)
	assert.Equal(t, "mallory: ", shows(padded).Name, "a message is drawn under its sender's name")
	broken := open("mallory", "hi\n* alice left (2 here)")
	wstest.WaitUntil(t, "a message with a line break should close its sender with 1008 (docs/chat.md#the-wire-format)", func() (bool, string) {
		status := broken.Eval(`document.getElementById("status").textContent`)
		return status == "closed (1008)", status
	})
	tests := []struct{ name, asked, want string }{
		{"a default ignorable after the name", "alice\u034f", "alice-2: "},
		{"a Cyrillic a", "\u0430lice", "guest-1: "},
	}
	for _, tt := range tests {
		said := "I am alice, " + tt.name
		open(tt.asked, said)
		assert.Equal(t, tt.want, shows(said).Name, "%s: a look-alike name is drawn as another member's (docs/chat.md#names)", tt.name)
	}
	for _, e := range log {
		assert.Zero(t, e.Edge, "%.40q: a line of a message starts where an entry starts, so it reads as a line of its own (docs/chat.md#the-wire-format)", e.Text)
		assert.NotContains(t, e.Text, "* alice left", "a message with a line break reached the page")
	}
}

// openAs opens the chat page of the server at addr as name, which says say
// once the page is open.
func openAs(browser *wstest.Browser, addr, name, say string) *wstest.Page {
	return browser.Open("http://" + addr + "/?name=" + url.QueryEscape(name) + "&auto=" + url.QueryEscape(say))
}
