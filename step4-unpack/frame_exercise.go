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
	// TODO(exercise): return the next frame of r as the comment above
	// says. The contract, which readFrames and step 5 rely on:
	//   - each field of frame (frame_def.go) holds what the client sent:
	//     payloadLen as in byte 1 (126 and 127 included), rsv in its bit
	//     places, the payload unmasked;
	//   - exactly one frame is taken from r, however TCP cut the bytes:
	//     the next call starts at the next frame;
	//   - the errors are the ones listed above, and a client can never make
	//     you allocate more than maxPayload bytes.
	// Read docs/step4-unpack.md § Exercise (its hints open one at a time)
	// and § Where the article cuts corners, RFC 6455 §5.2 (the layout) and
	// §5.3 (masking). Then run:
	//   go test -tags exercise ./step4-unpack
	return frame{}, errors.New("readFrame is not written yet (the exercise TODO in frame_exercise.go)")
}

// unmask XORs each payload byte with the masking key, byte i with key[i%4]
// (RFC 6455 §5.3). Masking and unmasking are the same operation. The mask
// is not encryption: the key travels in the clear, just before the payload.
// It only keeps a browser's bytes from looking like anything a proxy on the
// way might misread.
func unmask(payload []byte, key [4]byte) {
	// TODO(exercise): unmask payload in place as the comment above says
	// (RFC 6455 §5.3); the example in §5.7 unmasks 7f 9f 4d 51 58 with the
	// key 37 fa 21 3d into "Hello".
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF: once a frame has
// started, the end of the stream is an error.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
