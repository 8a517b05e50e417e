// Command gws is an echo server on github.com/lxzan/gws, written as gws's
// own examples/echo writes it: an event handler whose OnMessage writes the
// message back with the same opcode, and a read loop per connection. Like
// that example (and like final) it checks that text messages are valid
// UTF-8 (RFC 6455 §8.1). An upgrade on any path becomes an echo connection.
//
// Compression is off unless -compress is given, as with final: then gws
// accepts permessage-deflate when a client offers it, with no context
// takeover either way (the example keeps context; the benchmark's other
// servers run without it, so this one does too), and compresses every
// message of 512 bytes or more (gws's default threshold).
//
//	go run ./gws -addr 127.0.0.1:9000 [-compress]
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/lxzan/gws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	compress := flag.Bool("compress", false, "accept permessage-deflate when a client offers it (RFC 7692)")
	flag.Parse()
	upgrader := gws.NewUpgrader(&handler{}, &gws.ServerOption{
		CheckUtf8Enabled:  true,
		Recovery:          gws.Recovery,
		PermessageDeflate: gws.PermessageDeflate{Enabled: *compress},
	})
	log.SetFlags(0)
	log.Printf("gws echo server on %s (-compress=%v)", *addr, *compress)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		socket, err := upgrader.Upgrade(w, r)
		if err != nil {
			return // Upgrade has already answered with an HTTP error
		}
		go socket.ReadLoop()
	})))
}

// handler echoes every message and answers pings, as the example's does;
// gws answers a close frame by itself.
type handler struct {
	gws.BuiltinEventHandler
}

func (handler) OnPing(socket *gws.Conn, payload []byte) {
	_ = socket.WritePong(payload)
}

func (handler) OnMessage(socket *gws.Conn, message *gws.Message) {
	defer message.Close()
	_ = socket.WriteMessage(message.Opcode, message.Bytes())
}
