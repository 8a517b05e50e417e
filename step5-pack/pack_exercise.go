//go:build exercise

package main

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
	// TODO(exercise):
	//   - byte 0 is finalBit | opcode.
	//   - byte 1 is the length if it is below 126 (len16); else len16 and
	//     binary.BigEndian.AppendUint16 of the length if it fits in 16 bits
	//     (up to 0xffff); else len64 and AppendUint64. Mind the boundaries:
	//     125 is 7-bit, 126 is 16-bit, 65535 is 16-bit, 65536 is 64-bit.
	//   - then the payload itself, unmasked.
	// Read docs/step5-pack.md, "Exercise", then run:
	//   go test -tags exercise ./step5-pack
	return nil
}
