package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const packHint = "see docs/step5-pack.md, \"Exercise\", and RFC 6455 §5.2"

func TestPackFrame(t *testing.T) {
	tests := []struct {
		name    string
		opcode  byte
		payload []byte
		header  []byte // the bytes before the payload
	}{
		{"RFC 6455 §5.7: an unmasked text frame, \"Hello\"", textFrame, []byte("Hello"), []byte{0x81, 0x05}},
		{"an empty text frame", textFrame, []byte{}, []byte{0x81, 0x00}},
		{"125 bytes still fit in 7 bits", binaryFrame, make([]byte, 125), []byte{0x82, 0x7d}},
		{"126 bytes need the 16-bit length", binaryFrame, make([]byte, 126), []byte{0x82, 0x7e, 0x00, 0x7e}},
		{"RFC 6455 §5.7: 256 bytes of binary", binaryFrame, make([]byte, 256), []byte{0x82, 0x7e, 0x01, 0x00}},
		{"65535 bytes still fit in 16 bits", binaryFrame, make([]byte, 65535), []byte{0x82, 0x7e, 0xff, 0xff}},
		{"RFC 6455 §5.7: 64 KiB need the 64-bit length", binaryFrame, make([]byte, 65536), []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}},
		{"a close frame with code 1000", closeFrame, []byte{0x03, 0xe8}, []byte{0x88, 0x02}},
		{"RFC 6455 §5.7: an unmasked pong", pongFrame, []byte("Hello"), []byte{0x8a, 0x05}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := packFrame(tt.opcode, tt.payload)
			require.GreaterOrEqual(t, len(got), len(tt.header), "packFrame returned %d bytes, too few for a header (%s)", len(got), packHint)
			assert.Equal(t, tt.header, got[:len(tt.header)], "the header: FIN|opcode, then the length in the shortest form, never masked (%s)", packHint)
			assert.Equal(t, tt.payload, got[len(tt.header):], "the payload follows the header as it is (%s)", packHint)
		})
	}
}

func TestPackFrameIsReadFrameBackwards(t *testing.T) {
	for _, size := range []int{0, 1, 125, 126, 1000, 65535, 65536, 100000} {
		payload := bytes.Repeat([]byte{'x'}, size)
		f, err := readFrame(bytes.NewReader(packFrame(textFrame, payload)), maxPayloadSize)
		require.NoError(t, err, "step 4's readFrame must read what packFrame packs (%d bytes; %s)", size, packHint)
		assert.True(t, f.fin, "a server frame holds a whole message: FIN=1")
		assert.False(t, f.masked, "a server must not mask (RFC 6455 §5.1)")
		assert.Equal(t, payload, f.payload, "%d bytes survive packing and unpacking (%s)", size, packHint)
	}
}
