package websocket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"unicode/utf8"
)

// CloseError is what ReadMessage returns once the client has sent its close
// frame: the code and reason it sent (Code is CloseNoStatus, 1005, if its
// frame had no code). The closing handshake is then complete.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Code == CloseNoStatus {
		return fmt.Sprintf("the client closed without a code (%d)", CloseNoStatus)
	}
	return fmt.Sprintf("the client closed: %d (%s) reason=%q", e.Code, CloseCodeName(e.Code), e.Reason)
}

// ReadMessage returns the next data message: its type and its payload,
// reassembled from its fragments (RFC 6455 §5.4). The payload is valid only
// until the next call to ReadMessage; copy it to keep it.
//
// Control frames are handled on the way: a ping is answered with a pong, a
// pong is taken as a sign of life, and a close frame is answered (§5.5);
// ReadMessage then returns a *CloseError. If the client breaks the protocol
// (an unmasked frame, invalid UTF-8, a message over MaxMessage, …),
// ReadMessage sends the close code of §7.4.1 and returns an error that says
// in words what was wrong and which code was sent. After any error the TCP
// connection is closed and every later call returns the same error.
func (c *Conn) ReadMessage() (MessageType, []byte, error) {
	if c.msg != nil {
		putBuffer(c.msg)
		c.msg = nil
	}
	for c.readErr == nil {
		// An idle connection waits here, not deep in readMessage: its
		// goroutine then fits the smallest stack the runtime gives (2 KiB).
		err := c.br.fill()
		var opcode byte
		var buf *[]byte
		if err == nil {
			opcode, buf, err = c.readMessage()
		}
		switch {
		case err != nil:
			c.readErr = c.fail(err)
		case c.closeSent.Load(): // after our close frame, data is dropped until the client's (§5.5.1)
			putBuffer(buf)
		default:
			c.msg = buf
			return MessageType(opcode), *buf, nil
		}
	}
	return 0, nil, c.readErr
}

// msgBuffers recycles message buffers, so an echo allocates nothing in the
// steady state and an idle connection holds no message buffer.
var msgBuffers = sync.Pool{New: func() any { return new([]byte) }}

func putBuffer(buf *[]byte) {
	if cap(*buf) <= maxPooledBuffer {
		*buf = (*buf)[:0]
		msgBuffers.Put(buf)
	}
}

// readMessage reads the frames of the next data message and returns its
// opcode and payload, in a buffer to give back with putBuffer. Control frames
// may come between fragments (§5.4): a ping gets a pong with the same
// payload, a pong is ignored (§5.5.3), a close is answered.
func (c *Conn) readMessage() (opcode byte, buf *[]byte, err error) {
	buf = msgBuffers.Get().(*[]byte)
	msg := (*buf)[:0]
	checked := 0 // msg[:checked] is whole, valid UTF-8
	for err == nil {
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
		case h.length > c.opts.MaxMessage-int64(len(msg)):
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
		if c.opts.OnFrame != nil {
			c.showFrame(true, h, raw, payload)
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
// an empty close if it had none (§5.5.1), and returns the *CloseError.
func (c *Conn) closeReceived(payload []byte) error {
	if len(payload) == 0 {
		c.sendMsg(closeFrame, nil) // errCloseSent: we began, and this ends it
		return &CloseError{Code: CloseNoStatus}
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
	return &CloseError{Code: code, Reason: string(reason)}
}

// fail ends the connection after err, sending the close frame that err calls
// for, and returns in words why it ended.
func (c *Conn) fail(err error) error {
	defer func() { go c.lingeringClose() }() // the caller need not wait for the client to hang up
	c.mu.Lock()
	writeErr := c.writeErr
	c.mu.Unlock()
	var closeErr *CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &closeErr):
		return err
	case writeErr != nil: // the writer closed the connection under us
		return writeErr
	case err == io.EOF:
		return fmt.Errorf("the client hung up without a close frame (%d, abnormal closure)", CloseAbnormal)
	case c.closeSent.Load() && (errors.As(err, &netErr) || errors.Is(err, net.ErrClosed)):
		return fmt.Errorf("sent a close frame; the client did not answer within %v", closeWait)
	case errors.As(err, &netErr) && netErr.Timeout():
		c.writeClose(CloseGoingAway, "idle timeout")
		return fmt.Errorf("nothing received for %v; sent %d (going away)", c.opts.IdleTimeout, CloseGoingAway)
	case errors.As(err, &netErr), err == io.ErrUnexpectedEOF:
		return err
	}
	code := closeCodeFor(err)
	if c.writeClose(code, "") != nil {
		return err
	}
	return fmt.Errorf("%w; sent %d (%s)", err, code, CloseCodeName(code))
}

// closeCodeFor is the one place where an error becomes a close code (§7.4.1).
func closeCodeFor(err error) int {
	switch err {
	case errInvalidUTF8, errInvalidCloseReason:
		return CloseInvalidPayload
	case errMessageTooBig:
		return CloseMessageTooBig
	case errReservedBits, errReservedOpcode, errControlTooLong, errControlFragmented, errLengthTopBit,
		errUnmasked, errNothingToContinue, errMessageUnfinished, errClosePayload1Byte, errInvalidCloseCode:
		return CloseProtocolError
	}
	return CloseInternalError
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
