package chatroom

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// Flags are what the command line of a chat program sets: where it
// listens, its TLS certificate, and the room's own flags.
type Flags struct {
	Addr, CertFile, KeyFile string
	Room                    Config
}

// Add registers the flags on fs.
func (f *Flags) Add(fs *flag.FlagSet) {
	fs.StringVar(&f.Addr, "addr", "127.0.0.1:8002", "address to listen on")
	fs.StringVar(&f.CertFile, "tls-cert", "", "certificate file (PEM): serve https:// and wss:// (needs -tls-key)")
	fs.StringVar(&f.KeyFile, "tls-key", "", "private key file (PEM) of -tls-cert")
	f.Room.AddFlags(fs)
}

// Check reports what is wrong with the flags' values, if anything.
func (f *Flags) Check() error {
	if (f.CertFile == "") != (f.KeyFile == "") {
		return errors.New("chat: -tls-cert and -tls-key go together")
	}
	return f.Room.Check()
}

// Run serves s on f.Addr until Ctrl-C or SIGTERM, then closes every client
// with 1001 (going away). It stops the program if it cannot listen.
func Run(s *websocket.Server, f *Flags) {
	// Ctrl-C or SIGTERM, caught from before the address is printed (a
	// signal as soon as it is must not kill the program outright).
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		log.Fatal(err)
	}
	scheme, serve := "http", s.Serve
	if f.CertFile != "" { // TLS: the page's script then opens wss:// (page.html)
		scheme, serve = "https", func(ln net.Listener) error { return s.ServeTLS(ln, f.CertFile, f.KeyFile) }
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
}
