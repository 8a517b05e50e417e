package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const frameHint = "see docs/step4-unpack.md, \"Exercise\", and RFC 6455 §5.2"

// rfcKey is the masking key of the examples in RFC 6455 §5.7.
var rfcKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  frame
	}{
		{
			name:  "RFC 6455 §5.7: a masked text frame, \"Hello\"",
			input: []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
			want:  frame{fin: true, opcode: textFrame, masked: true, payloadLen: 5, key: rfcKey, payload: []byte("Hello")},
		},
		{
			name:  "RFC 6455 §5.7: an unmasked text frame, \"Hello\"",
			input: []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
			want:  frame{fin: true, opcode: textFrame, payloadLen: 5, payload: []byte("Hello")},
		},
		{
			name:  "RFC 6455 §5.7: the first fragment of \"Hello\" has FIN=0",
			input: []byte{0x01, 0x03, 0x48, 0x65, 0x6c},
			want:  frame{opcode: textFrame, payloadLen: 3, payload: []byte("Hel")},
		},
		{
			name:  "RFC 6455 §5.7: the last fragment is a continuation with FIN=1",
			input: []byte{0x80, 0x02, 0x6c, 0x6f},
			want:  frame{fin: true, opcode: continuationFrame, payloadLen: 2, payload: []byte("lo")},
		},
		{
			name:  "RFC 6455 §5.7: a masked ping",
			input: []byte{0x89, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
			want:  frame{fin: true, opcode: pingFrame, masked: true, payloadLen: 5, key: rfcKey, payload: []byte("Hello")},
		},
		{
			name:  "RFC 6455 §5.7: 256 bytes of binary with a 16-bit length",
			input: append([]byte{0x82, 0x7e, 0x01, 0x00}, bytes.Repeat([]byte{0xab}, 256)...),
			want:  frame{fin: true, opcode: binaryFrame, payloadLen: len16, payload: bytes.Repeat([]byte{0xab}, 256)},
		},
		{
			name:  "RFC 6455 §5.7: 64 KiB of binary with a 64-bit length",
			input: append([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, bytes.Repeat([]byte{0xcd}, 65536)...),
			want:  frame{fin: true, opcode: binaryFrame, payloadLen: len64, payload: bytes.Repeat([]byte{0xcd}, 65536)},
		},
		{
			name:  "the article's captured \"hello\" is really a close frame, code 1001",
			input: []byte{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83},
			want:  frame{fin: true, opcode: closeFrame, masked: true, payloadLen: 2, key: [4]byte{0x08, 0x6a, 0xe8, 0x00}, payload: []byte{0x03, 0xe9}},
		},
		{
			name:  "a masked frame with an empty payload",
			input: []byte{0x81, 0x80, 0x01, 0x02, 0x03, 0x04},
			want:  frame{fin: true, opcode: textFrame, masked: true, payloadLen: 0, key: [4]byte{1, 2, 3, 4}, payload: []byte{}},
		},
		{
			name:  "a masked 300-byte text frame, as a browser sends it",
			input: clientFrame(textFrame, strings.Repeat("websocket ", 30), rfcKey),
			want:  frame{fin: true, opcode: textFrame, masked: true, payloadLen: len16, key: rfcKey, payload: []byte(strings.Repeat("websocket ", 30))},
		},
		{
			name:  "RSV bits are read, not dropped",
			input: []byte{0xc1, 0x00},
			want:  frame{fin: true, rsv: rsv1Bit, opcode: textFrame, payload: []byte{}},
		},
	}
	for _, tt := range tests {
		for _, rd := range splitReaders {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				got, err := readFrame(rd.wrap(bytes.NewReader(tt.input)), maxPayloadSize)
				require.NoError(t, err, frameHint)
				assert.Equal(t, tt.want.fin, got.fin, "FIN is the top bit of byte 0 (%s)", frameHint)
				assert.Equal(t, tt.want.rsv, got.rsv, "RSV1-3 are the next three bits of byte 0 (%s)", frameHint)
				assert.Equal(t, tt.want.opcode, got.opcode, "the opcode is the low 4 bits of byte 0 (%s)", frameHint)
				assert.Equal(t, tt.want.masked, got.masked, "MASK is the top bit of byte 1 (%s)", frameHint)
				assert.Equal(t, tt.want.payloadLen, got.payloadLen, "payloadLen is the low 7 bits of byte 1 (%s)", frameHint)
				assert.Equal(t, tt.want.key, got.key, "the key is the 4 bytes after the length (%s)", frameHint)
				assert.Equal(t, tt.want.payload, got.payload, "the payload, unmasked (%s, §5.3)", frameHint)
			})
		}
	}
}

func TestReadFrameReadsFramesBackToBack(t *testing.T) {
	// Two frames in one TCP read: the article's recv(8096) would take both as
	// one payload. readFrame must take exactly one frame each time.
	stream := append(clientFrame(textFrame, "first", rfcKey), clientFrame(textFrame, "second", [4]byte{9, 8, 7, 6})...)
	r := bytes.NewReader(stream)
	for _, want := range []string{"first", "second"} {
		f, err := readFrame(r, maxPayloadSize)
		require.NoError(t, err, frameHint)
		assert.Equal(t, want, string(f.payload), "each readFrame returns one whole frame, no more (%s)", frameHint)
	}
	_, err := readFrame(r, maxPayloadSize)
	assert.ErrorIs(t, err, io.EOF, "after the last frame the stream simply ends")
}

func TestReadFrameRejects(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"a stream that ends before the frame", nil, io.EOF},
		{"a stream that ends after one byte", []byte{0x81}, io.ErrUnexpectedEOF},
		{"a stream that ends in the 16-bit length", []byte{0x81, 0xfe, 0x01}, io.ErrUnexpectedEOF},
		{"a stream that ends in the masking key", []byte{0x81, 0x85, 0x37, 0xfa}, io.ErrUnexpectedEOF},
		{"a stream that ends in the payload", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f}, io.ErrUnexpectedEOF},
		{"a length beyond the limit, refused before reading it", []byte{0x82, 0xff, 0, 0, 0, 0, 0x10, 0, 0, 0}, errFrameTooLarge},
		{"a length of 2^63-1, refused without allocating", []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, errFrameTooLarge},
		{"a 64-bit length with its top bit set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5}, errBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFrame(bytes.NewReader(tt.input), maxPayloadSize)
			assert.ErrorIs(t, err, tt.want, "readFrame(% x) (%s)", tt.input, frameHint)
		})
	}
}

func TestUnmask(t *testing.T) {
	tests := []struct {
		name   string
		masked []byte
		key    [4]byte
		want   string
	}{
		{"RFC 6455 §5.7: \"Hello\"", []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}, rfcKey, "Hello"},
		{"the key repeats every 4 bytes", []byte{0x71, 0x73, 0x71, 0x77, 0x71, 0x73, 0x71}, [4]byte{0x10, 0x11, 0x12, 0x13}, "abcdabc"},
		{"a zero key changes nothing", []byte("plain"), [4]byte{}, "plain"},
		{"nothing to unmask", []byte{}, rfcKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := append([]byte(nil), tt.masked...)
			unmask(payload, tt.key)
			assert.Equal(t, tt.want, string(payload), "byte i is XORed with key[i%%4] (%s, §5.3)", frameHint)
		})
	}
	t.Run("masking twice gives the original back", func(t *testing.T) {
		payload := []byte("WebSocket详细解析")
		unmask(payload, rfcKey)
		assert.NotEqual(t, "WebSocket详细解析", string(payload), "unmask must change the bytes (%s, §5.3)", frameHint)
		unmask(payload, rfcKey)
		assert.Equal(t, "WebSocket详细解析", string(payload), "XOR with the same key is its own inverse (%s)", frameHint)
	})
}
