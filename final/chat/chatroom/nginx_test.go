package chatroom

import (
	"testing"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestRoomThroughNginx: the chat behind nginx run with the repository's
// configuration (final/deploy/nginx.conf): two wss:// members hear each
// other through the proxy.
func TestRoomThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the nginx test in -short mode")
	}
	addr, _ := startChat(t, 0, Config{Queue: 64, History: 20})
	n := wstest.Nginx{Addr: wstest.FreeAddr(t), Conf: "../../deploy/nginx.conf", Backend: addr, Cert: wstest.NewCert(t, "127.0.0.1"), ReadTimeout: "60s"}
	n.Start(t)
	alice := member{wstest.ConnectTLS(t, n.Addr, "/chat?name=alice", n.Cert.Roots)}
	bob := member{wstest.ConnectTLS(t, n.Addr, "/chat?name=bob", n.Cert.Roots)}
	alice.waitFull(t, 2)
	bob.Send(textFrame, []byte("hello through nginx"))
	alice.waitLine(t, "bob: hello through nginx", "a member hears the other through the proxy")
}
