// Chat is the chat room the article points to at its end (基于Tornado框架的Web
// 聊天室), on the package final/websocket: open http://127.0.0.1:8002/ in
// two tabs, give each a name, and what one says, everyone sees. The room
// itself is the package chatroom, which final/chat/cluster serves too.
//
// Read along: docs/chat.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wsfromscratch/websocket-go/final/chat/chatroom"
	"github.com/wsfromscratch/websocket-go/final/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	certFile := flag.String("tls-cert", "", "certificate file (PEM): serve https:// and wss:// (needs -tls-key)")
	keyFile := flag.String("tls-key", "", "private key file (PEM) of -tls-cert")
	cfg := chatroom.Config{}
	cfg.AddFlags(flag.CommandLine)
	s := chatroom.NewServer(os.Stdout, &cfg)
	s.AddFlags(flag.CommandLine)
	flag.Parse()
	if err := cfg.Check(); err != nil {
		log.Fatal(err)
	}

	if (*certFile == "") != (*keyFile == "") {
		log.Fatal("chat: -tls-cert and -tls-key go together")
	}
	// Ctrl-C or SIGTERM, caught from before the address is printed (a
	// signal as soon as it is must not kill the program outright).
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
	fmt.Printf("chat: chat room on %s://%s/ (open it in two browser tabs; Ctrl-C to stop)\n", scheme, ln.Addr())
	fmt.Printf("chat: %s\n", s.Limits())
	go func() {
		if err := serve(ln); err != nil {
			log.Fatal(err)
		}
	}()

	fmt.Printf("chat: %v: closing every client with %d (going away)\n", <-stop, websocket.CloseGoingAway)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		fmt.Printf("chat: %v: the clients still open were cut off\n", err)
	}
	fmt.Println("chat: stopped")
}
