package websocket

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// picture parses wire as one frame and draws it.
func picture(t *testing.T, direction string, wire []byte) string {
	t.Helper()
	r := bytes.NewReader(wire)
	h, raw, err := readFrameHeader(r, make([]byte, maxFrameHeaderSize))
	require.NoError(t, err)
	payload := wire[len(raw):]
	require.Len(t, payload, int(h.length))
	return describe(direction, h, raw, payload).String()
}

func TestDumpFrame(t *testing.T) {
	const hint = "the -v picture must match step 4's layout (docs/step4-unpack.md, RFC 6455 §5.2)"
	tests := []struct {
		name      string
		direction string
		wire      []byte
		want      string
	}{
		{"the RFC's masked Hello", "in", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, "" +
			"frame in, 11 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      1000 0001    FIN=1 (final fragment)  RSV1-3=000  opcode=0x1 (text)\n" +
			"  byte 1      1000 0101    MASK=1 (masked)  payload len=5 (7-bit length)\n" +
			"  bytes 2-5   37 fa 21 3d    masking key\n" +
			"  bytes 6-10  7f 9f 4d 51 58    payload, masked\n" +
			"              48 65 6c 6c 6f    payload, unmasked (byte i XOR key[i%4])\n" +
			"  text: \"Hello\"\n"},
		{"the server's Hello", "out", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, "" +
			"frame out, 7 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      1000 0001    FIN=1 (final fragment)  RSV1-3=000  opcode=0x1 (text)\n" +
			"  byte 1      0000 0101    MASK=0 (not masked)  payload len=5 (7-bit length)\n" +
			"  bytes 2-6   48 65 6c 6c 6f    payload\n" +
			"  text: \"Hello\"\n"},
		{"the companion article's close frame", "in", []byte{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}, "" +
			"frame in, 8 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      1000 1000    FIN=1 (final fragment)  RSV1-3=000  opcode=0x8 (close)\n" +
			"  byte 1      1000 0010    MASK=1 (masked)  payload len=2 (7-bit length)\n" +
			"  bytes 2-5   08 6a e8 00    masking key\n" +
			"  bytes 6-7   0b 83    payload, masked\n" +
			"              03 e9    payload, unmasked (byte i XOR key[i%4])\n" +
			"  close code=1001 (going away) reason=\"\"\n"},
		{"a first fragment", "out", []byte{0x01, 0x02, 'h', 'i'}, "" +
			"frame out, 4 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      0000 0001    FIN=0 (more fragments follow)  RSV1-3=000  opcode=0x1 (text)\n" +
			"  byte 1      0000 0010    MASK=0 (not masked)  payload len=2 (7-bit length)\n" +
			"  bytes 2-3   68 69    payload\n" +
			"  text: \"hi\"\n"},
		{"a pong with one byte", "out", []byte{0x8a, 0x01, 'x'}, "" +
			"frame out, 3 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      1000 1010    FIN=1 (final fragment)  RSV1-3=000  opcode=0xa (pong)\n" +
			"  byte 1      0000 0001    MASK=0 (not masked)  payload len=1 (7-bit length)\n" +
			"  byte 2      78    payload\n" +
			"  payload: \"x\"\n"},
		{"256 bytes of binary with a 16-bit length", "out", append([]byte{0x82, 0x7e, 0x01, 0x00}, make([]byte, 256)...), "" +
			"frame out, 260 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      1000 0010    FIN=1 (final fragment)  RSV1-3=000  opcode=0x2 (binary)\n" +
			"  byte 1      0111 1110    MASK=0 (not masked)  payload len=126 (16-bit length follows)\n" +
			"  bytes 2-3   01 00    extended payload length = 256\n" +
			"  bytes 4-259 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 … (240 more bytes)    payload\n"},
		{"64 KiB with a 64-bit length", "out", append([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, make([]byte, 65536)...), "" +
			"frame out, 65546 bytes on the wire (RFC 6455 §5.2):\n" +
			"  byte 0      1000 0010    FIN=1 (final fragment)  RSV1-3=000  opcode=0x2 (binary)\n" +
			"  byte 1      0111 1111    MASK=0 (not masked)  payload len=127 (64-bit length follows)\n" +
			"  bytes 2-9   00 00 00 00 00 01 00 00    extended payload length = 65536\n" +
			"  bytes 10-65545 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 … (65520 more bytes)    payload\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, picture(t, tt.direction, tt.wire), hint)
		})
	}
}

func TestDumpFrameNamesTheCloseCode(t *testing.T) {
	payload := binary.BigEndian.AppendUint16(nil, CloseProtocolError)
	got := picture(t, "out", append([]byte{0x88, 0x02}, payload...))
	assert.Contains(t, got, "close code=1002 (protocol error) reason=\"\"\n", "RFC 6455 §7.4.1")
}

// describeWire parses wire as one frame and describes it.
func describeWire(t *testing.T, direction string, wire []byte) Description {
	t.Helper()
	h, raw, err := readFrameHeader(bytes.NewReader(wire), make([]byte, maxFrameHeaderSize))
	require.NoError(t, err)
	return describe(direction, h, raw, wire[len(raw):])
}

func TestDescribeTakesTheRFCExamplesApart(t *testing.T) {
	const hint = "RFC 6455 §5.7 gives these frames; §5.2 names their fields (docs/final.md, the frame view)"
	masked := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	tests := []struct {
		name string
		wire []byte
		want Description
	}{
		{"a single-frame unmasked text message", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, Description{
			Direction: "in", WireSize: 7, Byte0: "1000 0001", Byte1: "0000 0101", Fin: true, RSV: "000", Opcode: 1, OpcodeName: "text",
			Length7: 5, Encoding: "7-bit", Length: 5, Payload: "bytes 2-6", Wire: "48 65 6c 6c 6f", Plain: "48 65 6c 6c 6f", Text: "Hello"}},
		{"a single-frame masked text message", masked, Description{
			Direction: "in", WireSize: 11, Byte0: "1000 0001", Byte1: "1000 0101", Fin: true, RSV: "000", Opcode: 1, OpcodeName: "text",
			Masked: true, Length7: 5, Encoding: "7-bit", Length: 5, KeyBytes: "bytes 2-5", Key: "37 fa 21 3d",
			Payload: "bytes 6-10", Wire: "7f 9f 4d 51 58", Plain: "48 65 6c 6c 6f", Text: "Hello"}},
		{"the first fragment of a fragmented message", []byte{0x01, 0x03, 0x48, 0x65, 0x6c}, Description{
			Direction: "in", WireSize: 5, Byte0: "0000 0001", Byte1: "0000 0011", RSV: "000", Opcode: 1, OpcodeName: "text",
			Length7: 3, Encoding: "7-bit", Length: 3, Payload: "bytes 2-4", Wire: "48 65 6c", Plain: "48 65 6c", Text: "Hel"}},
		{"its last fragment", []byte{0x80, 0x02, 0x6c, 0x6f}, Description{
			Direction: "in", WireSize: 4, Byte0: "1000 0000", Byte1: "0000 0010", Fin: true, RSV: "000", Opcode: 0, OpcodeName: "continuation",
			Length7: 2, Encoding: "7-bit", Length: 2, Payload: "bytes 2-3", Wire: "6c 6f", Plain: "6c 6f"}},
		{"a masked pong", append([]byte{0x8a}, masked[1:]...), Description{
			Direction: "in", WireSize: 11, Byte0: "1000 1010", Byte1: "1000 0101", Fin: true, RSV: "000", Opcode: 0xa, OpcodeName: "pong",
			Masked: true, Length7: 5, Encoding: "7-bit", Length: 5, KeyBytes: "bytes 2-5", Key: "37 fa 21 3d",
			Payload: "bytes 6-10", Wire: "7f 9f 4d 51 58", Plain: "48 65 6c 6c 6f", Text: "Hello"}},
		{"256 bytes of binary take the 16-bit length", append([]byte{0x82, 0x7e, 0x01, 0x00}, make([]byte, 256)...), Description{
			Direction: "in", WireSize: 260, Byte0: "1000 0010", Byte1: "0111 1110", Fin: true, RSV: "000", Opcode: 2, OpcodeName: "binary",
			Length7: 126, Encoding: "16-bit", ExtBytes: "bytes 2-3", ExtLength: "01 00", Length: 256, Payload: "bytes 4-259",
			Wire: "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Plain: "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", HexMore: 240}},
		{"64 KiB take the 64-bit length", append([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, make([]byte, 65536)...), Description{
			Direction: "in", WireSize: 65546, Byte0: "1000 0010", Byte1: "0111 1111", Fin: true, RSV: "000", Opcode: 2, OpcodeName: "binary",
			Length7: 127, Encoding: "64-bit", ExtBytes: "bytes 2-9", ExtLength: "00 00 00 00 00 01 00 00", Length: 65536, Payload: "bytes 10-65545",
			Wire: "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Plain: "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", HexMore: 65520}},
		{"the article's captured frame is a close with 1001", []byte{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}, Description{
			Direction: "in", WireSize: 8, Byte0: "1000 1000", Byte1: "1000 0010", Fin: true, RSV: "000", Opcode: 8, OpcodeName: "close",
			Masked: true, Length7: 2, Encoding: "7-bit", Length: 2, KeyBytes: "bytes 2-5", Key: "08 6a e8 00",
			Payload: "bytes 6-7", Wire: "0b 83", Plain: "03 e9", CloseCode: 1001, CloseName: "going away"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, describeWire(t, "in", tt.wire), hint)
		})
	}
}

func TestDescriptionSpeaksJSONForThePage(t *testing.T) {
	d := describeWire(t, "in", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	b, err := json.Marshal(d)
	require.NoError(t, err)
	for _, want := range []string{`"fin":true`, `"opcode":1`, `"masked":true`, `"key":"37 fa 21 3d"`, `"plain":"48 65 6c 6c 6f"`, `"encoding":"7-bit"`} {
		assert.Contains(t, string(b), want, "the page reads these names (final/page.html)")
	}
}
