package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// This step's exercises, in frame_exercise.go when built with -tags
// exercise: unmask and readFrame.
var (
	unmaskExercise = exercise{
		name:    "unmask",
		file:    "step4-unpack/frame_exercise.go",
		section: "docs/step4-unpack.md § Exercise",
		test:    "TestUnmask",
		stub: func() bool {
			p := []byte{0x7f, 0x9f}
			unmask(p, rfcKey)
			return bytes.Equal(p, []byte{0x7f, 0x9f})
		},
		probe: func() string {
			p := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
			if unmask(p, rfcKey); string(p) != "Hello" {
				return `it does not unmask the RFC 6455 §5.7 "Hello"`
			}
			return ""
		},
	}
	readFrameExercise = exercise{
		name:    "readFrame",
		file:    "step4-unpack/frame_exercise.go",
		section: "docs/step4-unpack.md § Exercise",
		test:    "TestReadFrame",
		stub: func() bool {
			_, err := readFrame(bytes.NewReader([]byte{0x81, 0x00}), maxPayloadSize)
			return err != nil && strings.Contains(err.Error(), stubMarker)
		},
		probe: func() string {
			// The frames the server tests send, one byte per read.
			for _, c := range []struct {
				about string
				input []byte
				want  frame
			}{
				{`the RFC 6455 §5.7 masked "Hello"`, clientFrame(textFrame, "Hello", rfcKey),
					frame{fin: true, opcode: textFrame, masked: true, payloadLen: 5, key: rfcKey, payload: []byte("Hello")}},
				{"a masked frame with a 16-bit length", clientFrame(textFrame, strings.Repeat("a", 200), rfcKey),
					frame{fin: true, opcode: textFrame, masked: true, payloadLen: len16, key: rfcKey, payload: []byte(strings.Repeat("a", 200))}},
				{"a masked frame with a 64-bit length", clientFrame(binaryFrame, strings.Repeat("b", 70000), rfcKey),
					frame{fin: true, opcode: binaryFrame, masked: true, payloadLen: len64, key: rfcKey, payload: []byte(strings.Repeat("b", 70000))}},
			} {
				f, err := readFrameSafely(iotest.OneByteReader(bytes.NewReader(c.input)), maxPayloadSize)
				if err != nil || frameDiffer(f, c.want) != "" {
					return "it gets " + c.about + ", sent one byte per read, wrong"
				}
			}
			for _, c := range []struct {
				input []byte
				want  error
			}{
				{nil, io.EOF},
				{[]byte{0x81, 0x85, 0x37, 0xfa}, io.ErrUnexpectedEOF},
				{[]byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, errFrameTooLarge},
			} {
				if _, err := readFrameSafely(bytes.NewReader(c.input), maxPayloadSize); !errors.Is(err, c.want) {
					return fmt.Sprintf("readFrame(% x) gives %s, not %s", c.input, errName(err, frameErrors), errName(c.want, frameErrors))
				}
			}
			return ""
		},
	}
)

const frameHint = "docs/step4-unpack.md § Exercise, RFC 6455 §5.2"

// frameErrors are the errors of frame_def.go, by name.
var frameErrors = map[error]string{errFrameTooLarge: "errFrameTooLarge", errBadLength: "errBadLength"}

// rfcKey is the masking key of the examples in RFC 6455 §5.7.
var rfcKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

func TestUnmask(t *testing.T) {
	notStub(t, unmaskExercise)
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
			if diff := bytesDiffer(payload, []byte(tt.want)); diff != "" {
				t.Errorf("unmask(% x, key % x): %s: byte i is XORed with key[i%%4] (%s, §5.3)", tt.masked, tt.key, diff, frameHint)
			}
		})
	}
	t.Run("masking twice gives the original back", func(t *testing.T) {
		payload := []byte("WebSocket详细解析")
		unmask(payload, rfcKey)
		if string(payload) == "WebSocket详细解析" {
			t.Fatalf("unmask changed nothing (%s, §5.3)", frameHint)
		}
		unmask(payload, rfcKey)
		if string(payload) != "WebSocket详细解析" {
			t.Errorf("unmask twice gives %q, want the original back: XOR with the same key is its own inverse (%s)", payload, frameHint)
		}
	})
}

// TestReadFrameMistakes looks for the mistakes the chapter warns about, one
// case each: a case fails only when the result is wrong the way its mistake
// makes it (looks), naming the mistake. TestReadFrame and
// TestReadFrameRejects check everything else.
func TestReadFrameMistakes(t *testing.T) {
	notStub(t, readFrameExercise)
	hello := frame{fin: true, opcode: textFrame, masked: true, payloadLen: 5, key: rfcKey, payload: []byte("Hello")}
	masked200 := frame{fin: true, opcode: textFrame, masked: true, payloadLen: len16, key: rfcKey, payload: bytes.Repeat([]byte{'a'}, 200)}
	big := bytes.Repeat([]byte{0xcd}, 65536)
	tests := []struct {
		mistake string
		input   []byte
		oneByte bool  // deliver the input one byte per Read
		want    frame // if wantErr is nil
		wantErr error
		looks   func(f frame, err error) bool
		hint    string
	}{
		{
			mistake: "a single Read for the payload",
			input:   append([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, big...),
			oneByte: true,
			want:    frame{fin: true, opcode: binaryFrame, payloadLen: len64, payload: big},
			looks: func(f frame, err error) bool {
				return err == nil && len(f.payload) > 0 && f.payload[0] == 0xcd && !bytes.Equal(f.payload, big)
			},
			hint: "one Read returns what has arrived (here 1 byte), not what you asked for: read each part with io.ReadFull",
		},
		{
			mistake: "a single Read for the header, the length or the key",
			input:   clientFrame(textFrame, strings.Repeat("a", 200), rfcKey),
			oneByte: true,
			want:    masked200,
			looks: func(f frame, err error) bool {
				partsWrong := err != nil || f.key != masked200.key || f.payloadLen != masked200.payloadLen || len(f.payload) != 200
				return partsWrong && worksInOneRead(clientFrame(textFrame, strings.Repeat("a", 200), rfcKey), masked200)
			},
			hint: "one Read returns what has arrived (here 1 byte), not what you asked for: read each part with io.ReadFull",
		},
		{
			mistake: "> 126 on byte 1 instead of == 127 on its 7 bits",
			input:   clientFrame(textFrame, "Hello", rfcKey),
			want:    hello,
			looks: func(f frame, err error) bool {
				return errors.Is(err, errFrameTooLarge) || errors.Is(err, errBadLength) || err == nil && f.payloadLen == len64
			},
			hint: "byte 1 of a masked frame is 0x80 or more, so byte1 > 126 holds for every one: take the 7 low bits (& payloadLenBits) and compare them with == 126 and == 127",
		},
		{
			mistake: "the MASK bit left in the length",
			input:   clientFrame(textFrame, "Hello", rfcKey),
			want:    hello,
			looks: func(f frame, err error) bool {
				return errors.Is(err, io.ErrUnexpectedEOF) || err == nil && f.payloadLen&maskBit != 0
			},
			hint: "byte 1 is MASK (the top bit) and the 7-bit length: the length is byte1 & payloadLenBits",
		},
		{
			mistake: "FIN and opcode read as one value",
			input:   []byte{0x81, 0x00},
			want:    frame{fin: true, opcode: textFrame, payload: []byte{}},
			looks:   func(f frame, err error) bool { return err == nil && f.opcode > opcodeBits },
			hint:    "FIN is the top bit of byte 0, a flag of its own; the opcode is the low 4 bits (byte0 & opcodeBits)",
		},
		{
			mistake: "FIN read as FIN plus a text opcode",
			input:   []byte{0x80, 0x02, 0x6c, 0x6f},
			want:    frame{fin: true, opcode: continuationFrame, payloadLen: 2, payload: []byte("lo")},
			looks:   func(f frame, err error) bool { return err == nil && !f.fin },
			hint:    "FIN is the top bit alone: the last fragment of a message has FIN=1 and opcode 0, continuation (RFC 6455 §5.4)",
		},
		{
			mistake: "the RSV bits dropped or moved",
			input:   []byte{0xc1, 0x00},
			want:    frame{fin: true, rsv: rsv1Bit, opcode: textFrame, payload: []byte{}},
			looks:   func(f frame, err error) bool { return err == nil && f.rsv != rsv1Bit },
			hint:    "rsv keeps RSV1-3 where they are in byte 0: byte0 & (rsv1Bit | rsv2Bit | rsv3Bit)",
		},
		{
			mistake: "the payload left masked",
			input:   clientFrame(textFrame, "Hello", rfcKey),
			want:    hello,
			looks: func(f frame, err error) bool {
				return err == nil && bytes.Equal(f.payload, []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58})
			},
			hint: "a masked payload comes XORed with the key: unmask it after reading it (RFC 6455 §5.3)" + unmaskNote(),
		},
		{
			mistake: "a key read from an unmasked frame",
			input:   []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
			want:    frame{fin: true, opcode: textFrame, payloadLen: 5, payload: []byte("Hello")},
			looks: func(f frame, err error) bool {
				return errors.Is(err, io.ErrUnexpectedEOF) || err == nil && f.key != [4]byte{}
			},
			hint: "the masking key is there only if MASK is set; an unmasked frame has the payload right after the length",
		},
		{
			mistake: "payloadLen set to the whole length",
			input:   clientFrame(textFrame, strings.Repeat("a", 200), rfcKey),
			want:    masked200,
			looks:   func(f frame, err error) bool { return err == nil && f.payloadLen == 200 },
			hint:    "payloadLen is the 7-bit field as sent, 126 here; the length itself is len(payload)",
		},
		{
			mistake: "a little-endian 16-bit length",
			input:   append([]byte{0x82, 0x7e, 0x01, 0x00}, bytes.Repeat([]byte{0xab}, 256)...),
			want:    frame{fin: true, opcode: binaryFrame, payloadLen: len16, payload: bytes.Repeat([]byte{0xab}, 256)},
			looks:   func(f frame, err error) bool { return err == nil && len(f.payload) == 1 },
			hint:    "01 00 is 256: lengths are big-endian, network byte order (binary.BigEndian.Uint16)",
		},
		{
			mistake: "a little-endian 64-bit length",
			input:   append([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, big...),
			want:    frame{fin: true, opcode: binaryFrame, payloadLen: len64, payload: big},
			looks:   func(_ frame, err error) bool { return errors.Is(err, errFrameTooLarge) },
			hint:    "00 00 00 00 00 01 00 00 is 65536: lengths are big-endian, network byte order (binary.BigEndian.Uint64)",
		},
		{
			mistake: "io.EOF in the middle of a frame passed on as io.EOF",
			input:   []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}, // the header and the key, then nothing
			wantErr: io.ErrUnexpectedEOF,
			looks:   func(_ frame, err error) bool { return err == io.EOF },
			hint:    "io.EOF means the stream ended before a frame; once the first byte is in, an end is io.ErrUnexpectedEOF (the helper unexpected turns one into the other)",
		},
		{
			mistake: "the top bit of the 64-bit length not checked",
			input:   []byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0x80}, // the top bit set either way round
			wantErr: errBadLength,
			looks:   func(_ frame, err error) bool { return errors.Is(err, errFrameTooLarge) },
			hint:    "a 64-bit length must have its top bit 0 (RFC 6455 §5.2): check it, before the limit, and answer errBadLength",
		},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(tt.input)
			how := ""
			if tt.oneByte {
				r, how = iotest.OneByteReader(r), ", one byte per read"
			}
			f, err := readFrameSafely(r, maxPayloadSize)
			var problem string
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				problem = fmt.Sprintf("%s, want %s", errName(err, frameErrors), errName(tt.wantErr, frameErrors))
			case tt.wantErr != nil:
				return
			case err != nil:
				problem = errName(err, frameErrors) + ", want a frame"
			default:
				problem = frameDiffer(f, tt.want)
			}
			if problem != "" && tt.looks(f, err) {
				t.Errorf("readFrame(%s)%s:\n%s\n        that is the mistake \"%s\": %s", hexBytes(tt.input), how, indent(problem), tt.mistake, tt.hint)
			}
		})
	}

	t.Run("the limit checked after allocating", func(t *testing.T) {
		// A header that claims 64 MiB, read with a limit of 1 MiB.
		input := []byte{0x82, 0x7f, 0, 0, 0, 0, 0x04, 0, 0, 0}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readFrameSafely(bytes.NewReader(input), 1<<20)
		runtime.ReadMemStats(&after)
		if allocated := after.TotalAlloc - before.TotalAlloc; allocated >= 64<<20 {
			t.Errorf("readFrame(% x), limit 1 MiB: %s after allocating %d MiB: that is the mistake \"the limit checked after allocating\": "+
				"compare the length with maxPayload before make([]byte, length), or a 10-byte header takes all the memory",
				input, errName(err, frameErrors), allocated>>20)
		}
	})
}

// unmaskNote adds to a hint that unmask is still the stub, if it is.
func unmaskNote() string {
	if unmaskExercise.stub() {
		return "; unmask is not written yet: see TestUnmask"
	}
	return ""
}

// worksInOneRead reports whether readFrame reads input right when it comes
// in one read: a mistake that shows only in pieces is a Read that should be
// io.ReadFull.
func worksInOneRead(input []byte, want frame) bool {
	f, err := readFrameSafely(bytes.NewReader(input), maxPayloadSize)
	return err == nil && frameDiffer(f, want) == ""
}

func TestReadFrame(t *testing.T) {
	notStub(t, readFrameExercise)
	hint := frameHint
	if unmaskExercise.stub() || unmaskExercise.probe() != "" {
		hint += "; unmask is not right yet (see TestUnmask), so masked payloads come out wrong too"
	}
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
		for i, rd := range splitReaders {
			passed := t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				how := rd.name
				if i > 0 {
					how += " (in one read it works: some part is read with one Read, not io.ReadFull)"
				}
				got, err := readFrameSafely(rd.wrap(bytes.NewReader(tt.input)), maxPayloadSize)
				if err != nil {
					t.Fatalf("readFrame(%s), %s: %s, want a frame (%s)", hexBytes(tt.input), how, errName(err, frameErrors), hint)
				}
				if diff := frameDiffer(got, tt.want); diff != "" {
					t.Errorf("readFrame(%s), %s:\n%s\n        (%s)", hexBytes(tt.input), how, indent(diff), hint)
				}
			})
			if i == 0 && !passed {
				break // cut in pieces, the same bytes would only fail again
			}
		}
	}
}

func TestReadFrameReadsFramesBackToBack(t *testing.T) {
	notStub(t, readFrameExercise)
	// Two frames in one TCP read: the article's recv(8096) would take both as
	// one payload. readFrame must take exactly one frame each time.
	stream := append(clientFrame(textFrame, "first", rfcKey), clientFrame(textFrame, "second", [4]byte{9, 8, 7, 6})...)
	r := bytes.NewReader(stream)
	for i, want := range []string{"first", "second"} {
		f, err := readFrameSafely(r, maxPayloadSize)
		if err != nil {
			t.Fatalf("frame %d of two back to back: %s, want %q (%s)", i+1, errName(err, frameErrors), want, frameHint)
		}
		if string(f.payload) != want {
			t.Fatalf("frame %d of two back to back: payload %s, want %q: each readFrame returns one whole frame, no more (%s)",
				i+1, short(string(f.payload)), want, frameHint)
		}
	}
	if _, err := readFrameSafely(r, maxPayloadSize); err != io.EOF {
		t.Errorf("after the last frame: %s, want io.EOF: the stream simply ends (%s)", errName(err, frameErrors), frameHint)
	}
}

func TestReadFrameRejects(t *testing.T) {
	notStub(t, readFrameExercise)
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"a stream that ends before the frame", nil, io.EOF},
		{"a stream that ends after one byte", []byte{0x81}, io.ErrUnexpectedEOF},
		{"a stream that ends in the 16-bit length", []byte{0x81, 0xfe, 0x01}, io.ErrUnexpectedEOF},
		{"a stream that ends after the header", []byte{0x81, 0x85}, io.ErrUnexpectedEOF},
		{"a stream that ends in the masking key", []byte{0x81, 0x85, 0x37, 0xfa}, io.ErrUnexpectedEOF},
		{"a stream that ends before the payload", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}, io.ErrUnexpectedEOF},
		{"a stream that ends in the payload", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f}, io.ErrUnexpectedEOF},
		{"a length beyond the limit, refused before reading it", []byte{0x82, 0xff, 0, 0, 0, 0, 0x10, 0, 0, 0}, errFrameTooLarge},
		{"a length of 2^63-1, refused without allocating", []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, errFrameTooLarge},
		{"a 64-bit length with its top bit set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5}, errBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := readFrameSafely(bytes.NewReader(tt.input), maxPayloadSize); !errors.Is(err, tt.want) {
				t.Errorf("readFrame(% x): %s, want %s (%s)", tt.input, errName(err, frameErrors), errName(tt.want, frameErrors), frameHint)
			}
		})
	}
}

// frameDiffer returns "" if got and want are the same frame, or one line
// per field that differs, saying where the field is on the wire.
func frameDiffer(got, want frame) string {
	var d []string
	if got.fin != want.fin {
		d = append(d, fmt.Sprintf("fin is %v, want %v: FIN is the top bit of byte 0", got.fin, want.fin))
	}
	if got.rsv != want.rsv {
		d = append(d, fmt.Sprintf("rsv is %#02x, want %#02x: RSV1-3 are the next three bits of byte 0, kept in place", got.rsv, want.rsv))
	}
	if got.opcode != want.opcode {
		d = append(d, fmt.Sprintf("opcode is %#x, want %#x: the opcode is the low 4 bits of byte 0", got.opcode, want.opcode))
	}
	if got.masked != want.masked {
		d = append(d, fmt.Sprintf("masked is %v, want %v: MASK is the top bit of byte 1", got.masked, want.masked))
	}
	if got.payloadLen != want.payloadLen {
		d = append(d, fmt.Sprintf("payloadLen is %d, want %d: the low 7 bits of byte 1, as sent", got.payloadLen, want.payloadLen))
	}
	if got.key != want.key {
		d = append(d, fmt.Sprintf("key is % x, want % x: the 4 bytes after the length, if MASK is set", got.key, want.key))
	}
	if diff := bytesDiffer(got.payload, want.payload); diff != "" {
		d = append(d, "payload: "+diff+" (unmasked, §5.3)")
	}
	return strings.Join(d, "\n")
}

// indent indents each line of a multi-line problem under its failure.
func indent(s string) string {
	return "        " + strings.ReplaceAll(s, "\n", "\n        ")
}

// readFrameSafely calls readFrame and turns a panic into an error, so that
// a make([]byte, length) with a huge length fails one test, not all of them.
func readFrameSafely(r io.Reader, maxPayload uint64) (f frame, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("readFrame panicked: %v", p)
		}
	}()
	return readFrame(r, maxPayload)
}
