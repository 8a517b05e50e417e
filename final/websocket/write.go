package websocket

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"
)

// writeChunk is the piece of a large message that must leave before the
// write deadline moves on, where the connection is not a socket of its own
// (TLS, a pipe); on a socket, each write call's piece counts (socketWriter).
const writeChunk = 64 << 10

var (
	errCloseSent  = errors.New("websocket: close frame already sent; nothing may follow it (RFC 6455 §5.5.1)")
	errNotAData   = errors.New("websocket: WriteMessage takes TextMessage or BinaryMessage")
	errPingTooBig = errors.New("websocket: a ping carries at most 125 bytes (RFC 6455 §5.5)")
	errBadClose   = errors.New("websocket: Close takes a code a close frame may carry (RFC 6455 §7.4) and a reason of at most 123 bytes of UTF-8")

	// errNotReading wraps a write that made no progress for WriteTimeout:
	// the client has stopped reading, so a close frame would not get
	// through either.
	errNotReading = errors.New("websocket: the client has stopped reading")
)

// WriteMessage sends p as one message of type typ, in one frame. A text
// message must be UTF-8; that is the caller's to ensure. It returns an error
// once the connection is closing or a write has failed.
func (c *Conn) WriteMessage(typ MessageType, p []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return errNotAData
	}
	if c.deflate.on && len(p) >= compressMin {
		return c.writeCompressed(byte(typ), p)
	}
	return c.sendMsg(byte(typ), p)
}

// Ping sends a ping with payload (at most 125 bytes). The client answers with
// a pong, which ReadMessage reads and counts as activity but does not return.
// The connection pings a quiet client by itself (Options.PingInterval).
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
	c.closeAsked.Store(true)
	c.rwc.SetWriteDeadline(time.Now().Add(closeWait)) // unblocks a writer stuck on a full socket
	err := c.writeClose(code, reason)
	time.AfterFunc(closeWait, c.hangUp) // in case nobody reads the answer
	return err
}

// CloseNow ends the connection at once, without the closing handshake:
// the TCP connection is closed, a ReadMessage in progress returns, and
// writes fail, CloseStatus 1006 (abnormal closure) for all. It is for a
// client that must go now; Close is the polite way, and may wait about a
// second for a client that does not answer.
func (c *Conn) CloseNow() error {
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	return c.rwc.Close()
}

// writeClose sends a close frame with code and reason.
func (c *Conn) writeClose(code int, reason string) error {
	return c.sendMsg(closeFrame, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

// sendMsg writes one message as one final frame, like the article's
// send_msg: header and payload leave in one write when they fit the buffer;
// a large payload leaves in as few writes as the socket takes.
func (c *Conn) sendMsg(opcode byte, payload []byte) error { return c.send(opcode, 0, payload, 0) }

// send writes one final frame with the given RSV bits; inflated is the
// size of a compressed message before compression, for the frame picture.
func (c *Conn) send(opcode, rsv byte, payload []byte, inflated int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeFrame(frameHeader{fin: true, rsv: rsv, opcode: opcode}, payload, inflated)
}

// WriteFragments sends one message of type typ as len(parts) frames, a part
// in each (RFC 6455 §5.4), uncompressed: for a message sent as its pieces
// come, or to see how a peer reassembles one (final/client's /frag). No
// other writer's frame comes between them; a ping waits for the last. Like
// WriteMessages, small parts leave together, in one write call.
func (c *Conn) WriteFragments(typ MessageType, parts ...[]byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return errNotAData
	}
	if len(parts) == 0 {
		parts = [][]byte{nil} // one empty frame
	}
	return c.writeFrames(byte(typ), func(bw *bufio.Writer) (size int, err error) {
		opcode := byte(typ)
		for i, p := range parts {
			if err := c.bufferFrame(bw, frameHeader{fin: i == len(parts)-1, opcode: opcode}, p, 0); err != nil {
				return size, err
			}
			opcode, size = continuationFrame, size+len(p)
		}
		return size, nil
	})
}

// WriteMessages sends each of msgs as a message of type typ, one frame
// each, in order, and no other writer's frame comes between them. The frames
// share one write buffer, so small messages leave together, in as few write
// calls as the buffer takes: a chat room's queued lines cost one system call,
// not one each, and each reaches the peer as its own message (compressed as
// WriteMessage would). It returns an error as WriteMessage does; the messages
// before a failed one may have been sent.
func (c *Conn) WriteMessages(typ MessageType, msgs ...[]byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return errNotAData
	}
	return c.writeFrames(byte(typ), func(bw *bufio.Writer) (size int, err error) {
		for _, p := range msgs {
			if err := c.bufferMessage(bw, byte(typ), p); err != nil {
				return size, err
			}
			size += len(p)
		}
		return size, nil
	})
}

// writeFrames writes the frames that put buffers, under c.mu, through one
// lent write buffer flushed once; put returns their payloads' size. One
// clock reading serves them all: time.Now costs more than a small frame.
func (c *Conn) writeFrames(opcode byte, put func(bw *bufio.Writer) (size int, err error)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if err := c.canWrite(frameHeader{opcode: opcode}, nil, now); err != nil {
		return err
	}
	w := lendWriter(c)
	defer w.giveBack()
	size, err := put(w.bw)
	if err != nil {
		return c.writeFailed(err)
	}
	return c.flush(w.bw, opcode, now, size)
}

// bufferMessage puts one message into bw as one final frame, compressed if
// permessage-deflate is on and it is worth it.
func (c *Conn) bufferMessage(bw *bufio.Writer, opcode byte, p []byte) error {
	if !c.deflate.on || len(p) < compressMin {
		return c.bufferFrame(bw, frameHeader{fin: true, opcode: opcode}, p, 0)
	}
	buf := compress(p)
	defer putBuffer(buf)
	return c.bufferFrame(bw, frameHeader{fin: true, rsv: rsv1Bit, opcode: opcode}, *buf, len(p))
}

// writeFrame writes one frame, under c.mu: masked with a fresh key on a
// client's connection (§5.3), as it is never on a server's (§5.1).
func (c *Conn) writeFrame(h frameHeader, payload []byte, inflated int) error {
	now := time.Now()
	if err := c.canWrite(h, payload, now); err != nil {
		return err
	}
	w := lendWriter(c)
	defer w.giveBack()
	if err := c.bufferFrame(w.bw, h, payload, inflated); err != nil {
		return c.writeFailed(err)
	}
	return c.flush(w.bw, h.opcode, now, len(payload))
}

// canWrite reports why nothing may be written, if so; otherwise it moves the
// write deadline on, or for a close frame (§5.5.1) sets the close wait.
func (c *Conn) canWrite(h frameHeader, payload []byte, now time.Time) error {
	switch {
	case c.writeErr != nil:
		return c.writeErr
	case c.closeSent.Load():
		return errCloseSent
	case h.opcode == closeFrame:
		c.closeSent.Store(true)
		if len(payload) >= 2 {
			c.sentCode = int(binary.BigEndian.Uint16(payload))
		}
		c.rwc.SetWriteDeadline(now.Add(closeWait))
	case !c.closeAsked.Load():
		c.writeBy.extend(now)
	}
	return nil
}

// bufferFrame puts one frame into bw, header then payload, and shows it to
// the frame watcher; what does not fit the buffer is written.
func (c *Conn) bufferFrame(bw *bufio.Writer, h frameHeader, payload []byte, inflated int) error {
	h.length = int64(len(payload))
	header := appendFrameHeader(c.out[:0], h.opcode, len(payload))
	header[0] |= h.rsv
	if !h.fin {
		header[0] &^= finalBit
	}
	if c.client {
		h.masked, h.key = true, c.newMaskKey()
		header = maskHeader(header, h.key)
	}
	if c.watched() {
		c.showFrame(Frame{Header: header, Payload: wireView(h, payload), h: h, inflated: inflated})
	}
	bw.Write(header)
	return c.writePayload(bw, h, payload)
}

// flush writes what is left in bw; data frames that left are progress (our
// own pings are not). Frames that fit the buffer left at once, as of now,
// the clock reading taken before them; size bytes of payload that did not
// may have taken long to leave, and their end is what counts.
func (c *Conn) flush(bw *bufio.Writer, opcode byte, now time.Time, size int) error {
	if err := bw.Flush(); err != nil {
		return c.writeFailed(err)
	}
	if isControl(opcode) {
		return nil
	}
	if size >= writeBufferSize {
		now = time.Now()
	}
	c.lastWrite.Store(now.UnixNano())
	return nil
}

// writePayload writes a frame's payload into bw: as it is on a server's
// connection, where a large payload goes past the buffer in as few writes
// as the socket allows; masked on a client's, in pieces of writeChunk, each
// piece that has left being progress.
func (c *Conn) writePayload(bw *bufio.Writer, h frameHeader, payload []byte) error {
	if !h.masked {
		_, err := bw.Write(payload)
		return err
	}
	for sent := 0; sent < len(payload); {
		n := min(len(payload)-sent, writeChunk)
		if err := writeMasked(bw, payload[sent:sent+n], h.key, sent); err != nil {
			return err
		}
		if sent += n; sent < len(payload) {
			c.writeProgress()
		}
	}
	return nil
}

// writeProgress runs when a piece of a frame has left and more remains: the
// peer is reading, so the write deadline moves on (unless a close frame
// set its own) and the idle timeout counts it.
func (c *Conn) writeProgress() {
	now := time.Now()
	c.lastWrite.Store(now.UnixNano())
	if !c.closeAsked.Load() && !c.closeSent.Load() {
		c.writeBy.extend(now)
	}
}

// wireView is the part of a payload a frame picture shows, as on the wire:
// masked, on a client's connection.
func wireView(h frameHeader, payload []byte) []byte {
	if !h.masked {
		return shown(payload)
	}
	wire := append([]byte(nil), shown(payload)...)
	maskBytes(h.key, wire)
	return wire
}

// writeFailed records why a write failed and closes the connection, so that
// the reader, if any, stops at once.
func (c *Conn) writeFailed(err error) error {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout() && c.closeAsked.Load():
		err = fmt.Errorf("%w: nothing could be sent within the %v that Close allows", errNotReading, closeWait)
	case errors.As(err, &netErr) && netErr.Timeout():
		err = fmt.Errorf("%w: nothing could be sent for %v", errNotReading, c.opts.WriteTimeout)
	default:
		err = fmt.Errorf("websocket: cannot write to the client: %w", err)
	}
	c.writeErr = abnormal(err)
	c.rwc.Close()
	return c.writeErr
}
