package main

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// packFrameExercise is this step's exercise: packFrame, in pack_exercise.go
// when built with -tags exercise.
var packFrameExercise = exercise{
	name:    "packFrame",
	file:    "step5-pack/pack_exercise.go",
	section: "docs/step5-pack.md § Exercise",
	test:    "TestPackFrame",
	stub:    func() bool { return len(packFrame(textFrame, []byte("Hello"))) == 0 },
	probe: func() string {
		// The frames the server sends in the server tests.
		for _, c := range []struct {
			opcode byte
			size   int
		}{{textFrame, 15}, {textFrame, 210}, {textFrame, 70010}, {closeFrame, 2}, {closeFrame, 0}} {
			payload := bytes.Repeat([]byte{'x'}, c.size)
			if !bytes.Equal(packFrame(c.opcode, payload), append(serverHeader(c.opcode, c.size), payload...)) {
				return fmt.Sprintf("it packs a %d-byte %s frame wrong", c.size, opcodeName(c.opcode))
			}
		}
		return ""
	},
}

const packHint = "docs/step5-pack.md § Exercise, RFC 6455 §5.2"

// serverHeader builds the header of a server frame by hand, FIN set, no
// mask, the shortest length, so the tests do not depend on the code they
// test.
func serverHeader(opcode byte, n int) []byte {
	switch {
	case n < 126:
		return []byte{0x80 | opcode, byte(n)}
	case n <= 0xffff:
		return []byte{0x80 | opcode, 126, byte(n >> 8), byte(n)}
	default:
		return []byte{0x80 | opcode, 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
}

// TestPackFrameMistakes looks for the mistakes the chapter warns about, one
// case each: a case fails only when the frame is wrong the way its mistake
// makes it (looks), naming the mistake. TestPackFrame checks everything
// else.
func TestPackFrameMistakes(t *testing.T) {
	notStub(t, packFrameExercise)
	tests := []struct {
		mistake string
		opcode  byte
		size    int
		looks   func(got []byte) bool
		hint    string
	}{
		{"the 7-bit length used for 126 bytes", binaryFrame, 126,
			func(got []byte) bool { return len(got) == 2+126 && got[1]&0x7f == 126 },
			"126 in byte 1 is the marker for a 16-bit length, not a length: 7 bits hold 0 … 125 (n < 126)"},
		{"a longer length than needed", textFrame, 5,
			func(got []byte) bool { return len(got) > 1 && got[1]&0x7f >= 126 },
			"RFC 6455 §5.2 requires the shortest form: up to 125 bytes the length is byte 1 itself"},
		{"the 16-bit length stopping at 65534", binaryFrame, 65535,
			func(got []byte) bool { return len(got) > 1 && got[1]&0x7f == 127 },
			"65535 (0xffff) still fits in 16 bits: the 16-bit form holds 126 … 65535 (n <= 0xffff)"},
		{"the 16-bit length used for 65536 bytes", binaryFrame, 65536,
			func(got []byte) bool { return len(got) > 1 && got[1]&0x7f == 126 },
			"65536 does not fit in 16 bits (uint16(65536) is 0): from 65536 on, 127 and 8 bytes"},
		{"a little-endian 16-bit length", binaryFrame, 256,
			func(got []byte) bool { return len(got) >= 4 && got[2] == 0x00 && got[3] == 0x01 },
			"256 is 01 00 on the wire: lengths are big-endian, network byte order (binary.BigEndian.AppendUint16)"},
		{"a little-endian 64-bit length", binaryFrame, 65536,
			func(got []byte) bool {
				return len(got) >= 10 && slices.Equal(got[2:10], []byte{0, 0, 1, 0, 0, 0, 0, 0})
			},
			"65536 is 00 00 00 00 00 01 00 00 on the wire: lengths are big-endian (binary.BigEndian.AppendUint64)"},
		{"a 32-bit length after 127", textFrame, 70000,
			func(got []byte) bool { return len(got) == 6+70000 && got[1]&0x7f == 127 },
			"127 is followed by 8 bytes of length, not 4 (the struct format Q, not I)"},
		{"the MASK bit set on a server frame", textFrame, 5,
			func(got []byte) bool { return len(got) > 1 && got[1]&maskBit != 0 },
			"a server must not mask (RFC 6455 §5.1): the top bit of byte 1 stays 0, and there is no key"},
		{"FIN missing", textFrame, 5,
			func(got []byte) bool { return len(got) > 0 && got[0]&finalBit == 0 },
			"each server frame holds a whole message: byte 0 is finalBit | opcode"},
		{"always 0x81, whatever the opcode", pongFrame, 5,
			func(got []byte) bool { return len(got) > 0 && got[0] == 0x81 },
			`the article's "\x81" is FIN plus the text opcode; packFrame takes the opcode as a parameter: finalBit | opcode`},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			payload := bytes.Repeat([]byte{'x'}, tt.size)
			got := packFrame(tt.opcode, payload)
			want := append(serverHeader(tt.opcode, tt.size), payload...)
			if diff := bytesDiffer(got, want); diff != "" && tt.looks(got) {
				t.Errorf("packFrame(%s, %d bytes): %s: that is the mistake \"%s\": %s",
					opcodeName(tt.opcode), tt.size, diff, tt.mistake, tt.hint)
			}
		})
	}
}

func TestPackFrame(t *testing.T) {
	notStub(t, packFrameExercise)
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
			if len(got) < len(tt.header) {
				t.Fatalf("packFrame(%s, %d bytes) returned %d bytes, want %d: the header alone is % x (%s)",
					opcodeName(tt.opcode), len(tt.payload), len(got), len(tt.header)+len(tt.payload), tt.header, packHint)
			}
			if diff := bytesDiffer(got[:len(tt.header)], tt.header); diff != "" {
				t.Errorf("packFrame(%s, %d bytes), the header: %s: FIN|opcode, then the length in the shortest form, never masked (%s)",
					opcodeName(tt.opcode), len(tt.payload), diff, packHint)
			}
			if diff := bytesDiffer(got[len(tt.header):], tt.payload); diff != "" {
				t.Errorf("packFrame(%s, %d bytes), after the header: %s: the payload follows the header as it is (%s)",
					opcodeName(tt.opcode), len(tt.payload), diff, packHint)
			}
		})
	}
}

func TestPackFrameIsReadFrameBackwards(t *testing.T) {
	notStub(t, packFrameExercise)
	for _, size := range []int{0, 1, 125, 126, 1000, 65535, 65536, 100000} {
		payload := bytes.Repeat([]byte{'x'}, size)
		packed := packFrame(textFrame, payload)
		f, err := readFrame(bytes.NewReader(packed), maxPayloadSize)
		if err != nil {
			t.Errorf("step 4's readFrame cannot read what packFrame packs for %d bytes (%s): %s (%s)",
				size, hexBytes(packed), errName(err, frameErrors), packHint)
			continue
		}
		if !f.fin || f.masked {
			t.Errorf("%d bytes: FIN=%d MASK=%d, want FIN=1 (a whole message) and MASK=0 (a server does not mask, RFC 6455 §5.1)",
				size, bit(f.fin), bit(f.masked))
		}
		if diff := bytesDiffer(f.payload, payload); diff != "" {
			t.Errorf("%d bytes packed and read back: %s (%s)", size, diff, packHint)
		}
	}
}
