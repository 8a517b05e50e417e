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
	var delay time.Duration // the wait before the next Accept; 0 while Accept works
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		// Any other error is retried after 5ms, 10ms, 20ms … at most 1s apart,
		// as net/http's Server.Serve does. The usual one is "too many open
		// files" (EMFILE): each connection holds a file descriptor, and with a
		// low `ulimit -n` they run out until some clients leave. Server.Serve
		// retries only errors whose Temporary() is true, but Temporary is
		// deprecated (not well defined), and a server has nothing better to
		// do than wait: only a closed listener ends serve. Not to flood the
		// log, one line says when a run of failures begins, one when it ends.
		if err != nil {
			if delay == 0 {
				delay = 5 * time.Millisecond
				logger.Printf("accept failed: %v; retrying in %v, then up to every 1s", err, delay)
			} else {
				delay = min(2*delay, time.Second)
			}
			time.Sleep(delay)
			continue
		}
		if delay != 0 {
			logger.Printf("accept works again")
			delay = 0
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
