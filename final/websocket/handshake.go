package websocket

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MagicString is the GUID that RFC 6455 §1.3 appends to the client's key
// before hashing it (the article's magic_string; its companion README
// misspells it 285EAFA5).
const MagicString = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// IsUpgrade reports whether r asks for a WebSocket, even a malformed one:
// such a request gets Upgrade's answer (101, or why not), not a page.
func IsUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || r.Header.Get("Sec-WebSocket-Key") != "" || hasToken(r.Header, "Connection", "upgrade")
}

// Upgrade answers an opening handshake (RFC 6455 §4.2) with 101 Switching
// Protocols and returns the WebSocket connection, which the caller must end
// with Close or by reading until ReadMessage fails. Headers set on
// w.Header() before the call go out with the 101 (a cookie, a request id),
// except those the handshake owns: Upgrade, Connection and Sec-WebSocket-*.
// If the request is not a valid handshake, Upgrade answers it with the HTTP
// status that says why (400, 403, 405 or 426) and returns an error that
// says it in words. opts may be nil for the defaults.
func Upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (*Conn, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if status, why := checkHandshake(r, o.Origins); status != 0 {
		w.Header().Set("Sec-WebSocket-Version", "13") // §4.4: the version we speak
		w.Header().Set("Connection", "close")         // a refused upgrade ends the connection
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodGet)
		}
		http.Error(w, "websocket: "+why, status)
		return nil, fmt.Errorf("refused the handshake: %s (%d)", why, status)
	}
	rwc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "websocket: "+err.Error(), http.StatusInternalServerError)
		return nil, fmt.Errorf("websocket: cannot take over the connection: %w", err)
	}
	c := newConn(rwc, brw.Reader, o, false)
	c.subprotocol = chooseSubprotocol(o.Subprotocols, r.Header.Values("Sec-WebSocket-Protocol"))
	var extensions string
	if o.Compress {
		c.deflate, extensions = negotiate(r.Header.Values("Sec-WebSocket-Extensions"))
	}
	c.mu.Lock() // the keepalive timer may write already
	c.writeBy.extend(time.Now())
	err = writeAccept(brw.Writer, r.Header.Get("Sec-WebSocket-Key"), c.subprotocol, extensions, w.Header())
	c.mu.Unlock()
	if err != nil {
		rwc.Close()
		return nil, fmt.Errorf("websocket: cannot answer the handshake: %w", err)
	}
	return c, nil
}

// writeAccept writes the 101 response of §4.2.2, with the subprotocol and
// the extensions agreed, if any, and the caller's headers (a cookie, a
// request id) but for those the handshake owns.
func writeAccept(bw *bufio.Writer, key, subprotocol, extensions string, caller http.Header) error {
	bw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	writeField(bw, "Sec-WebSocket-Accept", AcceptKey(key))
	writeField(bw, "Sec-WebSocket-Protocol", subprotocol)
	writeField(bw, "Sec-WebSocket-Extensions", extensions)
	if len(caller) > 0 {
		callers := http.Header{}
		for name, values := range caller {
			if !ownedByHandshake(name) {
				callers[name] = values
			}
		}
		callers.Write(bw) // turns a newline in a value into a space: no line can be forged
	}
	bw.WriteString("\r\n")
	return bw.Flush()
}

// writeField writes the header line "name: value", unless value is empty.
func writeField(bw *bufio.Writer, name, value string) {
	if value != "" {
		bw.WriteString(name)
		bw.WriteString(": ")
		bw.WriteString(value)
		bw.WriteString("\r\n")
	}
}

// ownedByHandshake reports whether the header named is the handshake's to
// set (§4.2.2): a caller's value would contradict it.
func ownedByHandshake(name string) bool {
	name = http.CanonicalHeaderKey(name)
	return name == "Upgrade" || name == "Connection" || strings.HasPrefix(name, "Sec-Websocket-")
}

// chooseSubprotocol returns the first of ours that the client offered, or
// "". The offer may span several Sec-WebSocket-Protocol lines, each a
// comma-separated list of tokens (§4.2.1 item 8, §11.3.4); tokens are
// compared exactly, as subprotocol names are case-sensitive (RFC 7936).
func chooseSubprotocol(ours, offered []string) string {
	for _, p := range ours {
		for _, line := range offered {
			for t := range strings.SplitSeq(line, ",") {
				if strings.TrimSpace(t) == p {
					return p
				}
			}
		}
	}
	return ""
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
	// The handshake is a head alone (§4.1): a body, which a proxy passes on
	// as such, would reach us as frames. Python's websockets refuses it too.
	case r.ContentLength != 0 || len(r.TransferEncoding) > 0:
		return http.StatusBadRequest, "the handshake must not have a body"
	case !r.ProtoAtLeast(1, 1):
		return http.StatusBadRequest, "the handshake needs HTTP/1.1"
	case !hasToken(r.Header, "Upgrade", "websocket"):
		return http.StatusBadRequest, "missing Upgrade: websocket"
	case !hasToken(r.Header, "Connection", "upgrade"):
		return http.StatusBadRequest, "missing Connection: Upgrade"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return http.StatusUpgradeRequired, "Sec-WebSocket-Version must be 13"
	case len(r.Header.Values("Sec-WebSocket-Key")) > 1:
		return http.StatusBadRequest, "more than one Sec-WebSocket-Key" // §11.3.1: it may not be repeated
	case err != nil || len(nonce) != 16 || len(key) != 24:
		return http.StatusBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64"
	// A browser always sends the page's origin: refusing other sites stops
	// them from using a visitor's cookies here (cross-site WebSocket
	// hijacking). Clients that are not browsers send none.
	case origin != "" && !originAllowed(origin, r.Host, origins):
		return http.StatusForbidden, "origin " + quote(origin) + " is not allowed"
	}
	return 0, ""
}

// originAllowed reports whether a page from origin may connect (§10.2): a
// page of this server, whose Origin's host is the request's Host, or one
// that a pattern of Options.Origins matches (path.Match, any case; "*" is
// any origin).
func originAllowed(origin, host string, patterns []string) bool {
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	return slices.ContainsFunc(patterns, func(p string) bool {
		matched, _ := path.Match(strings.ToLower(p), strings.ToLower(origin)) // a malformed pattern matches nothing
		return p == "*" || matched
	})
}

// quote makes text the client chose safe for a log line: quoted, so that
// a newline or a terminal escape shows as \n or \x1b instead of forging a
// line or recolouring the terminal, and cut to maxLogText bytes.
func quote(text string) string {
	if len(text) > maxLogText {
		return fmt.Sprintf("%q… (%d bytes)", text[:maxLogText], len(text))
	}
	return strconv.Quote(text)
}

// maxLogText is the most of a client's text that goes into a log line.
const maxLogText = 100

// AcceptKey computes Sec-WebSocket-Accept (§4.2.2): SHA-1 of the key and
// MagicString, in base64. The article calls it "hmac1"; it is plain SHA-1.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + MagicString))
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
