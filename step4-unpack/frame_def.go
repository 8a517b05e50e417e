package main

import "errors"

// The bits of the first two bytes of a frame (RFC 6455 §5.2).
const (
	finalBit       = 1 << 7 // byte 0: FIN, the last frame of a message
	rsv1Bit        = 1 << 6 // byte 0: reserved for extensions
	rsv2Bit        = 1 << 5
	rsv3Bit        = 1 << 4
	opcodeBits     = 0x0f   // byte 0: the low 4 bits are the opcode
	maskBit        = 1 << 7 // byte 1: MASK, the payload is masked
	payloadLenBits = 0x7f   // byte 1: the low 7 bits are the payload length
)

// The 7-bit payload length has two values that mean "look further"
// (RFC 6455 §5.2).
const (
	len16 = 126 // a 16-bit length follows
	len64 = 127 // a 64-bit length follows
)

// Opcodes (RFC 6455 §5.2, §11.8).
const (
	continuationFrame = 0x0
	textFrame         = 0x1
	binaryFrame       = 0x2
	closeFrame        = 0x8
	pingFrame         = 0x9
	pongFrame         = 0xa
)

// maxPayloadSize is the largest payload this step reads. The length field
// could announce up to 2^63-1 bytes; allocating what a client claims would let
// it take all the memory with a 10-byte header.
const maxPayloadSize = 1 << 20

// frame is one WebSocket frame as it came off the wire.
type frame struct {
	fin        bool    // FIN: this is the last frame of its message
	rsv        byte    // RSV1-3, in their bit positions; 0 unless an extension is agreed
	opcode     byte    // what the payload is: text, binary, close, ping, pong or continuation
	masked     bool    // MASK: the payload came masked with key
	payloadLen byte    // the 7-bit length as sent: the length itself, or len16 or len64
	key        [4]byte // the masking key, if masked
	payload    []byte  // the payload, unmasked
}

var (
	errFrameTooLarge = errors.New("frame payload larger than the limit")
	errBadLength     = errors.New("64-bit payload length with the top bit set")
)
