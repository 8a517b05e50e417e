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
	"syscall"
	"time"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

//go:embed page.html
var page []byte

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	certFile := flag.String("tls-cert", "", "certificate file (PEM): serve https:// and wss:// (needs -tls-key)")
	keyFile := flag.String("tls-key", "", "private key file (PEM) of -tls-cert")
	verbose := flag.Bool("v", false, "print every frame in and out as an annotated picture")
	frames := flag.Bool("frames", true, "let the page show its own connection's frames (false: the page only echoes)")
	s := newServer(os.Stdout, frames)
	s.AddFlags(flag.CommandLine)
	flag.Parse()
	if *verbose {
		s.OnFrame = func(c *websocket.Conn, f websocket.Frame) { s.Logger.Print(c.RemoteAddr(), " ", f) }
	}

	if (*certFile == "") != (*keyFile == "") {
		log.Fatal("final: -tls-cert and -tls-key go together")
	}
	// Ctrl-C or SIGTERM: say goodbye to every client with 1001 (going
	// away), give them a moment to answer, then exit. Caught from before the
	// address is printed: a signal that comes as soon as it is must not kill
	// the program outright.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	scheme, serve := "http", s.Serve
	if *certFile != "" { // TLS: the page's script then opens wss:// (page.html)
		scheme, serve = "https", func(ln net.Listener) error { return s.ServeTLS(ln, *certFile, *keyFile) }
	}
	fmt.Printf("final: echo server on %s://%s/ (open it in a browser; Ctrl-C to stop)\n", scheme, ln.Addr())
	fmt.Printf("final: %s\n", s.Limits())
	go func() {
		if err := serve(ln); err != nil {
			log.Fatal(err)
		}
	}()

	sig := <-stop
	fmt.Printf("final: %v: closing every client with %d (%s)\n", sig, websocket.CloseGoingAway, websocket.CloseCodeName(websocket.CloseGoingAway))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		fmt.Printf("final: %v: the clients still open were cut off\n", err)
	}
	fmt.Println("final: stopped")
}

// newServer is the echo server: the page on GET /, an echo on every path
// that asks for a WebSocket, and, while *frames is true, the page's frame
// view on /frames (frames.go).
func newServer(out io.Writer, frames *bool) *websocket.Server {
	vs := &views{byToken: map[string]*view{}}
	handler := func(c *websocket.Conn, r *http.Request) error {
		switch {
		case r.URL.Path == framesPath && !*frames:
			c.Close(websocket.ClosePolicyViolation, "the frame view is off (-frames=false)")
			return nil
		case r.URL.Path == framesPath:
			return vs.serve(c, r)
		case *frames:
			vs.watch(c, r)
		}
		return echo(c, r)
	}
	return &websocket.Server{Handler: handler, Page: page, Logger: log.New(out, "", log.Ltime)}
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
