// Chat is the chat room the article points to at its end (基于Tornado框架的Web
// 聊天室), on the package final/websocket: open http://127.0.0.1:8002/ in
// two tabs, give each a name, and what one says, everyone sees.
//
// One goroutine owns the room (room.go); every client has a reader and a
// writer of its own, fed by a bounded queue (client.go). A client that reads
// slower than the room talks is disconnected; it never holds up the others.
// So is a client that talks faster than -rate: it would drop the others.
//
// Read along: docs/chat.md.
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

// A person types a few lines a second at most, and a paste or a quick
// exchange comes in a burst: these let every person through, and stop a
// program that floods the room long before its lines pile up in the queues
// of everyone who reads (docs/chat.md#the-rate-limit).
const (
	defaultRate  = 5  // messages a second, on average
	defaultBurst = 20 // messages at once
)

// roomConfig is what the room's own flags set.
type roomConfig struct {
	queue   int     // messages that may wait for a client before it is dropped
	history int     // recent messages a newcomer gets
	rate    float64 // messages a client may send per second, on average
	burst   int     // messages a client may send at once, above the rate
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	certFile := flag.String("tls-cert", "", "certificate file (PEM): serve https:// and wss:// (needs -tls-key)")
	keyFile := flag.String("tls-key", "", "private key file (PEM) of -tls-cert")
	cfg := roomConfig{}
	flag.IntVar(&cfg.queue, "queue", 1024, "messages that may wait for a client; a client that falls this far behind is disconnected with 1008")
	flag.IntVar(&cfg.history, "history", 20, "recent messages a newcomer gets")
	flag.Float64Var(&cfg.rate, "rate", defaultRate, "messages a client may send per second, on average; a client that sends faster (after -burst) is disconnected with 1008")
	flag.IntVar(&cfg.burst, "burst", defaultBurst, "messages a client may send at once, above -rate")
	s := newServer(os.Stdout, &cfg)
	s.AddFlags(flag.CommandLine)
	flag.Parse()
	if cfg.queue < 1 || cfg.history < 0 || cfg.history >= cfg.queue {
		log.Fatal("chat: -queue must be at least 1 and more than -history (a newcomer's history waits in its queue)")
	}
	if cfg.rate <= 0 || cfg.burst < 1 {
		log.Fatal("chat: -rate must be more than 0 and -burst at least 1 (a client may send one message at least)")
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

// newServer is the chat server: the page on GET /, and the room for every
// request that asks for a WebSocket, on any path. Messages are chat lines,
// not files: 4 KiB at most unless the caller changes MaxMessage.
func newServer(out io.Writer, cfg *roomConfig) *websocket.Server {
	if cfg.rate == 0 { // the zero roomConfig gets the flags' defaults
		cfg.rate, cfg.burst = defaultRate, defaultBurst
	}
	logger := log.New(out, "", log.Ltime)
	rm := newRoom(logger, cfg)
	go rm.run()
	return &websocket.Server{Options: websocket.Options{MaxMessage: 4096}, Page: page, Logger: logger,
		Handler: func(c *websocket.Conn, r *http.Request) error { return rm.serve(c, r, cfg.queue) }}
}
