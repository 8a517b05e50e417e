// Step1-listen is a TCP server that prints the raw bytes a client sends.
//
// It mirrors section 1 of the article (1.启动服务端): listen on 127.0.0.1:8002,
// accept connections, and look at what arrives. Open http://127.0.0.1:8002/ in
// a browser and the bytes show that every web conversation, a WebSocket
// included, starts as a plain-text HTTP request. Nothing is answered yet.
//
// Read along: docs/step1-listen.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"
)

// idleTimeout closes a connection that has sent nothing for this long, so a
// client that never speaks (or a browser tab left open) does not hold a
// goroutine forever.
const idleTimeout = 2 * time.Minute

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("step1: listening on %s; open http://%s/ in a browser (Ctrl-C to stop)\n", ln.Addr(), ln.Addr())
	log.Fatal(serve(ln, os.Stdout))
}

// serve accepts connections until ln is closed and handles each one in its own
// goroutine, so one silent client does not keep the next one waiting.
// Everything it has to say goes to out, one line at a time.
func serve(ln net.Listener, out io.Writer) error {
	logger := log.New(out, "", log.Ltime)
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		go handleConn(conn, logger)
	}
}

// handleConn prints every chunk of bytes the client sends, exactly as it
// arrives. TCP delivers a byte stream, not messages: one Read may return half a
// request or two of them, which is why each chunk is printed with its size.
func handleConn(conn net.Conn, logger *log.Logger) {
	defer conn.Close()
	who := conn.RemoteAddr()
	logger.Printf("%s connected", who)

	buf := make([]byte, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		n, err := conn.Read(buf)
		if n > 0 {
			logger.Printf("%s sent %d bytes:\n%s", who, n, showBytes(buf[:n]))
		}
		var netErr net.Error
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			logger.Printf("%s closed the connection", who)
		case errors.As(err, &netErr) && netErr.Timeout():
			logger.Printf("%s sent nothing for %v; closing", who, idleTimeout)
		default:
			logger.Printf("%s: %v", who, err)
		}
		return
	}
}
