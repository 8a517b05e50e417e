// Cluster is the chat room of final/chat on several servers, joined by a
// NATS bus: what a client on one server says, the clients of every server
// see. Start a chat server with a NATS server inside it, then a second chat
// server on the same bus, and open a tab on each:
//
//	go run . -addr 127.0.0.1:8002 -nats-embed 127.0.0.1:4222
//	go run . -addr 127.0.0.1:8003 -nats nats://127.0.0.1:4222
//
// Both take the chat room's flags. Read along: docs/chat.md#one-machine-is-not-enough.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/wsfromscratch/websocket-go/final/chat/chatroom"
	"github.com/wsfromscratch/websocket-go/final/websocket"
)

func main() {
	var f chatroom.Flags
	f.Add(flag.CommandLine)
	natsURL := flag.String("nats", "", "URL of the NATS server that carries the room to the other chat servers")
	embed := flag.String("nats-embed", "", "run a NATS server inside this program, listening on this address, and use it as -nats")
	name := flag.String("server", "", "this server's name on the bus, shown after its members' names (default: the port of -addr)")
	s, bus := newServer(os.Stdout, &f.Room)
	s.AddFlags(flag.CommandLine)
	flag.Parse()
	if err := f.Check(); err != nil {
		log.Fatal(err)
	}
	if (*natsURL == "") == (*embed == "") {
		log.Fatal("chat: give one of -nats (a NATS server's URL) and -nats-embed (an address for a NATS server of its own)")
	}
	f.Room.Server = *name
	if *name == "" {
		_, f.Room.Server, _ = net.SplitHostPort(f.Addr)
	}
	if !chatroom.ValidServer(f.Room.Server) {
		log.Fatalf("chat: -server %q: letters, digits and '-', 32 at most", f.Room.Server)
	}
	if *embed != "" {
		ns, err := startNATS(*embed)
		if err != nil {
			log.Fatal(err)
		}
		defer ns.Shutdown()
		*natsURL = ns.ClientURL()
		fmt.Printf("chat: NATS server on %s, inside this program\n", *natsURL)
	}
	if err := bus.connect(*natsURL, f.Room.Server); err != nil {
		log.Fatal(err)
	}
	defer bus.close()
	chatroom.Run(s, &f)
	fmt.Println("chat: stopped")
}

// newServer is the chat server of chatroom.NewServer on a bus that its
// connect joins to NATS; both log to out.
func newServer(out io.Writer, cfg *chatroom.Config) (*websocket.Server, *natsBus) {
	bus := &natsBus{logger: log.New(out, "", log.Ltime)}
	cfg.Bus = bus
	return chatroom.NewServer(out, cfg), bus
}

// startNATS runs a NATS server listening on addr (host:port; port 0: any
// free one) in this process, with its default limits (1 MiB a message) and
// no log of its own.
func startNATS(addr string) (*server.Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("chat: -nats-embed %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("chat: -nats-embed %q: the port is not a number", addr)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{Host: host, Port: p, NoSigs: true, NoLog: true})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("chat: the NATS server on %s did not start", addr)
	}
	return ns, nil
}
