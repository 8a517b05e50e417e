package websocket

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Serve's own accept loop (docs/performance.md#a-handshake-without-nethttps-connection).
// net/http gives every connection its goroutine, its buffers, its request
// and its response, and keeps them until the request is served; for a
// WebSocket that is all thrown away at the 101. So Serve reads the first
// request head of each plain TCP connection itself. A well-formed upgrade
// request is answered here, through the same upgrade as ServeHTTP's;
// anything else (a page, a request net/http would refuse, a TLS
// connection) goes to the http.Server with the bytes read so far, as if it
// had accepted the connection itself, and gets net/http's answer.

// accept accepts connections on ln and reads the head of each, until ln
// fails; the error goes to net/http, through hand, so that its Serve
// returns it. A temporary error (too many open files) is waited out, as
// net/http's Serve does.
func (s *Server) accept(ln net.Listener, hand *handoff) {
	var wait time.Duration
	for {
		conn, err := ln.Accept()
		var te interface{ Temporary() bool }
		if errors.As(err, &te) && te.Temporary() {
			wait = min(max(2*wait, 5*time.Millisecond), time.Second)
			time.Sleep(wait)
			continue
		}
		if err != nil {
			hand.fail(err)
			return
		}
		wait = 0
		go s.first(conn, hand)
	}
}

// first reads the first request head of conn and answers it if it is an
// upgrade; otherwise it hands conn to net/http. Shutdown closes a
// connection whose head is still on its way (track), and only that: once
// the head is in, a WebSocket gets its close frame.
func (s *Server) first(conn net.Conn, hand *handoff) {
	if _, ok := conn.(*tls.Conn); ok {
		hand.give(conn) // ALPN and HTTP/2 are net/http's
		return
	}
	if !s.track(conn, true) {
		conn.Close()
		return
	}
	h := newHead(conn)
	defer h.release()
	conn.SetReadDeadline(time.Now().Add(s.HeadTimeout))
	r, err := http.ReadRequest(h.br)
	s.track(conn, false) // from here Shutdown finds conn with upgrade's connections, or net/http's
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), err == io.EOF && len(h.rec.seen) == 0:
		conn.Close() // no head, or not in time: net/http hangs up too
		return
	case err != nil || !fastUpgrade(r):
		hand.give(h.rec.replay())
		return
	}
	conn.SetReadDeadline(time.Time{})
	h.rec.done()
	r.RemoteAddr = conn.RemoteAddr().String()
	s.upgrade(&h.w, r)
	h.w.finish()
}

// A head is what reading one first request head takes: the recorder, the
// reader over it, the answer's writer. All of it is garbage once the head
// is answered, so it is kept for the next one (spareHeads), and a handshake
// leaves little more than its request behind.
type head struct {
	rec headRecorder
	br  *bufio.Reader
	w   headWriter
}

var spareHeads = sync.Pool{New: func() any {
	h := new(head)
	h.br = bufio.NewReaderSize(&h.rec, headBuffer)
	h.w.bw = bufio.NewWriterSize(nil, 256)
	h.w.header = http.Header{}
	return h
}}

// newHead takes a head from spareHeads for reading conn.
func newHead(conn net.Conn) *head {
	h := spareHeads.Get().(*head)
	h.rec.Conn, h.rec.left, h.rec.recording = conn, maxHeadBytes, true
	h.br.Reset(&h.rec)
	h.w.conn, h.w.br = conn, h.br
	return h
}

// release gives h back to spareHeads, without its connection; recorded bytes
// that went to net/http (replay) stay theirs.
func (h *head) release() {
	h.rec.Conn, h.rec.seen = nil, h.rec.seen[:0]
	if cap(h.rec.seen) > keptHead {
		h.rec.seen = nil
	}
	h.br.Reset(nil)
	h.w.conn, h.w.status, h.w.hijacked = nil, 0, false
	h.w.bw.Reset(nil)
	h.w.body.Reset()
	clear(h.w.header)
	spareHeads.Put(h)
}

// keptHead is the most recorded bytes a head kept in spareHeads holds room for.
const keptHead = 4 << 10

// track counts conn among the connections whose head is being read (in),
// or counts it out; it reports false if the server is shutting down.
func (s *Server) track(conn net.Conn, in bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !in:
		delete(s.heads, conn)
	case s.closing:
		return false
	case s.heads == nil:
		s.heads = map[net.Conn]bool{conn: true}
	default:
		s.heads[conn] = true
	}
	return true
}

// maxHeadBytes is the longest request head read here, as Serve's
// MaxHeaderBytes: a longer one goes to net/http, which answers 431.
const maxHeadBytes = 128 << 10

// headBuffer is the read buffer for a request head; an upgrade request is
// some 500 bytes.
const headBuffer = 1024

// fastUpgrade reports whether r is an upgrade that net/http would pass to
// ServeHTTP as it is: HTTP/1.1, a path (so that r.Host is the Host header's:
// http.ReadRequest has taken the header out, and refuses two), a valid
// Host, header fields that net/http finds valid. Anything else goes to
// net/http, which refuses what it refuses.
func fastUpgrade(r *http.Request) bool {
	return r.Proto == "HTTP/1.1" && strings.HasPrefix(r.RequestURI, "/") && r.Host != "" && validHost(r.Host) &&
		IsUpgrade(r) && validFields(r.Header)
}

// validHost reports whether a Host header is one net/http takes: letters,
// digits and the bytes of hostByte, which cover names, ports and IPv6.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if c := h[i]; !isAlnum(c) && strings.IndexByte(hostByte, c) < 0 {
			return false
		}
	}
	return true
}

// hostByte are the bytes but letters and digits that net/http lets a Host
// header hold (golang.org/x/net/http/httpguts.ValidHostHeader).
const hostByte = "!$%&'()*+,-.:;=[]_~"

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// validFields reports whether every header name is a token and every value
// free of control characters but tab (RFC 9110 §5.1, §5.5).
func validFields(h http.Header) bool {
	for name, values := range h {
		for i := 0; i < len(name); i++ {
			if c := name[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
				return false
			}
		}
		for _, v := range values {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
					return false
				}
			}
		}
	}
	return true
}

// A headRecorder keeps what is read from a connection while recording, so
// that a head that is not answered here can be read again by net/http; it
// reads at most left bytes while it records.
type headRecorder struct {
	net.Conn
	seen      []byte
	left      int
	recording bool
}

var errHeadTooLong = errors.New("request head too long")

func (rc *headRecorder) Read(p []byte) (int, error) {
	if !rc.recording {
		return rc.Conn.Read(p)
	}
	if rc.left <= 0 {
		return 0, errHeadTooLong
	}
	p = p[:min(len(p), rc.left)]
	n, err := rc.Conn.Read(p)
	rc.seen = append(rc.seen, p[:n]...)
	rc.left -= n
	return n, err
}

// done stops recording: the head is answered here.
func (rc *headRecorder) done() { rc.recording = false }

// replay returns the connection for net/http, which reads what was
// recorded first; the recording is net/http's from then on.
func (rc *headRecorder) replay() net.Conn {
	rc.Conn.SetReadDeadline(time.Time{})
	rp := &replayed{Conn: rc.Conn, head: rc.seen}
	rc.seen = nil
	return rp
}

// A replayed connection reads the bytes read already before the socket's.
type replayed struct {
	net.Conn
	head []byte
}

// CloseWrite half-closes the connection, for Conn's closing handshake.
func (rp *replayed) CloseWrite() error {
	if cw, ok := rp.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

func (rp *replayed) Read(p []byte) (int, error) {
	if len(rp.head) > 0 {
		n := copy(p, rp.head)
		rp.head = rp.head[n:]
		return n, nil
	}
	return rp.Conn.Read(p)
}

// A headWriter is the http.ResponseWriter of an upgrade answered here: the
// 101 goes out through Hijack, as with net/http; a refusal is kept and sent
// by finish, with Connection: close.
type headWriter struct {
	conn     net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer // for the 101
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (w *headWriter) Header() http.Header { return w.header }

func (w *headWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Hijack hands the connection over, as net/http's does, with the bytes
// that came after the head in the reader.
func (w *headWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.status != 0 {
		return nil, nil, errors.New("the answer has begun")
	}
	w.hijacked = true
	w.bw.Reset(w.conn)
	return w.conn, bufio.NewReadWriter(w.br, w.bw), nil
}

// finish sends a refusal, if that is what was written, and ends the
// connection as net/http does after Connection: close: it half-closes and
// waits a little for the client to hang up, since closing with bytes unread
// would reset the connection and could lose the answer. A hijacked
// connection is the WebSocket's.
func (w *headWriter) finish() {
	if w.hijacked {
		return
	}
	defer w.conn.Close()
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	w.header.Set("Connection", "close")
	w.header.Set("Content-Length", strconv.Itoa(w.body.Len()))
	bw := w.bw
	bw.Reset(w.conn)
	fmt.Fprintf(bw, "HTTP/1.1 %03d %s\r\n", status, http.StatusText(status))
	w.header.Write(bw)
	bw.WriteString("\r\n")
	bw.Write(w.body.Bytes())
	w.conn.SetDeadline(time.Now().Add(refusalLinger))
	cw, ok := w.conn.(interface{ CloseWrite() error })
	if bw.Flush() == nil && ok && cw.CloseWrite() == nil {
		io.CopyN(io.Discard, w.conn, 64<<10)
	}
}

// refusalLinger is how long a refused client is given to read the answer
// and hang up (net/http waits half a second).
const refusalLinger = 500 * time.Millisecond

// A handoff is the listener net/http serves: the connections that Serve's
// accept loop hands it, then the loop's error.
type handoff struct {
	ln    net.Listener
	conns chan net.Conn
	once  sync.Once
	err   error
	done  chan struct{} // closed by fail or Close
}

func newHandoff(ln net.Listener) *handoff {
	return &handoff{ln: ln, conns: make(chan net.Conn), done: make(chan struct{})}
}

// give hands conn to net/http, or closes it once the listener is closed.
func (h *handoff) give(conn net.Conn) {
	select {
	case h.conns <- conn:
	case <-h.done:
		conn.Close()
	}
}

// fail ends the listener with err, which net/http's Serve returns.
func (h *handoff) fail(err error) {
	h.once.Do(func() { h.err = err; close(h.done) })
}

func (h *handoff) Accept() (net.Conn, error) {
	select {
	case conn := <-h.conns:
		return conn, nil
	case <-h.done:
		return nil, h.err
	}
}

// Close closes the real listener; the accept loop then fails.
func (h *handoff) Close() error {
	err := h.ln.Close()
	h.fail(net.ErrClosed)
	return err
}

func (h *handoff) Addr() net.Addr { return h.ln.Addr() }
