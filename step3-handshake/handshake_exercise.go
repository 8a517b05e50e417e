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
	// TODO(exercise): return the request that lines describe, as the
	// comment above says. The contract, which handleConn relies on:
	//   - method, url and protocol are the three words of lines[0]; a
	//     request line of any other shape is an error;
	//   - every other line is one header field, looked up afterwards with
	//     req.header.Get in any case, its value without surrounding spaces,
	//     a repeated field keeping all its values in order;
	//   - a line that is not "Name: value" is an error that quotes it, so
	//     the server can answer 400 and say why.
	// Read docs/step3-handshake.md § Exercise (its hints open one at a
	// time), RFC 9112 §3 and §5.1, and the doc of net/http's Header. Then:
	//   go test -tags exercise ./step3-handshake
	return request{}, errors.New("getHeaders is not written yet (the exercise TODO in handshake_exercise.go)")
}

// splitHeader splits a header line "Name: value" into its name and its value
// without the surrounding spaces.
func splitHeader(line string) (name, value string, ok bool) {
	// TODO(exercise): the name is what comes before the first colon, the
	// value what follows it, without surrounding spaces; ok says whether
	// the line has a colon at all. describeHead uses it too.
	return "", "", false
}

// acceptKey computes the Sec-WebSocket-Accept value that answers a
// Sec-WebSocket-Key (RFC 6455 §4.2.2, step 5.4): append magicString to the
// key, hash the result with SHA-1 (the article says "hmac1", but it is plain
// SHA-1, no HMAC), and encode the 20-byte hash in standard base64.
func acceptKey(key string) string {
	// TODO(exercise): return the value the comment above describes, the
	// one a browser computes on its side and compares with what it gets
	// (RFC 6455 §4.2.2, item 5.4, and §1.3 for a worked example: the key
	// "dGhlIHNhbXBsZSBub25jZQ==" gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=").
	// Read docs/step3-handshake.md § Exercise and § Where the article cuts
	// corners, then run:
	//   go test -tags exercise ./step3-handshake
	return ""
}
