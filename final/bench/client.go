package main

// The load generator's WebSocket client, on raw TCP. It is deliberately
// minimal so that it is not what the benchmark measures: the handshake is
// done once per connection, client frames are built and masked once before
// the clock starts (sending is a single Write of ready bytes), and server
// frames are parsed just enough to find where each message ends.

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
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

// clientFrame returns one complete, final, masked client frame.
func clientFrame(opcode byte, payload []byte) []byte {
	f := make([]byte, 0, len(payload)+14)
	f = append(f, 0x80|opcode)
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

// wsConn is one client connection after a successful handshake.
type wsConn struct {
	net.Conn
	br *bufio.Reader
}

// dial opens a TCP connection to addr and performs the opening handshake.
// readBuf is the size of the buffered reader kept for server frames (idle
// connections pass a small one).
func dial(addr string, readBuf int, timeout time.Duration) (*wsConn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	req := "GET /xxoo HTTP/1.1\r\n" +
		"Host: " + addr + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + handshakeKey + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, readBuf)
	if err := readHandshake(br); err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return &wsConn{Conn: c, br: br}, nil
}

// readHandshake reads the server's answer up to the empty line and checks
// that it is a 101 with the right Sec-WebSocket-Accept.
func readHandshake(br *bufio.Reader) error {
	sum := sha1.Sum([]byte(handshakeKey + websocketGUID))
	want := base64.StdEncoding.EncodeToString(sum[:])
	status, accepted := "", false
	for i := 0; ; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("handshake: %w", err)
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
			return errors.New("handshake: too many header lines")
		}
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(strings.TrimSpace(name), "Sec-WebSocket-Accept") && strings.TrimSpace(value) == want {
			accepted = true
		}
	}
	if f := strings.Fields(status); len(f) < 2 || f[1] != "101" {
		return fmt.Errorf("handshake: server answered %q", status)
	}
	if !accepted {
		return errors.New("handshake: missing or wrong Sec-WebSocket-Accept")
	}
	return nil
}

// readMessage reads server frames up to the end of one data message and
// returns its opcode and length. Payload bytes are copied to dst (if not nil)
// as far as it reaches, otherwise skipped. Pings and pongs in between are
// skipped; a Close frame is an error.
func (c *wsConn) readMessage(dst []byte) (opcode byte, n int, err error) {
	first := true
	for {
		h, err := c.br.Peek(2)
		if err != nil {
			return 0, n, err
		}
		fin, op, masked, l := h[0]&0x80 != 0, h[0]&0x0F, h[1]&0x80 != 0, int64(h[1]&0x7F)
		_, _ = c.br.Discard(2)
		switch l {
		case 126:
			b, err := c.br.Peek(2)
			if err != nil {
				return 0, n, err
			}
			l = int64(binary.BigEndian.Uint16(b))
			_, _ = c.br.Discard(2)
		case 127:
			b, err := c.br.Peek(8)
			if err != nil {
				return 0, n, err
			}
			l = int64(binary.BigEndian.Uint64(b))
			_, _ = c.br.Discard(8)
		}
		if masked {
			return 0, n, errors.New("server sent a masked frame")
		}
		if l < 0 || l > 1<<30 {
			return 0, n, fmt.Errorf("server frame too long: %d", l)
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
			opcode, first = op, false
		case !first && op == opContinuation:
		default:
			return 0, n, fmt.Errorf("unexpected opcode %#x", op)
		}
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
