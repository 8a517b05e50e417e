package main

import (
	"encoding/binary"
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
	var head [8]byte
	if _, err := io.ReadFull(r, head[:2]); err != nil {
		return frame{}, err
	}
	f := frame{
		fin:        head[0]&finalBit != 0,
		rsv:        head[0] & (rsv1Bit | rsv2Bit | rsv3Bit),
		opcode:     head[0] & opcodeBits,
		masked:     head[1]&maskBit != 0,
		payloadLen: head[1] & payloadLenBits,
	}
	length := uint64(f.payloadLen)
	switch f.payloadLen {
	case len16:
		if _, err := io.ReadFull(r, head[:2]); err != nil {
			return frame{}, unexpected(err)
		}
		length = uint64(binary.BigEndian.Uint16(head[:2]))
	case len64:
		if _, err := io.ReadFull(r, head[:8]); err != nil {
			return frame{}, unexpected(err)
		}
		length = binary.BigEndian.Uint64(head[:8])
		if length>>63 != 0 {
			return frame{}, errBadLength
		}
	}
	if length > maxPayload {
		return frame{}, errFrameTooLarge
	}
	if f.masked {
		if _, err := io.ReadFull(r, f.key[:]); err != nil {
			return frame{}, unexpected(err)
		}
	}
	f.payload = make([]byte, length)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return frame{}, unexpected(err)
	}
	if f.masked {
		unmask(f.payload, f.key)
	}
	return f, nil
}

// unmask XORs each payload byte with the masking key, byte i with key[i%4]
// (RFC 6455 §5.3). Masking and unmasking are the same operation. The mask
// is not encryption: the key travels in the clear, just before the payload.
// It only keeps a browser's bytes from looking like anything a proxy on the
// way might misread.
func unmask(payload []byte, key [4]byte) {
	for i := range payload {
		payload[i] ^= key[i%4]
	}
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF: once a frame has
// started, the end of the stream is an error.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
