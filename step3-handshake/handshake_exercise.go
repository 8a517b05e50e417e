//go:build exercise

package main

import (
	"errors"
	"net/http"
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
	// TODO(exercise):
	//   - Split lines[0] on " " into exactly three parts: method, url,
	//     protocol. Anything else is an error.
	//   - For every other line, use splitHeader to get name and value. A line
	//     without a colon, or a name that is empty or contains a space or a
	//     tab, is an error (fmt.Errorf, saying which line).
	//   - Collect the fields with req.header.Add(name, value): http.Header
	//     stores names in canonical form, so Get works whatever the case.
	// Read docs/step3-handshake.md, "Exercise", then run:
	//   go test -tags exercise ./step3-handshake
	return request{}, errors.New("getHeaders is not written yet (the exercise TODO in handshake_exercise.go)")
}

// splitHeader splits a header line "Name: value" into its name and its value
// without the surrounding spaces.
func splitHeader(line string) (name, value string, ok bool) {
	// TODO(exercise): strings.Cut the line at the first ":" and
	// strings.TrimSpace the value.
	return "", "", false
}

// acceptKey computes the Sec-WebSocket-Accept value that answers a
// Sec-WebSocket-Key (RFC 6455 §4.2.2, step 5.4): append magicString to the
// key, hash the result with SHA-1 (the article says "hmac1", but it is plain
// SHA-1, no HMAC), and encode the 20-byte hash in standard base64.
func acceptKey(key string) string {
	// TODO(exercise): crypto/sha1's Sum of key+magicString, then
	// encoding/base64's StdEncoding.EncodeToString of the 20 bytes.
	// Check yourself against RFC 6455 §1.3: the key
	// "dGhlIHNhbXBsZSBub25jZQ==" must give "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
	return ""
}
