package websocket

import (
	"log"
	"net/http"
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
	return s, wstest.Start(t, s), out
}

// echoWorks checks that the server still echoes on a fresh connection.
func echoWorks(t testing.TB, addr string) {
	t.Helper()
	c := wstest.Connect(t, addr)
	c.Send(0x1, []byte("still there?"))
	c.Expect(0x1, []byte("still there?"), "the server goes on serving after a bad client")
}
