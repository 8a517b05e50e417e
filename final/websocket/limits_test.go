package websocket

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// The tests of the bounds the server keeps (docs/final-extras.md). Each sets
// short limits through the configuration; none asserts on speed.

func TestMemoryBudgetClosesWithTryAgainLater(t *testing.T) {
	cfg := testServer()
	cfg.MaxMessage, cfg.MaxMemory = 1<<20, 1<<20
	s, addr, out := startServer(t, cfg)
	const part = 600 << 10
	holder := wstest.Connect(t, addr)
	holder.Write(wstest.ClientFrame(binaryFrame, make([]byte, part))) // a message begun, not finished
	require.Eventually(t, func() bool { return s.Budget.Used() == part }, wstest.WaitFor, 5*time.Millisecond,
		"the first fragment's bytes are held from the budget")

	late := wstest.Connect(t, addr)
	late.Send(binaryFrame, make([]byte, part))
	assert.Equal(t, CloseTryAgainLater, late.ExpectClose("a message past -max-memory"), "1013 try again later (RFC 6455 §7.4.1, IANA registry)")
	wstest.WaitForOutput(t, out, "the server's memory for messages is taken (Server.MaxMemory); sent 1013 (try again later)")

	holder.Write(wstest.ClientFrame(0x80|continuationFrame, []byte("end")))
	holder.Expect(binaryFrame, append(make([]byte, part), "end"...), "the connection that holds the memory goes on")
	echoWorks(t, addr)
	require.Eventually(t, func() bool { return s.Budget.Used() == 0 }, wstest.WaitFor, 5*time.Millisecond,
		"every byte goes back to the budget once the messages are done")
}

func TestAMessageOfExactlyTheBudgetIsAccepted(t *testing.T) {
	cfg := testServer()
	cfg.MaxMemory = 1000
	_, addr, _ := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	c.Send(binaryFrame, make([]byte, 1000))
	c.Expect(binaryFrame, make([]byte, 1000), "-max-memory is what may be held, not the first byte refused")
}

func TestAMessageOfExactlyMaxMessageBytesIsAccepted(t *testing.T) {
	cfg := testServer()
	cfg.MaxMessage = 1000
	_, addr, _ := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	c.Write(wstest.ClientFrame(binaryFrame, make([]byte, 400)))
	c.Write(wstest.ClientFrame(0x80|continuationFrame, make([]byte, 600)))
	c.Expect(binaryFrame, make([]byte, 1000), "-max-message is the longest message allowed, not the first one refused")
}

func TestPingsDoNotKeepAnUnfinishedMessageAlive(t *testing.T) {
	cfg := testServer()
	cfg.MessageTimeout = 200 * time.Millisecond
	_, addr, out := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	c.Write(wstest.ClientFrame(textFrame, []byte("never finished")))
	done := make(chan struct{})
	go func() { // pings, and their pongs, arrive all the time
		defer close(done)
		for range 40 {
			if _, err := c.Conn.Write(wstest.ClientFrame(0x80|pingFrame, nil)); err != nil {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	assert.Equal(t, ClosePolicyViolation, c.ExpectClose("a message past -message-timeout"), "1008 policy violation")
	<-done
	wstest.WaitForOutput(t, out, "message not finished in time (Options.MessageTimeout); sent 1008 (policy violation)")
}

func TestConnectionCapAnswers503UntilOneCloses(t *testing.T) {
	cfg := testServer()
	cfg.MaxConns = 2
	_, addr, out := startServer(t, cfg)
	first := wstest.Connect(t, addr)
	wstest.Connect(t, addr)
	resp := wstest.RoundTrip(t, addr, wstest.HandshakeRequest("/xxoo", wstest.NewKey()))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "past -max-conns an upgrade gets 503")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"), "503 says when to try again (RFC 9110 §10.2.3)")
	wstest.WaitForOutput(t, out, "2 connections open, the most -max-conns allows (503)")

	first.Send(closeFrame, wstest.ClosePayload(CloseNormal, ""))
	first.ExpectClose("the first client leaves")
	require.Eventually(t, func() bool {
		r := wstest.RoundTrip(t, addr, wstest.HandshakeRequest("/xxoo", wstest.NewKey()))
		return r.StatusCode == http.StatusSwitchingProtocols
	}, wstest.WaitFor, 10*time.Millisecond, "once a connection closes, the next upgrade is accepted")
}

func TestAPlainRequestBodyThatNeverComesIsCutOff(t *testing.T) {
	cfg := testServer()
	cfg.RequestTimeout = time.Second
	cfg.IdleTimeout, cfg.PingInterval = -1, -1 // none: only the HTTP server's timeout could cut the WebSocket
	_, addr, _ := startServer(t, cfg)
	ws := wstest.Connect(t, addr) // upgraded before the timeout: its own timeouts apply
	slow := wstest.Dial(t, addr)
	_, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n")
	require.NoError(t, err)
	slow.SetReadDeadline(time.Now().Add(wstest.WaitFor))
	_, err = io.ReadAll(slow)
	require.NoError(t, err, "a request whose body never comes is cut off by Server.RequestTimeout (http.Server.ReadTimeout)")

	// slow was cut off a RequestTimeout after it came, and ws came first:
	// the HTTP server's deadline for ws has passed too.
	ws.Send(textFrame, []byte("after the request timeout"))
	ws.Expect(textFrame, []byte("after the request timeout"), "a WebSocket is not cut off by the HTTP server's timeouts")
}

func TestKeepalivePingsAQuietClient(t *testing.T) {
	cfg := testServer()
	// Timeouts far longer than a loaded machine's pauses: a test that must
	// not see a timeout fire cannot rely on the machine being fast.
	cfg.PingInterval, cfg.IdleTimeout = 100*time.Millisecond, time.Second
	_, addr, out := startServer(t, cfg)

	t.Run("a client that answers stays past the idle timeout", func(t *testing.T) {
		c := wstest.Connect(t, addr)
		for range 15 { // 15 pings: one and a half idle timeouts
			f, err := c.Read()
			require.NoError(t, err, "a quiet client gets pings (-ping-interval) and is never closed while it answers")
			require.Equal(t, byte(pingFrame), f.Opcode, "the server pings a quiet client (RFC 6455 §5.5.2); got %v", f)
			c.Send(pongFrame, f.Payload) // what a browser does by itself
		}
		c.Send(textFrame, []byte("still here"))
		c.Expect(textFrame, []byte("still here"), "the connection is still open")
	})
	t.Run("a client that answers nothing is closed by the idle timeout", func(t *testing.T) {
		c := wstest.Connect(t, addr)
		assert.Equal(t, CloseGoingAway, c.ExpectClose("no pong, nothing at all"), "1001 going away")
		wstest.WaitForOutput(t, out, "nothing received for 1s; sent 1001 (going away)")
	})
}

func TestAFrameTrickledInIsNotIdle(t *testing.T) {
	cfg := testServer()
	cfg.IdleTimeout = time.Second
	_, addr, out := startServer(t, cfg)
	c := wstest.Connect(t, addr)
	for _, b := range wstest.ClientFrame(0x81, []byte("slow")) { // 10 bytes: 1.5s, one and a half idle timeouts
		c.Write([]byte{b})
		time.Sleep(150 * time.Millisecond)
	}
	c.Expect(textFrame, []byte("slow"), "bytes that keep arriving are progress: the idle timeout counts from the last one")
	assert.NotContains(t, out.String(), "nothing received", "the client was never idle")
}

func TestASlowSteadyReaderIsServed(t *testing.T) {
	// 64 KiB every 50ms: 1.6s for 2 MiB, longer than the write timeout,
	// though each piece leaves well within it.
	msg := bytes.Repeat([]byte{0x5a}, 2<<20)
	frame := wstest.ClientFrame(0x82, msg) // before the connection: masking 2 MiB is slow under -race
	c := pipeEcho(t, Options{WriteTimeout: time.Second, MaxMessage: 8 << 20})
	go c.Conn.Write(frame)
	expectEchoOfSize(t, c, binaryFrame, len(msg), "a client that reads steadily is served however long the whole message takes; a write that makes progress has not stalled")
}

func TestAClientReadingALongEchoIsNotIdle(t *testing.T) {
	// The echo takes 1.6s to read: longer than the idle timeout, with nothing received.
	msg := bytes.Repeat([]byte{0x5a}, 2<<20)
	frame := wstest.ClientFrame(0x82, msg) // before the connection: masking 2 MiB is slow under -race, and its idle timeout would run
	c := pipeEcho(t, Options{IdleTimeout: time.Second, MaxMessage: 8 << 20})
	go c.Conn.Write(frame)
	expectEchoOfSize(t, c, binaryFrame, len(msg), "the whole echo arrives")
	c.Send(textFrame, []byte("and now?"))
	c.Expect(textFrame, []byte("and now?"), "while the client was reading the echo it was not idle: the idle timeout counts bytes both ways")
}

// pipeEcho serves the echo on one end of a net.Pipe and returns a client on
// the other that reads 64 KiB every 50ms. A pipe holds no bytes: a write ends
// only once the client has read it, so the server's writes are the client's
// reads, to the byte, and no socket buffer hides a slow reader.
func pipeEcho(t *testing.T, o Options) *wstest.Client {
	t.Helper()
	if exercise {
		startServer(t, testServer()) // stops here, with one line, while the message layer is a stub
	}
	server, client := net.Pipe()
	t.Cleanup(func() { server.Close(); client.Close() })
	c := newConn(server, bufio.NewReader(server), o, false)
	go echo(c, nil)
	return wstest.NewClient(t, client, bufio.NewReader(&slowReader{r: client, step: 64 << 10, pause: 50 * time.Millisecond}))
}

// expectEchoOfSize reads one frame and requires it to be a message of n bytes.
func expectEchoOfSize(t *testing.T, c *wstest.Client, opcode byte, n int, hint string) {
	t.Helper()
	f, err := c.Read()
	require.NoError(t, err, hint)
	if f.Opcode != opcode || len(f.Payload) != n {
		t.Fatalf("got %v, want the echo of %d bytes: %s", f, n, hint)
	}
}

// slowReader reads at most step bytes, then pauses.
type slowReader struct {
	r     io.Reader
	step  int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	return s.r.Read(p[:min(len(p), s.step)])
}

func TestInvalidUTF8FailsBeforeTheFrameEnds(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	c := wstest.Connect(t, addr)
	text := bytes.Repeat([]byte("a"), 100_000)
	text[500] = 0xff
	frame := wstest.ClientFrame(0x81, text)
	c.Write(frame[:len(frame)/2]) // the rest never comes
	assert.Equal(t, CloseInvalidPayload, c.ExpectClose("an invalid byte in the first half of a large frame"),
		"1007 as soon as the byte arrives, not when the frame ends (RFC 6455 §8.1; Autobahn 6.4.3)")
}

func TestClientTextInLogsIsQuoted(t *testing.T) {
	_, addr, out := startServer(t, testServer())
	c := wstest.ConnectPath(t, addr, "/a%0a12:00:00%20forged%1b[31m"+strings.Repeat("x", 200))
	c.Send(closeFrame, wstest.ClosePayload(CloseNormal, "line\nbreak"))
	c.ExpectClose("close")
	wstest.WaitForOutput(t, out, `WebSocket open on "/a\n12:00:00 forged\x1b[31mxxx`)
	wstest.WaitForOutput(t, out, `reason="line\nbreak"`)
	assert.NotContains(t, out.String(), "\x1b", "no raw terminal escape reaches the log")
	assert.NotContains(t, out.String(), "\n12:00:00 forged", "no client text starts a log line of its own")
	assert.Contains(t, out.String(), "… (", "a long path is cut")
}

func TestFlagsHaveTheDocumentedDefaults(t *testing.T) {
	s := &Server{}
	fs := flag.NewFlagSet("final", flag.ContinueOnError)
	s.AddFlags(fs)
	want := map[string]string{
		"max-message": "1048576", "max-memory": "268435456", "max-conns": "10000", "origin": "", "compress": "false",
		"idle-timeout": "2m0s", "ping-interval": "30s", "message-timeout": "1m0s", "write-timeout": "10s",
	}
	for name, def := range want {
		f := fs.Lookup(name)
		require.NotNil(t, f, "-%s is documented in docs/final-extras.md", name)
		assert.Equal(t, def, f.DefValue, "the default of -%s (docs/final-extras.md)", name)
	}
	require.NoError(t, fs.Parse([]string{"-idle-timeout", "0", "-ping-interval", "0", "-origin", "http://a, http://b"}))
	o := s.Options.withDefaults()
	assert.Zero(t, o.IdleTimeout, "-idle-timeout 0 means never")
	assert.Zero(t, o.PingInterval, "-ping-interval 0 turns keepalive off")
	assert.Equal(t, []string{"http://a", "http://b"}, s.Origins, "-origin is a comma-separated list")
}

func TestQuoteCutsLongClientText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"a newline is escaped", "a\nb", `"a\nb"`},
		{"a terminal escape is escaped", "\x1b[31m", `"\x1b[31m"`},
		{"100 bytes are kept whole", strings.Repeat("x", 100), `"` + strings.Repeat("x", 100) + `"`},
		{"101 bytes are cut", strings.Repeat("x", 101), `"` + strings.Repeat("x", 100) + `"… (101 bytes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, quote(tt.text), "client text in a log line (docs/final-extras.md)")
		})
	}
}

func TestControlFramesKeepTheirLimits(t *testing.T) {
	newTestConn := func() *Conn {
		rwc := &fuzzConn{in: bytes.NewReader(nil)}
		return newConn(rwc, bufio.NewReader(rwc), Options{PingInterval: -1}, false)
	}
	const hint = "a control frame carries at most 125 bytes (RFC 6455 §5.5)"
	assert.NoError(t, newTestConn().Ping(make([]byte, 125)), hint)
	assert.Error(t, newTestConn().Ping(make([]byte, 126)), hint)
	assert.NoError(t, newTestConn().Close(CloseNormal, strings.Repeat("r", 123)), "a close reason of 123 bytes fits beside the 2-byte code")
	assert.Error(t, newTestConn().Close(CloseNormal, strings.Repeat("r", 124)), "124 bytes do not")
	assert.Error(t, newTestConn().Close(1005, ""), "1005 is never sent (RFC 6455 §7.4.1)")
	assert.Error(t, newTestConn().Close(CloseNormal, "\xff"), "the reason is UTF-8 (RFC 6455 §5.5.1)")
}
