// Package chatroom is the chat room of final/chat, as a package that more
// than one program can serve: one goroutine owns the room (room.go); every
// client has a reader of its own and a bounded queue (client.go), which the
// room's pool of writers writes (writers.go). A client that reads slower
// than the room talks is disconnected; it never holds up the others. So is
// a client that talks faster than -rate: it would drop the others.
//
// Read along: docs/chat.md.
package chatroom

import (
	_ "embed"
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
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

// Config is what the room's own flags set, and the bus that carries it to
// other servers.
type Config struct {
	Queue   int     // messages that may wait for a client before it is dropped
	History int     // recent messages a newcomer gets
	Rate    float64 // messages a client may send per second, on average
	Burst   int     // messages a client may send at once, above the rate

	// MaxWait is how long a line may wait for the room before it is shed,
	// and its sender told; under an overload that lasts the room sheds
	// lines that waited a fifth of it (docs/chat.md#when-the-room-is-overloaded).
	// 0 means 500 ms.
	MaxWait time.Duration

	Bus    Bus    // nil: the room is all on this server
	Server string // this server's name on Bus (ValidServer)

	newsWindow time.Duration // 0: newsWindow; a test holds the news longer
	newsPause  time.Duration // 0: newsPause
	writers    int           // 0: two per processor (newWriters); a test takes fewer
}

// AddFlags registers the room's flags (-queue, -history, -rate, -burst,
// -max-wait) on fs.
func (cfg *Config) AddFlags(fs *flag.FlagSet) {
	fs.IntVar(&cfg.Queue, "queue", 1024, "messages that may wait for a client; a client that falls this far behind is disconnected with 1008")
	fs.IntVar(&cfg.History, "history", 20, "recent messages a newcomer gets")
	fs.Float64Var(&cfg.Rate, "rate", defaultRate, "messages a client may send per second, on average; a client that sends faster (after -burst) is disconnected with 1008")
	fs.IntVar(&cfg.Burst, "burst", defaultBurst, "messages a client may send at once, above -rate")
	fs.DurationVar(&cfg.MaxWait, "max-wait", defaultMaxWait, "how long a line may wait for an overloaded room before it is dropped and its sender told")
}

// Check reports what is wrong with the flags' values, if anything.
func (cfg *Config) Check() error {
	if cfg.Queue < 1 || cfg.History < 0 || cfg.History >= cfg.Queue {
		return errors.New("chat: -queue must be at least 1 and more than -history (a newcomer's history waits in its queue)")
	}
	if cfg.Rate <= 0 || cfg.Burst < 1 {
		return errors.New("chat: -rate must be more than 0 and -burst at least 1 (a client may send one message at least)")
	}
	if cfg.MaxWait < 0 {
		return errors.New("chat: -max-wait must not be negative")
	}
	return nil
}

// NewServer is the chat server: the page on GET /, and the room for every
// request that asks for a WebSocket, on any path. Messages are chat lines,
// not files: 4 KiB at most unless the caller changes MaxMessage. A cfg
// without a rate gets the flags' default rate and burst. What cfg.Bus
// delivers reaches the clients only if it passes the room's rules for a
// message (Message.check), and never longer than MaxMessage.
func NewServer(out io.Writer, cfg *Config) *websocket.Server {
	if cfg.Rate == 0 { // the zero Config gets the flags' defaults
		cfg.Rate, cfg.Burst = defaultRate, defaultBurst
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = defaultMaxWait
	}
	if cfg.Bus == nil {
		cfg.Bus = alone{}
	}
	if cfg.newsWindow == 0 {
		cfg.newsWindow, cfg.newsPause = newsWindow, newsPause
	}
	logger := log.New(out, "", log.Ltime)
	rm := newRoom(logger, cfg)
	s := &websocket.Server{Options: websocket.Options{MaxMessage: 4096}, Page: page, Logger: logger,
		Handler: func(c *websocket.Conn, r *http.Request) error { return rm.serve(c, r, cfg.Queue) }}
	cfg.Bus.Subscribe(func(m Message) {
		if err := m.check(cfg.Server, s.MaxMessage); err != nil {
			logger.Printf("bus: dropped a message from %.40q: %v", m.Server, err)
			return
		}
		rm.remote <- m
	})
	go rm.run()
	return s
}
