package websocket

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// CloseError is what ReadMessage returns once the peer (the client, or on a
// client's connection the server) has sent its close frame: the code and
// reason it sent (Code is CloseNoStatus, 1005, if its frame had no code).
// The closing handshake is then complete.
type CloseError struct {
	Code   int
	Reason string

	byServer bool // read on a client's connection: the words say "the server"
}

func (e *CloseError) Error() string {
	peer := peerName(e.byServer)
	if e.Code == CloseNoStatus {
		return fmt.Sprintf("the %s closed without a code (%d)", peer, CloseNoStatus)
	}
	return fmt.Sprintf("the %s closed: %d (%s) reason=%q", peer, e.Code, CloseCodeName(e.Code), e.Reason)
}

// peerName names the other side of a client's connection if client is
// set, else of a server's, for the words of an error.
func peerName(client bool) string {
	if client {
		return "server"
	}
	return "client"
}

// maskError is the error for a frame whose MASK bit breaks §5.1 on this
// side: a server reads only masked frames, a client only unmasked ones.
func (c *Conn) maskError() error {
	if c.client {
		return errMasked
	}
	return errUnmasked
}

// closedError is why a connection ended when this side closed it, or when
// it ended without a close frame: the close code behind it, for
// CloseStatus, and in words what happened. Unwrap gives the cause: io.EOF,
// a net.Error, a protocol error.
type closedError struct {
	code int
	why  string
	err  error
}

func (e *closedError) Error() string { return e.why }
func (e *closedError) Unwrap() error { return e.err }

// abnormal is err, ending a connection without a close frame (1006).
func abnormal(err error) error { return &closedError{CloseAbnormal, err.Error(), err} }

// CloseStatus is the close code behind an error of ReadMessage,
// WriteMessage, Ping or Close: the client's code from a *CloseError; the
// code this side sent when it closed the connection (1001 going away after
// the idle timeout or on Shutdown, 1002 for a protocol error, 1009 for a
// message too big, …); 1006 (abnormal closure) when the connection ended
// without a close frame: the client hung up, a write made no progress, or
// CloseNow. For any other error, nil included, it is -1.
func CloseStatus(err error) int {
	var closeErr *CloseError
	var closed *closedError
	switch {
	case errors.As(err, &closeErr):
		return closeErr.Code
	case errors.As(err, &closed):
		return closed.code
	}
	return -1
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
// connection is closed and every later call returns the same error;
// CloseStatus tells a normal end from a failure, and errors.Is finds the
// cause (io.EOF for a hang-up, net.ErrClosed after CloseNow).
func (c *Conn) ReadMessage() (MessageType, []byte, error) {
	c.release()
	for c.readErr == nil {
		err := c.waitMessage()
		var opcode byte
		if err == nil {
			c.msg = msgBuffers.Get().(*[]byte)
			opcode, err = c.readMessage()
			c.msgBy = time.Time{}
			c.compressed = false
		}
		switch {
		case err != nil:
			c.release()
			c.readErr = c.fail(err)
		case c.closeSent.Load(): // after our close frame, data is dropped until the client's (§5.5.1)
			c.release()
		default:
			return MessageType(opcode), *c.msg, nil
		}
	}
	return 0, nil, c.readErr
}

// waitMessage waits for the next message to begin. An idle connection waits
// here, not deep in readMessage: its goroutine then fits the smallest stack
// the runtime gives (2 KiB). The idle timeout counts progress both ways: a
// client still reading a long echo has not been idle while it read, though
// it sent nothing.
func (c *Conn) waitMessage() error {
	for {
		err := c.br.fill()
		if err == nil || !isTimeout(err) || c.closeSent.Load() {
			return err
		}
		last := time.Unix(0, max(c.lastRead.Load(), c.lastWrite.Load()))
		if time.Since(last) >= c.opts.IdleTimeout {
			return err
		}
		c.rwc.SetReadDeadline(last.Add(c.opts.IdleTimeout))
	}
}

// isTimeout reports whether err is a deadline that passed. It is called
// only for an error: the error value it looks into would be an allocation
// on every message otherwise.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// msgBuffers recycles message buffers, so an echo allocates nothing in the
// steady state and an idle connection holds no message buffer.
var msgBuffers = sync.Pool{New: func() any { return new([]byte) }}

// release gives back the last message's buffer and its bytes of the budget.
func (c *Conn) release() {
	if c.msg != nil {
		putBuffer(c.msg)
	}
	c.msg = nil
	c.opts.Budget.give(c.held)
	c.held = 0
}

// putBuffer gives a message buffer back to the pool, unless it is too big to keep.
func putBuffer(buf *[]byte) {
	if cap(*buf) <= maxPooledBuffer {
		*buf = (*buf)[:0]
		msgBuffers.Put(buf)
	}
}

var (
	errOverBudget = errors.New("websocket: the server's memory for messages is taken (Server.MaxMemory)")

	// errCheckedBehind is a mistake of the message layer, not of the
	// client: a fragment's UTF-8 check would read the message again from
	// checked, and passing 0 each time reads it all, on every fragment.
	errCheckedBehind = errors.New("websocket: readData was passed a checked behind the message read so far: pass on the checked it returned, or each fragment's UTF-8 check reads the whole message again (docs/final.md, the message layer as an exercise)")
)

// readData reads a data frame's payload onto the message in c.msg, after
// the checks that need no reading: the size limit (checked before
// allocating: a header that claims 2^63-1 bytes costs nothing), the memory
// budget, and, on a message's first frame, its deadline. opcode is the
// message's; checked carries the UTF-8 check from one fragment to the next:
// (*c.msg)[:checked] is whole, valid UTF-8. It returns the new checked. A
// checked further behind than a code point cut short is refused
// (errCheckedBehind): passing 0 on every fragment would check the whole
// message again on each, work that grows with the square of its length.
func (c *Conn) readData(h frameHeader, raw []byte, opcode byte, checked int) (int, error) {
	msg := *c.msg
	switch {
	case h.rsv != 0 && (!c.deflate.on || h.opcode == continuationFrame):
		return checked, errRSV1 // only a message's first frame says "compressed"
	case h.rsv != 0:
		c.compressed = true
	}
	text := opcode == textFrame && !c.compressed // compressed: checked once inflated
	switch {
	case text && len(msg)-checked >= utf8.UTFMax: // more than a code point cut short: the work per fragment is bounded
		return checked, errCheckedBehind
	case h.length > c.opts.MaxMessage-int64(len(msg)):
		return checked, errMessageTooBig
	case !c.opts.Budget.take(h.length):
		return checked, errOverBudget
	case c.msgBy.IsZero():
		c.msgBy = c.readAt.Add(c.opts.MessageTimeout) // the header has just arrived
	}
	c.held += h.length
	start := len(msg)
	msg, checked, err := readPayload(c.br, h, msg, checked, text)
	if *c.msg = msg; err != nil {
		return checked, err
	}
	watched := c.watched()
	var wire []byte
	if watched { // the part a picture shows, masked again as it came
		wire = append([]byte(nil), shown(msg[start:])...)
		maskBytes(h.key, wire)
	}
	inflated := 0
	if h.fin && c.compressed { // the whole message is here: inflate it (RFC 7692 §7.2.2)
		if err := c.inflate(opcode); err != nil {
			return checked, err
		}
		inflated = len(*c.msg)
	}
	if watched {
		c.showFrame(Frame{Incoming: true, Header: raw, Payload: wire, h: h, inflated: inflated})
	}
	return checked, nil
}

// readControlPayload reads a control frame's payload and unmasks it; it is
// valid until the next control frame is read.
func (c *Conn) readControlPayload(h frameHeader, raw []byte) ([]byte, error) {
	payload := c.ctl[:h.length]
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return nil, noEOF(err)
	}
	if c.watched() {
		c.showFrame(Frame{Incoming: true, Header: raw, Payload: payload, h: h})
	}
	maskBytes(h.key, payload)
	return payload, nil
}

// readPayload appends a data frame's payload to msg as it arrives, unmasking
// each piece, and for a text message checks UTF-8 as it goes: an invalid
// byte fails the message at once, before the rest of the frame has come
// (§8.1). msg[:checked] is whole, valid UTF-8. msg grows only as bytes
// arrive: a client that only claims a large length gets no memory.
func readPayload(r io.Reader, h frameHeader, msg []byte, checked int, text bool) ([]byte, int, error) {
	for done, n := 0, int(h.length); done < n; {
		if len(msg) == cap(msg) {
			msg = slices.Grow(msg, min(n-done, max(len(msg), 512)))
		}
		m, err := r.Read(msg[len(msg):min(cap(msg), len(msg)+n-done)])
		piece := msg[len(msg) : len(msg)+m]
		maskBytes(rotate(h.key, done), piece)
		msg, done = msg[:len(msg)+m], done+m
		if text {
			valid, ok := checkUTF8(msg[checked:], done < n || !h.fin)
			if checked += valid; !ok {
				return msg, checked, errInvalidUTF8
			}
		}
		if err != nil && done < n {
			return msg, checked, noEOF(err)
		}
	}
	return msg, checked, nil
}

// fail ends the connection after err, sending the close frame that err calls
// for, and returns why it ended: the client's *CloseError, or a closedError
// with the code this side sent (1006 if none) and the words for the log.
func (c *Conn) fail(err error) error {
	defer func() { go c.lingeringClose() }() // the caller need not wait for the client to hang up
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	c.mu.Lock()
	writeErr, sentCode := c.writeErr, c.sentCode
	c.mu.Unlock()
	var closeErr *CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &closeErr):
		closeErr.byServer = c.client
		return err
	case writeErr != nil: // the writer closed the connection under us
		return writeErr
	case err == io.EOF:
		return &closedError{CloseAbnormal, fmt.Sprintf("the %s hung up without a close frame (%d, abnormal closure)", peerName(c.client), CloseAbnormal), err}
	case c.closeSent.Load() && (errors.As(err, &netErr) || errors.Is(err, net.ErrClosed)):
		return &closedError{sentCode, fmt.Sprintf("sent a close frame; the %s did not answer within %v", peerName(c.client), closeWait), err}
	case errors.As(err, &netErr) && netErr.Timeout():
		c.writeClose(CloseGoingAway, "idle timeout")
		return &closedError{CloseGoingAway, fmt.Sprintf("nothing received for %v; sent %d (going away)", c.opts.IdleTimeout, CloseGoingAway), err}
	case errors.As(err, &netErr), err == io.ErrUnexpectedEOF:
		return abnormal(err)
	}
	code := closeCodeFor(err)
	if c.writeClose(code, "") != nil {
		return abnormal(err)
	}
	return &closedError{code, fmt.Sprintf("%v; sent %d (%s)", err, code, CloseCodeName(code)), err}
}

// closeCodeFor is the one place where an error becomes a close code (§7.4.1).
func closeCodeFor(err error) int {
	switch err {
	case errInvalidUTF8, errInvalidCloseReason:
		return CloseInvalidPayload
	case errMessageTooBig, errInflatedTooBig:
		return CloseMessageTooBig
	case errOverBudget:
		return CloseTryAgainLater
	case errMessageTimeout:
		return ClosePolicyViolation
	case errBadDeflate:
		return CloseInvalidPayload
	case errReservedBits, errRSV1, errReservedOpcode, errControlTooLong, errControlFragmented, errLengthTopBit,
		errUnmasked, errMasked, errNothingToContinue, errMessageUnfinished, errClosePayload1Byte, errInvalidCloseCode:
		return CloseProtocolError
	}
	return CloseInternalError
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
