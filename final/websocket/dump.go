package websocket

import (
	"encoding/binary"
	"fmt"
	"strings"
)

var opcodeNames = [16]string{continuationFrame: "continuation", textFrame: "text", binaryFrame: "binary",
	closeFrame: "close", pingFrame: "ping", pongFrame: "pong"}

// Frame is one frame as it crossed the wire, for Options.OnFrame. Its slices
// are the connection's own buffers: they are valid only during the call.
type Frame struct {
	Incoming bool   // read from the client; false: written by the server
	Header   []byte // the frame header, as on the wire
	Payload  []byte // the payload, as on the wire: masked if the client masked it

	h frameHeader
}

// String draws the frame as an annotated picture of the RFC 6455 §5.2 layout
// filled with its values, the picture step 4 prints.
func (f Frame) String() string {
	direction := "out"
	if f.Incoming {
		direction = "in"
	}
	return dumpFrame(direction, f.h, f.Header, f.Payload)
}

// dumpFrame draws the picture. raw is the header and payload the payload,
// both as on the wire (masked if MASK=1).
func dumpFrame(direction string, h frameHeader, raw, payload []byte) string {
	var b strings.Builder
	line := func(label, value, note string) {
		if len(label) >= 12 {
			label += " "
		}
		fmt.Fprintf(&b, "  %-12s%s    %s\n", label, value, note)
	}
	fmt.Fprintf(&b, "frame %s, %d bytes on the wire (RFC 6455 §5.2):\n", direction, len(raw)+len(payload))
	fin, name := "FIN=0 (more fragments follow)", opcodeNames[h.opcode]
	if h.fin {
		fin = "FIN=1 (final fragment)"
	}
	if name == "" {
		name = "reserved"
	}
	line("byte 0", bits(raw[0]), fmt.Sprintf("%s  RSV1-3=%03b  opcode=0x%x (%s)", fin, h.rsv>>4, h.opcode, name))
	mask := "MASK=0 (not masked)"
	if h.masked {
		mask = "MASK=1 (masked)"
	}
	switch l := raw[1] & lengthMask; l {
	case length16:
		line("byte 1", bits(raw[1]), fmt.Sprintf("%s  payload len=%d (16-bit length follows)", mask, l))
		line("bytes 2-3", fmt.Sprintf("% x", raw[2:4]), fmt.Sprintf("extended payload length = %d", h.length))
	case length64:
		line("byte 1", bits(raw[1]), fmt.Sprintf("%s  payload len=%d (64-bit length follows)", mask, l))
		line("bytes 2-9", fmt.Sprintf("% x", raw[2:10]), fmt.Sprintf("extended payload length = %d", h.length))
	default:
		line("byte 1", bits(raw[1]), fmt.Sprintf("%s  payload len=%d (7-bit length)", mask, l))
	}
	at := len(raw)
	if h.masked {
		line(fmt.Sprintf("bytes %d-%d", at-4, at-1), fmt.Sprintf("% x", h.key), "masking key")
	}
	label := fmt.Sprintf("bytes %d-%d", at, at+len(payload)-1)
	if len(payload) == 1 {
		label = fmt.Sprintf("byte %d", at)
	}
	plain := payload
	switch {
	case len(payload) == 0:
	case h.masked:
		plain = append([]byte(nil), payload...)
		maskBytes(h.key, plain)
		line(label, short(payload, "% x", 16), "payload, masked")
		line("", short(plain, "% x", 16), "payload, unmasked (byte i XOR key[i%4])")
	default:
		line(label, short(payload, "% x", 16), "payload")
	}
	switch {
	case h.opcode == textFrame:
		fmt.Fprintf(&b, "  text: %s\n", short(plain, "%q", 64))
	case h.opcode == pingFrame || h.opcode == pongFrame:
		fmt.Fprintf(&b, "  payload: %s\n", short(plain, "%q", 64))
	case h.opcode == closeFrame && len(plain) >= 2:
		code := int(binary.BigEndian.Uint16(plain))
		fmt.Fprintf(&b, "  close code=%d (%s) reason=%s\n", code, CloseCodeName(code), short(plain[2:], "%q", 64))
	case h.opcode == closeFrame:
		b.WriteString("  close: no code\n")
	}
	return b.String()
}

// bits shows a byte as two groups of four bits: 1000 0001.
func bits(c byte) string { return fmt.Sprintf("%04b %04b", c>>4, c&0xf) }

// short formats the first n bytes of p, then counts the rest.
func short(p []byte, format string, n int) string {
	if len(p) <= n {
		return fmt.Sprintf(format, p)
	}
	return fmt.Sprintf(format+" … (%d more bytes)", p[:n], len(p)-n)
}
