package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// The server tests that need this file's function come after its own tests, so
// that on the stub the first failure a learner reads is the function's own.

func TestServerAnswersEachTextFrame(t *testing.T) {
	needs(t, packFrameExercise)
	tests := []struct {
		name   string
		writes [][]byte
		want   []byte // the frame the server sends back
	}{
		{
			name:   "RFC 6455 §5.7: a masked \"Hello\" gets a 7-bit reply",
			writes: [][]byte{{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
			want:   append([]byte{0x81, 15}, "you said: Hello"...),
		},
		{
			name:   "a frame split over two TCP writes",
			writes: [][]byte{{0x81, 0x85, 0x37, 0xfa}, {0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
			want:   append([]byte{0x81, 15}, "you said: Hello"...),
		},
		{
			name:   "200 bytes get a reply with a 16-bit length",
			writes: [][]byte{clientFrame(textFrame, strings.Repeat("a", 200), rfcKey)},
			want:   append([]byte{0x81, 126, 0, 210}, "you said: "+strings.Repeat("a", 200)...),
		},
		{
			name:   "70000 bytes get a reply with a 64-bit length",
			writes: [][]byte{clientFrame(textFrame, strings.Repeat("b", 70000), rfcKey)},
			want:   append([]byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x7a}, "you said: "+strings.Repeat("b", 70000)...),
		},
		{
			name:   "the article's captured close frame gets a close 1001 back",
			writes: [][]byte{{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}},
			want:   []byte{0x88, 0x02, 0x03, 0xe9},
		},
		{
			name:   "a close frame with a 1-byte payload gets an empty close back (a 1-byte code is no code)",
			writes: [][]byte{clientFrame(closeFrame, "\x03", rfcKey)},
			want:   []byte{0x88, 0x00},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, out := startServer(t)
			conn, r := openSocket(t, addr)
			for _, w := range tt.writes {
				_, err := conn.Write(w)
				require.NoError(t, err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			got := make([]byte, len(tt.want))
			_, err := io.ReadFull(r, got)
			require.NoErrorf(t, err, "the server must send back a whole frame (docs/step5-pack.md); its last lines:\n%s", tail{out})
			if diff := bytesDiffer(got, tt.want); diff != "" {
				t.Errorf("the reply frame: %s: FIN|opcode, the shortest length, no mask (RFC 6455 §5.2)", diff)
			}
			waitForOutput(t, out, "sent a frame back:\nframe out", "the server prints what it sent")
			waitForOutput(t, out, "MASK=0 (not masked)", "server frames are never masked (RFC 6455 §5.1)")
		})
	}
}

func TestServerClosesAfterAnsweringClose(t *testing.T) {
	needs(t, packFrameExercise)
	addr, out := startServer(t)
	conn, r := openSocket(t, addr)
	_, err := conn.Write(clientFrame(closeFrame, "\x03\xe8", rfcKey))
	require.NoError(t, err)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply, err := io.ReadAll(r)
	require.NoErrorf(t, err, "after its close frame the server closes the TCP connection; its last lines:\n%s", tail{out})
	if diff := bytesDiffer(reply, []byte{0x88, 0x02, 0x03, 0xe8}); diff != "" {
		t.Errorf("the server's answer to a close: %s: a close frame with the same code, then nothing", diff)
	}
	waitForOutput(t, out, "close answered; closing the connection", "the server says why it hangs up")
}

func TestServerDropsAClientThatDoesNotRead(t *testing.T) {
	needs(t, packFrameExercise)
	// The tests do not run in parallel, so this one may shorten the timeout.
	defaultTimeout := writeTimeout
	writeTimeout = 100 * time.Millisecond
	t.Cleanup(func() { writeTimeout = defaultTimeout })

	addr, out := startServer(t)
	conn, _ := openSocket(t, addr)
	// Send big frames and never read the replies. Once they fill the socket
	// buffers the server's Write waits; the server then stops reading, and
	// these writes wait too, which is why they run in their own goroutine.
	// They end when the connection is closed.
	go func() {
		frame := clientFrame(textFrame, strings.Repeat("x", 60000), rfcKey)
		for {
			if _, err := conn.Write(frame); err != nil {
				return
			}
		}
	}()
	waitForOutput(t, out, "the client is not reading; closing",
		"a write deadline drops a client that does not read its replies (docs/step5-pack.md)")

	// The server has hung up: reading what it sent ends at once, with EOF or
	// a reset, instead of waiting.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	var netErr net.Error
	assert.False(t, errors.As(err, &netErr) && netErr.Timeout(),
		"after a write times out the server closes the connection (docs/step5-pack.md); reading got %v", err)
}

func TestServerReadsAFrameSentOneByteAtATime(t *testing.T) {
	needs(t, packFrameExercise)
	addr, out := startServer(t)
	conn, _ := openSocket(t, addr)
	for _, b := range clientFrame(textFrame, "slow", rfcKey) {
		_, err := conn.Write([]byte{b})
		require.NoError(t, err)
	}
	waitForOutput(t, out, `text: "you said: slow"`, "a frame arriving one byte per TCP segment is still one frame")
}

func TestServerPrintsAFrameThatCameWithTheRequest(t *testing.T) {
	needs(t, packFrameExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)
	// A client may send its first frame right behind the request, in the same
	// TCP segment: the bytes readHead buffered past the head must not be lost.
	_, err := conn.Write([]byte(articleRequest + string(clientFrame(textFrame, "eager", rfcKey))))
	require.NoError(t, err)
	waitForOutput(t, out, `text: "you said: eager"`, "the frame after the head is decoded, not dropped")
}

func TestServerSurvivesBadFrames(t *testing.T) {
	needs(t, packFrameExercise)
	tests := []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"a frame cut short", []byte{0x81, 0x85, 0x37, 0xfa}, "unexpected EOF"},
		{"a frame claiming 2^63-1 bytes", []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, errFrameTooLarge.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, out := startServer(t)
			conn, _ := openSocket(t, addr)
			_, err := conn.Write(tt.bytes)
			require.NoError(t, err)
			conn.(*net.TCPConn).CloseWrite()
			waitForOutput(t, out, tt.want, "bad input is reported, not a crash")

			next, _ := openSocket(t, addr)
			_, err = next.Write(clientFrame(textFrame, "still here", rfcKey))
			require.NoError(t, err)
			waitForOutput(t, out, `text: "you said: still here"`, "the server goes on serving other clients")
		})
	}
}
