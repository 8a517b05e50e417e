// Final is a complete WebSocket echo server: every message a browser sends
// comes back, text as text and binary as binary.
//
// It brings together all sections of the article: listen (1.启动服务端),
// serve the page whose script connects (2.客户端连接), answer the handshake
// (3.建立链接【握手】), unpack the client's frames and pack the server's
// (4.收发数据: 解包, 封包). The protocol lives in the package
// final/websocket, which adds what the article leaves out: fragmented
// messages, ping and pong, the close handshake, UTF-8 checks, size limits,
// an origin check, timeouts, and many clients at once. This program is the
// echo loop on top of it.
//
// Read along: docs/final.md.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

//go:embed page.html
var page []byte

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	maxMessage := flag.Int64("max-message", websocket.DefaultMaxMessage, "longest message in bytes; a longer one closes the connection with 1009")
	origins := flag.String("origin", "", "comma-separated origins allowed to connect, e.g. http://127.0.0.1:8002 (empty: allow all)")
	idle := flag.Duration("idle-timeout", websocket.DefaultIdleTimeout, "close a connection that sends nothing for this long (0: never)")
	verbose := flag.Bool("v", false, "print every frame in and out as an annotated picture")
	flag.Parse()

	s := newServer(os.Stdout, websocket.Options{MaxMessage: *maxMessage, IdleTimeout: *idle, Origins: splitList(*origins)}, *verbose)
	if *idle == 0 {
		s.IdleTimeout = -1 // the flag's 0 is the package's "never"
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("final: echo server on http://%s/ (open it in a browser; Ctrl-C to stop)\n", ln.Addr())
	fmt.Printf("final: messages up to %d bytes, idle timeout %v", *maxMessage, *idle)
	if len(s.Origins) > 0 {
		fmt.Printf(", origins allowed: %s", strings.Join(s.Origins, " "))
	}
	fmt.Println()
	go func() {
		if err := s.Serve(ln); err != nil {
			log.Fatal(err)
		}
	}()

	// Ctrl-C or SIGTERM: say goodbye to every client with 1001 (going
	// away), give them a moment to answer, then exit.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	sig := <-stop
	fmt.Printf("final: %v: closing every client with %d (%s)\n", sig, websocket.CloseGoingAway, websocket.CloseCodeName(websocket.CloseGoingAway))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s.Shutdown(ctx)
	fmt.Println("final: stopped")
}

// newServer is the echo server: the page on GET /, an echo on every other
// path that asks for a WebSocket. With verbose, every frame is logged as a
// picture.
func newServer(out io.Writer, opts websocket.Options, verbose bool) *websocket.Server {
	logger := log.New(out, "", log.Ltime)
	if verbose {
		opts.OnFrame = func(c *websocket.Conn, f websocket.Frame) { logger.Print(c.RemoteAddr(), " ", f) }
	}
	return &websocket.Server{Options: opts, Handler: echo, Page: page, Logger: logger}
}

// echo sends every message back as it came, until the connection ends.
func echo(c *websocket.Conn, _ *http.Request) error {
	for {
		typ, msg, err := c.ReadMessage()
		if err != nil {
			return err
		}
		if err := c.WriteMessage(typ, msg); err != nil {
			return err
		}
	}
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
