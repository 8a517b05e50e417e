package websocket

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
)

// The frame header, RFC 6455 §5.2. Byte 0 is FIN, RSV1-3 and the opcode;
// byte 1 is MASK and a 7-bit length, 126 or 127 meaning that a 16- or 64-bit
// length follows; then the 4-byte masking key if MASK is set.
const (
	finalBit   = 1 << 7 // byte 0: the last frame of a message
	rsv1Bit    = 1 << 6 // byte 0: reserved for extensions; permessage-deflate's "compressed" (RFC 7692 §6)
	rsv2Bit    = 1 << 5
	rsv3Bit    = 1 << 4
	opcodeMask = 0x0f
	maskBit    = 1 << 7 // byte 1: a masking key follows the length
	lengthMask = 0x7f
	length16   = 126 // 7-bit length meaning "a 16-bit length follows"
	length64   = 127 // 7-bit length meaning "a 64-bit length follows"

	maxFrameHeaderSize         = 2 + 8 + 4 // fixed header + length + mask
	maxControlFramePayloadSize = 125       // §5.5
)

// Opcodes, §5.2: 0x3-0x7 and 0xB-0xF are reserved.
const (
	continuationFrame = 0x0
	textFrame         = 0x1
	binaryFrame       = 0x2
	closeFrame        = 0x8
	pingFrame         = 0x9
	pongFrame         = 0xa
)

// Close codes, RFC 6455 §7.4.1, and the IANA registry (§11.7). A close
// frame carries one; CloseNoStatus and CloseAbnormal are never sent: they
// describe a close frame without a code and a connection that ended without
// a close frame.
const (
	CloseNormal             = 1000
	CloseGoingAway          = 1001
	CloseProtocolError      = 1002
	CloseUnsupportedData    = 1003
	CloseNoStatus           = 1005
	CloseAbnormal           = 1006
	CloseInvalidPayload     = 1007
	ClosePolicyViolation    = 1008
	CloseMessageTooBig      = 1009
	CloseMandatoryExtension = 1010
	CloseInternalError      = 1011
	CloseServiceRestart     = 1012
	CloseTryAgainLater      = 1013
	CloseBadGateway         = 1014
)

var closeCodeNames = map[int]string{
	CloseNormal: "normal closure", CloseGoingAway: "going away", CloseProtocolError: "protocol error",
	CloseUnsupportedData: "unsupported data", CloseNoStatus: "no status code", CloseAbnormal: "abnormal closure",
	CloseInvalidPayload: "invalid payload data", ClosePolicyViolation: "policy violation",
	CloseMessageTooBig: "message too big", CloseMandatoryExtension: "mandatory extension",
	CloseInternalError: "internal error", CloseServiceRestart: "service restart",
	CloseTryAgainLater: "try again later", CloseBadGateway: "bad gateway",
}

// CloseCodeName says in words what a close code means: "going away" for
// 1001, "application-defined" for 3000-4999, "invalid" for a code no close
// frame may carry.
func CloseCodeName(code int) string {
	if name, ok := closeCodeNames[code]; ok {
		return name
	}
	if code >= 3000 && code <= 4999 {
		return "application-defined"
	}
	return "invalid"
}

// validCloseCode reports whether a close frame may carry code (§7.4): a
// registered code that can be sent, or 3000-4999 for libraries and apps.
func validCloseCode(code int) bool {
	_, registered := closeCodeNames[code]
	return registered && code != CloseNoStatus && code != CloseAbnormal || code >= 3000 && code <= 4999
}

// Errors for what breaks RFC 6455. message.go turns them into close codes in
// one place, closeCodeFor.
var (
	errReservedBits       = errors.New("websocket: RSV bit set, but no extension gives it a meaning (RFC 6455 §5.2, RFC 7692 §6)")
	errReservedOpcode     = errors.New("websocket: reserved opcode (RFC 6455 §5.2)")
	errControlTooLong     = errors.New("websocket: control frame payload longer than 125 bytes (RFC 6455 §5.5)")
	errControlFragmented  = errors.New("websocket: fragmented control frame (RFC 6455 §5.5)")
	errLengthTopBit       = errors.New("websocket: 64-bit payload length with the top bit set (RFC 6455 §5.2)")
	errUnmasked           = errors.New("websocket: client frame is not masked (RFC 6455 §5.1)")
	errMasked             = errors.New("websocket: server frame is masked (RFC 6455 §5.1)")
	errNothingToContinue  = errors.New("websocket: continuation frame, but no message to continue (RFC 6455 §5.4)")
	errMessageUnfinished  = errors.New("websocket: new data frame inside a fragmented message (RFC 6455 §5.4)")
	errInvalidUTF8        = errors.New("websocket: text message is not valid UTF-8 (RFC 6455 §8.1)")
	errMessageTooBig      = errors.New("websocket: message longer than the limit (Options.MaxMessage)")
	errClosePayload1Byte  = errors.New("websocket: close frame payload of 1 byte (RFC 6455 §5.5.1)")
	errInvalidCloseCode   = errors.New("websocket: invalid close code (RFC 6455 §7.4)")
	errInvalidCloseReason = errors.New("websocket: close reason is not valid UTF-8 (RFC 6455 §5.5.1)")
)

// frameHeader is one decoded frame header.
type frameHeader struct {
	fin    bool
	rsv    byte // the three RSV bits, where they sit in byte 0
	opcode byte
	masked bool
	length int64 // of the payload, in bytes
	key    [4]byte
}

// isControl reports whether opcode is close, ping or pong (§5.5).
func isControl(opcode byte) bool { return opcode&0x8 != 0 }

// readFrameHeader reads one frame header from r into buf (maxFrameHeaderSize
// bytes) and returns it decoded, with its bytes as they were on the wire. It
// checks what a header alone can break: RSV bits, opcodes, control frames and
// the 64-bit length. io.ReadFull reads exactly the declared sizes, however TCP
// cuts the stream: a read may hold half a header, or the next frame too.
func readFrameHeader(r io.Reader, buf []byte) (frameHeader, []byte, error) {
	var h frameHeader
	p := buf[:2]
	if _, err := io.ReadFull(r, p); err != nil {
		return h, nil, err
	}
	h.fin = p[0]&finalBit != 0
	h.rsv = p[0] & (rsv1Bit | rsv2Bit | rsv3Bit)
	h.opcode = p[0] & opcodeMask
	h.masked = p[1]&maskBit != 0
	h.length = int64(p[1] & lengthMask)
	n := 2
	switch h.length {
	case length16:
		n += 2
	case length64:
		n += 8
	}
	if h.masked {
		n += 4
	}
	p = buf[:n]
	if _, err := io.ReadFull(r, p[2:]); err != nil {
		return h, nil, noEOF(err)
	}
	rest := p[2:]
	switch h.length {
	case length16:
		h.length, rest = int64(binary.BigEndian.Uint16(rest)), rest[2:]
	case length64:
		if rest[0]&0x80 != 0 {
			return h, p, errLengthTopBit
		}
		h.length, rest = int64(binary.BigEndian.Uint64(rest)), rest[8:]
	}
	copy(h.key[:], rest)
	switch {
	// RSV1 may mean "compressed" on a data message's first frame, if
	// permessage-deflate was negotiated: the message layer decides (readData).
	case h.rsv&^rsv1Bit != 0, h.rsv != 0 && isControl(h.opcode):
		return h, p, errReservedBits
	case h.opcode > binaryFrame && h.opcode < closeFrame, h.opcode > pongFrame:
		return h, p, errReservedOpcode
	case isControl(h.opcode) && h.length > maxControlFramePayloadSize:
		return h, p, errControlTooLong
	case isControl(h.opcode) && !h.fin:
		return h, p, errControlFragmented
	}
	return h, p, nil
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF: a frame, once started, must end.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrameHeader appends the header of a final, unmasked frame (servers
// never mask, §5.1) with the shortest length encoding: the first half of the
// article's send_msg.
func appendFrameHeader(b []byte, opcode byte, length int) []byte {
	b = append(b, finalBit|opcode)
	switch {
	case length < length16:
		return append(b, byte(length))
	case length <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, length16), uint16(length))
	}
	return binary.BigEndian.AppendUint64(append(b, length64), uint64(length))
}

// rotate is the masking key for bytes that start at offset i of a payload:
// byte i is XORed with key[i%4] (§5.3).
func rotate(key [4]byte, i int) [4]byte {
	return [4]byte{key[i&3], key[(i+1)&3], key[(i+2)&3], key[(i+3)&3]}
}

// maskBytes XORs b with the masking key (§5.3: byte i with key[i%4]); masking
// and unmasking are the same. The article goes one byte at a time; here the
// key is repeated into a 64-bit word and eight bytes are done at once, many
// times faster (BenchmarkUnmask).
func maskBytes(key [4]byte, b []byte) {
	k32 := binary.LittleEndian.Uint32(key[:])
	k64 := uint64(k32) | uint64(k32)<<32
	i := 0
	for ; i+32 <= len(b); i += 32 { // four words per turn: fewer bounds checks
		v := b[i : i+32]
		binary.LittleEndian.PutUint64(v, binary.LittleEndian.Uint64(v)^k64)
		binary.LittleEndian.PutUint64(v[8:], binary.LittleEndian.Uint64(v[8:])^k64)
		binary.LittleEndian.PutUint64(v[16:], binary.LittleEndian.Uint64(v[16:])^k64)
		binary.LittleEndian.PutUint64(v[24:], binary.LittleEndian.Uint64(v[24:])^k64)
	}
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}
