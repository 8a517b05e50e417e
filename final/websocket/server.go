package websocket

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"
)

// Defaults for the zero Server.
const (
	// DefaultHeadTimeout is how long a request head may take to arrive in full.
	DefaultHeadTimeout = 10 * time.Second
	// DefaultRequestTimeout is how long a plain HTTP request may take to
	// arrive, body included.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultMaxConns is the most WebSocket connections at once: at about
	// 6 KiB each when idle (docs/performance.md), 10 000 cost some 60 MiB.
	DefaultMaxConns = 10000
	// DefaultMaxMemory is the most bytes that the messages being read may
	// hold, all connections together: 256 one-MiB messages at once.
	DefaultMaxMemory = 256 << 20
	// retryAfter is what a client refused for lack of room is told to wait.
	retryAfter = "5"
)

// Server is an HTTP server whose upgrade requests, on any path, become
// WebSocket connections served by Handler; GET / serves Page. It keeps
// count of its connections, so that Shutdown can say goodbye to each one.
// Run it with Serve, or mount it on a mux as an http.Handler (ServeHTTP).
type Server struct {
	// Options apply to every connection.
	Options

	// Handler serves one connection, on a goroutine of its own. It returns
	// why the connection ended (usually the error of ReadMessage); the
	// server then finishes the closing handshake if need be, closes the
	// connection and logs the reason. A Handler that panics closes its
	// connection with 1011 (internal error); the panic is logged with its
	// stack and the server goes on. r is the opening handshake's request:
	// its Context does not last as long as the connection (through
	// net/http it is done by the time Handler runs), so work that should
	// end with the connection needs a context of its own, canceled when
	// Handler returns.
	Handler func(c *Conn, r *http.Request) error

	// Page is the HTML served on GET / (HEAD too); other methods get 405,
	// other paths 404.
	Page []byte

	// Logger gets a line for every connection that opens or closes and every
	// handshake refused. Nil means log.Default().
	Logger *log.Logger

	// HeadTimeout is how long a request head may take to arrive in full (a
	// slowloris client sends it a byte at a time). Zero means
	// DefaultHeadTimeout.
	HeadTimeout time.Duration

	// RequestTimeout is how long a plain HTTP request may take to arrive,
	// body included; a WebSocket has its own timeouts once upgraded. Zero
	// means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// MaxConns is the most WebSocket connections at once; past it an upgrade
	// gets 503 Service Unavailable with Retry-After, until one closes. Zero
	// means DefaultMaxConns; negative, no limit.
	MaxConns int

	// MaxMemory bounds the bytes of the messages being read, all
	// connections together, unless Options.Budget is set: a message that
	// would pass it closes its connection with 1013 (try again later). Zero
	// means DefaultMaxMemory; negative, no limit.
	MaxMemory int64

	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// the log believes: behind one of them, a connection's lines name the
	// client the proxy forwarded (proxy.go). Empty, the log names the TCP
	// peer and the header is ignored, since any client can write it.
	TrustedProxies []netip.Prefix

	mu      sync.Mutex
	http    *http.Server
	conns   map[*Conn]bool    // open WebSocket connections
	heads   map[net.Conn]bool // connections whose first request head Serve is reading (heads.go)
	taken   int               // connections open or being upgraded, for MaxConns
	closing bool
	wg      sync.WaitGroup // counts the open WebSocket connections
}

// Serve accepts connections on ln until Shutdown; it returns nil then, or
// the error that stopped it. It reads the first request head of each plain
// TCP connection itself and answers a well-formed upgrade there, for about
// a quarter less CPU than through net/http; pages, other requests and TLS
// connections go to an http.Server that has HeadTimeout and RequestTimeout.
// On Linux it first makes room in the process's descriptor table for
// MaxConns connections (DefaultMaxConns if there is no limit), so that a
// crowd is not held up while the kernel grows the table.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	s.setDefaults()
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.HeadTimeout,    // for a client that never finishes its request head
		ReadTimeout:       s.RequestTimeout, // … or its body
		MaxHeaderBytes:    128 << 10,        // larger request heads get 431 (a ?auto= URL may be long)
		IdleTimeout:       time.Minute,      // between plain HTTP requests
		ErrorLog:          s.Logger,
	}
	hs := s.http
	room := s.MaxConns
	s.mu.Unlock()
	if room <= 0 { // no limit: room for as many as the default
		room = DefaultMaxConns
	}
	reserveDescriptors(room)
	hand := newHandoff(ln)
	go s.accept(ln, hand)
	if err := hs.Serve(hand); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// setDefaults fills in the zero fields; s.mu is held.
func (s *Server) setDefaults() {
	if s.HeadTimeout == 0 {
		s.HeadTimeout = DefaultHeadTimeout
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = DefaultRequestTimeout
	}
	if s.MaxConns == 0 {
		s.MaxConns = DefaultMaxConns
	}
	if s.MaxMemory == 0 {
		s.MaxMemory = DefaultMaxMemory
	}
	if s.Budget == nil && s.MaxMemory > 0 {
		s.Budget = NewBudget(s.MaxMemory)
	}
}

// Shutdown stops accepting, sends every client a close frame with 1001
// (going away) and waits for them to hang up; it returns nil once every
// Handler has returned. If ctx ends first, it cuts the connections that are
// left and returns ctx.Err() at once, as net/http's Shutdown does: the
// Handlers that have not returned are left running (one that reads soon
// fails, its connection being cut; one that never reads runs on until it
// returns by itself), and each one's closing line is logged when it ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.http != nil {
		s.http.Close() // closes the listener and plain HTTP; hijacked connections are ours
	}
	s.closing = true
	for c := range s.conns {
		go c.Close(CloseGoingAway, "server shutting down")
	}
	for conn := range s.heads {
		conn.Close()
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() { s.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for c := range s.conns {
		c.hangUp()
	}
	s.mu.Unlock()
	return ctx.Err()
}

func (s *Server) logger() *log.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return log.Default()
}

// ServeHTTP upgrades a WebSocket request, serves Page on GET /, and refuses
// everything else. A Server may be mounted on a mux this way, as in
// mux.Handle("/ws", s): MaxConns, MaxMemory and the Options apply there as
// in Serve, and Shutdown closes its connections. Page is still served only
// for the path "/", so a mux mounted elsewhere serves its pages itself; and
// the http.Server is then the caller's, with its own timeouts in place of
// HeadTimeout and RequestTimeout.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case IsUpgrade(r):
		s.upgrade(w, r)
	case r.URL.Path != "/":
		http.NotFound(w, r)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(s.Page)
	}
}

// upgrade answers the handshake and starts the connection's goroutine.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) {
	who := s.clientAddr(r)
	if !s.take() {
		s.logger().Printf("%s: refused the upgrade: %d connections open, the most -max-conns allows (503)", who, s.MaxConns)
		w.Header().Set("Retry-After", retryAfter)
		w.Header().Set("Connection", "close")
		http.Error(w, "websocket: too many connections; try again later", http.StatusServiceUnavailable)
		return
	}
	c, err := Upgrade(w, r, &s.Options)
	if err != nil {
		s.release()
		s.logger().Printf("%s: %v", who, err)
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.Close(CloseGoingAway, "server shutting down")
		c.finish()
		s.release()
		return
	}
	if s.conns == nil {
		s.conns = map[*Conn]bool{}
	}
	s.conns[c] = true
	s.wg.Add(1)
	s.mu.Unlock()
	s.logger().Printf("%s: WebSocket open on %s", who, quote(r.URL.Path))
	// The connection gets a goroutine of its own and this handler returns,
	// so net/http lets go of the request and of the stack that parsing it
	// grew: an idle WebSocket costs only what it holds itself.
	go s.run(c, r, who)
}

// run serves c until it ends and says why. It does nothing else, so that
// its frame, under every Handler for as long as the connection lives, is
// small: an idle connection's goroutine keeps the smallest stack there is
// (docs/performance.md#memory-per-idle-connection).
func (s *Server) run(c *Conn, r *http.Request, who string) { // r is not kept once Handler returns
	s.serve(c, r, who)
	s.end(c, who)
}

// end lets go of c once its Handler has returned, and logs why it ended.
func (s *Server) end(c *Conn, who string) {
	why := c.finish()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.release()
	s.logger().Printf("%s: WebSocket closed: %v", who, why)
	s.wg.Done()
}

// serve runs the Handler. A Handler that panics takes down its connection,
// not the process: as net/http does, the panic is logged with its stack and
// the client gets 1011 (internal error, RFC 6455 §7.4.1).
func (s *Server) serve(c *Conn, r *http.Request, who string) {
	defer func() {
		if p := recover(); p != nil {
			s.logger().Printf("%s: panic in the Handler: %s\n%s", who, quote(fmt.Sprint(p)), debug.Stack()) // quoted: its text may be the client's
			c.Close(CloseInternalError, "")
		}
	}()
	s.Handler(c, r)
}

// take counts a connection in, if MaxConns allows another. It fills in
// the defaults first: a Server mounted on a mux has had no Serve to do it.
func (s *Server) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setDefaults()
	if s.MaxConns > 0 && s.taken >= s.MaxConns {
		return false
	}
	s.taken++
	return true
}

// release counts a connection out.
func (s *Server) release() {
	s.mu.Lock()
	s.taken--
	s.mu.Unlock()
}

// finish ends the connection once its Handler has returned: if the
// connection is still open it closes it with 1000 (normal closure) and reads
// until the client answers. It returns why the connection ended.
func (c *Conn) finish() error {
	if c.readErr != nil {
		return c.readErr
	}
	c.Close(CloseNormal, "")
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}
