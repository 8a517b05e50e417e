// Command gobwas is the floor of the benchmark: a bare frame echo on the
// low-level API of github.com/gobwas/ws, written as its README's low-level
// example writes it. It accepts TCP connections on a raw listener and
// upgrades each with ws.Upgrade (no net/http). Each frame is read with
// ws.ReadHeader, its payload unmasked with ws.Cipher, and written straight
// back behind ws.WriteHeader.
//
// It does less than a WebSocket server must: no message reassembly (a
// fragment is echoed as a fragment), no UTF-8 check on text (RFC 6455 §8.1),
// no message limit, no ping/pong or close handshake of its own, no
// permessage-deflate (the harness leaves it out of the compressed workload).
// That is the point: it shows what the machine allows when nothing is
// checked, the most any complete server can hope to reach.
//
// It reads as the README does, from the bare socket: ws.ReadHeader takes
// the header in two small reads, then the payload comes in one more. So an
// idle connection holds no buffer at all (the floor for memory), but a small
// message costs three read system calls (workload 1 is no floor for it).
// Three changes from the README's loop: the upgrade runs on the
// connection's goroutine, not in the accept loop (one slow client would
// hold up every other handshake); one payload buffer is kept per connection
// instead of one allocated per frame; and the header and the payload go out
// in one writev (net.Buffers) instead of two writes.
//
//	go run ./gobwas -addr 127.0.0.1:9000
package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"net"

	"github.com/gobwas/ws"
)

// maxFrame bounds the payload buffer, since nothing else does: the README
// says to check Header.Length against your own limit before reading.
const maxFrame = 64 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	log.SetFlags(0)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("gobwas bare frame echo on %s", ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go echo(conn)
	}
}

// echo upgrades the connection (any path) and echoes every frame back until
// the connection ends or a close frame has been echoed.
func echo(conn net.Conn) {
	defer conn.Close()
	if _, err := ws.Upgrade(conn); err != nil {
		return // Upgrade has already answered with an HTTP error
	}
	var buf []byte
	var head bytes.Buffer
	for {
		h, err := ws.ReadHeader(conn)
		if err != nil || h.Length > maxFrame {
			return
		}
		if int64(cap(buf)) < h.Length {
			buf = make([]byte, h.Length)
		}
		payload := buf[:h.Length]
		if _, err := io.ReadFull(conn, payload); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
		}
		h.Masked = false // server frames are never masked (RFC 6455 §5.1)
		head.Reset()
		if err := ws.WriteHeader(&head, h); err != nil {
			return
		}
		frame := net.Buffers{head.Bytes(), payload}
		if _, err := frame.WriteTo(conn); err != nil || h.OpCode == ws.OpClose {
			return
		}
	}
}
