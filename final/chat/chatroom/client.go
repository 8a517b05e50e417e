package chatroom

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// A client is one connection in the room. Its reader is the connection's
// Handler goroutine (serve). The room's lines wait for it in a bounded
// queue, which one of the room's writers (writers.go) writes at a time, in
// order: an idle client costs one goroutine, its reader, and a line for a
// thousand clients wakes a few writers, not a thousand (docs/chat.md).
type client struct {
	conn  *websocket.Conn
	addr  string
	name  string // set by the room, before it closes named
	named chan struct{}
	limit int // the most messages that may wait in the queue

	tokens float64   // messages it may send now (allow), owned by its reader
	filled time.Time // when tokens was last brought up to date

	mu      sync.Mutex
	queue   *lines   // the lines waiting; nil, with sent, while nothing is to write
	sent    *lines   // the lines the writer took last, the next queue once sent
	out     *writers // the room's writers
	writing bool     // c is in line for a writer or being written to, or is done for good
	stopped bool     // the room is done with this client
	slow    bool     // … because its queue was full
	gone    bool     // a write failed: drop what comes
}

// serve is the Handler of the chat server: it brings the client into the
// room and hands the room every text message the client sends. An idle
// client waits here, in ReadMessage, for as long as it stays; the work of
// joining and of each message is done in calls that have returned by then
// (admit, hear), so that this frame is small and the goroutine's stack the
// smallest there is (docs/performance.md#where-an-idle-chat-clients-kib-go).
func (rm *room) serve(conn *websocket.Conn, r *http.Request, queue int) error {
	c := rm.admit(conn, r, queue)
	defer rm.goodbye(c)
	for {
		typ, msg, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		rm.hear(c, typ, msg)
	}
}

// admit brings a client into the room and waits until the room has named it.
func (rm *room) admit(conn *websocket.Conn, r *http.Request, queue int) *client {
	c := &client{conn: conn, addr: conn.RemoteAddr().String(), name: r.URL.Query().Get("name"),
		limit: queue, named: make(chan struct{}), out: rm.writers}
	rm.join <- c
	<-c.named
	c.named = nil // the room is done with it: an idle client keeps no channel
	return c
}

// goodbye tells the room that c has left.
func (rm *room) goodbye(c *client) { rm.leave <- c }

// hear checks a message from c against the room's rules and hands it to
// the room. After a refusal the reader goes on until the client's close
// frame comes: ReadMessage drops any data after our close frame.
func (rm *room) hear(c *client, typ websocket.MessageType, msg []byte) {
	now := time.Now()
	switch odd := bytes.IndexFunc(msg, breaksALine); {
	case typ != websocket.TextMessage:
		rm.refuse(c, websocket.CloseUnsupportedData, "sent a binary message", "the room takes text messages only")
	case odd >= 0:
		r, _ := utf8.DecodeRune(msg[odd:])
		rm.refuse(c, websocket.ClosePolicyViolation, fmt.Sprintf("sent %U in a message", r), "a message is one line, without control characters")
	case !c.allow(now, rm.cfg):
		rm.refuse(c, websocket.ClosePolicyViolation, fmt.Sprintf("sends too fast (over %g messages a second after a burst of %d)", rm.cfg.Rate, rm.cfg.Burst), "sending too fast")
	default:
		select {
		case rm.say <- said{from: c, text: append([]byte(nil), msg...), at: now}:
		default: // the room is overloaded: shed the line (sayQueue)
			c.push(busyLine)
		}
	}
}

// breaksALine reports whether r may not be in a message: a message is shown
// as one line after its sender's name, and a control character (a line
// break, a carriage return, a tab) or a bidirectional control (such as the
// right-to-left override, U+202E) would let its text pass for another line,
// or move the name (docs/chat.md#the-wire-format).
func breaksALine(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// refuse logs why c breaks the room's rules and closes it with code.
func (rm *room) refuse(c *client, code int, why, reason string) {
	rm.logger.Printf("%s: %s %s; closing with %d (%s)", c.addr, c.name, why, code, websocket.CloseCodeName(code))
	c.conn.Close(code, reason)
}

// allow takes a token from the client's bucket for one message, and reports
// false when there is none: the client sent more than cfg.Burst messages at
// once, or more than cfg.Rate a second for longer. The bucket starts full
// and fills at cfg.Rate tokens a second, up to cfg.Burst. Only the client's
// reader calls it.
func (c *client) allow(now time.Time, cfg *Config) bool {
	if c.filled.IsZero() {
		c.tokens = float64(cfg.Burst)
	} else {
		c.tokens = min(float64(cfg.Burst), c.tokens+now.Sub(c.filled).Seconds()*cfg.Rate)
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
	case c.queue != nil && len(c.queue.l) >= c.limit:
		return false
	}
	c.callWriter()
	c.queue.l = append(c.queue.l, line)
	return true
}

// stop ends the writer once it has written what is queued; a slow client's
// writer drops the queue and closes its connection with 1008 (policy
// violation): it broke the room's rule of reading what it is sent.
func (c *client) stop(slow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped, c.slow = true, slow
	c.callWriter()
}

// callWriter puts c in line for one of the room's writers unless it is in
// line or being written to, under c.mu, with queues that ended writes left
// (spare) if c has none.
func (c *client) callWriter() {
	if !c.writing {
		c.writing = true
		if c.queue == nil {
			c.queue, c.sent = spare.Get().(*lines), spare.Get().(*lines)
		}
		c.out.add(c)
	}
}

// lines are the lines queued for a client, or being sent to it.
type lines struct{ l [][]byte }

// spare holds the queues of the writers that ended with nothing queued, for
// the next writer that starts: an idle client holds no queue, and a busy one
// does not grow one anew on every wake-up.
var spare = sync.Pool{New: func() any { return new(lines) }}

// release hands c's empty queues to spare, under c.mu; a queue that a burst
// grew past keptQueue lines is let go.
func (c *client) release() {
	for _, q := range []*lines{c.queue, c.sent} {
		q.l = q.l[:0] // sent holds the lines it sent, cleared
		if cap(q.l) > keptQueue {
			q.l = nil
		}
		spare.Put(q)
	}
	c.queue, c.sent = nil, nil
}

// isSlow reports whether the room dropped c for reading too slowly.
func (c *client) isSlow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slow
}

// batch is the most lines the writer sends in one go: they leave in as few
// write calls as the connection's buffer allows (Conn.WriteMessages), and
// between two batches it looks whether the room has dropped the client.
const batch = 64

// keptQueue is the most lines a queue that goes back to spare keeps room for.
const keptQueue = 32

// write sends what the room has queued for c, in order, each line its own
// message, and reports whether more came meanwhile: then c goes back in
// line. It swaps the queue with the slice it has sent, so that neither is
// made again on every write. The writer, not the room, closes a slow
// client, after the batch it is writing: Close gives a write that is stuck
// on a full socket one second, and a client that is only behind, but
// reads, would lose the frame half sent and the close frame after it, and
// see 1006.
func (c *client) write() (more bool) {
	c.mu.Lock()
	c.queue, c.sent = c.sent, c.queue
	c.queue.l = c.queue.l[:0]
	todo, stopped := c.sent.l, c.stopped
	c.mu.Unlock()
	for sent := 0; sent < len(todo) && !c.isSlow(); sent += batch {
		if err := c.conn.WriteMessages(websocket.TextMessage, todo[sent:min(sent+batch, len(todo))]...); err != nil {
			c.mu.Lock()
			c.gone, c.queue = true, nil
			c.mu.Unlock()
			return false
		}
	}
	clear(todo) // the lines are sent: let them go
	if c.isSlow() {
		c.conn.Close(websocket.ClosePolicyViolation, "reading too slowly")
		return false
	}
	if stopped {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue.l) > 0 || c.stopped {
		return true
	}
	c.writing = false // the next push puts c in line again
	c.release()
	return false
}
