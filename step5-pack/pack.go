//go:build !exercise

package main

import "encoding/binary"

// packFrame builds a server frame (RFC 6455 §5.2) holding the whole payload:
// FIN set, the given opcode, MASK clear (a server never masks, §5.1), and
// the payload length in the shortest form that fits:
//
//	0 … 125 bytes:      in the 7 bits of byte 1
//	126 … 65535 bytes:  126, then the length in 2 bytes, big-endian
//	more:               127, then the length in 8 bytes, big-endian
//
// It is the article's send_msg without the sending, and for any opcode, not
// only text ("\x81").
func packFrame(opcode byte, payload []byte) []byte {
	frame := make([]byte, 0, 10+len(payload))
	frame = append(frame, finalBit|opcode)
	switch n := len(payload); {
	case n < len16:
		frame = append(frame, byte(n))
	case n <= 0xffff:
		frame = append(frame, len16)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, len64)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	return append(frame, payload...)
}
