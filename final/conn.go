package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	closeWait       = time.Second // for the client to hang up after the close handshake
	maxPooledBuffer = 4 << 20     // bigger message buffers are not kept; the pool itself empties over two GCs
)

var errCloseSent = errors.New("websocket: close frame already sent; nothing may follow it (RFC 6455 §5.5.1)")

// errNotReading wraps a failed write: the client has stopped reading (or is
// gone), so a close frame would not get through either.
var errNotReading = errors.New("websocket: cannot write to the client, which has stopped reading or is gone")

// msgBuffers recycles message buffers, so an echo allocates nothing in the
// steady state and an idle connection holds no message buffer.
var msgBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writers lends a write buffer to a connection only while it sends, so an
// idle connection holds none.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// errPeerClosed wraps what reading returns after the client's close frame.
var errPeerClosed = errors.New("the client closed")

// conn is one WebSocket connection after the handshake.
type conn struct {
	rwc         net.Conn
	br          *bufio.Reader
	maxMessage  int64
	idleTimeout time.Duration
	readBy      deadline // idleTimeout, moved forward as frames arrive
	logger      *log.Logger
	verbose     bool
	hdr         [maxFrameHeaderSize]byte         // the header being read
	ctl         [maxControlFramePayloadSize]byte // a control frame's payload

	mu        sync.Mutex // one writer at a time: the reader and shutdown both write
	out       [maxFrameHeaderSize]byte
	closeSent bool
	writeBy   deadline // the write timeout, moved forward as frames leave
}

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

// serve echoes every message, text as text and binary as binary, until the
// connection ends; it closes it and says why in plain words.
func (c *conn) serve() string {
	defer c.lingeringClose()
	var err error
	for err == nil || err == errCloseSent { // after our close frame, wait for the client's (§7.1.2)
		var opcode byte
		var buf *[]byte
		if opcode, buf, err = c.readMessage(); err == nil {
			err = c.sendMsg(opcode, *buf)
			putBuffer(buf)
		}
	}
	var netErr net.Error
	switch {
	case errors.Is(err, errPeerClosed), errors.Is(err, errNotReading):
		return err.Error()
	case err == io.EOF:
		return fmt.Sprintf("the client hung up without a close frame (%d, abnormal closure)", closeAbnormal)
	case errors.As(err, &netErr) && netErr.Timeout():
		c.writeClose(closeGoingAway, "idle timeout")
		return fmt.Sprintf("nothing received for %v; sent %d (going away)", c.idleTimeout, closeGoingAway)
	case errors.As(err, &netErr), err == io.ErrUnexpectedEOF:
		return err.Error()
	}
	code := closeCodeFor(err)
	c.writeClose(code, "")
	return fmt.Sprintf("%v; sent %d (%s)", err, code, closeCodeName(code))
}

// closeCodeFor is the one place where an error becomes a close code (§7.4.1).
func closeCodeFor(err error) int {
	switch err {
	case errInvalidUTF8, errInvalidCloseReason:
		return closeInvalidPayload
	case errMessageTooBig:
		return closeMessageTooBig
	case errReservedBits, errReservedOpcode, errControlTooLong, errControlFragmented, errLengthTopBit,
		errUnmasked, errNothingToContinue, errMessageUnfinished, errClosePayload1Byte, errInvalidCloseCode:
		return closeProtocolError
	}
	return closeInternalError
}

// lingeringClose closes TCP, the server's job (§7.1.1), but half-closes and
// drains first: closing with unread data sends a TCP reset, which can destroy
// our close frame before the client has read it.
func (c *conn) lingeringClose() {
	if tc, ok := c.rwc.(interface{ CloseWrite() error }); ok && tc.CloseWrite() == nil {
		c.rwc.SetReadDeadline(time.Now().Add(closeWait))
		io.CopyN(io.Discard, c.rwc, 1<<20)
	}
	c.rwc.Close()
}

// readMessage reads the frames of the next data message and returns its
// opcode and payload, in a buffer to give back with putBuffer. Control frames
// may come between fragments (§5.4): a ping gets a pong with the same
// payload, a pong is ignored (§5.5.3), a close is answered.
func (c *conn) readMessage() (opcode byte, buf *[]byte, err error) {
	buf = msgBuffers.Get().(*[]byte)
	msg := (*buf)[:0]
	checked := 0 // msg[:checked] is whole, valid UTF-8
	for err == nil {
		c.readBy.extend() // for each frame, pings too
		var h frameHeader
		var raw, payload []byte
		if h, raw, err = readFrameHeader(c.br, c.hdr[:]); err != nil {
			break
		}
		switch {
		case !h.masked:
			err = errUnmasked // §5.1: the server must close
		case isControl(h.opcode):
			payload = c.ctl[:h.length]
			_, err = io.ReadFull(c.br, payload)
		case h.opcode == continuationFrame && opcode == 0:
			err = errNothingToContinue
		case h.opcode != continuationFrame && opcode != 0:
			err = errMessageUnfinished
		case h.length > c.maxMessage-int64(len(msg)):
			err = errMessageTooBig // checked before allocating: claiming 2^63-1 bytes costs nothing
		default:
			if h.opcode != continuationFrame {
				opcode = h.opcode
			}
			start := len(msg)
			msg, err = appendFull(c.br, msg, int(h.length))
			*buf, payload = msg, msg[start:]
		}
		if err != nil {
			err = noEOF(err)
			break
		}
		if c.verbose {
			c.logger.Print(c.rwc.RemoteAddr(), " ", dumpFrame("in", h, raw, payload))
		}
		maskBytes(h.key, payload)
		switch h.opcode {
		case pingFrame:
			if err = c.sendMsg(pongFrame, payload); err == errCloseSent {
				err = nil
			}
		case closeFrame:
			err = c.closeReceived(payload)
		case pongFrame: // unsolicited pongs are allowed, and mean nothing
		default:
			if opcode == textFrame {
				// Check each fragment as it comes, to fail fast; a code
				// point may be split between two fragments.
				n, ok := checkUTF8(msg[checked:], !h.fin)
				if checked += n; !ok {
					err = errInvalidUTF8
					continue
				}
			}
			if h.fin {
				return opcode, buf, nil
			}
		}
	}
	putBuffer(buf)
	return 0, nil, err
}

// closeReceived answers the client's close frame with the same code, or with
// an empty close if it had none (§5.5.1).
func (c *conn) closeReceived(payload []byte) error {
	if len(payload) == 0 {
		c.sendMsg(closeFrame, nil) // errCloseSent: we began, and this ends it
		return fmt.Errorf("%w without a code (%d)", errPeerClosed, closeNoStatus)
	}
	code, reason := 0, payload[min(len(payload), 2):]
	if len(payload) >= 2 {
		code = int(binary.BigEndian.Uint16(payload))
	}
	switch {
	case len(payload) == 1:
		return errClosePayload1Byte
	case !validCloseCode(code):
		return errInvalidCloseCode
	case !utf8.Valid(reason):
		return errInvalidCloseReason
	}
	c.sendMsg(closeFrame, payload[:2])
	return fmt.Errorf("%w: %d (%s) reason=%q", errPeerClosed, code, closeCodeName(code), reason)
}

// writeClose sends a close frame with code and reason.
func (c *conn) writeClose(code int, reason string) error {
	return c.sendMsg(closeFrame, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

// sendMsg writes one message as one final, unmasked frame, like the
// article's send_msg, and flushes: header and payload leave in one write when
// they fit the buffer.
func (c *conn) sendMsg(opcode byte, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeSent {
		return errCloseSent
	}
	c.closeSent = opcode == closeFrame
	header := appendFrameHeader(c.out[:0], opcode, len(payload))
	if c.verbose {
		h := frameHeader{fin: true, opcode: opcode, length: int64(len(payload))}
		c.logger.Print(c.rwc.RemoteAddr(), " ", dumpFrame("out", h, header, payload))
	}
	c.writeBy.extend()
	bw := writers.Get().(*bufio.Writer)
	defer writers.Put(bw)
	bw.Reset(c.rwc)
	bw.Write(header)
	bw.Write(payload)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%w: %w", errNotReading, err)
	}
	return nil
}

// appendFull appends n bytes from r to buf, growing buf as the bytes arrive:
// a client that only claims a large length gets no memory.
func appendFull(r io.Reader, buf []byte, n int) ([]byte, error) {
	for n > 0 {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n, max(len(buf), 512)))
		}
		m, err := io.ReadFull(r, buf[len(buf):min(cap(buf), len(buf)+n)])
		buf, n = buf[:len(buf)+m], n-m
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// checkUTF8 reports whether p is valid UTF-8 and how many of its bytes are
// whole code points. If more is true, p may end in the valid start of a code
// point that the next fragment completes.
func checkUTF8(p []byte, more bool) (int, bool) {
	if utf8.Valid(p) {
		return len(p), true
	}
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			return i, more && !utf8.FullRune(p[i:]) // FullRune is false only for a cut-short code point
		}
		i += size
	}
	return len(p), true
}

func putBuffer(buf *[]byte) {
	if cap(*buf) <= maxPooledBuffer {
		*buf = (*buf)[:0]
		msgBuffers.Put(buf)
	}
}
