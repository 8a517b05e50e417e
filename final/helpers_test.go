package main

import (
	"testing"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// Opcodes and a close code as the tests write them on the wire (RFC 6455 §5.2, §7.4.1).
const (
	textFrame      = 0x1
	closeFrame     = 0x8
	closeGoingAway = 1001
)

// startEcho runs the echo server with default options on a free port for the
// length of the test and returns its address and everything it logs.
func startEcho(t testing.TB) (string, *wstest.SyncBuffer) {
	t.Helper()
	out := &wstest.SyncBuffer{}
	frames := true
	return wstest.Start(t, newServer(out, &frames)), out
}
