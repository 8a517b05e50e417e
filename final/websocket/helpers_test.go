package websocket

import (
	"io"
	"log"
	"net/http"
	"strings"
	"sync/atomic"
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
	needMessageLayer(t)
	return serve(t, s)
}

// needMessageLayer is for a test that needs the message layer: in the
// exercise build it skips the test while the layer fails its own tests, and
// stops it with one line while the layer is not written.
func needMessageLayer(t testing.TB) {
	t.Helper()
	if !exercise {
		return
	}
	if layerFailed.Load() {
		t.Skip("skipped while the message layer fails its own tests (assemble_test.go, above): fix those first")
	}
	requireMessageLayer(t)
}

// startLayerServer is startServer for the tests of the message layer: they
// run whatever else has failed, and a failure of theirs skips the rest of
// the package in the exercise build (layerFailed).
func startLayerServer(t *testing.T, s *Server) (*Server, string, *wstest.SyncBuffer) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			layerFailed.Store(true)
		}
	})
	if exercise {
		requireMessageLayer(t)
	}
	return serve(t, s)
}

// serve is startServer without the exercise's checks.
func serve(t testing.TB, s *Server) (*Server, string, *wstest.SyncBuffer) {
	t.Helper()
	out := &wstest.SyncBuffer{}
	s.Logger = log.New(out, "", log.Ltime)
	return s, wstest.Start(t, s), out
}

// exercise is set in the exercise build (exercise_test.go), where the
// message layer may still be the stubs of assemble_exercise.go.
var exercise bool

// layerFailed is set once a test of the message layer (assemble_test.go,
// which runs first) has failed. In the exercise build the package's other
// tests that start a server are skipped then: what a learner reads is what
// the layer gets wrong, in seconds, not every test it breaks.
var layerFailed atomic.Bool

// requireMessageLayer stops a test that needs the message layer, with one
// line, while it is not written. It asks a server of its own, so that the
// test's server sees none of its frames, connections or log lines.
func requireMessageLayer(t testing.TB) {
	t.Helper()
	s := testServer()
	ended := make(chan error, 1)
	s.Handler = func(c *Conn, r *http.Request) error {
		err := echo(c, r)
		ended <- err
		return err
	}
	s.Logger = log.New(io.Discard, "", 0)
	c := wstest.Connect(t, wstest.Start(t, s))
	c.Send(textFrame, []byte("is the message layer written?"))
	if f, err := c.Read(); err == nil && f.Opcode != closeFrame {
		return // an answer: written
	}
	select {
	case err := <-ended:
		if strings.Contains(err.Error(), "is not written yet") {
			t.Fatalf("needs readMessage, readControl and closeReceived: write them in final/websocket/assemble_exercise.go (docs/final.md, the message layer as an exercise)")
		}
	case <-time.After(wstest.WaitFor):
	}
}

// echoWorks checks that the server still echoes on a fresh connection.
func echoWorks(t testing.TB, addr string) {
	t.Helper()
	c := wstest.Connect(t, addr)
	c.Send(0x1, []byte("still there?"))
	c.Expect(0x1, []byte("still there?"), "the server goes on serving after a bad client")
}
