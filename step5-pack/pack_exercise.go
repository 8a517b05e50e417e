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
	// TODO(exercise): return the whole frame, header and payload, as the
	// comment above says. The contract, which sendMsg relies on (it sends
	// the bytes with one Write and reads them back with step 4's readFrame):
	//   - byte 0 says "last fragment" and the given opcode, whatever it is;
	//   - the length takes the shortest of the three forms, big-endian, and
	//     the boundaries (125/126, 65535/65536) fall where the table says;
	//   - nothing is masked: a server frame has no MASK bit and no key;
	//   - the payload follows unchanged.
	// Read docs/step5-pack.md § Exercise (its hints open one at a time) and
	// § What the article does, RFC 6455 §5.1 and §5.2. Then run:
	//   go test -tags exercise ./step5-pack
	return nil
}
