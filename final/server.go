package main

import (
	"crypto/sha1"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// magicString is the GUID that RFC 6455 §1.3 appends to the client's key
// (the article's magic_string; its companion README misspells it 285EAFA5).
const magicString = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

//go:embed page.html
var page []byte

// config is what the flags set.
type config struct {
	maxMessage   int64         // bytes; a longer message is refused with 1009
	origins      []string      // allowed Origin headers; none allows all
	idleTimeout  time.Duration // close a connection that sends nothing this long; 0 never
	headTimeout  time.Duration // for a request head to arrive in full (slowloris)
	writeTimeout time.Duration // for a frame to leave; a client that stops reading must not hold a goroutine for ever
	verbose      bool          // log every frame as a picture
}

// server serves the page on GET / and turns an upgrade request on any path
// into a WebSocket connection, like the article's server.
type server struct {
	cfg    config
	logger *log.Logger
	http   *http.Server

	mu      sync.Mutex
	conns   map[*conn]bool // open WebSocket connections
	closing bool
	wg      sync.WaitGroup // counts the open WebSocket connections
}

func newServer(cfg config, out io.Writer) *server {
	s := &server{cfg: cfg, logger: log.New(out, "", log.Ltime), conns: map[*conn]bool{}}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.headTimeout, // for a client that never finishes its request
		MaxHeaderBytes:    128 << 10,       // larger request heads get 431 (a ?auto= URL may be long)
		IdleTimeout:       time.Minute,     // between plain HTTP requests
		ErrorLog:          s.logger,
	}
	return s
}

// serve accepts connections on ln until shutdown.
func (s *server) serve(ln net.Listener) error {
	if err := s.http.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// shutdown stops accepting, sends every client a close frame with 1001
// (going away) and waits for them to hang up until done is closed; then it
// cuts the connections that are left.
func (s *server) shutdown(done <-chan struct{}) {
	s.http.Close() // closes the listener and plain HTTP; hijacked connections are ours
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		go c.writeClose(closeGoingAway, "server shutting down")
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() { s.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return
	case <-done:
	}
	s.mu.Lock()
	for c := range s.conns {
		c.rwc.Close()
	}
	s.mu.Unlock()
	<-finished
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Header.Get("Upgrade") != "" || r.Header.Get("Sec-WebSocket-Key") != "" || hasToken(r.Header, "Connection", "upgrade"):
		s.upgrade(w, r)
	case r.URL.Path != "/":
		http.NotFound(w, r)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}
}

// checkHandshake checks an opening handshake (RFC 6455 §4.2.1) and returns
// the HTTP status to refuse it with and why, or 0. net/http has parsed the
// request (the article's get_headers): header names are case-insensitive, and
// Connection and Upgrade are token lists (Firefox: "keep-alive, Upgrade").
func checkHandshake(r *http.Request, origins []string) (int, string) {
	key, origin := r.Header.Get("Sec-WebSocket-Key"), r.Header.Get("Origin")
	nonce, err := base64.StdEncoding.DecodeString(key)
	switch {
	case r.Method != http.MethodGet:
		return http.StatusMethodNotAllowed, "the handshake must be a GET"
	case !r.ProtoAtLeast(1, 1):
		return http.StatusBadRequest, "the handshake needs HTTP/1.1"
	case !hasToken(r.Header, "Upgrade", "websocket"):
		return http.StatusBadRequest, "missing Upgrade: websocket"
	case !hasToken(r.Header, "Connection", "upgrade"):
		return http.StatusBadRequest, "missing Connection: Upgrade"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return http.StatusUpgradeRequired, "Sec-WebSocket-Version must be 13"
	case err != nil || len(nonce) != 16 || len(key) != 24:
		return http.StatusBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64"
	// A browser always sends the page's origin: refusing other sites stops
	// them from using a visitor's cookies here (cross-site WebSocket
	// hijacking). Clients that are not browsers send none.
	case len(origins) > 0 && origin != "" && !slices.ContainsFunc(origins, func(o string) bool { return strings.EqualFold(o, origin) }):
		return http.StatusForbidden, fmt.Sprintf("origin %q is not allowed", origin)
	}
	return 0, ""
}

// acceptKey computes Sec-WebSocket-Accept (§4.2.2): SHA-1 of the key and
// magicString, in base64. The article calls it "hmac1"; it is plain SHA-1.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + magicString))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// hasToken reports whether the comma-separated header lists token, in any case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// upgrade answers the handshake with 101 Switching Protocols, then runs the
// WebSocket connection in this goroutine until it ends.
func (s *server) upgrade(w http.ResponseWriter, r *http.Request) {
	if status, why := checkHandshake(r, s.cfg.origins); status != 0 {
		w.Header().Set("Sec-WebSocket-Version", "13") // §4.4: the version we speak
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodGet)
		}
		s.logger.Printf("%s: refused the handshake: %s (%d)", r.RemoteAddr, why, status)
		http.Error(w, "websocket: "+why, status)
		return
	}
	rwc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "websocket: "+err.Error(), http.StatusInternalServerError)
		return
	}
	// Reuse the HTTP server's 4 KiB read buffer rather than add another (write
	// buffers are lent per message, see writers); read straight from the
	// socket unless the client already sent more.
	if brw.Reader.Buffered() == 0 {
		brw.Reader.Reset(rwc)
	}
	c := &conn{rwc: rwc, br: brw.Reader, maxMessage: s.cfg.maxMessage,
		idleTimeout: s.cfg.idleTimeout, logger: s.logger, verbose: s.cfg.verbose,
		readBy:  deadline{set: rwc.SetReadDeadline, timeout: s.cfg.idleTimeout},
		writeBy: deadline{set: rwc.SetWriteDeadline, timeout: s.cfg.writeTimeout}}
	rwc.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
	fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\n\r\n", acceptKey(r.Header.Get("Sec-WebSocket-Key")))
	if err := brw.Flush(); err != nil {
		rwc.Close()
		return
	}

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.writeClose(closeGoingAway, "server shutting down")
		c.lingeringClose()
		return
	}
	s.conns[c] = true
	s.wg.Add(1)
	s.mu.Unlock()
	s.logger.Printf("%s: WebSocket open on %s", r.RemoteAddr, r.URL.Path)
	// The connection gets a goroutine of its own and this handler returns,
	// so net/http lets go of the request and of the stack that parsing it
	// grew: an idle WebSocket costs only what it holds itself.
	go s.run(c, r.RemoteAddr)
}

// run serves c until it ends and says why.
func (s *server) run(c *conn, who string) {
	s.logger.Printf("%s: WebSocket closed: %s", who, c.serve())
	s.mu.Lock()
	delete(s.conns, c)
	s.wg.Done()
	s.mu.Unlock()
}
