package websocket

import (
	"log"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// echo is the handler of the tests' server: every message comes back.
func echo(c *Conn, _ *http.Request) error {
	for {
		typ, msg, err := c.ReadMessage()
		if err == nil {
			err = c.WriteMessage(typ, msg)
		}
		if err != nil {
			return err
		}
	}
}

// testPage is the page the tests' server serves on GET /.
var testPage = []byte("<!DOCTYPE html><title>test</title>")

// testServer is the echo server the tests run unless they change it.
func testServer() *Server {
	return &Server{Handler: echo, Page: testPage, HeadTimeout: 10 * time.Second,
		Options: Options{MaxMessage: 32 << 20, IdleTimeout: time.Minute, WriteTimeout: 10 * time.Second}}
}

// startServer runs s on a free port of 127.0.0.1 for the length of the test
// and returns it, its address and everything it logs.
func startServer(t testing.TB, s *Server) (*Server, string, *wstest.SyncBuffer) {
	t.Helper()
	out := &wstest.SyncBuffer{}
	s.Logger = log.New(out, "", log.Ltime)
	addr := wstest.Start(t, s)
	if exercise {
		requireMessageLayer(t, addr, out)
	}
	return s, addr, out
}

// exercise is set in the exercise build (exercise_test.go), where the
// message layer may still be the stubs of assemble_exercise.go.
var exercise bool

// requireMessageLayer stops a test that needs the message layer, with one
// line, while it is not written.
func requireMessageLayer(t testing.TB, addr string, out *wstest.SyncBuffer) {
	t.Helper()
	c := wstest.Connect(t, addr)
	c.Send(textFrame, []byte("is the message layer written?"))
	f, err := c.Read()
	if err == nil && f.Opcode == closeFrame {
		// The stub's error closes with 1011; the log says why soon after.
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if strings.Contains(out.String(), "is not written yet") {
				t.Fatalf("needs readMessage, readControl and closeReceived: write them in final/websocket/assemble_exercise.go (docs/final.md, the message layer as an exercise)")
			}
		}
	}
	// Written: end the probe cleanly, so that it counts against no limit.
	c.Send(closeFrame, wstest.ClosePayload(CloseNormal, "probe"))
	c.ExpectClose("the probe's close handshake")
	wstest.WaitForOutput(t, out, `reason="probe"`)
}

// echoWorks checks that the server still echoes on a fresh connection.
func echoWorks(t testing.TB, addr string) {
	t.Helper()
	c := wstest.Connect(t, addr)
	c.Send(0x1, []byte("still there?"))
	c.Expect(0x1, []byte("still there?"), "the server goes on serving after a bad client")
}
