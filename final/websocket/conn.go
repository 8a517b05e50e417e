package websocket

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Defaults for the zero Options.
const (
	DefaultMaxMessage   = 32 << 20        // bytes
	DefaultIdleTimeout  = 2 * time.Minute // nothing received for this long closes the connection
	DefaultWriteTimeout = 10 * time.Second

	closeWait       = time.Second // for the client to answer our close frame, and to hang up after it
	maxPooledBuffer = 4 << 20     // bigger message buffers are not kept; the pool itself empties over two GCs
)

// Options configures a connection. The zero value, or a nil *Options, gives
// the defaults.
type Options struct {
	// MaxMessage is the longest message ReadMessage accepts, in bytes,
	// fragments added up; a longer one closes the connection with 1009
	// (message too big). Zero means DefaultMaxMessage.
	MaxMessage int64

	// Origins lists the Origin headers that may connect, compared without
	// regard to case; a request from another origin gets 403. Empty allows
	// every origin. Clients that are not browsers send no Origin and are
	// always allowed.
	Origins []string

	// IdleTimeout closes a connection that has sent nothing for this long,
	// with 1001 (going away). Zero means DefaultIdleTimeout; negative, never.
	IdleTimeout time.Duration

	// WriteTimeout is how long a frame may take to leave. A client that stops
	// reading fills the socket buffers; its connection is then cut off
	// rather than hold a goroutine for ever. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration

	// OnFrame, if set, is called with every frame read from the client and
	// every frame written to it, on the goroutine that reads or writes it.
	OnFrame func(c *Conn, f Frame)
}

// MessageType is the type of a data message: text (UTF-8) or binary.
type MessageType byte

// The two types of data message, RFC 6455 §5.6; their values are their opcodes.
const (
	TextMessage   MessageType = textFrame
	BinaryMessage MessageType = binaryFrame
)

// Conn is one WebSocket connection after the opening handshake.
//
// One goroutine at a time may call ReadMessage. WriteMessage, Ping and Close
// may be called from any number of goroutines at once, also while another
// reads: each frame leaves whole, under the connection's lock, so frames of
// two writers never interleave.
type Conn struct {
	rwc  net.Conn
	br   *readBuffer
	opts Options

	// Read side: used only by the goroutine in ReadMessage.
	readBy  deadline                         // IdleTimeout, moved forward as bytes arrive
	hdr     [maxFrameHeaderSize]byte         // the header being read
	ctl     [maxControlFramePayloadSize]byte // a control frame's payload
	msg     *[]byte                          // the last message's buffer, lent until the next ReadMessage
	readErr error                            // why the connection ended, once it has

	closeSent atomic.Bool // set under mu; read without it

	mu       sync.Mutex // one writer at a time
	out      [maxFrameHeaderSize]byte
	writeBy  deadline // WriteTimeout, moved forward as frames leave
	writeErr error    // the first write that failed; nothing is written after it
}

// newConn makes the connection that follows a handshake read through br.
func newConn(rwc net.Conn, br *bufio.Reader, o Options) *Conn {
	if o.MaxMessage == 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	c := &Conn{rwc: rwc, opts: o,
		readBy:  deadline{set: rwc.SetReadDeadline, timeout: max(o.IdleTimeout, 0)},
		writeBy: deadline{set: rwc.SetWriteDeadline, timeout: o.WriteTimeout}}
	// The HTTP server's read buffer is left behind (read buffers are lent
	// while bytes wait, write buffers while a frame leaves): an idle
	// connection holds neither.
	c.br = newReadBuffer(rwc, br, c.readProgress)
	c.readBy.extend()
	return c
}

// readProgress moves the idle deadline on whenever bytes arrive: a client
// that sends a frame slowly but steadily is not idle. Once our close frame
// is out, the close wait counts instead.
func (c *Conn) readProgress() {
	if !c.closeSent.Load() {
		c.readBy.extend()
	}
}

// RemoteAddr is the client's address.
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

func (d *deadline) extend() {
	if now := time.Now(); d.timeout > 0 && now.Sub(d.last) > d.timeout/16 {
		d.set(now.Add(d.timeout))
		d.last = now
	}
}

var (
	errCloseSent  = errors.New("websocket: close frame already sent; nothing may follow it (RFC 6455 §5.5.1)")
	errNotAData   = errors.New("websocket: WriteMessage takes TextMessage or BinaryMessage")
	errPingTooBig = errors.New("websocket: a ping carries at most 125 bytes (RFC 6455 §5.5)")
	errBadClose   = errors.New("websocket: Close takes a code a close frame may carry (RFC 6455 §7.4) and a reason of at most 123 bytes of UTF-8")

	// errNotReading wraps a failed write: the client has stopped reading (or
	// is gone), so a close frame would not get through either.
	errNotReading = errors.New("websocket: cannot write to the client, which has stopped reading or is gone")
)

// WriteMessage sends p as one message of type typ, in one frame. A text
// message must be UTF-8; that is the caller's to ensure. It returns an error
// once the connection is closing or a write has failed.
func (c *Conn) WriteMessage(typ MessageType, p []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return errNotAData
	}
	return c.sendMsg(byte(typ), p)
}

// Ping sends a ping with payload (at most 125 bytes). The client answers with
// a pong, which ReadMessage reads and counts as activity but does not return.
func (c *Conn) Ping(payload []byte) error {
	if len(payload) > maxControlFramePayloadSize {
		return errPingTooBig
	}
	return c.sendMsg(pingFrame, payload)
}

// Close starts the closing handshake (RFC 6455 §7.1.2): it sends a close
// frame with code and reason, after which nothing more may be written. The
// goroutine in ReadMessage then reads until the client's close frame, and
// ReadMessage returns a *CloseError; the TCP connection is closed then, or
// after about a second if the client does not answer. Close waits at most
// about a second for a writer that is stuck on a client that stopped reading.
func (c *Conn) Close(code int, reason string) error {
	if !validCloseCode(code) || len(reason) > maxControlFramePayloadSize-2 || !utf8.ValidString(reason) {
		return errBadClose
	}
	if c.closeSent.Load() {
		return errCloseSent
	}
	c.rwc.SetWriteDeadline(time.Now().Add(closeWait)) // unblocks a writer stuck on a full socket
	err := c.writeClose(code, reason)
	time.AfterFunc(closeWait, c.hangUp) // in case nobody reads the answer
	return err
}

// writeClose sends a close frame with code and reason.
func (c *Conn) writeClose(code int, reason string) error {
	return c.sendMsg(closeFrame, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

// hangUp closes TCP at once.
func (c *Conn) hangUp() { c.rwc.Close() }

// lingeringClose closes TCP, the server's job (§7.1.1), but half-closes and
// drains first: closing with unread data sends a TCP reset, which can destroy
// our close frame before the client has read it.
func (c *Conn) lingeringClose() {
	if tc, ok := c.rwc.(interface{ CloseWrite() error }); ok && tc.CloseWrite() == nil {
		c.rwc.SetReadDeadline(time.Now().Add(closeWait))
		io.CopyN(io.Discard, c.rwc, 1<<20)
	}
	c.rwc.Close()
}

// showFrame hands a frame to Options.OnFrame.
func (c *Conn) showFrame(incoming bool, h frameHeader, raw, payload []byte) {
	c.opts.OnFrame(c, Frame{Incoming: incoming, Header: raw, Payload: payload, h: h})
}

// writers lends a write buffer to a connection only while it sends, so an
// idle connection holds none.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// sendMsg writes one message as one final, unmasked frame, like the
// article's send_msg, and flushes: header and payload leave in one write when
// they fit the buffer.
func (c *Conn) sendMsg(opcode byte, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.writeErr != nil:
		return c.writeErr
	case c.closeSent.Load():
		return errCloseSent
	case opcode == closeFrame:
		c.closeSent.Store(true)
		c.rwc.SetWriteDeadline(time.Now().Add(closeWait))
	default:
		c.writeBy.extend()
	}
	header := appendFrameHeader(c.out[:0], opcode, len(payload))
	if c.opts.OnFrame != nil {
		c.showFrame(false, frameHeader{fin: true, opcode: opcode, length: int64(len(payload))}, header, payload)
	}
	bw := writers.Get().(*bufio.Writer)
	defer writers.Put(bw)
	bw.Reset(c.rwc)
	bw.Write(header)
	bw.Write(payload)
	if err := bw.Flush(); err != nil {
		c.writeErr = fmt.Errorf("%w: %w", errNotReading, err)
		c.rwc.Close() // the reader, if any, stops at once
		return c.writeErr
	}
	return nil
}
