package websocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// DialOptions configures Dial. The zero value, or a nil *DialOptions, gives
// the defaults.
type DialOptions struct {
	// Options apply to the client's connection as to a server's: the
	// limits, the timeouts, keepalive pings and OnFrame. With Compress the
	// client offers permessage-deflate (RFC 7692) and compresses its
	// messages if the server agrees. Origins is the server's and is not
	// used; Subprotocols is DialOptions' own.
	Options

	// Header is sent with the opening request: an Origin, a cookie,
	// Authorization. Those the handshake owns (Upgrade, Connection,
	// Sec-WebSocket-*) are left out; Host is the URL's.
	Header http.Header

	// Subprotocols are offered in Sec-WebSocket-Protocol, in order of
	// preference; Conn.Subprotocol says which one the server chose, if any.
	Subprotocols []string

	// TLSConfig is used for a wss:// URL; nil means the system's roots. Its
	// ServerName, if empty, is the URL's host.
	TLSConfig *tls.Config

	// NetDial, if set, opens the TCP connection instead of a net.Dialer:
	// through a proxy, say, or to keep the net.Conn for something the
	// package does not do (final/client writes raw bytes on it).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// maxRefusalBody is the most of a refusal's body that Dial keeps in the
// *http.Response it returns.
const maxRefusalBody = 4 << 10

// Dial opens a WebSocket connection to a ws:// or wss:// URL (RFC 6455
// §4.1) and returns it, with the server's response. ctx bounds the dial and
// the opening handshake only: cancel it afterwards, the connection goes on.
// Whatever ctx allows, the handshake (TLS included) must finish within
// Options.IdleTimeout of the TCP connection (unless it is negative), as a
// connection that says nothing for that long is cut: a silent server is not
// waited for for ever.
// If the server refuses (an answer other than 101), the response comes back
// with the error, its body cut to 4 KiB, so the caller can see why; an
// answer that breaks §4.1 (a wrong Sec-WebSocket-Accept, a subprotocol or
// an extension that was not offered) fails with an error that says which
// rule. The connection is the same *Conn as a server's, with the same
// methods and concurrency rules; on this side every frame sent is masked
// (§5.3), and Close waits for the server to close TCP first (§7.1.1).
// opts may be nil for the defaults.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, *http.Response, error) {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: %w", err)
	}
	idle := o.Options.withDefaults().IdleTimeout
	rwc, err := dialURL(ctx, u, &o, idle)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: dial %s: %w", u.Redacted(), err)
	}
	// A ctx that ends interrupts the handshake's reads and writes.
	stop := context.AfterFunc(ctx, func() { rwc.SetDeadline(time.Unix(1, 0)) })
	resp, br, agreed, err := openingHandshake(rwc, u, &o)
	switch {
	case !stop() && ctx.Err() != nil:
		err = fmt.Errorf("websocket: the opening handshake with %s did not finish: %w", u.Host, ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("websocket: the opening handshake with %s did not finish within %v (Options.IdleTimeout): %w", u.Host, idle, err)
	}
	if err != nil {
		rwc.Close()
		return nil, resp, err
	}
	rwc.SetDeadline(time.Time{})
	c := newConn(rwc, br, o.Options, true)
	c.subprotocol, c.deflate = agreed.subprotocol, agreed.deflate
	return c, resp, nil
}

// dialURL opens the TCP connection to u's host, and TLS over it for wss://.
// From the moment TCP is open, the handshakes have idle to finish (none if
// it is negative), whatever ctx says: a silent server is not waited for for
// ever.
func dialURL(ctx context.Context, u *url.URL, o *DialOptions, idle time.Duration) (net.Conn, error) {
	port := map[string]string{"ws": "80", "wss": "443"}[u.Scheme]
	if port == "" {
		return nil, fmt.Errorf("the URL's scheme must be ws or wss, not %q", u.Scheme)
	}
	if u.Port() != "" {
		port = u.Port()
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	dial := o.NetDial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	rwc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if idle > 0 {
		rwc.SetDeadline(time.Now().Add(idle))
	}
	if u.Scheme == "ws" {
		return rwc, nil
	}
	cfg := &tls.Config{}
	if o.TLSConfig != nil {
		cfg = o.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = u.Hostname()
	}
	cfg.NextProtos = []string{"http/1.1"} // WebSockets stay on HTTP/1.1 (RFC 8441 is not spoken here)
	tc := tls.Client(rwc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		rwc.Close()
		return nil, err
	}
	return tc, nil
}

// newMasks is a client's source of masking keys: a ChaCha8 seeded from
// crypto/rand, unpredictable without a system call per frame.
func newMasks() *mathrand.ChaCha8 {
	var seed [32]byte
	rand.Read(seed[:])
	return mathrand.NewChaCha8(seed)
}

// agreement is what the server's 101 agreed to.
type agreement struct {
	subprotocol string
	deflate     deflateParams
}

// openingHandshake sends the opening request (§4.1) on rwc, then reads and
// checks the answer. The reader it returns may hold the first frames
// already: they came in the same read as the 101.
func openingHandshake(rwc net.Conn, u *url.URL, o *DialOptions) (*http.Response, *bufio.Reader, agreement, error) {
	key, err := newChallengeKey()
	if err != nil {
		return nil, nil, agreement{}, err
	}
	req := openingRequest(u, key, o)
	if err := req.Write(rwc); err != nil {
		return nil, nil, agreement{}, fmt.Errorf("websocket: cannot send the opening request: %w", err)
	}
	br := bufio.NewReaderSize(rwc, readBufferSize)
	resp, agreed, err := readHandshake(br, req, key, o)
	return resp, br, agreed, err
}

// openingRequest is the GET of §4.1 with key, the offers and the caller's
// headers.
func openingRequest(u *url.URL, key string, o *DialOptions) *http.Request {
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Host: u.Host}
	for name, values := range o.Header {
		if !ownedByHandshake(name) {
			req.Header[http.CanonicalHeaderKey(name)] = values
		}
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if len(o.Subprotocols) > 0 {
		req.Header.Set("Sec-WebSocket-Protocol", strings.Join(o.Subprotocols, ", "))
	}
	if o.Compress {
		// Each message is compressed on its own (a flate.Writer from a
		// pool): say so, and the server need not keep our window.
		req.Header.Set("Sec-WebSocket-Extensions", extensionName+"; client_no_context_takeover")
	}
	return req
}

// readHandshake reads the server's answer to req, sent with key, and
// checks it: 101 (§4.1: any other status ends the attempt), then
// checkAccept, then what the server agreed to (checkAgreement).
func readHandshake(br *bufio.Reader, req *http.Request, key string, o *DialOptions) (*http.Response, agreement, error) {
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, agreement{}, fmt.Errorf("websocket: cannot read the server's answer to the opening request: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRefusalBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, agreement{}, fmt.Errorf("websocket: the server answered %s, not 101 Switching Protocols (RFC 6455 §4.1)", quote(resp.Status))
	}
	if err := checkAccept(resp, key); err != nil {
		return resp, agreement{}, err
	}
	agreed, err := checkAgreement(resp.Header, o)
	return resp, agreed, err
}

var (
	errUnofferedSubprotocol = errors.New("websocket: the server chose a subprotocol that was not offered (RFC 6455 §4.1)")
	errUnofferedExtension   = errors.New("websocket: the server agreed to an extension that was not offered, or not as offered (RFC 6455 §4.1, RFC 7692 §5)")
)

// checkAgreement checks what the server's 101 agreed to against what was
// offered (§4.1, the client's checks 5 and 6): one subprotocol at most, one
// of those offered; and no extension but permessage-deflate, if offered,
// with parameters it allows (RFC 7692 §7.1).
func checkAgreement(h http.Header, o *DialOptions) (agreement, error) {
	var a agreement
	switch protocols := h.Values("Sec-WebSocket-Protocol"); {
	case len(protocols) > 1, len(protocols) == 1 && !slices.Contains(o.Subprotocols, protocols[0]):
		return a, errUnofferedSubprotocol
	case len(protocols) == 1:
		a.subprotocol = protocols[0]
	}
	extensions := h.Values("Sec-WebSocket-Extensions")
	if len(extensions) == 0 {
		return a, nil
	}
	p, ok := acceptAnswer(extensions[0])
	if !o.Compress || len(extensions) > 1 || !ok {
		return a, errUnofferedExtension
	}
	a.deflate = p
	return a, nil
}

// acceptAnswer reads the server's permessage-deflate answer to our offer
// (RFC 7692 §7.1): server_no_context_takeover means the server compresses
// each message on its own, so we keep no window; server_max_window_bits of
// 8 to 15 needs nothing (our inflater's window is 32 KiB);
// client_no_context_takeover is what we do anyway. Anything else, or a
// parameter twice, declines it; client_max_window_bits was not offered.
func acceptAnswer(answer string) (deflateParams, bool) {
	p := deflateParams{on: true}
	ok := eachParam(answer, func(name, value string, hasValue bool) bool {
		_, validBits := windowBits(value)
		switch {
		case name == "server_no_context_takeover" && !hasValue:
			p.peerNoContext = true
		case name == "client_no_context_takeover" && !hasValue:
		case name == "server_max_window_bits" && validBits:
		default:
			return false
		}
		return true
	})
	return p, ok
}
