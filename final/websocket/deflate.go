package websocket

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// permessage-deflate (RFC 7692): a message's payload compressed with
// DEFLATE, flagged by RSV1 on its first frame.
//
// What this package keeps, and why:
//   - Server to client, no context takeover: each message is compressed on
//     its own, with a flate.Writer from a pool. A writer that kept its
//     context would cost about a megabyte per connection, for ever.
//   - Client to server, the client's choice: a client that keeps its context
//     (browsers do) compresses against the messages it sent before, so the
//     server keeps their last 32 KiB (the LZ77 window) per connection, and
//     only that: the inflater itself comes from a pool and is given the
//     window as its dictionary. A client that offers
//     client_no_context_takeover costs nothing between messages.

const (
	extensionName = "permessage-deflate"
	windowSize    = 32 << 10 // Go's compress/flate always uses a 32 KiB window: window bits 15
	maxWindowBits = 15
	minWindowBits = 8
	// compressMin is the smallest message worth compressing: below it the
	// DEFLATE block costs more than it saves.
	compressMin = 128
	// deflateTail ends each compressed message (§7.2.1): the empty stored
	// block of a sync flush, which the sender removes and the receiver puts
	// back. The final empty block after it makes the inflater stop cleanly.
	deflateTail = "\x00\x00\xff\xff" + "\x01\x00\x00\xff\xff"
)

// errBadDeflate is a compressed message that does not inflate. It closes
// with 1007 (invalid payload data): the frames were well formed, so this is
// no protocol error (1002), but their payload is not what its type says it
// is, which is what RFC 6455 §7.4.1 gives 1007 for; RFC 7692 names no code.
var errBadDeflate = errors.New("websocket: a compressed message does not inflate (RFC 7692 §7.2.2)")

// errInflatedTooBig is a compressed message that inflates past MaxMessage: a
// deflate bomb, or just a large message; 1009 like any other.
var errInflatedTooBig = errors.New("websocket: message longer than the limit once inflated (Options.MaxMessage)")

// errRSV1 is RSV1 where permessage-deflate does not allow it.
var errRSV1 = errors.New("websocket: RSV1 on a continuation frame, or without permessage-deflate (RFC 7692 §6.1)")

// deflateParams is what was agreed for one connection.
type deflateParams struct {
	on            bool
	peerNoContext bool // the peer resets its compressor for each message: the client's client_no_context_takeover, the server's server_no_context_takeover
	serverWindow  bool // the client asked for server_max_window_bits (15: what we use anyway)
}

// negotiate picks the first permessage-deflate offer this server can honour
// (RFC 7692 §5, §7.1) from the Sec-WebSocket-Extensions headers, and returns
// what was agreed and the response header value; it declines offers with
// unknown or repeated parameters, bad values, or a server_max_window_bits
// below 15, and falls back to the next offer or to no extension.
func negotiate(headers []string) (deflateParams, string) {
	for _, h := range headers {
		for offer := range strings.SplitSeq(h, ",") {
			if p, ok := acceptOffer(offer); ok {
				resp := extensionName + "; server_no_context_takeover"
				if p.serverWindow {
					resp += "; server_max_window_bits=15" // §7.1.2.1: accepted, so answered
				}
				if p.peerNoContext {
					resp += "; client_no_context_takeover"
				}
				return p, resp
			}
		}
	}
	return deflateParams{}, ""
}

// acceptOffer reports whether one offer can be honoured.
func acceptOffer(offer string) (deflateParams, bool) {
	p := deflateParams{on: true}
	ok := eachParam(offer, func(name, value string, hasValue bool) bool {
		bits, validBits := windowBits(value)
		switch {
		case name == "server_no_context_takeover" && !hasValue: // we never keep a context anyway
		case name == "client_no_context_takeover" && !hasValue:
			p.peerNoContext = true
		case name == "server_max_window_bits" && validBits && bits == maxWindowBits: // below 15 cannot be honoured
			p.serverWindow = true
		case name == "client_max_window_bits" && (!hasValue || validBits): // any window inflates
		default:
			return false
		}
		return true
	})
	return p, ok
}

// eachParam calls f with each parameter of a permessage-deflate offer or
// answer, its name lower-cased and its value unquoted. It reports false if
// ext names another extension, a parameter comes twice (RFC 7692 §7), or f
// refuses one.
func eachParam(ext string, f func(name, value string, hasValue bool) bool) bool {
	parts := strings.Split(ext, ";")
	if !strings.EqualFold(strings.TrimSpace(parts[0]), extensionName) {
		return false
	}
	seen := map[string]bool{}
	for _, param := range parts[1:] {
		name, value, hasValue := strings.Cut(strings.TrimSpace(param), "=")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.Trim(strings.TrimSpace(value), `"`)
		if seen[name] || !f(name, value, hasValue) {
			return false
		}
		seen[name] = true
	}
	return true
}

// windowBits reads a *_max_window_bits value: 8 to 15, written plainly.
func windowBits(value string) (int, bool) {
	bits, err := strconv.Atoi(value)
	return bits, err == nil && bits >= minWindowBits && bits <= maxWindowBits && value == strconv.Itoa(bits)
}

var (
	flateReaders = sync.Pool{New: func() any { return flate.NewReader(nil) }}
	flateWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed) // fast, and most of the gain
		return w
	}}
)

// inflate replaces the compressed message in c.msg with its inflated bytes,
// checking the limits on the inflated size as it grows: a few KiB that
// inflate to gigabytes (a deflate bomb) stop at MaxMessage, with 1009.
func (c *Conn) inflate(opcode byte) error {
	compressed := c.msg
	fr := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(fr)
	fr.(flate.Resetter).Reset(io.MultiReader(bytes.NewReader(*compressed), strings.NewReader(deflateTail)), c.window)
	c.msg = msgBuffers.Get().(*[]byte)
	out := (*c.msg)[:0]
	var err error
	for err == nil {
		if len(out) == cap(out) {
			out = slices.Grow(out, min(max(len(out), 512), int(c.opts.MaxMessage)-len(out)+1))
		}
		var n int
		n, err = fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		switch {
		case int64(len(out)) > c.opts.MaxMessage:
			err = errInflatedTooBig
		case !c.opts.Budget.take(int64(n)): // the inflated bytes count, as they come
			err = errOverBudget
		default:
			c.held += int64(n)
		}
	}
	*c.msg = out
	c.opts.Budget.give(int64(len(*compressed))) // the compressed bytes are given back
	c.held -= int64(len(*compressed))
	putBuffer(compressed)
	switch {
	case err == errInflatedTooBig, err == errOverBudget:
		return err
	case err != io.EOF:
		return errBadDeflate
	case opcode == textFrame && !utf8.Valid(out):
		return errInvalidUTF8
	}
	c.keepWindow(out)
	return nil
}

// keepWindow keeps the last 32 KiB the peer has sent, for the next message,
// unless the peer compresses each message on its own.
func (c *Conn) keepWindow(out []byte) {
	if c.deflate.peerNoContext {
		return
	}
	if c.window == nil {
		c.window = make([]byte, 0, windowSize) // and never more
	}
	if len(out) >= windowSize {
		c.window = append(c.window[:0], out[len(out)-windowSize:]...)
		return
	}
	if keep := windowSize - len(out); len(c.window) > keep {
		c.window = c.window[:copy(c.window, c.window[len(c.window)-keep:])]
	}
	c.window = append(c.window, out...)
}

// writeCompressed sends a data message compressed, RSV1 set (§7.2.1).
func (c *Conn) writeCompressed(opcode byte, p []byte) error {
	buf := compress(p)
	defer putBuffer(buf)
	return c.send(opcode, rsv1Bit, *buf, len(p))
}

// compress returns p compressed for a message's payload, in a buffer lent
// from msgBuffers.
func compress(p []byte) *[]byte {
	buf := msgBuffers.Get().(*[]byte)
	w := &appendWriter{b: (*buf)[:0]}
	fw := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(fw)
	fw.Reset(w)
	fw.Write(p)
	fw.Flush() // ends in the 4 bytes of deflateTail's sync flush, which do not go on the wire
	*buf = w.b[:len(w.b)-4]
	return buf
}

// appendWriter is an io.Writer that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
