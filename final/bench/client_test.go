package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaEcho is an in-process echo server for testing the load generator's
// client: gorilla is an independent implementation of the protocol.
func gorillaEcho(t *testing.T) string {
	t.Helper()
	up := websocket.Upgrader{WriteBufferSize: 4096} // fragments long messages
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			wr, err := c.NextWriter(mt)
			if err != nil {
				return
			}
			wr.Write(b)
			if wr.Close() != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Every length encoding of the client's frames, and fragmented answers
// (gorilla sends anything longer than its write buffer in several frames).
func TestClientEcho(t *testing.T) {
	addr := gorillaEcho(t)
	c, err := dial(addr, readBufferBytes, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for _, n := range []int{0, 1, 16, 125, 126, 1024, 65535, 65536, 1 << 20} {
		p := bytes.Repeat([]byte("websocket"), n/9+1)[:n]
		for _, op := range []byte{opText, opBinary} {
			if err := checkEcho(c, op, p); err != nil {
				t.Errorf("%d bytes, opcode %d: %v", n, op, err)
			}
		}
	}
}

func TestClientFrameHeader(t *testing.T) {
	tests := []struct {
		n    int
		head []byte
	}{
		{5, []byte{0x81, 0x85}},
		{125, []byte{0x81, 0xFD}},
		{126, []byte{0x81, 0xFE, 0x00, 0x7E}},
		{65536, []byte{0x81, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		f := clientFrame(opText, make([]byte, tt.n))
		if !bytes.HasPrefix(f, tt.head) || len(f) != len(tt.head)+4+tt.n {
			t.Errorf("%d bytes: header % x, length %d", tt.n, f[:len(tt.head)], len(f))
		}
	}
}

func TestRoundOrderAlternates(t *testing.T) {
	a, b := &target{name: "final"}, &target{name: "gorilla"}
	targets := []*target{a, b}
	var got []string
	for r := 1; r <= 4; r++ {
		for _, tg := range roundOrder(r, targets) {
			got = append(got, tg.name)
		}
	}
	want := "final gorilla gorilla final final gorilla gorilla final"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("order = %q, want %q", g, want)
	}
	if targets[0] != a {
		t.Error("roundOrder changed its argument")
	}
}
