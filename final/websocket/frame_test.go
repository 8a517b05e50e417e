package websocket

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readFrame reads one whole frame with the server's reader: the header, then
// the payload, unmasked.
func readFrame(r io.Reader) (frameHeader, []byte, error) {
	h, _, err := readFrameHeader(r, make([]byte, maxFrameHeaderSize))
	if err != nil {
		return h, nil, err
	}
	payload, _, err := readPayload(r, h, nil, 0, false)
	if err != nil {
		return h, nil, err
	}
	return h, payload, nil
}

// readers are the ways TCP may hand over the bytes: all at once, one byte
// per read, or half of what was asked each time.
var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"in one read", func(r io.Reader) io.Reader { return r }},
	{"one byte per read", iotest.OneByteReader},
	{"half per read", iotest.HalfReader},
	{"through bufio, one byte per read", func(r io.Reader) io.Reader { return bufio.NewReader(iotest.OneByteReader(r)) }},
	{"the header and one byte, then the rest", func(r io.Reader) io.Reader { return &splitReader{r: r, first: 3} }},
}

// splitReader hands over first bytes in its first read, then whatever is
// asked: a payload's pieces then start at an odd offset, where each piece
// needs the masking key turned (rotate).
type splitReader struct {
	r     io.Reader
	first int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if s.first > 0 {
		p = p[:min(len(p), s.first)]
		s.first -= len(p)
	}
	return s.r.Read(p)
}

func TestReadFrameDecodesTheRFCExamples(t *testing.T) {
	const hint = "RFC 6455 §5.7 gives these frames; read §5.2 for the layout"
	big256 := bytes.Repeat([]byte{0xab}, 256)
	big64k := bytes.Repeat([]byte{0xcd}, 65536)
	tests := []struct {
		name    string
		wire    []byte
		fin     bool
		opcode  byte
		masked  bool
		payload []byte
	}{
		{"a single-frame unmasked text message", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, true, textFrame, false, []byte("Hello")},
		{"a single-frame masked text message",
			[]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, true, textFrame, true, []byte("Hello")},
		{"the first fragment of a text message", []byte{0x01, 0x03, 0x48, 0x65, 0x6c}, false, textFrame, false, []byte("Hel")},
		{"the last fragment of a text message", []byte{0x80, 0x02, 0x6c, 0x6f}, true, continuationFrame, false, []byte("lo")},
		{"an unmasked ping", []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, true, pingFrame, false, []byte("Hello")},
		{"a masked pong", []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, true, pongFrame, true, []byte("Hello")},
		{"256 bytes of binary with a 16-bit length", append([]byte{0x82, 0x7e, 0x01, 0x00}, big256...), true, binaryFrame, false, big256},
		{"64 KiB of binary with a 64-bit length",
			append([]byte{0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}, big64k...), true, binaryFrame, false, big64k},
		// The companion article prints this as a "hello" from the browser. Its
		// opcode is 8: it is a Close frame with code 0x03e9 = 1001 (going away),
		// which a browser sends when the tab is refreshed or closed.
		{"the companion article's captured frame is a close with 1001",
			[]byte{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}, true, closeFrame, true, []byte{0x03, 0xe9}},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+", "+rd.name, func(t *testing.T) {
				h, payload, err := readFrame(rd.wrap(bytes.NewReader(tt.wire)))
				require.NoError(t, err, hint)
				assert.Equal(t, tt.fin, h.fin, "FIN: %s", hint)
				assert.Equal(t, tt.opcode, h.opcode, "opcode: %s", hint)
				assert.Equal(t, tt.masked, h.masked, "MASK: %s", hint)
				assert.Equal(t, int64(len(tt.payload)), h.length, "payload length: %s", hint)
				assert.True(t, bytes.Equal(tt.payload, payload), "payload: got %.20q want %.20q (%s)", payload, tt.payload, hint)
			})
		}
	}
}

func TestTheArticleFrameCarriesCloseCode1001(t *testing.T) {
	h, payload, err := readFrame(bytes.NewReader([]byte{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}))
	require.NoError(t, err)
	require.Equal(t, byte(closeFrame), h.opcode, "opcode 0x8 is close, not text (RFC 6455 §5.2)")
	require.Len(t, payload, 2)
	assert.Equal(t, CloseGoingAway, int(binary.BigEndian.Uint16(payload)), "the first two payload bytes are the close code (RFC 6455 §5.5.1)")
}

func TestReadFrameHeaderRefusesWhatAHeaderAloneBreaks(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"RSV1 on a control frame", []byte{0xc9, 0x80, 1, 2, 3, 4}, errReservedBits},
		{"RSV3 set without an extension", []byte{0x91, 0x80, 1, 2, 3, 4}, errReservedBits},
		{"reserved data opcode 0x3", []byte{0x83, 0x80, 1, 2, 3, 4}, errReservedOpcode},
		{"reserved control opcode 0xB", []byte{0x8b, 0x80, 1, 2, 3, 4}, errReservedOpcode},
		{"a ping longer than 125 bytes", []byte{0x89, 0xfe, 0x00, 0x7e, 1, 2, 3, 4}, errControlTooLong},
		{"a fragmented ping", []byte{0x09, 0x80, 1, 2, 3, 4}, errControlFragmented},
		{"a 64-bit length with the top bit set",
			[]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, errLengthTopBit},
		{"nothing at all is a clean end", []byte{}, io.EOF},
		{"a header cut after one byte", []byte{0x81}, io.ErrUnexpectedEOF},
		{"a header cut inside the masking key", []byte{0x81, 0x85, 0x37, 0xfa}, io.ErrUnexpectedEOF},
		{"a header cut inside the 64-bit length", []byte{0x82, 0xff, 0, 0, 0}, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+", "+rd.name, func(t *testing.T) {
				_, _, err := readFrameHeader(rd.wrap(bytes.NewReader(tt.wire)), make([]byte, maxFrameHeaderSize))
				assert.ErrorIs(t, err, tt.want, "RFC 6455 §5.2 and §5.5")
			})
		}
	}
}

func TestReadFrameHeaderAcceptsTheLargestLegalLength(t *testing.T) {
	wire := []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}
	h, _, err := readFrameHeader(bytes.NewReader(wire), make([]byte, maxFrameHeaderSize))
	require.NoError(t, err, "2^63-1 is a legal length (RFC 6455 §5.2); the limit is the message layer's")
	assert.Equal(t, int64(1<<63-1), h.length)
}

func TestAppendFrameHeaderUsesTheShortestLength(t *testing.T) {
	const hint = "RFC 6455 §5.2: 0-125 in 7 bits, up to 65535 after 126, else after 127"
	tests := []struct {
		name   string
		opcode byte
		length int
		want   []byte
	}{
		{"Hello fits in 7 bits", textFrame, 5, []byte{0x81, 0x05}},
		{"an empty message", binaryFrame, 0, []byte{0x82, 0x00}},
		{"125 is the largest 7-bit length", textFrame, 125, []byte{0x81, 0x7d}},
		{"126 needs the 16-bit length", textFrame, 126, []byte{0x81, 0x7e, 0x00, 0x7e}},
		{"256 bytes as in RFC 6455 §5.7", binaryFrame, 256, []byte{0x82, 0x7e, 0x01, 0x00}},
		{"65535 is the largest 16-bit length", binaryFrame, 65535, []byte{0x82, 0x7e, 0xff, 0xff}},
		{"64 KiB as in RFC 6455 §5.7", binaryFrame, 65536, []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0, 0}},
		{"a close frame", closeFrame, 2, []byte{0x88, 0x02}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendFrameHeader(nil, tt.opcode, tt.length)
			assert.Equal(t, tt.want, got, "got % x want % x (%s)", got, tt.want, hint)
		})
	}
}

// maskBytesRef is the article's loop: byte i XOR key[i%4].
func maskBytesRef(key [4]byte, b []byte) {
	for i := range b {
		b[i] ^= key[i%4]
	}
}

func TestMaskBytesMatchesTheByteLoop(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	data := make([]byte, 100)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for n := range len(data) {
		t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
			got := bytes.Clone(data[:n])
			want := bytes.Clone(data[:n])
			maskBytes(key, got)
			maskBytesRef(key, want)
			require.Equal(t, want, got, "byte i is XORed with key[i%%4] (RFC 6455 §5.3)")
		})
	}
}

func TestMaskBytesUnmasksTheRFCExample(t *testing.T) {
	p := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	maskBytes([4]byte{0x37, 0xfa, 0x21, 0x3d}, p)
	assert.Equal(t, "Hello", string(p), "RFC 6455 §5.7, masked Hello")
}

func TestValidCloseCode(t *testing.T) {
	tests := []struct {
		code int
		want bool
	}{
		{0, false}, {999, false}, {1000, true}, {1001, true}, {1002, true}, {1003, true},
		{1004, false}, {1005, false}, {1006, false}, {1007, true}, {1011, true},
		{1012, true}, {1014, true}, {1015, false}, {1016, false}, {2999, false},
		{3000, true}, {4999, true}, {5000, false}, {65535, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			assert.Equal(t, tt.want, validCloseCode(tt.code), "RFC 6455 §7.4.1 and §7.4.2")
		})
	}
}

func TestCloseCodeName(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{1000, "normal closure"}, {1001, "going away"}, {1013, "try again later"},
		{2999, "invalid"}, {3000, "application-defined"}, {4999, "application-defined"}, {5000, "invalid"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			assert.Equal(t, tt.want, CloseCodeName(tt.code), "what the logs call a close code (RFC 6455 §7.4)")
		})
	}
}
