// Final is a complete WebSocket echo server: every message a browser sends
// comes back, text as text and binary as binary.
//
// It brings together all sections of the article: listen (1.启动服务端),
// serve the page whose script connects (2.客户端连接), answer the handshake
// (3.建立链接【握手】), unpack the client's frames and pack the server's
// (4.收发数据: 解包, 封包). It adds what the article leaves out: fragmented
// messages, ping and pong, the close handshake, UTF-8 checks, size limits,
// an origin check, timeouts, and many clients at once.
//
// Read along: docs/final.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	maxMessage := flag.Int64("max-message", 32<<20, "longest message in bytes; a longer one closes the connection with 1009")
	origins := flag.String("origin", "", "comma-separated origins allowed to connect, e.g. http://127.0.0.1:8002 (empty: allow all)")
	idle := flag.Duration("idle-timeout", 2*time.Minute, "close a connection that sends nothing for this long (0: never)")
	verbose := flag.Bool("v", false, "print every frame in and out as an annotated picture")
	flag.Parse()

	cfg := config{maxMessage: *maxMessage, idleTimeout: *idle, headTimeout: 10 * time.Second,
		writeTimeout: 10 * time.Second, verbose: *verbose}
	for o := range strings.SplitSeq(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.origins = append(cfg.origins, o)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("final: echo server on http://%s/ (open it in a browser; Ctrl-C to stop)\n", ln.Addr())
	fmt.Printf("final: messages up to %d bytes, idle timeout %v", cfg.maxMessage, cfg.idleTimeout)
	if len(cfg.origins) > 0 {
		fmt.Printf(", origins allowed: %s", strings.Join(cfg.origins, " "))
	}
	fmt.Println()

	s := newServer(cfg, os.Stdout)
	go func() {
		if err := s.serve(ln); err != nil {
			log.Fatal(err)
		}
	}()

	// Ctrl-C or SIGTERM: say goodbye to every client with 1001 (going
	// away), give them a moment to answer, then exit.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	sig := <-stop
	fmt.Printf("final: %v: closing every client with %d (%s)\n", sig, closeGoingAway, closeCodeName(closeGoingAway))
	done := make(chan struct{})
	time.AfterFunc(3*time.Second, func() { close(done) })
	s.shutdown(done)
	fmt.Println("final: stopped")
}
