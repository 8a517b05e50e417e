package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestDescribeFrame(t *testing.T) {
	needs(t, unmaskExercise) // describeFrame masks the payload again with unmask
	tests := []struct {
		name string
		f    frame
		want string
	}{
		{
			name: "RFC 6455 §5.7: the masked \"Hello\"",
			f:    frame{fin: true, opcode: textFrame, masked: true, payloadLen: 5, key: [4]byte{0x37, 0xfa, 0x21, 0x3d}, payload: []byte("Hello")},
			want: `frame in, 11 bytes on the wire (RFC 6455 §5.2):
  byte 0      1000 0001    FIN=1 (final fragment)  RSV1-3=000  opcode=0x1 (text)
  byte 1      1000 0101    MASK=1 (masked)  payload len=5 (7-bit length)
  bytes 2-5   37 fa 21 3d    masking key
  bytes 6-10  7f 9f 4d 51 58    payload, masked
              48 65 6c 6c 6f    payload, unmasked (byte i XOR key[i%4])
  text: "Hello"`,
		},
		{
			name: "the article's captured frame is a close with code 1001",
			f:    frame{fin: true, opcode: closeFrame, masked: true, payloadLen: 2, key: [4]byte{0x08, 0x6a, 0xe8, 0x00}, payload: []byte{0x03, 0xe9}},
			want: `frame in, 8 bytes on the wire (RFC 6455 §5.2):
  byte 0      1000 1000    FIN=1 (final fragment)  RSV1-3=000  opcode=0x8 (close)
  byte 1      1000 0010    MASK=1 (masked)  payload len=2 (7-bit length)
  bytes 2-5   08 6a e8 00    masking key
  bytes 6-7   0b 83    payload, masked
              03 e9    payload, unmasked (byte i XOR key[i%4])
  close code=1001 (going away) reason=""`,
		},
		{
			name: "a 16-bit length shows its extended length bytes",
			f:    frame{fin: true, opcode: binaryFrame, payloadLen: len16, payload: bytes.Repeat([]byte{0xab}, 256)},
			want: `frame in, 260 bytes on the wire (RFC 6455 §5.2):
  byte 0      1000 0010    FIN=1 (final fragment)  RSV1-3=000  opcode=0x2 (binary)
  byte 1      0111 1110    MASK=0 (not masked)  payload len=126 (16-bit length follows)
  bytes 2-3   01 00    extended payload length = 256
  bytes 4-259 ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab … (240 more bytes)    payload`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := textDiffer(describeFrame("in", tt.f), tt.want); diff != "" {
				t.Error(diff)
			}
		})
	}
	t.Run("a long text is cut after 64 bytes", func(t *testing.T) {
		long := frame{fin: true, opcode: textFrame, payloadLen: len16, payload: bytes.Repeat([]byte("x"), 1000)}
		want := `  text: "` + strings.Repeat("x", 64) + `" … (936 more bytes)`
		if got := describeFrame("in", long); !strings.Contains(got, want) {
			t.Errorf("the picture of a 1000-byte text has no line %q; its last line is %q", want, got[strings.LastIndex(got, "\n")+1:])
		}
	})
}

// textDiffer returns "" if got and want are the same text, or its first
// line that differs.
func textDiffer(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		switch {
		case i >= len(g):
			return fmt.Sprintf("%d lines, want %d: line %d, %q, is missing", len(g), len(w), i+1, w[i])
		case i >= len(w):
			return fmt.Sprintf("%d lines, want %d: line %d, %q, is one too many", len(g), len(w), i+1, g[i])
		case g[i] != w[i]:
			return fmt.Sprintf("line %d differs:\n  got:  %q\n  want: %q", i+1, g[i], w[i])
		}
	}
	return ""
}
