package websocket

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

func TestEcho(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	tests := []struct {
		name    string
		opcode  byte
		payload []byte
	}{
		{"text comes back as text", textFrame, []byte("Hello")},
		{"binary comes back as binary", binaryFrame, []byte{0x00, 0xff, 0x81, 0x85}},
		{"an empty text message", textFrame, []byte{}},
		{"Chinese text", textFrame, []byte("你好，世界")},
		{"126 bytes take the 16-bit length", binaryFrame, bytes.Repeat([]byte{'x'}, 126)},
		{"64 KiB take the 64-bit length", binaryFrame, bytes.Repeat([]byte{'y'}, 65536)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wstest.Connect(t, addr)
			c.Send(tt.opcode, tt.payload)
			c.Expect(tt.opcode, tt.payload, "the echo keeps the message type (RFC 6455 §5.6)")
		})
	}
}

// wire is a sequence of client frames, built from (first byte, payload) pairs.
func wire(frames ...any) []byte {
	var b []byte
	for i := 0; i < len(frames); i += 2 {
		b = append(b, wstest.ClientFrame(frames[i].(byte), []byte(frames[i+1].(string)))...)
	}
	return b
}

func TestMessages(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
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

func TestCloseHandshake(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
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

func TestHostileFrames(t *testing.T) {
	cfg := testServer()
	cfg.MaxMessage = 1 << 20
	_, addr, out := startServer(t, cfg)
	unmasked := func(b0 byte, payload string) []byte { return append([]byte{b0, byte(len(payload))}, payload...) }
	tests := []struct {
		name string
		wire []byte
		want int
		hint string
	}{
		{"an unmasked client frame", unmasked(0x81, "Hello"), 1002, "RFC 6455 §5.1: the server MUST close"},
		{"RSV1 without an extension", wstest.ClientFrame(0xc1, []byte("x")), 1002, "RFC 6455 §5.2"},
		{"RSV2 without an extension", wstest.ClientFrame(0xa1, []byte("x")), 1002, "RFC 6455 §5.2"},
		{"reserved opcode 0x3", wstest.ClientFrame(0x83, nil), 1002, "RFC 6455 §5.2"},
		{"reserved opcode 0xF", wstest.ClientFrame(0x8f, nil), 1002, "RFC 6455 §5.2"},
		{"a ping longer than 125 bytes", wstest.ClientFrame(0x89, bytes.Repeat([]byte("p"), 126)), 1002, "RFC 6455 §5.5"},
		{"a fragmented ping", wstest.ClientFrame(0x09, []byte("p")), 1002, "RFC 6455 §5.5: control frames are not fragmented"},
		{"a continuation with nothing to continue", wstest.ClientFrame(0x80, []byte("x")), 1002, "RFC 6455 §5.4"},
		{"a new text frame inside a fragmented message",
			append(wstest.ClientFrame(0x01, []byte("a")), wstest.ClientFrame(0x81, []byte("b"))...), 1002, "RFC 6455 §5.4"},
		{"a 64-bit length with the top bit set",
			[]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, 1002, "RFC 6455 §5.2: the most significant bit MUST be 0"},
		{"invalid UTF-8 in a text message", wstest.ClientFrame(0x81, []byte("Hello \xff")), 1007, "RFC 6455 §8.1"},
		{"a UTF-16 surrogate encoded in UTF-8", wstest.ClientFrame(0x81, []byte("\xed\xa0\x80")), 1007, "RFC 3629 §3: surrogates are not UTF-8"},
		{"text that ends inside a code point", wstest.ClientFrame(0x81, []byte("\xe4\xbd")), 1007, "RFC 6455 §8.1: the whole message must be valid"},
		{"an invalid first fragment fails before the message ends", wstest.ClientFrame(0x01, []byte("\xc0\xaf")), 1007,
			"RFC 6455 §8.1: fail fast once the prefix is invalid"},
		{"a message longer than -max-message", wstest.ClientFrame(0x82, make([]byte, 1<<20+1)), 1009, "RFC 6455 §7.4.1: 1009 message too big"},
		{"fragments that add up to more than -max-message",
			append(wstest.ClientFrame(0x02, make([]byte, 1<<19)), wstest.ClientFrame(0x80, make([]byte, 1<<19+1))...), 1009, "the limit is per message"},
		{"a header that claims 2^63-1 bytes", []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}, 1009,
			"check the length header before allocating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wstest.Connect(t, addr)
			c.Write(tt.wire)
			assert.Equal(t, tt.want, c.ExpectClose(tt.hint), tt.hint)
			echoWorks(t, addr)
		})
	}
	wstest.WaitForOutput(t, out, "sent 1002 (protocol error)")
}

func TestBigMessage(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	msg := make([]byte, 16<<20)
	for i := range msg {
		msg[i] = byte(i*31 + i>>8)
	}
	c := wstest.Connect(t, addr)
	done := make(chan struct{})
	go func() { // the server starts echoing before we finish writing
		defer close(done)
		c.Conn.Write(wstest.ClientFrame(0x82, msg))
	}()
	c.Expect(binaryFrame, msg, "a 16 MiB message comes back intact")
	<-done
}

func TestPipelinedMessages(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	c := wstest.Connect(t, addr)
	const n = 1000
	var all []byte
	for i := range n {
		all = append(all, wstest.ClientFrame(0x81, fmt.Appendf(nil, "message %d", i))...)
	}
	go c.Conn.Write(all)
	for i := range n {
		c.Expect(textFrame, fmt.Appendf(nil, "message %d", i), "1000 pipelined messages come back in order")
	}
}

func TestConcurrentClients(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	const clients, messages = 200, 5
	conns := make([]*wstest.Client, clients)
	for i := range conns {
		conns[i] = wstest.Connect(t, addr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range conns {
		wg.Go(func() {
			for j := range messages {
				want := fmt.Appendf(nil, "client %d message %d", i, j)
				_, err := c.Conn.Write(wstest.ClientFrame(0x81, want))
				var f wstest.ServerFrame
				if err == nil {
					f, err = c.Read()
				}
				if err == nil && !bytes.Equal(f.Payload, want) {
					err = fmt.Errorf("client %d got %q want %q", i, f.Payload, want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err, "200 clients at once each get their own echo")
	}
}

func TestFramesWrittenOneByteAtATime(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	c := wstest.Connect(t, addr)
	frames := wire(byte(0x01), "Hel", byte(0x89), "ping", byte(0x80), "lo")
	for _, b := range frames {
		c.Write([]byte{b})
	}
	c.Expect(pongFrame, []byte("ping"), "the article's recv(8096) assumes one read is one frame; TCP does not promise that")
	c.Expect(textFrame, []byte("Hello"), "frames arriving one byte at a time")
}

func TestIdleTimeout(t *testing.T) {
	cfg := testServer()
	cfg.IdleTimeout = 100 * time.Millisecond
	_, addr, out := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	assert.Equal(t, CloseGoingAway, c.ExpectClose("a silent client is closed with 1001"))
	wstest.WaitForOutput(t, out, "nothing received for 100ms")
}

func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	cfg := testServer()
	cfg.WriteTimeout = 200 * time.Millisecond
	_, addr, out := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	// 16 MiB is more than the kernel's socket buffers hold: the echo can only
	// leave if the client reads it, and this client never does.
	c.Send(binaryFrame, bytes.Repeat([]byte{0xab}, 16<<20))
	wstest.WaitForOutput(t, out, "WebSocket closed: "+errNotReading.Error())
	assert.NotContains(t, out.String(), "nothing received", "a write that times out is not an idle client")
	echoWorks(t, addr)
}

func TestShutdownClosesClientsWithGoingAway(t *testing.T) {
	s, addr, out := startServer(t, testServer())
	c := wstest.Connect(t, addr)
	c.Send(textFrame, []byte("hi"))
	c.Expect(textFrame, []byte("hi"), "echo before shutdown")

	stopped := make(chan struct{})
	go func() { s.Shutdown(context.Background()); close(stopped) }()
	f, err := c.Read()
	require.NoError(t, err)
	require.Equal(t, byte(closeFrame), f.Opcode, "Ctrl-C sends a close frame")
	require.Len(t, f.Payload, 2+len("server shutting down"))
	assert.Equal(t, wstest.ClosePayload(CloseGoingAway, "server shutting down"), f.Payload, "with 1001 going away (RFC 6455 §7.4.1)")

	c.Send(closeFrame, wstest.ClosePayload(CloseGoingAway, "")) // the client's half of the handshake
	c.ExpectEOF("the server closes TCP once both close frames are sent")
	<-stopped
	wstest.WaitForOutput(t, out, "the client closed: 1001 (going away)")
}

func TestServerLogsOpenAndClose(t *testing.T) {
	_, addr, out := startServer(t, testServer())
	c := wstest.Connect(t, addr)
	wstest.WaitForOutput(t, out, `WebSocket open on "/xxoo"`)
	c.Send(closeFrame, wstest.ClosePayload(CloseNormal, "bye"))
	c.ExpectClose("close")
	wstest.WaitForOutput(t, out, `WebSocket closed: the client closed: 1000 (normal closure) reason="bye"`)
}

func TestVerboseLogsFramePictures(t *testing.T) {
	cfg := testServer()
	cfg.OnFrame = func(c *Conn, f Frame) { cfg.Logger.Print(c.RemoteAddr(), " ", f) }
	_, addr, out := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	c.Send(textFrame, []byte("Hello"))
	c.Expect(textFrame, []byte("Hello"), "echo with -v")
	wstest.WaitForOutput(t, out, "frame in, 11 bytes on the wire")
	wstest.WaitForOutput(t, out, "frame out, 7 bytes on the wire")
	wstest.WaitForOutput(t, out, `text: "Hello"`)
}
