package chatroom

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// Opcodes as the tests write them on the wire (RFC 6455 §5.2).
const (
	textFrame   = 0x1
	binaryFrame = 0x2
	closeFrame  = 0x8
	pingFrame   = 0x9
	pongFrame   = 0xa
)

// startChat runs the chat server on a free port for the length of the test
// and returns its address and everything it logs; a cfg without a rate
// gets the flags' default rate and burst.
func startChat(t testing.TB, maxMessage int64, cfg Config) (string, *wstest.SyncBuffer) {
	t.Helper()
	out := &wstest.SyncBuffer{}
	s := NewServer(out, &cfg)
	if maxMessage != 0 {
		s.MaxMessage = maxMessage
	}
	return wstest.Start(t, s), out
}

// member is a raw client in the room.
type member struct{ *wstest.Client }

// enter joins the room as name.
func enter(t testing.TB, addr, name string) member {
	t.Helper()
	return member{wstest.ConnectPath(t, addr, "/chat?name="+name)}
}

// line reads the next text message the room sends, answering pings on the
// way as a browser does.
func (m member) line() (string, error) {
	for {
		f, err := m.Read()
		switch {
		case err != nil:
			return "", err
		case f.Opcode == pingFrame:
			_, err = m.Conn.Write(wstest.ClientFrame(0x80|pongFrame, f.Payload))
			if err != nil {
				return "", err
			}
		case f.Opcode != textFrame:
			return "", fmt.Errorf("the room sent opcode %#x, want text (0x1)", f.Opcode)
		default:
			return string(f.Payload), nil
		}
	}
}

// waitFull reads lines until the room says that n are here.
func (m member) waitFull(t testing.TB, n int) {
	t.Helper()
	for {
		line, err := m.line()
		require.NoError(t, err, "waiting for %d in the room", n)
		if strings.HasPrefix(line, "* ") && strings.HasSuffix(line, fmt.Sprintf(" joined (%d here)", n)) {
			return
		}
	}
}

// waitLine reads lines until one equals want.
func (m member) waitLine(t testing.TB, want, hint string) {
	t.Helper()
	var seen []string
	for {
		got, err := m.line()
		require.NoError(t, err, "waiting for %q (%s); last lines: %q", want, hint, seen[max(0, len(seen)-5):])
		if got == want {
			return
		}
		seen = append(seen, got)
	}
}

// nextMessage requires the next line that is not the room's news to be want.
func (m member) nextMessage(t testing.TB, want, hint string) {
	t.Helper()
	for {
		got, err := m.line()
		require.NoError(t, err, "waiting for %.40q (%s)", want, hint)
		if !strings.HasPrefix(got, "* ") {
			require.Equal(t, want, got, hint)
			return
		}
	}
}

func TestConfigCheckRefusesWhatCannotWork(t *testing.T) {
	good := Config{Queue: 1024, History: 20, Rate: 5, Burst: 20, MaxWait: 500 * time.Millisecond}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // in the error; "" for none
	}{
		{"the flags' defaults", func(*Config) {}, ""},
		{"no queue", func(c *Config) { c.Queue = 0 }, "-queue must be at least 1"},
		{"history as long as the queue", func(c *Config) { c.History = c.Queue }, "more than -history"},
		{"no rate", func(c *Config) { c.Rate = 0 }, "-rate must be more than 0"},
		{"no burst", func(c *Config) { c.Burst = 0 }, "-burst at least 1"},
		{"a negative -max-wait", func(c *Config) { c.MaxWait = -time.Second }, "-max-wait must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			err := cfg.Check()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want, "a flag's value the room cannot work with is refused at start, with the flag named (docs/chat.md)")
		})
	}
}

func TestEveryoneGetsEveryMessageInOrder(t *testing.T) {
	const clients, messages = 30, 20
	// MaxWait: a test machine too loaded for the room to take each line
	// within half a second must not make it shed the lines this test counts.
	addr, _ := startChat(t, 0, Config{Queue: 1024, History: 20, MaxWait: time.Hour})
	members := make([]member, clients)
	for i := range members {
		members[i] = enter(t, addr, fmt.Sprintf("c%d", i))
	}
	// Everyone is in once the last one's arrival reached the first.
	members[0].waitFull(t, clients)

	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for i, m := range members {
		wg.Go(func() { // the sender: its text, with a quote and a colon, must arrive unchanged
			for j := range messages {
				m.Conn.Write(wstest.ClientFrame(0x80|textFrame, fmt.Appendf(nil, `says "%d: %d"`, i, j)))
			}
		})
		wg.Go(func() { // the receiver: all 600, each sender's in the order sent
			next := make([]int, clients)
			for got := 0; got < clients*messages; {
				line, err := m.line()
				if err != nil {
					errs <- fmt.Errorf("c%d after %d messages: %w", i, got, err)
					return
				}
				var from, k, n int
				if _, err := fmt.Sscanf(line, `c%d: says "%d: %d"`, &from, &k, &n); err != nil || strings.HasPrefix(line, "* ") {
					continue // the room's own news
				}
				if from != k || n != next[from] {
					errs <- fmt.Errorf("c%d got %q after %d messages of c%d: each sender's messages come in order", i, line, next[from], from)
					return
				}
				next[from]++
				got++
			}
		})
	}
	wg.Wait()
	close(errs)
	if err, failed := <-errs; failed {
		t.Errorf("every client receives every message (docs/chat.md): %v (and %d more clients failed)", err, len(errs))
	}
}

func TestJoinAndLeaveAreAnnounced(t *testing.T) {
	addr, out := startChat(t, 0, Config{Queue: 64, History: 20})
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "a newcomer hears of its own arrival")
	bob := enter(t, addr, "bob")
	alice.waitLine(t, "* bob joined (2 here)", "everyone hears who joins")
	bob.Send(closeFrame, wstest.ClosePayload(websocket.CloseNormal, "bye"))
	bob.SkipToClose("the room answers a close frame")
	alice.waitLine(t, "* bob left (1 here)", "everyone hears who leaves")
	wstest.WaitForOutput(t, out, "bob joined the room (2 here)")
}

func TestJoinsAtOnceAreAnnouncedTogether(t *testing.T) {
	addr, out := startChat(t, 0, Config{Queue: 64, History: 20, newsWindow: time.Hour, newsPause: time.Hour}) // the window ends when something else happens
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "the first newcomer in a while is announced at once")
	for _, name := range []string{"bob", "carol", "dave", "erin"} {
		enter(t, addr, name)
		wstest.WaitForOutput(t, out, name+" joined the room")
	}
	alice.Send(textFrame, []byte("welcome"))
	for _, want := range []string{"* bob, carol, dave and 1 other joined (5 here)", "alice: welcome"} {
		got, err := alice.line()
		require.NoError(t, err)
		assert.Equal(t, want, got, "newcomers within a join window are one line, told before anything else happens (docs/chat.md#joins-at-scale)")
	}
}

func TestNewsIsToldWhenTheJoinsPause(t *testing.T) {
	addr, _ := startChat(t, 0, Config{Queue: 64, History: 20, newsWindow: time.Hour, newsPause: newsPause}) // only a pause ends the window
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "the first newcomer in a while is announced at once")
	enter(t, addr, "bob")
	alice.waitLine(t, "* bob joined (2 here)", "the news held is told once the joins pause (newsPause), not only when the window ends (docs/chat.md#joins-at-scale)")
}

func TestNewsIsToldWhenItsWindowEnds(t *testing.T) {
	addr, _ := startChat(t, 0, Config{Queue: 64, History: 20, newsWindow: 100 * time.Millisecond, newsPause: time.Hour}) // only the window's end tells the news
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "the first newcomer in a while is announced at once")
	for i, name := range []string{"bob", "carol"} {
		enter(t, addr, name)
		alice.waitLine(t, fmt.Sprintf("* %s joined (%d here)", name, i+2), "news held is told at the latest when its window ends (newsWindow), even while more keeps coming (docs/chat.md#joins-at-scale)")
	}
}

func TestLeavesAtOnceAreAnnouncedTogether(t *testing.T) {
	addr, out := startChat(t, 0, Config{Queue: 64, History: 20, newsWindow: time.Hour, newsPause: time.Hour}) // the window ends when something else happens
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "the first newcomer in a while is announced at once")
	var others []member
	for _, name := range []string{"bob", "carol", "dave", "erin"} {
		others = append(others, enter(t, addr, name))
		wstest.WaitForOutput(t, out, name+" joined the room")
	}
	for _, m := range others {
		m.Send(closeFrame, wstest.ClosePayload(websocket.CloseNormal, "bye"))
		m.SkipToClose("the room answers a close frame")
	}
	wstest.WaitUntil(t, "the room has seen the four leave", func() (bool, string) {
		return strings.Count(out.String(), "WebSocket closed") == len(others), out.Tail(3)
	})
	frank := enter(t, addr, "frank")
	wstest.WaitForOutput(t, out, "frank joined the room")
	alice.Send(textFrame, []byte("welcome"))
	for _, want := range []string{"* bob, carol, dave and 1 other joined (5 here)", "* bob, carol, dave and 1 other left (1 here)", "* frank joined (2 here)", "alice: welcome"} {
		got, err := alice.line()
		require.NoError(t, err)
		assert.Equal(t, want, got, "news held in a window is one line for the joins, one for the leaves, in the order they happened (docs/chat.md#joins-at-scale)")
	}
	for _, want := range []string{"* frank joined (2 here)", "alice: welcome"} {
		got, err := frank.line()
		require.NoError(t, err)
		assert.Equal(t, want, got, "a newcomer hears of nobody who left before it came (docs/chat.md#joins-at-scale)")
	}
}

func TestNewsLine(t *testing.T) {
	for _, tc := range []struct {
		name, server, event string
		names               []string
		want                string
	}{
		{"one newcomer", "", Joined, []string{"a"}, "* a joined (9 here)"},
		{"two", "", Joined, []string{"a", "b"}, "* a and b joined (9 here)"},
		{"three, all named", "", Joined, []string{"a", "b", "c"}, "* a, b and c joined (9 here)"},
		{"one more than are named", "", Joined, []string{"a", "b", "c", "d"}, "* a, b, c and 1 other joined (9 here)"},
		{"many", "", Joined, []string{"a", "b", "c", "d", "e"}, "* a, b, c and 2 others joined (9 here)"},
		{"one leaves", "", Left, []string{"a"}, "* a left (9 here)"},
		{"many leave", "", Left, []string{"a", "b", "c", "d", "e"}, "* a, b, c and 2 others left (9 here)"},
		{"one on another server", "s2", Joined, []string{"a"}, "* a@s2 joined (9 on s2)"},
		{"many on another server", "s2", Left, []string{"a", "b", "c", "d"}, "* a@s2, b@s2, c@s2 and 1 other left (9 on s2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, string(newsLine(kind{tc.server, tc.event}, tc.names, 9)), "docs/chat.md#joins-at-scale")
		})
	}
}

func TestNewcomerGetsTheLastMessages(t *testing.T) {
	addr, _ := startChat(t, 0, Config{Queue: 64, History: 2})
	alice := enter(t, addr, "alice")
	for _, text := range []string{"one", "two", "three"} {
		alice.Send(textFrame, []byte(text))
		alice.waitLine(t, "alice: "+text, "the sender gets its own message too")
	}
	bob := enter(t, addr, "bob")
	for _, want := range []string{"alice: two", "alice: three", "* bob joined (2 here)"} {
		got, err := bob.line()
		require.NoError(t, err)
		assert.Equal(t, want, got, "a newcomer gets the last -history messages, then its own arrival")
	}
}

func TestNamesAreCleanAndUnique(t *testing.T) {
	addr, _ := startChat(t, 0, Config{Queue: 64, History: 20})
	enter(t, addr, "carol").waitLine(t, "* carol joined (1 here)", "a plain name is kept")
	tests := []struct {
		name, asked, want string
	}{
		{"a taken name gets a number", "carol", "carol-2"},
		{"no name makes a guest", "", "guest-1"},
		{"a colon cannot fake a message line", "eve%3A%20hi", "eve hi"},
		{"a star cannot fake the room's news", "%2A%20admin", "admin"},
		{"nor two stars", "%2A%20%2A%20eve", "eve"},
		{"a right-to-left override is dropped", "bob%E2%80%AEevil", "bobevil"},
		{"a newline cannot start a new line", "mal%0Alory", "mallory"},
		{"a long name is cut", strings.Repeat("n", 40), strings.Repeat("n", maxName)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := enter(t, addr, tt.asked)
			for {
				line, err := m.line()
				require.NoError(t, err)
				if strings.HasPrefix(line, "* ") && strings.Contains(line, " joined (") {
					assert.Equal(t, tt.want, strings.TrimPrefix(line[:strings.Index(line, " joined (")], "* "), "the name the room gave")
					return
				}
			}
		})
	}
}

func TestBadInputClosesOnlyThatClient(t *testing.T) {
	addr, out := startChat(t, 64, Config{Queue: 64, History: 20})
	tests := []struct {
		name   string
		opcode byte
		text   []byte
		want   int
		hint   string
	}{
		{"a binary message is 1003", binaryFrame, []byte{1, 2, 3}, websocket.CloseUnsupportedData, "the room takes text only (RFC 6455 §7.4.1)"},
		{"a message over -max-message is 1009", textFrame, bytes.Repeat([]byte("x"), 65), websocket.CloseMessageTooBig, "RFC 6455 §7.4.1"},
		{"invalid UTF-8 is 1007", textFrame, []byte("bad \xff"), websocket.CloseInvalidPayload, "RFC 6455 §8.1"},
		{"a line break is 1008", textFrame, []byte("hi\nalice: my new password is hunter2"), websocket.ClosePolicyViolation, "a message is one line (docs/chat.md#the-wire-format)"},
		{"a carriage return and line feed is 1008", textFrame, []byte("hi\r\n* alice left (1 here)"), websocket.ClosePolicyViolation, "a message is one line (docs/chat.md#the-wire-format)"},
		{"a right-to-left override is 1008", textFrame, []byte("hi \u202eecila"), websocket.ClosePolicyViolation, "no bidirectional controls in a message (docs/chat.md#the-wire-format)"},
	}
	alice := enter(t, addr, "alice")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := enter(t, addr, "mallory")
			bad.Send(tt.opcode, tt.text)
			assert.Equal(t, tt.want, bad.SkipToClose(tt.hint), tt.hint)
			alice.Send(textFrame, []byte("still here"))
			alice.waitLine(t, "alice: still here", "the room goes on after a bad client")
		})
	}
	wstest.WaitForOutput(t, out, "mallory sent a binary message; closing with 1003 (unsupported data)")
	wstest.WaitForOutput(t, out, " sent U+000A in a message; closing with 1008 (policy violation)") // mallory or, if the last one is not out yet, mallory-2
}

func TestSlowClientIsDisconnected(t *testing.T) {
	out := &wstest.SyncBuffer{}
	s := NewServer(out, &Config{Queue: 16, History: 0, Rate: 1e6, Burst: 1e6}) // the talker says hundreds of lines a second
	s.MaxMessage = 8192
	s.WriteTimeout = time.Second // the slow client's writer, stuck, gives up after a second, not ten
	addr := wstest.Start(t, s)
	enter(t, addr, "slow") // reads nothing from here on
	wstest.WaitForOutput(t, out, "slow joined the room (1 here)")
	talker := enter(t, addr, "talker")
	talker.waitLine(t, "* talker joined (2 here)", "both are in")
	// The talker says 4 KiB at a time and waits for each to come back: it
	// is never behind, while the slow client's socket and queue fill up.
	text := strings.Repeat("a", 4000)
	deadline := time.Now().Add(wstest.WaitFor)
	for i, left := 0, false; !left; i++ {
		require.True(t, time.Now().Before(deadline), "the slow client was never disconnected; the server's last lines:\n%s", out.Tail(5))
		msg := fmt.Sprintf("talker: %d %s", i, text)
		talker.Send(textFrame, []byte(msg[len("talker: "):]))
		for line := ""; line != msg; {
			var err error
			line, err = talker.line()
			require.NoError(t, err)
			left = left || line == "* slow left (1 here)"
			require.True(t, line == msg || left && strings.HasPrefix(line, "* "),
				"a fast client gets every message, in order, while another one stalls: got %.40q, want %.40q", line, msg)
		}
	}
	wstest.WaitForOutput(t, out, "slow reads too slowly (16 messages waiting); closing with 1008 (policy violation)")
	wstest.WaitForOutput(t, out, "WebSocket closed: ")
	talker.Send(textFrame, []byte("after"))
	talker.nextMessage(t, "talker: after", "the room goes on")
}

func TestAFlooderIsDroppedAndItsReadersAreNot(t *testing.T) {
	addr, out := startChat(t, 0, Config{Queue: 16, History: 0, Rate: 5, Burst: 10})
	honest := enter(t, addr, "honest")
	honest.waitLine(t, "* honest joined (1 here)", "the honest reader is in")
	flooder := enter(t, addr, "flooder")
	go func() { // the flooder reads all it is sent: only its sending breaks the rules
		for {
			if _, err := flooder.line(); err != nil {
				return
			}
		}
	}()
	// 40 MB of chat, written as fast as the socket takes it; the honest
	// reader reads none of it until the flooder is done.
	text := strings.Repeat("f", 4000)
	flood := wstest.ClientFrame(0x80|textFrame, []byte(text))
	for range 10000 {
		if _, err := flooder.Conn.Write(flood); err != nil {
			break // the room hung up on it
		}
	}
	// The honest reader gets every line the room passed on, then the news.
	for said := 0; ; {
		line, err := honest.line()
		require.NoError(t, err, "the honest reader was dropped after %d of the flooder's lines: the room must drop the sender (docs/chat.md#the-rate-limit)", said)
		if line == "* flooder left (1 here)" {
			break
		}
		require.Contains(t, []string{"* flooder joined (2 here)", "flooder: " + text}, line, "only the flooder's arrival and lines come first")
		if line != "* flooder joined (2 here)" {
			said++
		}
	}
	wstest.WaitForOutput(t, out, "flooder sends too fast (over 5 messages a second after a burst of 10); closing with 1008 (policy violation)")
	honest.Send(textFrame, []byte("still here"))
	honest.nextMessage(t, "honest: still here", "the room goes on for the honest reader")
}

func TestLookAlikeNamesCannotPassForAMember(t *testing.T) {
	tests := []struct {
		name, asked, want string
	}{
		{"a combining grapheme joiner after it is dropped", "alice\u034f", "alice-2"},
		{"an emoji variation selector is dropped", "alice\ufe0f", "alice-2"},
		{"a Mongolian variation selector is dropped", "alice\u180b", "alice-2"},
		{"a Khmer inherent vowel is dropped", "alice\u17b4", "alice-2"},
		{"an ideographic variation selector is dropped", "alice\U000e0100", "alice-2"},
		{"a zero-width joiner is dropped", "ali\u200dce", "alice-2"},
		{"a Hangul filler alone makes a guest", "\u3164", "guest-1"},
		{"a Cyrillic a among Latin letters makes a guest", "\u0430lice", "guest-1"},
		{"a Cyrillic es among Latin letters makes a guest", "ali\u0441e", "guest-1"},
		{"a Greek alpha among Latin letters makes a guest", "\u03b1lice", "guest-1"},
		{"an all-Cyrillic look-alike is the same name", "\u0430\u04cf\u0456\u0441\u0435", "\u0430\u04cf\u0456\u0441\u0435-2"},
		{"capitals are the same name", "ALICE", "ALICE-2"},
		{"a capital I is an l", "aIice", "aIice-2"},
		{"a one is an l", "a1ice", "a1ice-2"},
		{"a dotless i is an l", "al\u0131ce", "al\u0131ce-2"},
		{"fullwidth letters are the same name", "\uff41\uff4c\uff49\uff43\uff45", "\uff41\uff4c\uff49\uff43\uff45-2"},
		{"two spaces are one", "alice  bob", "alice bob"},
		{"a decomposed accent on a Latin letter makes a guest", "Jose\u0301", "guest-1"},
		{"mathematical letters make a guest", "\U0001d41a\U0001d425\U0001d422\U0001d41c\U0001d41e", "guest-1"},
		{"a symbol makes a guest", "alice\u2603", "guest-1"},
		{"a precomposed accent is kept", "Jos\u00e9", "Jos\u00e9"},
		{"a Chinese name is kept", "王小明", "王小明"},
		{"a Russian name is kept", "Алиса", "Алиса"},
		{"Latin with Han is kept", "Tom 张", "Tom 张"},
		{"a Hindi name keeps its vowel signs", "अनुपमा", "अनुपमा"},
		{"a hyphen, a dot and an apostrophe are kept", "o'hara-smith.jr", "o'hara-smith.jr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := startChat(t, 0, Config{Queue: 64, History: 20})
			enter(t, addr, "alice").waitLine(t, "* alice joined (1 here)", "alice is in the room")
			m := enter(t, addr, url.QueryEscape(tt.asked))
			for {
				line, err := m.line()
				require.NoError(t, err)
				if name, ok := strings.CutSuffix(line, " joined (2 here)"); ok {
					assert.Equal(t, tt.want, strings.TrimPrefix(name, "* "), "the name the room gave %+q while alice is in: a name that looks like a member's is that member's (docs/chat.md#names)", tt.asked)
					return
				}
			}
		})
	}
}

func TestAReaderThatIsOnlyBehindGetsItsClose(t *testing.T) {
	// MaxWait: on a busy machine the room would shed the talker's lines
	// (which is right), and behind's queue would never fill.
	addr, out := startChat(t, 0, Config{Queue: 256, History: 0, Rate: 1e6, Burst: 1e6, MaxWait: time.Hour}) // the socket fills before the queue does
	behind := enter(t, addr, "behind")
	behind.waitLine(t, "* behind joined (1 here)", "it is in")
	// A fixed, small receive buffer: Linux would otherwise grow it (up to
	// tcp_rmem's 32 MiB here) until it held every line the talker sends.
	require.NoError(t, behind.Conn.(*net.TCPConn).SetReadBuffer(64<<10))
	talker := enter(t, addr, "talker")
	text := strings.Repeat("t", 4000)
	go func() {
		line := wstest.ClientFrame(0x80|textFrame, []byte(text))
		for range 5000 {
			if _, err := talker.Conn.Write(line); err != nil {
				return
			}
		}
	}()
	go io.Copy(io.Discard, talker.Conn) // the talker reads all, as fast as it can, so that it is never the one dropped
	wstest.WaitForOutput(t, out, "behind reads too slowly (256 messages waiting); closing with 1008 (policy violation)")
	// It reads again only after the second Close gives a stuck writer: a
	// reader that is behind by more than a second of reading, but reads.
	time.Sleep(2 * time.Second)
	for n := 0; ; n++ {
		f, err := behind.Read()
		require.NoError(t, err, "after %d lines: a reader that is behind must get the close frame after the lines ahead of it, not a cut connection (1006) (docs/chat.md#the-bounded-queue-and-slow-consumers)", n)
		if f.Opcode == closeFrame {
			assert.Equal(t, wstest.ClosePayload(websocket.ClosePolicyViolation, "reading too slowly"), f.Payload, "the room closes a slow reader with 1008")
			return
		}
	}
}

// gatedConn is the server's end of one connection, counting its write
// calls; once shut, a write waits until the test opens the gate. It hides
// the socket (no SyscallConn), so every write call of the connection is a
// Write here.
type gatedConn struct {
	net.Conn
	writes atomic.Int64
	gate   atomic.Pointer[chan struct{}]
}

func (c *gatedConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	if g := c.gate.Load(); g != nil {
		<-*g
	}
	return c.Conn.Write(p)
}

// gatedListener hands the server gatedConns, known by their client's address.
type gatedListener struct {
	net.Listener
	conns sync.Map // the client's address → *gatedConn
}

func (ln *gatedListener) Accept() (net.Conn, error) {
	conn, err := ln.Listener.Accept()
	if err != nil {
		return nil, err
	}
	gc := &gatedConn{Conn: conn}
	ln.conns.Store(conn.RemoteAddr().String(), gc)
	return gc, nil
}

// startGated runs the chat server on gatedConns for the length of the test.
func startGated(t *testing.T, cfg Config) (string, *gatedListener) {
	t.Helper()
	s := NewServer(io.Discard, &cfg)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := &gatedListener{Listener: tcp}
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return tcp.Addr().String(), ln
}

// shut shuts the gate of the server's end of m's connection until the test
// ends, or it closes the returned channel.
func (ln *gatedListener) shut(t *testing.T, m member) (*gatedConn, chan struct{}) {
	t.Helper()
	gc, ok := ln.conns.Load(m.Conn.LocalAddr().String())
	require.True(t, ok, "the server's end of the connection")
	server, open := gc.(*gatedConn), make(chan struct{})
	server.gate.Store(&open)
	t.Cleanup(func() {
		select {
		case <-open:
		default:
			close(open) // let the writer go, so that Shutdown ends
		}
	})
	return server, open
}

func TestQueuedLinesLeaveInOneWrite(t *testing.T) {
	const lines = 10
	addr, ln := startGated(t, Config{Queue: 64, History: 0})
	reader := enter(t, addr, "reader")
	reader.waitLine(t, "* reader joined (1 here)", "it is in")
	talker := enter(t, addr, "talker")
	reader.waitLine(t, "* talker joined (2 here)", "both are in")
	server, open := ln.shut(t, reader)
	before := server.writes.Load()

	// The reader's writer takes what is queued and waits at the gate while
	// the rest queue up; once the talker has its last line back, the room
	// has queued every line for the reader too.
	for i := range lines {
		talker.Send(textFrame, fmt.Appendf(nil, "%d", i))
	}
	talker.waitLine(t, fmt.Sprintf("talker: %d", lines-1), "the talker hears itself")
	talker.Send(textFrame, []byte("done")) // the room has finished the last line's fan-out once this is back
	talker.waitLine(t, "talker: done", "the talker hears itself")
	close(open)
	for i := range lines {
		reader.nextMessage(t, fmt.Sprintf("talker: %d", i), "each queued line is a message of its own, in order")
	}
	reader.nextMessage(t, "talker: done", "each queued line is a message of its own, in order")
	// The writer may wake for the first line before the rest are queued (two
	// writes) or only once all are (one): either way not one write per line.
	writes := server.writes.Load() - before
	assert.True(t, writes >= 1 && writes <= 2,
		"%d write calls for %d queued lines: the writer should send what is queued in one write call, at most the first line apart (Conn.WriteMessages, docs/chat.md)", writes, lines+1)
}

func TestAWriterStuckOnOneClientHoldsUpNobodyElse(t *testing.T) {
	addr, ln := startGated(t, Config{Queue: 64, History: 0, writers: 1})
	stuck := enter(t, addr, "stuck")
	stuck.waitLine(t, "* stuck joined (1 here)", "it is in")
	server, _ := ln.shut(t, stuck)
	before := server.writes.Load()
	stuck.Send(textFrame, []byte("hello")) // the room's only writer takes it to stuck, and waits at the gate
	require.Eventually(t, func() bool { return server.writes.Load() > before }, wstest.WaitFor, time.Millisecond, "the line never reached stuck's socket")
	other := enter(t, addr, "other")
	other.waitLine(t, "* other joined (2 here)",
		"a writer stuck on one client's full socket must hold up nobody else: after stuckAfter another writer starts (docs/chat.md#a-pool-of-writers)")
}

func TestARoomThatStaysBehindShedsSooner(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	type line struct {
		at, waited time.Duration // when the room takes it, and how long it waited
		shed       bool
	}
	tests := []struct {
		name  string
		lines []line
	}{
		{"a line past MaxWait is shed at once", []line{{0, ms(501), true}}},
		{"a burst the room clears within MaxWait is not shed", []line{
			{0, ms(150), false}, {ms(200), ms(300), false}, {ms(400), ms(450), false}, {ms(450), ms(50), false}}},
		{"a queue that stands above a fifth of MaxWait for MaxWait is shed", []line{
			{0, ms(150), false}, {ms(250), ms(150), false}, {ms(500), ms(150), true}, {ms(600), ms(120), true}}},
		{"a line that waited under a fifth of MaxWait ends the shedding", []line{
			{0, ms(150), false}, {ms(500), ms(150), true}, {ms(510), ms(20), false}, {ms(520), ms(150), false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rm, start := &room{cfg: &Config{MaxWait: ms(500)}}, time.Now()
			for i, l := range tt.lines {
				assert.Equal(t, l.shed, rm.behind(l.waited, start.Add(l.at)),
					"line %d, taken at %v after waiting %v, MaxWait 500ms: a line is shed past MaxWait, or once the lines have waited over a fifth of it for MaxWait (docs/chat.md#when-the-room-is-overloaded)", i, l.at, l.waited)
			}
		})
	}
}

// stuckBus holds the room up in its Publish of a line said until the test
// lets it go: a room that cannot keep up.
type stuckBus struct{ stuck chan struct{} }

func (b stuckBus) Publish(m Message) {
	if m.Event == Said {
		<-b.stuck
	}
}

func (stuckBus) Subscribe(func(Message)) {}

func TestAnOverloadedRoomShedsLines(t *testing.T) {
	const sent = sayQueue + 2 // one the room is stuck on, sayQueue waiting, one too many
	bus := stuckBus{stuck: make(chan struct{})}
	addr, _ := startChat(t, 0, Config{Queue: 2 * sayQueue, History: 0, Rate: 1e6, Burst: 1e6, Bus: bus, Server: "here"})
	talker := enter(t, addr, "talker")
	talker.waitLine(t, "* talker joined (1 here)", "it is in")
	for i := range sent {
		talker.Send(textFrame, fmt.Appendf(nil, "%d", i))
	}
	// Every line comes back said, or shed: for finding the room's queue
	// full while the room is stuck, or for waiting too long (MaxWait).
	answers, shed := 0, 0
	for ; answers < sent; answers++ {
		if shed > 0 && bus.stuck != nil {
			close(bus.stuck) // the room keeps up again
			bus.stuck = nil
		}
		line, err := talker.line()
		require.NoError(t, err, "after %d answers", answers)
		if line == string(busyLine) {
			shed++
		}
	}
	assert.Positive(t, shed, "a line that finds sayQueue lines waiting for the room is shed, and its sender told (docs/chat.md#when-the-room-is-overloaded)")
	talker.Send(textFrame, []byte("after"))
	talker.waitLine(t, "talker: after", "the room goes on once it keeps up")
}
