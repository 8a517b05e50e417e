package websocket

import (
	"bufio"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	closeWait       = time.Second // for the client to answer our close frame, and to hang up after it
	maxPooledBuffer = 4 << 20     // bigger message buffers are not kept; the pool itself empties over two GCs
)

// Conn is one WebSocket connection after the opening handshake.
//
// One goroutine at a time may call ReadMessage. WriteMessage, Ping and Close
// may be called from any number of goroutines at once, also while another
// reads: each frame leaves whole, under the connection's lock, so frames of
// two writers never interleave.
type Conn struct {
	rwc         net.Conn
	br          *readBuffer
	opts        Options
	subprotocol string // agreed in the handshake (Options.Subprotocols), or ""

	// client is the role: a client masks every frame it sends (§5.3),
	// reads only unmasked frames, and lets the server close TCP first
	// (§7.1.1). masks draws the client's masking keys, under mu.
	client bool
	masks  *rand.ChaCha8

	// Read side: used only by the goroutine in ReadMessage.
	readBy     deadline                         // IdleTimeout, moved forward as bytes arrive
	hdr        [maxFrameHeaderSize]byte         // the header being read
	ctl        [maxControlFramePayloadSize]byte // a control frame's payload
	msg        *[]byte                          // the last message's buffer, lent until the next ReadMessage
	held       int64                            // bytes taken from the budget for msg
	msgBy      time.Time                        // when the message being read must be complete; zero between messages
	readErr    error                            // why the connection ended, once it has
	deflate    deflateParams                    // permessage-deflate, if negotiated
	compressed bool                             // the message being read is compressed
	window     []byte                           // the client's last 32 KiB, if it keeps its compression context
	readAt     time.Time                        // when bytes last arrived
	lastRead   atomic.Int64                     // the same, in Unix nanoseconds, for the keepalive timer
	lastWrite  atomic.Int64                     // when bytes last left
	keepAlive  *time.Timer                      // pings a quiet client; nil without PingInterval

	watch      atomic.Pointer[func(Frame)] // see Watch
	closeSent  atomic.Bool                 // set under mu; read without it
	closeAsked atomic.Bool                 // Close was called: writers stop moving the deadline on

	mu       sync.Mutex // one writer at a time
	out      [maxFrameHeaderSize]byte
	writeBy  deadline // WriteTimeout, moved forward as bytes leave
	writeErr error    // the first write that failed; nothing is written after it
	sentCode int      // the code of our close frame, once it is sent
}

// newConn makes the connection that follows a handshake read through br,
// on the client's side if client is set.
func newConn(rwc net.Conn, br *bufio.Reader, o Options, client bool) *Conn {
	o = o.withDefaults()
	c := &Conn{rwc: rwc, opts: o, client: client,
		readBy:  deadline{set: rwc.SetReadDeadline, timeout: o.IdleTimeout},
		writeBy: deadline{set: rwc.SetWriteDeadline, timeout: o.WriteTimeout}}
	// The HTTP server's read buffer is left behind (read buffers are lent
	// while bytes wait, write buffers while a frame leaves): an idle
	// connection holds neither.
	c.br = newReadBuffer(rwc, br, c.readProgress)
	c.readProgress()
	if client {
		c.masks = newMasks()
	}
	if o.PingInterval > 0 {
		c.keepAlive = time.AfterFunc(o.PingInterval, c.pingIfQuiet)
	}
	return c
}

// Subprotocol is the subprotocol agreed in the opening handshake, one of
// Options.Subprotocols, or "" if the client offered none of them. On a
// client's connection (Dial) it is the one the server chose of
// DialOptions.Subprotocols, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// RemoteAddr is the peer's address: the client's, or on a client's
// connection the server's.
func (c *Conn) RemoteAddr() net.Addr { return c.rwc.RemoteAddr() }

// deadline moves a read or write deadline of the connection forward, but at
// most once every timeout/16: setting a deadline updates a runtime timer,
// which costs more than echoing a small message, and a deadline up to 1/16
// early changes nothing that matters.
type deadline struct {
	set     func(time.Time) error // SetReadDeadline or SetWriteDeadline
	timeout time.Duration         // 0 means none
	last    time.Time
}

func (d *deadline) extend(now time.Time) {
	if d.timeout > 0 && now.Sub(d.last) > d.timeout/16 {
		d.set(now.Add(d.timeout))
		d.last = now
	}
}

var errMessageTimeout = errors.New("websocket: message not finished in time (Options.MessageTimeout)")

// readProgress runs whenever bytes arrive: it moves the idle deadline on (a
// client that sends a frame slowly but steadily is not idle) and keeps
// keepalive quiet, but a message past its own deadline ends here, however
// many pings come with it. Once our close frame is out, the close wait
// counts instead.
func (c *Conn) readProgress() error {
	now := time.Now()
	if !c.msgBy.IsZero() && now.After(c.msgBy) {
		return errMessageTimeout
	}
	if !c.closeSent.Load() {
		c.readBy.extend(now)
	}
	c.readAt = now
	c.lastRead.Store(now.UnixNano())
	return nil
}

// pingIfQuiet runs on a timer: a client quiet for PingInterval gets a ping,
// and the timer is set for the next check.
func (c *Conn) pingIfQuiet() {
	quiet := time.Since(time.Unix(0, c.lastRead.Load()))
	next := c.opts.PingInterval - quiet
	if next <= 0 {
		if c.Ping(nil) != nil {
			return // closing, or gone
		}
		next = c.opts.PingInterval
	}
	c.keepAlive.Reset(next)
}

// hangUp closes TCP at once.
func (c *Conn) hangUp() { c.rwc.Close() }

// lingeringClose closes TCP, the server's job (§7.1.1), but half-closes and
// drains first: closing with unread data sends a TCP reset, which can destroy
// our close frame before the client has read it. A client waits, as long,
// for the server to close first, so that the TIME_WAIT is the server's.
func (c *Conn) lingeringClose() {
	tc, ok := c.rwc.(interface{ CloseWrite() error })
	if c.client || ok && tc.CloseWrite() == nil {
		c.rwc.SetReadDeadline(time.Now().Add(closeWait))
		io.CopyN(io.Discard, c.rwc, 1<<20)
	}
	c.rwc.Close()
}

// Watch has f, which must not be nil, called with every frame read from or
// written to this connection from now on, on the goroutine that reads or writes it, as
// Options.OnFrame is for every connection, until the stop it returns is
// called (a later Watch replaces f; stopping f then leaves the later one). A
// connection nobody watches pays nothing for it, so stop as soon as nobody
// looks. f runs while the frame is being written, under the connection's
// write lock: it must not write to the connection itself, or it waits for
// ever; hand the frame on instead.
func (c *Conn) Watch(f func(Frame)) (stop func()) {
	watcher := &f
	c.watch.Store(watcher)
	return func() { c.watch.CompareAndSwap(watcher, nil) }
}

// watched reports whether anyone wants to see this connection's frames.
func (c *Conn) watched() bool { return c.opts.OnFrame != nil || c.watch.Load() != nil }

// showFrame hands a frame to Options.OnFrame and to the watcher.
func (c *Conn) showFrame(f Frame) {
	if c.opts.OnFrame != nil {
		c.opts.OnFrame(c, f)
	}
	if w := c.watch.Load(); w != nil {
		(*w)(f)
	}
}
