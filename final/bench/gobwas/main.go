// Command gobwas is the floor of the benchmark: a bare frame echo on the
// low-level API of github.com/gobwas/ws, written as its README's low-level
// example writes it. Each frame is read with ws.ReadHeader, its payload
// unmasked with ws.Cipher, and written straight back behind ws.WriteHeader.
//
// It does less than a WebSocket server must: no message reassembly (a
// fragment is echoed as a fragment), no UTF-8 check on text (RFC 6455 §8.1),
// no message limit, no ping/pong or close handshake of its own, no
// permessage-deflate (the harness leaves it out of the compressed workload).
// That is the point: it shows what the machine allows when nothing is
// checked, the most any complete server can hope to reach.
//
// Two changes from the README's loop, both to make it faster: it reads and
// writes through the bufio.ReadWriter that the upgrade hands back (the
// README reads the header a few bytes at a time from the socket), flushing
// once per frame, and it reuses one payload buffer per connection.
//
//	go run ./gobwas -addr 127.0.0.1:9000
package main

import (
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/gobwas/ws"
)

// maxFrame bounds the payload buffer, since nothing else does: the README
// says to check Header.Length against your own limit before reading.
const maxFrame = 64 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	log.SetFlags(0)
	log.Printf("gobwas bare frame echo on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(echo)))
}

// echo upgrades any request and echoes every frame back until the
// connection ends or a close frame has been echoed.
func echo(w http.ResponseWriter, r *http.Request) {
	conn, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return // UpgradeHTTP has already answered with an HTTP error
	}
	defer conn.Close()
	var buf []byte
	for {
		h, err := ws.ReadHeader(rw.Reader)
		if err != nil || h.Length > maxFrame {
			return
		}
		if int64(cap(buf)) < h.Length {
			buf = make([]byte, h.Length)
		}
		payload := buf[:h.Length]
		if _, err := io.ReadFull(rw.Reader, payload); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
		}
		h.Masked = false // server frames are never masked (RFC 6455 §5.1)
		if err := ws.WriteHeader(rw.Writer, h); err != nil {
			return
		}
		if _, err := rw.Writer.Write(payload); err != nil {
			return
		}
		if err := rw.Writer.Flush(); err != nil || h.OpCode == ws.OpClose {
			return
		}
	}
}
