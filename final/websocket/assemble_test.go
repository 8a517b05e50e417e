package websocket

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// The tests of the message layer (assemble.go), the exercise of final: on
// the stubs of assemble_exercise.go each one fails at once, saying so.

// startAssembler starts the tests' echo server and checks that the message
// layer is written: on the exercise's stubs, a test stops here with one line
// that says where to write it. A failure of the test skips the rest of the
// package in the exercise build (layerFailed).
func startAssembler(t *testing.T) string {
	t.Helper()
	_, addr, _ := startLayerServer(t, testServer())
	return addr
}

// wire is a sequence of client frames, built from (first byte, payload) pairs.
func wire(frames ...any) []byte {
	var b []byte
	for i := 0; i < len(frames); i += 2 {
		b = append(b, wstest.ClientFrame(frames[i].(byte), []byte(frames[i+1].(string)))...)
	}
	return b
}

func TestReadMessageReassemblesAndAnswers(t *testing.T) {
	addr := startAssembler(t)
	type reply struct {
		opcode  byte
		payload string
	}
	tests := []struct {
		name   string
		frames []byte
		want   []reply
		hint   string
	}{
		{"a fragmented message is reassembled", wire(byte(0x01), "Hel", byte(0x00), "l", byte(0x80), "o"),
			[]reply{{textFrame, "Hello"}}, "RFC 6455 §5.4: only FIN ends a message"},
		{"a fragmented binary message stays binary", wire(byte(0x02), "ab", byte(0x80), "cd"),
			[]reply{{binaryFrame, "abcd"}}, "RFC 6455 §5.4: the first fragment's opcode counts"},
		{"empty fragments are allowed", wire(byte(0x01), "", byte(0x00), "", byte(0x80), "x"),
			[]reply{{textFrame, "x"}}, "RFC 6455 §5.4"},
		{"a ping gets a pong with the same payload", wire(byte(0x89), "are you there?"),
			[]reply{{pongFrame, "are you there?"}}, "RFC 6455 §5.5.2"},
		{"an empty ping gets an empty pong", wire(byte(0x89), ""),
			[]reply{{pongFrame, ""}}, "RFC 6455 §5.5.2"},
		{"a ping between fragments is answered at once", wire(byte(0x01), "Hel", byte(0x89), "ping", byte(0x80), "lo"),
			[]reply{{pongFrame, "ping"}, {textFrame, "Hello"}}, "RFC 6455 §5.4: control frames may be injected between fragments"},
		{"an unsolicited pong is ignored", wire(byte(0x8a), "unasked", byte(0x81), "after"),
			[]reply{{textFrame, "after"}}, "RFC 6455 §5.5.3"},
		{"a pong between fragments is ignored", wire(byte(0x01), "a", byte(0x8a), "", byte(0x80), "b"),
			[]reply{{textFrame, "ab"}}, "RFC 6455 §5.5.3"},
		{"a code point split between fragments is fine", wire(byte(0x01), "\xe4\xbd", byte(0x80), "\xa0"),
			[]reply{{textFrame, "你"}}, "RFC 6455 §8.1: UTF-8 is checked on the whole message"},
		{"a 125-byte ping is allowed", wire(byte(0x89), strings.Repeat("p", 125)),
			[]reply{{pongFrame, strings.Repeat("p", 125)}}, "RFC 6455 §5.5: control payloads up to 125 bytes"},
		{"pipelined messages come back in order", wire(byte(0x81), "one", byte(0x82), "two", byte(0x81), "three"),
			[]reply{{textFrame, "one"}, {binaryFrame, "two"}, {textFrame, "three"}}, "one read may hold several frames"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wstest.Connect(t, addr)
			c.Write(tt.frames)
			for _, r := range tt.want {
				c.Expect(r.opcode, []byte(r.payload), tt.hint)
			}
		})
	}
}

func TestReadMessageAnswersTheCloseFrame(t *testing.T) {
	addr := startAssembler(t)
	tests := []struct {
		name    string
		payload []byte
		want    int
		hint    string
	}{
		{"1000 is echoed", wstest.ClosePayload(1000, "bye"), 1000, "RFC 6455 §5.5.1: reply with the code received"},
		{"1001 from a closing tab is echoed", wstest.ClosePayload(1001, ""), 1001, "RFC 6455 §5.5.1"},
		{"a private-use code is echoed", wstest.ClosePayload(4000, "mine"), 4000, "RFC 6455 §7.4.2: 4000-4999 are private use"},
		{"1012 is echoed", wstest.ClosePayload(1012, ""), 1012, "IANA registry, RFC 6455 §11.7"},
		{"an empty close gets an empty close", nil, 1005, "RFC 6455 §5.5.1: the body is optional"},
		{"a 1-byte payload is a protocol error", []byte{0x03}, 1002, "RFC 6455 §5.5.1: the code is 2 bytes"},
		{"code 999 is a protocol error", wstest.ClosePayload(999, ""), 1002, "RFC 6455 §7.4.1"},
		{"code 1004 is a protocol error", wstest.ClosePayload(1004, ""), 1002, "RFC 6455 §7.4.1: reserved"},
		{"code 1005 is a protocol error", wstest.ClosePayload(1005, ""), 1002, "RFC 6455 §7.4.1: never sent"},
		{"code 1006 is a protocol error", wstest.ClosePayload(1006, ""), 1002, "RFC 6455 §7.4.1: never sent"},
		{"code 1015 is a protocol error", wstest.ClosePayload(1015, ""), 1002, "RFC 6455 §7.4.1: never sent"},
		{"code 1016 is a protocol error", wstest.ClosePayload(1016, ""), 1002, "unassigned"},
		{"code 2999 is a protocol error", wstest.ClosePayload(2999, ""), 1002, "unassigned"},
		{"code 5000 is a protocol error", wstest.ClosePayload(5000, ""), 1002, "RFC 6455 §7.4.2: above 4999"},
		{"a reason that is not UTF-8 is 1007", wstest.ClosePayload(1000, "\xff\xfe"), 1007, "RFC 6455 §5.5.1: the reason is UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wstest.Connect(t, addr)
			c.Send(closeFrame, tt.payload)
			assert.Equal(t, tt.want, c.ExpectClose(tt.hint), tt.hint)
		})
	}
	echoWorks(t, addr)
}

func TestReadMessageChecksUTF8AcrossFragments(t *testing.T) {
	addr := startAssembler(t)
	tests := []struct {
		name   string
		frames []byte
		want   string // the echo, or "" for a close with 1007
	}{
		{"a code point split over three fragments", wire(byte(0x01), "\xf0\x9f", byte(0x00), "\x98", byte(0x80), "\x80"), "😀"},
		{"text over four fragments with a ping between", wire(byte(0x01), "你", byte(0x00), "\xe5", byte(0x89), "", byte(0x00), "\xa5", byte(0x80), "\xbd"), "你好"},
		{"a code point left unfinished by the last fragment", wire(byte(0x01), "ok", byte(0x00), "\xe4", byte(0x80), "\xbd"), ""},
		{"an invalid byte in the middle fragment", wire(byte(0x01), "ok", byte(0x00), "\xff", byte(0x80), "ok"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wstest.Connect(t, addr)
			c.Write(tt.frames)
			if tt.want == "" {
				assert.Equal(t, CloseInvalidPayload, c.ExpectClose("RFC 6455 §8.1"), "1007: the whole message must be UTF-8")
				return
			}
			for range strings.Count(string(tt.frames), "\x89") {
				c.Expect(pongFrame, nil, "the ping between fragments is answered at once")
			}
			c.Expect(textFrame, []byte(tt.want), "checked carries the UTF-8 check from one fragment to the next (RFC 6455 §8.1)")
		})
	}
}

func TestReadMessageRefusesBrokenSequences(t *testing.T) {
	addr := startAssembler(t)
	tests := []struct {
		name   string
		frames []byte
		hint   string
	}{
		{"a continuation with nothing to continue", wstest.ClientFrame(0x80, []byte("x")), "RFC 6455 §5.4"},
		{"a new text frame inside a fragmented message", append(wstest.ClientFrame(0x01, []byte("a")), wstest.ClientFrame(0x81, []byte("b"))...),
			"RFC 6455 §5.4: the fragments of one message may not be interleaved with another"},
		{"an unmasked frame", []byte{0x81, 0x02, 'h', 'i'}, "RFC 6455 §5.1: a client masks every frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wstest.Connect(t, addr)
			c.Write(tt.frames)
			assert.Equal(t, CloseProtocolError, c.ExpectClose(tt.hint), "1002 protocol error: %s", tt.hint)
		})
	}
}

// TestReadMessageMistakes looks for the mistakes learners make in the
// message layer, one case each. The client sends frames; the server's first
// frame must be want, and if it is looks instead, the failure names the
// mistake. A case with end also needs the connection to end that way, as the
// server logs it.
func TestReadMessageMistakes(t *testing.T) {
	startAssembler(t)
	closeFirst := func(c *Conn, _ *http.Request) error { // our close frame goes out before anything is read
		c.Close(CloseNormal, "bye")
		_, _, err := c.ReadMessage()
		return err
	}
	tests := []struct {
		mistake   string
		handler   func(*Conn, *http.Request) error // nil: the echo
		frames    []byte
		want      string // the server's first frame, as wstest.ServerFrame prints it
		looks     string // … as the mistake makes it
		end, hint string
	}{
		{"control frames sorted before the mask check", nil, []byte{0x89, 0x02, 'h', 'i'},
			`close 1002 ""`, `pong of 2 bytes "hi"`, "", "RFC 6455 §5.1: the server fails the connection on any unmasked frame, a ping too: check the mask first (docs/final.md, hint 2)"},
		{"checked passed as 0 on every fragment", nil, wire(byte(0x01), "checked ", byte(0x00), "carries ", byte(0x80), "over"),
			`text of 20 bytes "checked carries over"`, `close 1011 ""`, "", "pass on the checked readData returns: with 0 each fragment's UTF-8 check reads the whole message again (docs/final.md, hint 3)"},
		{"the first fragment ends the message", nil, wire(byte(0x01), "first ", byte(0x80), "last"),
			`text of 10 bytes "first last"`, `text of 6 bytes "first "`, "", "RFC 6455 §5.4: only the frame with FIN ends a message"},
		{"errCloseSent from the pong taken for an error", closeFirst, wire(byte(0x89), "crossed", byte(0x88), string(wstest.ClosePayload(CloseNormal, ""))),
			`close 1000 "bye"`, "", "WebSocket closed: the client closed: 1000",
			"RFC 6455 §5.5.1: after our close frame a ping gets no pong, and reading goes on to the client's close frame; sendMsg's errCloseSent says so and is no error (docs/final.md, hint 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			s := testServer()
			if tt.handler != nil {
				s.Handler = tt.handler
			}
			_, addr, out := serve(t, s)
			c := wstest.Connect(t, addr)
			c.Write(tt.frames)
			f, err := c.Read()
			switch got := f.String(); {
			case err != nil:
				t.Fatalf("got %v, want %s: %s", err, tt.want, tt.hint)
			case got == tt.looks:
				t.Fatalf("got %s, want %s: that is the mistake %q: %s", got, tt.want, tt.mistake, tt.hint)
			case got != tt.want:
				t.Fatalf("got %s, want %s: %s", got, tt.want, tt.hint)
			}
			if tt.end != "" {
				wstest.WaitForOutput(t, out, "WebSocket closed: ")
				if !strings.Contains(out.String(), tt.end) {
					t.Fatalf("the server logged %q, want %q: that is the mistake %q: %s", out.Tail(1), tt.end, tt.mistake, tt.hint)
				}
			}
		})
	}
}
