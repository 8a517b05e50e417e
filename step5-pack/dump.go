package main

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// describeFrame draws f as the frame layout of RFC 6455 §5.2, filled with
// this frame's real bytes: each field, where it sits on the wire, its value
// and what it means. direction is "in" for a frame from the client and
// "out" for one the server sends.
func describeFrame(direction string, f frame) string {
	var b strings.Builder
	line := func(label, content, note string) {
		text := fmt.Sprintf("  %-11s %s    %s", label, content, note)
		b.WriteString(strings.TrimRight(text, " ") + "\n")
	}

	byte0 := f.rsv | f.opcode
	if f.fin {
		byte0 |= finalBit
	}
	byte1 := f.payloadLen
	if f.masked {
		byte1 |= maskBit
	}
	extended := 0 // bytes of extended payload length
	switch f.payloadLen {
	case len16:
		extended = 2
	case len64:
		extended = 8
	}
	headerSize := 2 + extended
	if f.masked {
		headerSize += len(f.key)
	}
	fmt.Fprintf(&b, "frame %s, %d bytes on the wire (RFC 6455 §5.2):\n", direction, headerSize+len(f.payload))

	fin := "final fragment"
	if !f.fin {
		fin = "more fragments follow"
	}
	line("byte 0", bits(byte0), fmt.Sprintf("FIN=%d (%s)  RSV1-3=%03b  opcode=0x%x (%s)",
		bit(f.fin), fin, f.rsv>>4, f.opcode, opcodeName(f.opcode)))
	mask := "not masked"
	if f.masked {
		mask = "masked"
	}
	length := "7-bit length"
	switch f.payloadLen {
	case len16:
		length = "16-bit length follows"
	case len64:
		length = "64-bit length follows"
	}
	line("byte 1", bits(byte1), fmt.Sprintf("MASK=%d (%s)  payload len=%d (%s)",
		bit(f.masked), mask, f.payloadLen, length))

	at := 2
	if extended > 0 {
		ext := binary.BigEndian.AppendUint64(nil, uint64(len(f.payload)))[8-extended:]
		line(span(at, extended), hexBytes(ext), fmt.Sprintf("extended payload length = %d", len(f.payload)))
		at += extended
	}
	if f.masked {
		line(span(at, len(f.key)), hexBytes(f.key[:]), "masking key")
		at += len(f.key)
	}
	switch {
	case len(f.payload) == 0:
		line("", "(no payload)", "")
	case f.masked:
		masked := append([]byte(nil), f.payload...)
		unmask(masked, f.key) // masking is its own inverse: this masks the payload again
		line(span(at, len(f.payload)), hexBytes(masked), "payload, masked")
		line("", hexBytes(f.payload), "payload, unmasked (byte i XOR key[i%4])")
	default:
		line(span(at, len(f.payload)), hexBytes(f.payload), "payload")
	}

	switch f.opcode {
	case textFrame:
		fmt.Fprintf(&b, "  text: %s\n", quoteText(f.payload))
	case closeFrame:
		fmt.Fprintf(&b, "  %s\n", describeClose(f.payload))
	case pingFrame, pongFrame:
		fmt.Fprintf(&b, "  payload: %s\n", quoteText(f.payload))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// describeClose reads a close frame's payload: an optional 2-byte status code
// and a UTF-8 reason (RFC 6455 §5.5.1, codes in §7.4.1).
func describeClose(payload []byte) string {
	if len(payload) < 2 {
		return fmt.Sprintf("close, no status code (%d payload bytes)", len(payload))
	}
	code := binary.BigEndian.Uint16(payload)
	return fmt.Sprintf("close code=%d (%s) reason=%q", code, closeCodeName(code), payload[2:])
}

// opcodeNames and closeCodeNames name what describeFrame prints
// (RFC 6455 §5.2 and §7.4.1).
var (
	opcodeNames = map[byte]string{
		continuationFrame: "continuation", textFrame: "text", binaryFrame: "binary",
		closeFrame: "close", pingFrame: "ping", pongFrame: "pong",
	}
	closeCodeNames = map[uint16]string{
		1000: "normal closure", 1001: "going away", 1002: "protocol error",
		1003: "unsupported data", 1005: "no status received", 1006: "abnormal closure",
		1007: "invalid payload data", 1008: "policy violation", 1009: "message too big",
		1010: "mandatory extension", 1011: "internal error",
	}
)

func opcodeName(op byte) string {
	if name, ok := opcodeNames[op]; ok {
		return name
	}
	return "reserved"
}

func closeCodeName(code uint16) string {
	if name, ok := closeCodeNames[code]; ok {
		return name
	}
	return "not a known code"
}

// hexBytes prints up to 16 bytes in hexadecimal, and how many more there are.
func hexBytes(p []byte) string {
	const most = 16
	if len(p) <= most {
		return fmt.Sprintf("% x", p)
	}
	return fmt.Sprintf("% x … (%d more bytes)", p[:most], len(p)-most)
}

// quoteText quotes up to 64 bytes of a payload as Go text, and says how
// many more there are.
func quoteText(p []byte) string {
	const most = 64
	if len(p) <= most {
		return fmt.Sprintf("%q", p)
	}
	return fmt.Sprintf("%q … (%d more bytes)", p[:most], len(p)-most)
}

// span names the bytes at [from, from+n) of the frame.
func span(from, n int) string {
	if n == 1 {
		return fmt.Sprintf("byte %d", from)
	}
	return fmt.Sprintf("bytes %d-%d", from, from+n-1)
}

// bits prints a byte as two groups of four bits.
func bits(b byte) string {
	return fmt.Sprintf("%04b %04b", b>>4, b&0xf)
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}
