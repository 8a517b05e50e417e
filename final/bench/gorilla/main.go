// Command gorilla is the reference echo server of the benchmark. It does the
// same job as the tutorial's final/ (an upgrade request on any path becomes an
// echo connection, text echoed as text, binary as binary), written the way
// gorilla/websocket's own examples write it.
//
// The echo loop is the "/f" handler (echoCopyFull) of gorilla's
// examples/autobahn/server.go, the example that passes the Autobahn suite:
// NextReader, NextWriter of the same type, io.Copy between them (the
// message is streamed, never held whole in memory), and a streaming UTF-8
// check on text messages, since RFC 6455 requires it and final does it too.
// Upgrader buffers are 4096/4096 (gorilla's defaults, and the example's),
// CheckOrigin allows every origin. Compression is off unless -compress is
// given, as with final: then the Upgrader's EnableCompression accepts
// permessage-deflate when a client offers it (gorilla agrees only to no
// context takeover both ways) and every message written is compressed.
//
//	go run ./gorilla -addr 127.0.0.1:9000 [-compress]
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(*http.Request) bool { return true },
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	compress := flag.Bool("compress", false, "accept permessage-deflate when a client offers it (RFC 7692)")
	flag.Parse()
	upgrader.EnableCompression = *compress
	log.SetFlags(0)
	log.Printf("gorilla echo server on %s (-compress=%v)", *addr, *compress)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(echo)))
}

// echo upgrades any request and echoes every message back until the
// connection ends.
func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has already answered with an HTTP error
	}
	defer conn.Close()
	for {
		mt, rd, err := conn.NextReader()
		if err != nil {
			if websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				log.Println("read:", err)
			}
			return
		}
		if mt == websocket.TextMessage {
			rd = &utf8Reader{r: rd}
		}
		wr, err := conn.NextWriter(mt)
		if err != nil {
			log.Println("write:", err)
			return
		}
		if _, err := io.Copy(wr, rd); err != nil {
			if errors.Is(err, errInvalidUTF8) {
				msg := websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, "invalid UTF-8")
				_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			}
			log.Println("copy:", err)
			return
		}
		if err := wr.Close(); err != nil {
			log.Println("write:", err)
			return
		}
	}
}

var errInvalidUTF8 = errors.New("invalid UTF-8 in text message")

// utf8Reader passes a text message through and fails as soon as it is not
// valid UTF-8. A rune may be split between two reads: its first bytes wait in
// pend until the rest arrives. (gorilla's example uses a hand-written DFA for
// the same job; this one leans on unicode/utf8.)
type utf8Reader struct {
	r    io.Reader
	pend [utf8.UTFMax]byte
	np   int
}

func (v *utf8Reader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	b := p[:n]
	// Finish a rune left incomplete by the previous read.
	for v.np > 0 && len(b) > 0 {
		v.pend[v.np] = b[0]
		v.np++
		b = b[1:]
		if utf8.FullRune(v.pend[:v.np]) {
			if !utf8.Valid(v.pend[:v.np]) {
				return n, errInvalidUTF8
			}
			v.np = 0
		}
	}
	// Keep back an incomplete rune at the end (at most 3 bytes).
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		if b[i]&0xC0 != 0x80 { // first byte of a rune
			if !utf8.FullRune(b[i:]) {
				v.np = copy(v.pend[:], b[i:])
				b = b[:i]
			}
			break
		}
	}
	if !utf8.Valid(b) {
		return n, errInvalidUTF8
	}
	if err == io.EOF && v.np > 0 {
		return n, errInvalidUTF8
	}
	return n, err
}
