package chatroom

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestRoomOverTLS is the chat with -tls-cert and -tls-key: two wss://
// members hear each other, all inside TLS (RFC 6455 §4.1).
func TestRoomOverTLS(t *testing.T) {
	cert := wstest.NewCert(t, "127.0.0.1")
	cfg := Config{Queue: 64, History: 20}
	addr := wstest.StartTLS(t, NewServer(&wstest.SyncBuffer{}, &cfg), cert)
	alice := member{wstest.ConnectTLS(t, addr, "/chat?name=alice", cert.Roots)}
	bob := member{wstest.ConnectTLS(t, addr, "/chat?name=bob", cert.Roots)}
	alice.waitFull(t, 2)
	alice.Send(textFrame, []byte("hello over TLS"))
	bob.waitLine(t, "alice: hello over TLS", "a member hears the other over wss://")
	alice.waitLine(t, "alice: hello over TLS", "and the sender hears itself")
}

// TestTwoBrowserPagesTalkOverHTTPS: two chat pages loaded over https://
// open wss:// (page.html builds the URL from location) and hear each other.
func TestTwoBrowserPagesTalkOverHTTPS(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	browser := wstest.StartBrowser(t)
	cfg := Config{Queue: 64, History: 20}
	addr := wstest.StartTLS(t, NewServer(&wstest.SyncBuffer{}, &cfg), wstest.NewCert(t, "127.0.0.1"))
	alice := browser.Open("https://" + addr + "/?name=alice&auto=hello")
	bob := browser.Open("https://" + addr + "/?name=bob&auto=" + url.QueryEscape("你好"))
	for _, page := range []*wstest.Page{alice, bob} {
		wstest.WaitUntil(t, "each https page should show both messages", func() (bool, string) {
			log := wstest.ListItems(wstest.FindByID(page.DOM(), "log"))
			return slices.Contains(log, "alice: hello") && slices.Contains(log, "bob: 你好"), fmt.Sprintf("%q", wstest.Shorten(log, 5))
		})
		assert.True(t, strings.HasPrefix(page.Eval("socket.url"), "wss://"+addr+"/chat?"), "an https page opens wss://")
	}
}
