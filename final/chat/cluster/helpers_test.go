package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/websocket"

	"github.com/wsfromscratch/websocket-go/final/chat/chatroom"
)

// waitFor is how long a test waits for what must happen.
const waitFor = 30 * time.Second

// startBus runs a NATS server on a free port for the length of the test.
func startBus(t testing.TB) *server.Server {
	t.Helper()
	ns, err := startNATS("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	return ns
}

// chat is one chat server of a test, on the bus.
type chat struct {
	addr string
	out  *syncBuffer
	bus  *natsBus
	stop func() // closes its clients with 1001 and leaves the bus
}

// startChat runs a chat server named name on the bus at url; the room's
// rate and burst are high, for the tests whose clients talk as fast as
// they can.
func startChat(t testing.TB, url, name string) *chat {
	t.Helper()
	c := &chat{out: &syncBuffer{}}
	// MaxWait: a test machine too loaded for a room to take each line within
	// half a second must not make it shed the lines the tests count.
	s, bus := newServer(c.out, &chatroom.Config{Queue: 4096, History: 0, Rate: 1e6, Burst: 1e6, MaxWait: time.Hour, Server: name})
	c.bus = bus
	require.NoError(t, bus.connect(url, name))
	require.NoError(t, bus.nc.Flush(), "the subscription is on the bus before any client comes")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go s.Serve(ln)
	c.addr = ln.Addr().String()
	var once sync.Once
	c.stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			s.Shutdown(ctx)
			bus.close()
		})
	}
	t.Cleanup(c.stop)
	return c
}

// waitLog waits until the server's log holds want.
func (c *chat) waitLog(t testing.TB, want, hint string) {
	t.Helper()
	for deadline := time.Now().Add(waitFor); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(c.out.String(), want) {
			return
		}
	}
	t.Fatalf("the log of %s should say %q (%s); it ends:\n%s", c.addr, want, hint, c.out.tail(5))
}

// member is a client in the room: golang.org/x/net/websocket, which shares
// no code with the server's.
type member struct {
	t  testing.TB
	ws *websocket.Conn
}

// enter joins the room on c as name.
func enter(t testing.TB, c *chat, name string) *member {
	t.Helper()
	ws, err := websocket.Dial("ws://"+c.addr+"/chat?name="+name, "", "http://"+c.addr)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return &member{t: t, ws: ws}
}

func (m *member) say(text string) {
	m.t.Helper()
	require.NoError(m.t, websocket.Message.Send(m.ws, text))
}

// line reads the next line the room sends.
func (m *member) line() (string, error) {
	m.ws.SetReadDeadline(time.Now().Add(waitFor))
	var line string
	err := websocket.Message.Receive(m.ws, &line)
	return line, err
}

// waitLine reads lines until one equals want.
func (m *member) waitLine(want, hint string) {
	m.t.Helper()
	m.waitMatch(want, hint, func(line string) bool { return line == want })
}

// waitLineEnding reads lines until one ends with suffix: news, which may
// name others with the one awaited (docs/chat.md#joins-at-scale).
func (m *member) waitLineEnding(suffix, hint string) {
	m.t.Helper()
	m.waitMatch("… "+suffix, hint, func(line string) bool { return strings.HasSuffix(line, suffix) })
}

// waitMatch reads lines until one matches; want says which, for the failure.
func (m *member) waitMatch(want, hint string, match func(string) bool) {
	m.t.Helper()
	var seen []string
	for {
		got, err := m.line()
		require.NoError(m.t, err, "waiting for %q (%s); last lines: %q", want, hint, seen[max(0, len(seen)-5):])
		if match(got) {
			return
		}
		seen = append(seen, got)
	}
}

// syncBuffer is a server's log, written and read at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail is the last n lines of the log.
func (b *syncBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// names are the chat servers of a test: a, b, c.
func names(n int) []string {
	all := make([]string, n)
	for i := range all {
		all[i] = fmt.Sprintf("%c", 'a'+i)
	}
	return all
}
