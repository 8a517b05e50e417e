package websocket

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

func FuzzReadFrame(f *testing.F) {
	seeds := [][]byte{
		{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
		{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
		{0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f},
		{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
		{0x82, 0x7e, 0x01, 0x00, 0xab},
		{0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00},
		{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4},
		{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83},
		{0xc1, 0x80}, {0x8b, 0x00}, {},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for {
			h, raw, err := readFrameHeader(r, make([]byte, maxFrameHeaderSize))
			if err != nil {
				return
			}
			if len(raw) > maxFrameHeaderSize || h.length < 0 {
				t.Fatalf("header of %d bytes, length %d", len(raw), h.length)
			}
			if isControl(h.opcode) && (h.length > maxControlFramePayloadSize || !h.fin) {
				t.Fatalf("accepted a control frame that breaks RFC 6455 §5.5: %+v", h)
			}
			// The message layer only asks for what it allows; pretend the
			// limit is 1 MiB, so a huge claimed length cannot allocate.
			if h.length > 1<<20 {
				return
			}
			payload, _, err := readPayload(r, h, nil, 0, h.opcode == textFrame)
			if err != nil {
				if int64(len(payload)) > h.length || int64(len(payload)) > int64(len(data)) {
					t.Fatalf("read %d bytes for a %d-byte payload", len(payload), h.length)
				}
				return
			}
			_ = describe("in", h, raw, payload).String()
		}
	})
}

func FuzzHandshake(f *testing.F) {
	f.Add([]byte(wstest.ArticleRequest))
	f.Add([]byte(wstest.HandshakeRequest("/xxoo", "dGhlIHNhbXBsZSBub25jZQ==")))
	f.Add([]byte("POST /xxoo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\nSec-WebSocket-Version: 8\r\n\r\n"))
	s := testServer()
	s.Logger = log.New(io.Discard, "", 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		status, why := checkHandshake(r, []string{"http://127.0.0.1:8002"})
		switch {
		case status == 0 && (r.Method != http.MethodGet || r.Header.Get("Sec-WebSocket-Version") != "13"):
			t.Fatalf("accepted %s with version %q", r.Method, r.Header.Get("Sec-WebSocket-Version"))
		case status == 0 && why != "":
			t.Fatalf("accepted, but with a reason: %q", why)
		case status != 0 && (status < 400 || status > 499 || why == ""):
			t.Fatalf("status %d (%q) for a bad handshake", status, why)
		}
		// The whole handler too: a recorder cannot be hijacked, so a good
		// handshake ends in 500 there; nothing may panic on the way.
		r, err = http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if rec.Code == http.StatusSwitchingProtocols {
			t.Fatalf("101 without hijacking")
		}
	})
}

// FuzzFirstHead feeds arbitrary bytes to Serve's own reading of a first
// request head (heads.go): what it answers itself must be a request that
// net/http, given the same bytes, passes to ServeHTTP as an upgrade; what it
// hands to net/http must reach it exactly as the client sent it.
func FuzzFirstHead(f *testing.F) {
	f.Add([]byte(wstest.HandshakeRequest("/xxoo", "dGhlIHNhbXBsZSBub25jZQ==")))
	f.Add([]byte(wstest.ArticleRequest))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	f.Add([]byte("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\nUpgrade: websocket\r\n\r\n"))
	f.Add([]byte("GET http://a/x HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nContent-Length: 3\r\n\r\nabc"))
	s := &Server{Handler: func(*Conn, *http.Request) error { return nil }, HeadTimeout: time.Second, Logger: log.New(io.Discard, "", 0)}
	f.Fuzz(func(t *testing.T, data []byte) {
		conn := &headConn{in: bytes.NewReader(data)}
		hand := &handoff{conns: make(chan net.Conn, 1), done: make(chan struct{})}
		s.first(conn, hand)
		select {
		case handed := <-hand.conns:
			if got, _ := io.ReadAll(handed); !bytes.Equal(got, data) {
				t.Fatalf("net/http would read %q of %q", got, data)
			}
		default:
			if answer := conn.written(); bytes.HasPrefix(answer, []byte("HTTP/1.1 ")) && !netHTTPUpgrades(data) {
				t.Fatalf("answered %q with %.12q, where net/http refuses it or takes it for no upgrade", data, answer)
			}
		}
	})
}

// netHTTPUpgrades reports whether net/http's server, reading data from a
// connection, passes it to its handler as an upgrade request.
func netHTTPUpgrades(data []byte) bool {
	upgrade := make(chan bool, 1)
	ended := make(chan struct{})
	hs := &http.Server{
		Handler:  http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { upgrade <- IsUpgrade(r) }),
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed {
				close(ended)
			}
		},
	}
	ln := &oneConnListener{conn: &headConn{in: bytes.NewReader(data)}, ended: ended}
	go hs.Serve(ln)
	<-ended
	select {
	case u := <-upgrade:
		return u
	default:
		return false
	}
}

// A headConn is a connection that reads in and keeps what is written.
type headConn struct {
	fuzzConn
	in  *bytes.Reader
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *headConn) Read(p []byte) (int, error) { return c.in.Read(p) }

func (c *headConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(p)
}

func (c *headConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

// A oneConnListener accepts conn, then waits until it has ended.
type oneConnListener struct {
	conn  net.Conn
	ended chan struct{}
	once  sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var conn net.Conn
	l.once.Do(func() { conn = l.conn })
	if conn != nil {
		return conn, nil
	}
	<-l.ended
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return &net.TCPAddr{} }

// FuzzConn feeds arbitrary bytes to a whole WebSocket connection, the way a
// hostile client would after the handshake: fragments, control frames, UTF-8,
// close frames, limits. Nothing may panic or hang, and everything the server
// writes back must be well-formed server frames: final, unmasked, control
// payloads of at most 125 bytes, and nothing after a close frame.
func FuzzConn(f *testing.F) {
	seeds := [][][]byte{
		{wstest.ClientFrame(finalBit|textFrame, []byte("Hello"))},
		{wstest.ClientFrame(textFrame, []byte("Hel")), wstest.ClientFrame(finalBit|pingFrame, []byte("p")), wstest.ClientFrame(finalBit|continuationFrame, []byte("lo"))},
		{wstest.ClientFrame(textFrame, []byte{0xe4, 0xbd}), wstest.ClientFrame(finalBit|continuationFrame, []byte{0xa0})},
		{wstest.ClientFrame(finalBit|closeFrame, wstest.ClosePayload(CloseNormal, "bye"))},
		{wstest.ClientFrame(finalBit|binaryFrame, bytes.Repeat([]byte{1}, 300)), wstest.ClientFrame(finalBit|closeFrame, nil)},
		{{0x88, 0x82, 0x08, 0x6a, 0xe8, 0x00, 0x0b, 0x83}},
		{wstest.ClientFrame(finalBit|closeFrame, wstest.ClosePayload(999, "")), wstest.ClientFrame(finalBit|pingFrame, []byte("after close"))},
	}
	for _, frames := range seeds {
		f.Add(bytes.Join(frames, nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rwc := &fuzzConn{in: bytes.NewReader(data)}
		c := newConn(rwc, bufio.NewReader(rwc), Options{MaxMessage: 1 << 16}, false)
		echo(c, nil)
		c.finish()

		out := bufio.NewReader(bytes.NewReader(rwc.out.Bytes()))
		closed := false
		for {
			h, _, err := readFrameHeader(out, make([]byte, maxFrameHeaderSize))
			if err == io.EOF {
				return
			}
			if err != nil || h.masked || !h.fin || closed {
				t.Fatalf("the server wrote a bad frame (%+v, %v, after close: %v); it wrote % x", h, err, closed, rwc.out.Bytes())
			}
			if _, err := out.Discard(int(h.length)); err != nil {
				t.Fatalf("the server wrote a frame shorter than its header says: % x", rwc.out.Bytes())
			}
			closed = h.opcode == closeFrame
		}
	})
}

// fuzzConn is a net.Conn that reads from in and records what is written.
type fuzzConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *fuzzConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *fuzzConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *fuzzConn) Close() error                     { return nil }
func (c *fuzzConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *fuzzConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *fuzzConn) SetDeadline(time.Time) error      { return nil }
func (c *fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }
