//go:build exercise

package main

import (
	"errors"
	"io"
)

// readFrame reads one frame from r (RFC 6455 §5.2) and returns it with its
// payload unmasked:
//
//	byte 0: FIN, RSV1-3 and the 4-bit opcode
//	byte 1: MASK and the 7-bit payload length, where 126 means "a 16-bit
//	        length follows" and 127 "a 64-bit length follows"
//	then:   the extended length (0, 2 or 8 bytes, big-endian), the 4-byte
//	        masking key if MASK is set, and the payload.
//
// A frame may arrive in many TCP reads, or share one with the next frame, so
// readFrame reads each part with io.ReadFull, exactly as many bytes as the
// header announces, never "whatever one read returns" as the article's
// recv(8096) does.
//
// It returns io.EOF if r ends before the frame starts, io.ErrUnexpectedEOF if
// it ends in the middle of one, errBadLength for a 64-bit length with its top
// bit set, and errFrameTooLarge, before allocating anything, if the payload
// would be longer than maxPayload bytes.
func readFrame(r io.Reader, maxPayload uint64) (frame, error) {
	// TODO(exercise):
	//   1. io.ReadFull the first 2 bytes. Take fin, rsv, opcode from byte 0
	//      and masked, payloadLen from byte 1, with the bit constants in
	//      frame_def.go (finalBit, opcodeBits, maskBit, payloadLenBits …).
	//   2. payloadLen 126: io.ReadFull 2 more bytes, the length is
	//      binary.BigEndian.Uint16 of them; 127: 8 bytes and Uint64, and a
	//      length with its top bit set is errBadLength.
	//   3. A length over maxPayload is errFrameTooLarge: check it before
	//      you make([]byte, length), or a client can make you allocate 2^63.
	//   4. If masked, io.ReadFull the 4-byte key into f.key.
	//   5. io.ReadFull the payload, then unmask it.
	// After the first byte, io.EOF means the frame was cut short: return
	// io.ErrUnexpectedEOF (the helper unexpected does it).
	// Read docs/step4-unpack.md, "Exercise", then run:
	//   go test -tags exercise ./step4-unpack
	return frame{}, errors.New("readFrame is not written yet (the exercise TODO in frame_exercise.go)")
}

// unmask XORs each payload byte with the masking key, byte i with key[i%4]
// (RFC 6455 §5.3). Masking and unmasking are the same operation. The mask
// is not encryption: the key travels in the clear, just before the payload.
// It only keeps a browser's bytes from looking like anything a proxy on the
// way might misread.
func unmask(payload []byte, key [4]byte) {
	// TODO(exercise): for each index i, payload[i] ^= key[i%4].
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF: once a frame has
// started, the end of the stream is an error.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
