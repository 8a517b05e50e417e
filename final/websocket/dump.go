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
// Payload holds no more than a picture shows, so that watching a connection
// costs no copy of its messages: Describe().Length is the whole length.
type Frame struct {
	Incoming bool   // read from the peer; false: written by this side (on a server's connection, the client's frames are in)
	Header   []byte // the frame header, as on the wire
	Payload  []byte // the payload as on the wire (masked if a client masked it), cut to its first 125 bytes

	h        frameHeader
	inflated int // a compressed message's size inflated, on its last frame
}

// String draws the frame as an annotated picture of the RFC 6455 §5.2 layout
// filled with its values, the picture step 4 prints.
func (f Frame) String() string { return f.Describe().String() }

// Describe says what each field of the frame holds: the same description
// that String draws, in a form a page can draw too (it has JSON names).
func (f Frame) Describe() Description {
	direction := "out"
	if f.Incoming {
		direction = "in"
	}
	d := describe(direction, f.h, f.Header, f.Payload)
	d.Inflated = f.inflated
	return d
}

// A Description is a frame taken apart field by field (RFC 6455 §5.2), each
// value as the picture shows it. Long payloads are cut: the hex shows the
// first 16 bytes and the text the first 64, and the More fields count the
// rest.
type Description struct {
	Direction  string `json:"direction"` // "in": from the peer (on a server, the client); "out": from this side
	WireSize   int    `json:"wireSize"`  // header and payload, in bytes
	Byte0      string `json:"byte0"`     // the first byte in bits: FIN, RSV1-3, opcode
	Byte1      string `json:"byte1"`     // the second: MASK and the 7-bit length
	Fin        bool   `json:"fin"`
	RSV        string `json:"rsv"` // RSV1-3, as three bits
	Opcode     byte   `json:"opcode"`
	OpcodeName string `json:"opcodeName"`
	Masked     bool   `json:"masked"`
	Length7    byte   `json:"length7"`            // the 7-bit length field: the length, or 126 or 127
	Encoding   string `json:"encoding"`           // "7-bit", "16-bit" or "64-bit"
	ExtBytes   string `json:"extBytes,omitempty"` // where the extended length is: "bytes 2-3"
	ExtLength  string `json:"extLength,omitempty"`
	Length     int64  `json:"length"` // of the payload
	KeyBytes   string `json:"keyBytes,omitempty"`
	Key        string `json:"key,omitempty"`
	Payload    string `json:"payloadBytes,omitempty"` // where the payload is: "bytes 6-10"
	Wire       string `json:"wire,omitempty"`         // the payload as on the wire, in hex
	Plain      string `json:"plain,omitempty"`        // … unmasked
	HexMore    int    `json:"hexMore,omitempty"`
	Text       string `json:"text,omitempty"` // a text frame's text, or a ping's or pong's payload
	TextMore   int    `json:"textMore,omitempty"`
	Compressed bool   `json:"compressed,omitempty"` // RSV1 on a data frame: permessage-deflate (RFC 7692)
	Inflated   int    `json:"inflated,omitempty"`   // on a compressed message's last frame: its size inflated
	CloseCode  int    `json:"closeCode,omitempty"`  // a close frame's code, if it has one (then CloseName is set)
	CloseName  string `json:"closeName,omitempty"`
}

// shownPayload is the most of a payload that a Frame carries: all of a
// control frame's (§5.5), more than a picture shows of a data frame's.
const shownPayload = maxControlFramePayloadSize

// shown is the part of a payload that a Frame carries.
func shown(payload []byte) []byte { return payload[:min(len(payload), shownPayload)] }

// describe takes a frame apart. raw is the header and payload the payload,
// both as on the wire (masked if MASK=1); payload may be cut short of
// h.length.
func describe(direction string, h frameHeader, raw, payload []byte) Description {
	d := Description{Direction: direction, WireSize: len(raw) + int(h.length), Byte0: bits(raw[0]), Byte1: bits(raw[1]),
		Fin: h.fin, RSV: fmt.Sprintf("%03b", h.rsv>>4), Opcode: h.opcode, OpcodeName: opcodeNames[h.opcode],
		Masked: h.masked, Length7: raw[1] & lengthMask, Encoding: "7-bit", Length: h.length}
	if d.OpcodeName == "" {
		d.OpcodeName = "reserved"
	}
	switch d.Length7 {
	case length16:
		d.Encoding, d.ExtBytes, d.ExtLength = "16-bit", "bytes 2-3", fmt.Sprintf("% x", raw[2:4])
	case length64:
		d.Encoding, d.ExtBytes, d.ExtLength = "64-bit", "bytes 2-9", fmt.Sprintf("% x", raw[2:10])
	}
	at := len(raw)
	if h.masked {
		d.KeyBytes, d.Key = fmt.Sprintf("bytes %d-%d", at-4, at-1), fmt.Sprintf("% x", h.key)
	}
	plain := payload
	if h.masked {
		plain = append([]byte(nil), payload...)
		maskBytes(h.key, plain)
	}
	cut := int(h.length) - len(payload) // bytes the Frame did not carry
	if h.length > 0 {
		d.Payload = fmt.Sprintf("bytes %d-%d", at, at+int(h.length)-1)
		if h.length == 1 {
			d.Payload = fmt.Sprintf("byte %d", at)
		}
		d.Wire, d.HexMore = hexCut(payload, cut)
		d.Plain, _ = hexCut(plain, cut)
	}
	d.Compressed = h.rsv&rsv1Bit != 0
	switch {
	case d.Compressed: // the text is in the inflated message, not in this frame
	case h.opcode == textFrame || h.opcode == pingFrame || h.opcode == pongFrame:
		d.Text, d.TextMore = textCut(plain, cut)
	case h.opcode == closeFrame && len(plain) >= 2:
		d.CloseCode = int(binary.BigEndian.Uint16(plain))
		d.CloseName = CloseCodeName(d.CloseCode)
		d.Text, d.TextMore = textCut(plain[2:], cut)
	}
	return d
}

// hexCut is the first 16 bytes of p in hex, and how many bytes follow,
// counting the cut bytes that p lacks.
func hexCut(p []byte, cut int) (string, int) {
	n := min(len(p), 16)
	return fmt.Sprintf("% x", p[:n]), len(p) - n + cut
}

// textCut is the first 64 bytes of p, and how many bytes follow, counting
// the cut bytes that p lacks.
func textCut(p []byte, cut int) (string, int) {
	n := min(len(p), 64)
	return string(p[:n]), len(p) - n + cut
}

// more counts what a cut left out: " … (12 more bytes)".
func more(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" … (%d more bytes)", n)
}

// String draws the picture: one line per field, with its bytes and what
// they mean.
func (d Description) String() string {
	var b strings.Builder
	line := func(label, value, note string) {
		if len(label) >= 12 {
			label += " "
		}
		fmt.Fprintf(&b, "  %-12s%s    %s\n", label, value, note)
	}
	fmt.Fprintf(&b, "frame %s, %d bytes on the wire (RFC 6455 §5.2):\n", d.Direction, d.WireSize)
	fin := "FIN=0 (more fragments follow)"
	if d.Fin {
		fin = "FIN=1 (final fragment)"
	}
	line("byte 0", d.Byte0, fmt.Sprintf("%s  RSV1-3=%s  opcode=0x%x (%s)", fin, d.RSV, d.Opcode, d.OpcodeName))
	mask := "MASK=0 (not masked)"
	if d.Masked {
		mask = "MASK=1 (masked)"
	}
	follows := map[string]string{"7-bit": "7-bit length", "16-bit": "16-bit length follows", "64-bit": "64-bit length follows"}
	line("byte 1", d.Byte1, fmt.Sprintf("%s  payload len=%d (%s)", mask, d.Length7, follows[d.Encoding]))
	if d.ExtBytes != "" {
		line(d.ExtBytes, d.ExtLength, fmt.Sprintf("extended payload length = %d", d.Length))
	}
	if d.Masked {
		line(d.KeyBytes, d.Key, "masking key")
	}
	switch {
	case d.Payload == "":
	case d.Masked:
		line(d.Payload, d.Wire+more(d.HexMore), "payload, masked")
		line("", d.Plain+more(d.HexMore), "payload, unmasked (byte i XOR key[i%4])")
	default:
		line(d.Payload, d.Wire+more(d.HexMore), "payload")
	}
	switch {
	case d.Compressed:
		fmt.Fprintf(&b, "  compressed: RSV1=1, %d bytes of DEFLATE (permessage-deflate, RFC 7692)\n", d.Length)
	case d.Opcode == textFrame:
		fmt.Fprintf(&b, "  text: %q%s\n", d.Text, more(d.TextMore))
	case d.Opcode == pingFrame || d.Opcode == pongFrame:
		fmt.Fprintf(&b, "  payload: %q%s\n", d.Text, more(d.TextMore))
	case d.Opcode == closeFrame && d.CloseName != "":
		fmt.Fprintf(&b, "  close code=%d (%s) reason=%q%s\n", d.CloseCode, d.CloseName, d.Text, more(d.TextMore))
	case d.Opcode == closeFrame:
		b.WriteString("  close: no code\n")
	}
	if d.Inflated > 0 {
		fmt.Fprintf(&b, "  message inflated: %d bytes (permessage-deflate)\n", d.Inflated)
	}
	return b.String()
}

// bits shows a byte as two groups of four bits: 1000 0001.
func bits(c byte) string { return fmt.Sprintf("%04b %04b", c>>4, c&0xf) }
