package main

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// magicString is the GUID that RFC 6455 §1.3 fixes for every WebSocket
// server; the article calls it magic_string. (Beware of copies that spell it
// 285EAFA5-…: with that typo no browser accepts the answer.)
const magicString = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// request is what getHeaders makes of a request head: the three parts of the
// request line and the header fields.
type request struct {
	method, url, protocol string
	// header holds the fields under their canonical names: header names
	// are case-insensitive, so header.Get("sec-websocket-key") finds a line
	// sent as "Sec-WebSocket-Key: …".
	header http.Header
}

// getHeaders parses the lines of a request head (as readHead returns them):
// the request line "GET /xxoo HTTP/1.1" and then one "Name: value" line per
// header field (RFC 9112 §3 and §5). Spaces around a value are not part of
// it. A field that appears twice keeps both values, in order.
//
// It is the Go version of the article's get_headers, which crashes on a line
// without a colon; getHeaders returns an error instead.
func getHeaders(lines []string) (request, error) {
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 {
		return request{}, fmt.Errorf("request line %q is not METHOD URL PROTOCOL", lines[0])
	}
	req := request{method: parts[0], url: parts[1], protocol: parts[2], header: http.Header{}}
	for _, line := range lines[1:] {
		name, value, ok := splitHeader(line)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return request{}, fmt.Errorf("header line %q is not Name: value", line)
		}
		req.header.Add(name, value)
	}
	return req, nil
}

// splitHeader splits a header line "Name: value" into its name and its value
// without the surrounding spaces.
func splitHeader(line string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(line, ":")
	return name, strings.TrimSpace(value), ok
}

// acceptKey computes the Sec-WebSocket-Accept value that answers a
// Sec-WebSocket-Key (RFC 6455 §4.2.2, step 5.4): append magicString to the
// key, hash the result with SHA-1 (the article says "hmac1", but it is plain
// SHA-1, no HMAC), and encode the 20-byte hash in standard base64.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + magicString))
	return base64.StdEncoding.EncodeToString(sum[:])
}
