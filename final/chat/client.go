package main

import (
	"net/http"
	"sync"
	"time"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// A client is one connection in the room. Its reader is the connection's
// Handler goroutine (serve); its writer is a goroutine of its own (write),
// the only one that writes messages to it, fed by a bounded queue.
type client struct {
	conn  *websocket.Conn
	addr  string
	name  string // set by the room, before it closes named
	named chan struct{}
	limit int // the most messages that may wait in the queue

	tokens float64   // messages it may send now (allow), owned by its reader
	filled time.Time // when tokens was last brought up to date

	mu      sync.Mutex
	queue   [][]byte
	stopped bool // the room is done with this client
	slow    bool // … because its queue was full
	gone    bool // a write failed: drop what comes
	wake    chan struct{}
}

// serve is the Handler of the chat server: it brings the client into the
// room and hands the room every text message the client sends.
func (rm *room) serve(conn *websocket.Conn, r *http.Request, queue int) error {
	c := &client{conn: conn, addr: conn.RemoteAddr().String(), name: r.URL.Query().Get("name"),
		limit: queue, wake: make(chan struct{}, 1), named: make(chan struct{})}
	go c.write()
	rm.join <- c
	<-c.named
	defer func() { rm.leave <- c }()
	for {
		typ, msg, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		if typ != websocket.TextMessage {
			rm.logger.Printf("%s: %s sent a binary message; closing with %d (%s)", c.addr, c.name,
				websocket.CloseUnsupportedData, websocket.CloseCodeName(websocket.CloseUnsupportedData))
			conn.Close(websocket.CloseUnsupportedData, "the room takes text messages only")
			continue // ReadMessage waits for the client's close frame
		}
		if !c.allow(time.Now(), rm.cfg) {
			rm.logger.Printf("%s: %s sends too fast (over %g messages a second after a burst of %d); closing with %d (%s)", c.addr, c.name,
				rm.cfg.rate, rm.cfg.burst, websocket.ClosePolicyViolation, websocket.CloseCodeName(websocket.ClosePolicyViolation))
			conn.Close(websocket.ClosePolicyViolation, "sending too fast")
			continue // as above; the room hears nothing more from it
		}
		rm.say <- said{from: c, text: append([]byte(nil), msg...)}
	}
}

// allow takes a token from the client's bucket for one message, and reports
// false when there is none: the client sent more than cfg.burst messages at
// once, or more than cfg.rate a second for longer. The bucket starts full
// and fills at cfg.rate tokens a second, up to cfg.burst. Only the client's
// reader calls it.
func (c *client) allow(now time.Time, cfg *roomConfig) bool {
	if c.filled.IsZero() {
		c.tokens = float64(cfg.burst)
	} else {
		c.tokens = min(float64(cfg.burst), c.tokens+now.Sub(c.filled).Seconds()*cfg.rate)
	}
	c.filled = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// push queues line for the writer; it reports false if the queue is full.
func (c *client) push(line []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.gone:
		return true
	case len(c.queue) >= c.limit:
		return false
	}
	c.queue = append(c.queue, line)
	c.signal()
	return true
}

// stop ends the writer once it has written what is queued; a slow client's
// connection is closed at once with 1008 (policy violation): it broke the
// room's rule of reading what it is sent.
func (c *client) stop(slow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped, c.slow = true, slow
	c.signal()
	if slow {
		// On a goroutine of its own: Close may wait up to a second for a
		// writer stuck on the full socket, and the room waits for no one.
		go c.conn.Close(websocket.ClosePolicyViolation, "reading too slowly")
	}
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// write is the client's writer: it sends what the room queues, in order.
func (c *client) write() {
	for range c.wake {
		c.mu.Lock()
		lines, stopped, slow := c.queue, c.stopped, c.slow
		c.queue = nil
		if slow {
			lines = nil // it would not read them
		}
		c.mu.Unlock()
		for _, line := range lines {
			if err := c.conn.WriteMessage(websocket.TextMessage, line); err != nil {
				c.mu.Lock()
				c.gone, c.queue = true, nil
				c.mu.Unlock()
				return
			}
		}
		if stopped {
			return
		}
	}
}
