package main

// The load generator's WebSocket client, on raw TCP. It is deliberately
// minimal so that it is not what the benchmark measures: the handshake is
// done once per connection, client frames are built and masked once before
// the clock starts (sending is a single Write of ready bytes), and server
// frames are parsed just enough to find where each message ends.
//
// For the compressed workload it also speaks permessage-deflate (RFC 7692)
// the cheap way: it offers client_no_context_takeover, so every message it
// sends is compressed on its own, and it compresses its one message once,
// before the clock starts. It inflates only what the pre-timing check reads.

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// The RFC 6455 §1.3 sample key: every connection may use the same one.
const (
	handshakeKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	websocketGUID   = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	readBufferBytes = 64 << 10
)

var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

const (
	finBit  = 0x80
	rsv1Bit = 0x40 // permessage-deflate: this message is compressed (first frame only)
)

// clientFrame returns one complete, final, masked client frame.
func clientFrame(opcode byte, payload []byte) []byte {
	return maskedFrame(finBit|opcode, payload)
}

// compressedFrame returns one complete, final, masked client frame that
// carries payload compressed as permessage-deflate sends it (RSV1 set).
func compressedFrame(opcode byte, payload []byte) []byte {
	return maskedFrame(finBit|rsv1Bit|opcode, compressMessage(payload))
}

// maskedFrame returns a masked client frame whose first byte is b0.
func maskedFrame(b0 byte, payload []byte) []byte {
	f := make([]byte, 0, len(payload)+14)
	f = append(f, b0)
	switch n := len(payload); {
	case n <= 125:
		f = append(f, 0x80|byte(n))
	case n <= 0xFFFF:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, maskKey[:]...)
	for i, b := range payload {
		f = append(f, b^maskKey[i&3])
	}
	return f
}

// closeFrame is a masked Close frame with status 1000 (normal closure).
var closeFrame = clientFrame(opClose, []byte{0x03, 0xE8})

// compressMessage returns payload as permessage-deflate carries it (RFC 7692
// §7.2.1): DEFLATE with nothing kept from earlier messages (the client
// offers client_no_context_takeover), flushed, and without the 00 00 ff ff
// that the flush ends with.
func compressMessage(payload []byte) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.DefaultCompression) // like zlib's default
	_, _ = fw.Write(payload)
	_ = fw.Flush()
	out, ok := bytes.CutSuffix(b.Bytes(), []byte(syncFlushTail))
	if !ok {
		panic("compress/flate: a flush that does not end in 00 00 ff ff")
	}
	return out
}

const (
	syncFlushTail = "\x00\x00\xff\xff"
	// finalBlock, after the tail, lets the inflater end cleanly at io.EOF.
	finalBlock = "\x01\x00\x00\xff\xff"
)

// inflateMessage undoes compressMessage (or a server's compression): it puts
// the tail back and inflates, up to limit bytes.
func inflateMessage(compressed []byte, limit int64) ([]byte, error) {
	fr := flate.NewReader(io.MultiReader(bytes.NewReader(compressed), strings.NewReader(syncFlushTail+finalBlock)))
	defer fr.Close()
	out, err := io.ReadAll(io.LimitReader(fr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("inflate: more than %d bytes", limit)
	}
	return out, nil
}

// deflateOffer is what the compressed workload offers: permessage-deflate,
// the client compressing each message on its own. Both servers then run the
// same mode, no context kept in either direction (gorilla accepts nothing
// else; final never keeps its own).
const deflateOffer = "permessage-deflate; client_no_context_takeover"

// deflateAnswer is the server's acceptance of permessage-deflate: the
// parameters of its Sec-WebSocket-Extensions answer (RFC 7692 §7.1).
type deflateAnswer struct {
	serverNoContext, clientNoContext bool
	serverMaxWindowBits              int // 0: not given
	clientMaxWindowBits              int // 0: not given
}

// parseExtensions reads the server's Sec-WebSocket-Extensions answer to an
// offer of permessage-deflate. An empty answer is no extension; anything
// but one permessage-deflate with known, unrepeated parameters is an error,
// as is a client_max_window_bits below 15 (compress/flate always uses a
// 32 KiB window, so this client cannot honour a smaller one).
func parseExtensions(answer string) (deflateAnswer, bool, error) {
	if strings.TrimSpace(answer) == "" {
		return deflateAnswer{}, false, nil
	}
	exts := strings.Split(answer, ",")
	if len(exts) != 1 {
		return deflateAnswer{}, false, fmt.Errorf("handshake: %d extensions agreed (%q), one was offered", len(exts), answer)
	}
	parts := strings.Split(exts[0], ";")
	if name := strings.TrimSpace(parts[0]); !strings.EqualFold(name, "permessage-deflate") {
		return deflateAnswer{}, false, fmt.Errorf("handshake: extension %q was not offered", name)
	}
	var a deflateAnswer
	seen := map[string]bool{}
	for _, param := range parts[1:] {
		name, value, hasValue := strings.Cut(strings.TrimSpace(param), "=")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.Trim(strings.TrimSpace(value), `"`)
		if seen[name] {
			return deflateAnswer{}, false, fmt.Errorf("handshake: %s twice in %q", name, answer)
		}
		seen[name] = true
		bits, err := strconv.Atoi(value)
		if hasValue && (err != nil || bits < 8 || bits > 15) {
			return deflateAnswer{}, false, fmt.Errorf("handshake: %s=%q in %q", name, value, answer)
		}
		switch {
		case name == "server_no_context_takeover" && !hasValue:
			a.serverNoContext = true
		case name == "client_no_context_takeover" && !hasValue:
			a.clientNoContext = true
		case name == "server_max_window_bits" && hasValue:
			a.serverMaxWindowBits = bits // any window inflates with 32 KiB
		case name == "client_max_window_bits" && hasValue:
			if bits < 15 {
				return deflateAnswer{}, false, fmt.Errorf("handshake: %q asks for a window this client cannot keep to", answer)
			}
			a.clientMaxWindowBits = bits
		default:
			return deflateAnswer{}, false, fmt.Errorf("handshake: parameter %q in %q", param, answer)
		}
	}
	return a, true, nil
}

// wsConn is one client connection after a successful handshake.
type wsConn struct {
	net.Conn
	br *bufio.Reader
	// extensions is the server's Sec-WebSocket-Extensions answer ("" for
	// none); deflate tells whether it agreed to permessage-deflate, which
	// allows RSV1 on the first frame of a message.
	extensions string
	deflate    bool
	// Of the last message readMessage read: whether its first frame had RSV1
	// (it is compressed), and its size on the wire, frame headers included.
	rsv1 bool
	wire int64
}

// dial opens a TCP connection to addr (host:port, optionally followed by
// the request path: "127.0.0.1:8080/ws") and performs the opening
// handshake, offering no extension. readBuf is the size of the buffered reader kept
// for server frames (idle connections pass a small one).
func dial(addr string, readBuf int, timeout time.Duration) (*wsConn, error) {
	return dialOffer(addr, readBuf, timeout, "")
}

// dialOffer is dial with a Sec-WebSocket-Extensions offer ("" for none).
// The server's answer is checked against it (only permessage-deflate is
// understood) and kept in the connection.
func dialOffer(addr string, readBuf int, timeout time.Duration, offer string) (*wsConn, error) {
	host, path, _ := strings.Cut(addr, "/")
	if path == "" {
		path = "xxoo" // the servers that upgrade on any path
	}
	c, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	req := "GET /" + path + " HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + handshakeKey + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n"
	if offer != "" {
		req += "Sec-WebSocket-Extensions: " + offer + "\r\n"
	}
	req += "\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, readBuf)
	ext, err := readHandshake(br)
	if err == nil && ext != "" && offer == "" {
		err = fmt.Errorf("handshake: extensions %q agreed, none offered", ext)
	}
	var agreed bool
	if err == nil {
		_, agreed, err = parseExtensions(ext)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return &wsConn{Conn: c, br: br, extensions: ext, deflate: agreed}, nil
}

// readHandshake reads the server's answer up to the empty line, checks that
// it is a 101 with the right Sec-WebSocket-Accept, and returns its
// Sec-WebSocket-Extensions ("" if none; several headers are joined with
// commas, as HTTP allows).
func readHandshake(br *bufio.Reader) (extensions string, err error) {
	sum := sha1.Sum([]byte(handshakeKey + websocketGUID))
	want := base64.StdEncoding.EncodeToString(sum[:])
	status, accepted := "", false
	var exts []string
	for i := 0; ; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("handshake: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if i == 0 {
			status = line
			continue
		}
		if line == "" {
			break
		}
		if i > 100 {
			return "", errors.New("handshake: too many header lines")
		}
		name, value, _ := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Sec-WebSocket-Accept") && value == want:
			accepted = true
		case strings.EqualFold(name, "Sec-WebSocket-Extensions"):
			exts = append(exts, value)
		}
	}
	if f := strings.Fields(status); len(f) < 2 || f[1] != "101" {
		return "", fmt.Errorf("handshake: server answered %q", status)
	}
	if !accepted {
		return "", errors.New("handshake: missing or wrong Sec-WebSocket-Accept")
	}
	return strings.Join(exts, ", "), nil
}

// readMessage reads server frames up to the end of one data message and
// returns its opcode and length (of its payload as sent: compressed, if it
// is). Payload bytes are copied to dst (if not nil) as far as it reaches,
// otherwise skipped. Pings and pongs in between are skipped; a Close frame
// is an error, and so are reserved bits the connection does not allow.
// c.rsv1 and c.wire tell whether the message is compressed and how many
// bytes its frames took.
func (c *wsConn) readMessage(dst []byte) (opcode byte, n int, err error) {
	first := true
	c.rsv1, c.wire = false, 0
	for {
		h, err := c.br.Peek(2)
		if err != nil {
			return 0, n, err
		}
		fin, rsv, op, masked, l := h[0]&finBit != 0, h[0]&0x70, h[0]&0x0F, h[1]&0x80 != 0, int64(h[1]&0x7F)
		_, _ = c.br.Discard(2)
		head := int64(2)
		switch l {
		case 126:
			b, err := c.br.Peek(2)
			if err != nil {
				return 0, n, err
			}
			l = int64(binary.BigEndian.Uint16(b))
			_, _ = c.br.Discard(2)
			head += 2
		case 127:
			b, err := c.br.Peek(8)
			if err != nil {
				return 0, n, err
			}
			l = int64(binary.BigEndian.Uint64(b))
			_, _ = c.br.Discard(8)
			head += 8
		}
		if masked {
			return 0, n, errors.New("server sent a masked frame")
		}
		if l < 0 || l > 1<<30 {
			return 0, n, fmt.Errorf("server frame too long: %d", l)
		}
		// RSV1 is allowed on the first frame of a data message, and only
		// with permessage-deflate; RSV2 and RSV3 never.
		rsvOK := rsv == 0 || rsv == rsv1Bit && c.deflate && first && (op == opText || op == opBinary)
		if !rsvOK {
			return 0, n, fmt.Errorf("server set reserved bits %#x on a frame with opcode %#x (permessage-deflate agreed: %v)", rsv, op, c.deflate)
		}
		switch {
		case op == opClose:
			return 0, n, errors.New("server sent Close")
		case op == opPing || op == opPong:
			if _, err := c.br.Discard(int(l)); err != nil {
				return 0, n, err
			}
			continue
		case first && (op == opText || op == opBinary):
			opcode, first, c.rsv1 = op, false, rsv != 0
		case !first && op == opContinuation:
		default:
			return 0, n, fmt.Errorf("unexpected opcode %#x", op)
		}
		c.wire += head + l
		if n < len(dst) {
			k := min(int64(len(dst)-n), l)
			if _, err := io.ReadFull(c.br, dst[n:n+int(k)]); err != nil {
				return 0, n, err
			}
			n += int(k)
			l -= k
		}
		if _, err := c.br.Discard(int(l)); err != nil {
			return 0, n, err
		}
		n += int(l)
		if fin {
			return opcode, n, nil
		}
	}
}

// close says goodbye politely (a Close frame, not waiting for the answer)
// and closes the TCP connection.
func (c *wsConn) close() {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write(closeFrame)
	_ = c.Close()
}

// checkEcho sends one message and verifies that the same bytes come back
// with the same opcode: a broken server must not produce a benchmark figure.
func checkEcho(c *wsConn, opcode byte, payload []byte) error {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(clientFrame(opcode, payload)); err != nil {
		return err
	}
	got := make([]byte, len(payload))
	op, n, err := c.readMessage(got)
	if err != nil {
		return fmt.Errorf("echo check: %w", err)
	}
	if op != opcode || n != len(payload) || !bytes.Equal(got, payload) {
		return fmt.Errorf("echo check: sent opcode %d, %d bytes; got opcode %d, %d bytes (equal: %v)",
			opcode, len(payload), op, n, bytes.Equal(got, payload))
	}
	return nil
}

// checkCompressedEcho sends payload as the compressed frame (built by
// compressedFrame) and verifies that the echo comes back compressed (RSV1),
// with the same opcode, and that it inflates to exactly payload.
func checkCompressedEcho(c *wsConn, opcode byte, payload, frame []byte) error {
	if !c.deflate {
		return fmt.Errorf("compressed echo check: the server did not agree to permessage-deflate (Sec-WebSocket-Extensions answer %q)", c.extensions)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(frame); err != nil {
		return err
	}
	got := make([]byte, len(payload)+1024) // DEFLATE expands by far less than that at worst
	op, n, err := c.readMessage(got)
	switch {
	case err != nil:
		return fmt.Errorf("compressed echo check: %w", err)
	case !c.rsv1:
		return fmt.Errorf("compressed echo check: the echo of a %d-byte message is not compressed (no RSV1)", len(payload))
	case op != opcode:
		return fmt.Errorf("compressed echo check: sent opcode %d, got %d", opcode, op)
	case n > len(got):
		return fmt.Errorf("compressed echo check: the compressed echo of %d bytes takes %d", len(payload), n)
	}
	inflated, err := inflateMessage(got[:n], int64(len(payload)))
	if err != nil {
		return fmt.Errorf("compressed echo check: %w", err)
	}
	if !bytes.Equal(inflated, payload) {
		return fmt.Errorf("compressed echo check: sent %d bytes, the echo inflates to %d bytes that differ", len(payload), len(inflated))
	}
	return nil
}
