package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// showBytesExercise is this step's exercise: showBytes, in show_exercise.go
// when built with -tags exercise.
var showBytesExercise = exercise{
	name:    "showBytes",
	file:    "step1-listen/show_exercise.go",
	section: "docs/step1-listen.md § Exercise",
	test:    "TestShowBytes",
	stub:    func() bool { return showBytes([]byte("GET")) == "" },
	probe: func() string {
		// What the server tests look for in the log.
		for _, c := range []struct{ in, want string }{
			{"GET /chatsocket HTTP/1.1\r\nUpgrade: websocket\r\n", "GET /chatsocket HTTP/1.1\\r\\n\nUpgrade: websocket\\r\\n\n"},
			{"\x00\xff\x81\x85", `\x00\xff\x81\x85`},
		} {
			if got := showBytes([]byte(c.in)); got != c.want {
				return fmt.Sprintf("it gets showBytes(%q) wrong", c.in)
			}
		}
		return ""
	},
}

const showHint = "docs/step1-listen.md § Exercise"

// TestShowBytesMistakes looks for the mistakes the chapter's hints warn
// about, one case each: wrong is what the mistake makes of data, and a case
// fails only when showBytes gives exactly that, naming the mistake.
// TestShowBytes checks everything else.
func TestShowBytesMistakes(t *testing.T) {
	notStub(t, showBytesExercise)
	tests := []struct {
		mistake string
		data    string
		want    string
		wrong   string
		hint    string
	}{
		{"ranging over runes, not bytes", "你", `\xe4\xbd\xa0`, `\x4f60`,
			"loop over the bytes (for _, c := range data): 你 is three bytes of UTF-8, each one shown as \\xNN"},
		{"no line break after \\n", "a\nb", "a\\n\nb", `a\nb`,
			`after the two characters \n comes a real line break, or a request is one long line`},
		{"\\r written as hex", "\r", `\r`, `\x0d`, `\r has its own escape, like \n and \t`},
		{"0x7f taken for printable", "\x7f", `\x7f`, "\x7f",
			"printable ends at '~' (0x7e); 0x7f is DEL, a control byte"},
		{"the space taken for unprintable", " ", " ", `\x20`, "printable starts at ' ' (0x20), the space itself"},
		{"upper-case hex digits", "\xfa", `\xfa`, `\xFA`, "%02x writes lower case, %02X upper case"},
		{"a hex digit missing", "\x05", `\x05`, `\x5`, "%02x pads to two digits; %x writes 5 alone"},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			if got := showBytes([]byte(tt.data)); got == tt.wrong && got != tt.want {
				t.Errorf("showBytes(%q) = %s, want %s: that is the mistake \"%s\": %s",
					tt.data, shown(got), shown(tt.want), tt.mistake, tt.hint)
			}
		})
	}
}

func TestShowBytes(t *testing.T) {
	notStub(t, showBytesExercise)
	tests := []struct {
		name string
		data string
		want string
		hint string // the rule the case checks
	}{
		{"printable text is shown as it is", "GET / HTTP/1.1", "GET / HTTP/1.1",
			"printable ASCII, ' ' to '~', is written as itself"},
		{"a line ends with a visible \\r\\n and a line break", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\\r\\n\n",
			`\r is written as the two characters \r; \n as \n and then a real line break`},
		{"the empty line that ends the head shows as \\r\\n on its own",
			"Host: a\r\n\r\n", "Host: a\\r\\n\n\\r\\n\n",
			`every \r\n gets its own \r\n and line break, the empty line's too`},
		{"a tab is shown as \\t", "a\tb", `a\tb`, `a tab is written as \t`},
		{"other bytes are two hex digits after \\x",
			"\x81\x85\x37\xfa\x21\x3d\x7f", `\x81\x857\xfa!=\x7f`,
			`any other byte is \x and two lower-case hex digits`},
		{"a zero byte is \\x00", "\x00", `\x00`, `always two hex digits`},
		{"nothing gives nothing", "", "", "no bytes, no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := showBytes([]byte(tt.data)); got != tt.want {
				t.Errorf("showBytes(%q) = %s, want %s: %s (%s)", tt.data, shown(got), shown(tt.want), tt.hint, showHint)
			}
		})
	}
}

// shown quotes what showBytes returned as it would print, with ↵ for a
// real line break and ⟨0xNN⟩ for any other control byte: %q would double
// every backslash.
func shown(s string) string {
	var b strings.Builder
	b.WriteByte('`')
	for _, c := range []byte(s) {
		switch {
		case c == '\n':
			b.WriteString("↵")
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(&b, "⟨0x%02x⟩", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('`')
	return b.String()
}

// The server tests that need this file's function come after its own tests, so
// that on the stub the first failure a learner reads is the function's own.

func TestServerPrintsTheRequestABrowserSends(t *testing.T) {
	needs(t, showBytesExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)

	_, err := conn.Write([]byte(articleRequest))
	require.NoError(t, err)

	const hint = "step1 prints every byte the client sends, lines ending in \\r\\n"
	waitForOutput(t, out, "connected", hint)
	waitForOutput(t, out, "GET /chatsocket HTTP/1.1\\r\\n", hint)
	waitForOutput(t, out, "Upgrade: websocket\\r\\n", hint)
	waitForOutput(t, out, "Sec-WebSocket-Key: mnwFxiOlctXFN/DeMt1Amg==\\r\\n", hint)
}

func TestServerPrintsBytesThatArriveInPieces(t *testing.T) {
	needs(t, showBytesExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)

	// TCP is a stream: the server sees whatever the network delivers, and must
	// not assume that one read holds one request.
	pieces := []struct{ sent, shown string }{
		{"GET /xx", "sent 7 bytes:\nGET /xx\n"},
		{"oo HTTP/1.1\r\n", "sent 13 bytes:\noo HTTP/1.1\\r\\n\n"},
	}
	for _, piece := range pieces {
		_, err := conn.Write([]byte(piece.sent))
		require.NoError(t, err)
		waitForOutput(t, out, piece.shown, "each chunk is printed as it arrives, with its size")
	}
}

func TestServerKeepsAcceptingAfterGarbage(t *testing.T) {
	needs(t, showBytesExercise)
	addr, out := startServer(t)
	garbage := dial(t, addr)
	_, err := garbage.Write([]byte{0x00, 0xff, 0x81, 0x85})
	require.NoError(t, err)
	waitForOutput(t, out, `\x00\xff\x81\x85`, "binary bytes are shown as hex")
	garbage.Close()

	next := dial(t, addr)
	_, err = next.Write([]byte(articleRequest))
	require.NoError(t, err)
	waitForOutput(t, out, "GET /chatsocket", "the server goes on after a bad client")
}
