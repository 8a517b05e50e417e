//go:build exercise

package websocket

import (
	"bufio"
	"fmt"
	"net/http"
)

// The client's exercise: write the client's own half of RFC 6455, the key
// of the opening request and the check of the server's answer (§4.1), and
// masking what it sends (§5.3). Given: AcceptKey and hasToken
// (handshake.go), maskBytes, rotate and maskBit (frame.go), and c.masks, a
// ChaCha8 seeded from crypto/rand (dial.go). Read docs/client.md, "The
// client's exercise", then run
//
//	go test -tags exercise -run ClientKey ./final/websocket
//	go run -tags exercise ./final/client ws://127.0.0.1:8002/xxoo   # with go run ./final

// newChallengeKey is the opening request's Sec-WebSocket-Key (§4.1): a
// nonce of 16 random bytes, fresh for each connection, in base64.
func newChallengeKey() (string, error) {
	// TODO(exercise): crypto/rand and encoding/base64.
	return "", errClientNotWritten("newChallengeKey")
}

// checkAccept checks the 101 answer to a request with key (§4.1, the
// client's checks 2-4): Upgrade is websocket and Connection upgrade, in any
// case, and Sec-WebSocket-Accept is AcceptKey(key); otherwise it returns an
// error that says which rule.
func checkAccept(resp *http.Response, key string) error {
	// TODO(exercise): three checks; the status, 101, is checked before.
	return errClientNotWritten("checkAccept")
}

// newMaskKey draws the masking key of the next frame (§5.3): fresh for
// every frame and unpredictable (§10.3), from c.masks. Called under c.mu.
func (c *Conn) newMaskKey() [4]byte {
	// TODO(exercise): four bytes from c.masks.
	return [4]byte{}
}

// maskHeader turns the header of an unmasked frame into a client's (§5.2):
// the MASK bit set in byte 1 and the key after the length. The header
// itself is never masked.
func maskHeader(header []byte, key [4]byte) []byte {
	// TODO(exercise): one bit and four bytes.
	return header
}

// writeMasked writes p masked with key to w (§5.3), p being the bytes from
// offset on of the frame's payload: byte i of the payload is XORed with
// key[i%4]. p is the caller's message and must be left as it was.
func writeMasked(w *bufio.Writer, p []byte, key [4]byte, offset int) error {
	// TODO(exercise): mask a copy (w.AvailableBuffer is a place for it);
	// rotate(key, offset) is the key for bytes that start at offset.
	return errClientNotWritten("writeMasked")
}

// errClientNotWritten says which function of the client's exercise is
// still a stub.
func errClientNotWritten(name string) error {
	return fmt.Errorf("websocket: %s is not written yet (final/websocket/clientkey_exercise.go; docs/client.md, the client's exercise)", name)
}
