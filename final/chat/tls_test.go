package main

import (
	"testing"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestRoomOverTLS is the chat with -tls-cert and -tls-key: two wss://
// members hear each other, all inside TLS (RFC 6455 §4.1).
func TestRoomOverTLS(t *testing.T) {
	cert := wstest.NewCert(t, "127.0.0.1")
	cfg := roomConfig{queue: 64, history: 20}
	addr := wstest.StartTLS(t, newServer(&wstest.SyncBuffer{}, &cfg), cert)
	alice := member{wstest.ConnectTLS(t, addr, "/chat?name=alice", cert.Roots)}
	bob := member{wstest.ConnectTLS(t, addr, "/chat?name=bob", cert.Roots)}
	alice.waitFull(t, 2)
	alice.Send(textFrame, []byte("hello over TLS"))
	bob.waitLine(t, "alice: hello over TLS", "a member hears the other over wss://")
	alice.waitLine(t, "alice: hello over TLS", "and the sender hears itself")
}
