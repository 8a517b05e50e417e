package websocket

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
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
	require.Equal(t, `close 1001 "server shutting down"`, f.String(), "Ctrl-C sends a close frame with 1001 going away (RFC 6455 §7.4.1)")

	// Frames the client sent before it saw our close frame still arrive: a
	// message is dropped, a ping is not answered (nothing may follow a close
	// frame, RFC 6455 §5.5.1), and neither is an error.
	c.Send(textFrame, []byte("sent before the close arrived"))
	c.Send(pingFrame, []byte("and a ping"))
	c.Send(closeFrame, wstest.ClosePayload(CloseGoingAway, "")) // the client's half of the handshake
	c.ExpectEOF("the server closes TCP once both close frames are sent, and sends nothing after its close frame")
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

func TestWritesFromManyGoroutinesNeverInterleave(t *testing.T) {
	if exercise {
		startServer(t, testServer()) // stops here, with one line, while the message layer is a stub
	}
	const writers, each = 8, 200
	cfg := testServer()
	cfg.Handler = func(c *Conn, _ *http.Request) error {
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					// Sizes that take each length encoding, so frames of
					// two writers would show if they ever mixed.
					msg := fmt.Appendf(nil, "%d %d %s", w, i, strings.Repeat("x", []int{10, 200, 70000}[i%3]))
					if err := c.WriteMessage(TextMessage, msg); err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		_, _, err := c.ReadMessage()
		return err
	}
	cfg.Logger = log.New(io.Discard, "", 0)
	addr := wstest.Start(t, cfg) // not startServer: its probe would read these writers' frames
	c := wstest.Connect(t, addr)
	next := make([]int, writers)
	for range writers * each {
		f, err := c.Read()
		require.NoError(t, err, "every frame must be whole: the Conn's lock lets one writer at a time (docs/final.md)")
		var w, i int
		_, err = fmt.Sscanf(string(f.Payload), "%d %d", &w, &i)
		require.NoError(t, err, "a frame of one writer holds only that writer's bytes")
		require.Equal(t, next[w], i, "each writer's messages arrive in the order it wrote them")
		next[w]++
	}
}

// countedWrites is a connection that counts its write calls.
type countedWrites struct {
	net.Conn
	n int
}

func (c *countedWrites) Write(p []byte) (int, error) { c.n++; return c.Conn.Write(p) }

func TestSmallFramesLeaveInOneWrite(t *testing.T) {
	needMessageLayer(t) // the reader reads with it
	parts := [][]byte{[]byte("one"), []byte(""), []byte(strings.Repeat("three ", 100))}
	whole := string(bytes.Join(parts, nil))
	tests := []struct {
		name  string
		write func(c *Conn) error
		want  []string // the messages the reader gets
	}{
		{"WriteMessages", func(c *Conn) error { return c.WriteMessages(TextMessage, parts...) }, []string{"one", "", strings.Repeat("three ", 100)}},
		{"WriteFragments", func(c *Conn) error { return c.WriteFragments(TextMessage, parts...) }, []string{whole}},
	}
	for _, tt := range tests {
		for _, client := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: " from the server, unmasked", true: " from a client, masked"}[client], func(t *testing.T) {
				a, b := net.Pipe()
				defer a.Close()
				w := &countedWrites{Conn: a}
				writer := newConn(w, nil, Options{PingInterval: -1, WriteTimeout: -1}, client)
				reader := newConn(b, nil, Options{PingInterval: -1, IdleTimeout: -1}, !client)
				go func() { assert.NoError(t, tt.write(writer)) }()
				for i, want := range tt.want {
					typ, got, err := reader.ReadMessage()
					require.NoError(t, err, "message %d", i)
					assert.Equal(t, TextMessage, typ)
					assert.Equal(t, want, string(got), "each message arrives whole, in order (RFC 6455 §5.4)")
				}
				assert.Equal(t, 1, w.n, "frames that fit the write buffer leave in one write call")
			})
		}
	}
}
