//go:build !exercise

package websocket

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
)

// The client's own half of RFC 6455: the key of the opening request and
// the check of the server's answer (§4.1), and masking what it sends
// (§5.3). Dial (dial.go) and the write path (write.go) use them; this file
// is the client's exercise (clientkey_exercise.go, docs/client.md).

// newChallengeKey is the opening request's Sec-WebSocket-Key (§4.1): a
// nonce of 16 random bytes, fresh for each connection, in base64.
func newChallengeKey() (string, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(nonce[:]), nil
}

// checkAccept checks the 101 answer to a request with key (§4.1, the
// client's checks 2-4): Upgrade is websocket and Connection upgrade, in any
// case, and Sec-WebSocket-Accept is AcceptKey(key); otherwise the client
// must fail the connection, with an error that says which rule.
func checkAccept(resp *http.Response, key string) error {
	switch {
	case !hasToken(resp.Header, "Upgrade", "websocket"):
		return fmt.Errorf("websocket: the server's 101 lacks Upgrade: websocket (RFC 6455 §4.1)")
	case !hasToken(resp.Header, "Connection", "upgrade"):
		return fmt.Errorf("websocket: the server's 101 lacks Connection: Upgrade (RFC 6455 §4.1)")
	case resp.Header.Get("Sec-WebSocket-Accept") != AcceptKey(key):
		return fmt.Errorf("websocket: the server's Sec-WebSocket-Accept %s is not the one for our key (RFC 6455 §4.1)",
			quote(resp.Header.Get("Sec-WebSocket-Accept")))
	}
	return nil
}

// newMaskKey draws the masking key of the next frame (§5.3): fresh for
// every frame and unpredictable, so that a page's script cannot choose the
// bytes a proxy sees (§10.3). c.masks is a ChaCha8 seeded from crypto/rand:
// as unpredictable, without a system call per frame. Called under c.mu.
func (c *Conn) newMaskKey() [4]byte {
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], uint32(c.masks.Uint64()))
	return key
}

// maskHeader turns the header of an unmasked frame into a client's (§5.2):
// the MASK bit set in byte 1 and the key after the length. The header
// itself is never masked; only the payload is.
func maskHeader(header []byte, key [4]byte) []byte {
	header[1] |= maskBit
	return append(header, key[:]...)
}

// writeMasked writes p masked with key to w (§5.3), p being the bytes from
// offset on of the frame's payload: byte i of the payload is XORed with
// key[i%4]. p is the caller's message and is left as it was: the bytes are
// masked in w's buffer.
func writeMasked(w *bufio.Writer, p []byte, key [4]byte, offset int) error {
	for len(p) > 0 {
		if w.Available() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
		piece := w.AvailableBuffer()
		piece = append(piece, p[:min(len(p), cap(piece))]...)
		maskBytes(rotate(key, offset), piece)
		w.Write(piece)
		p, offset = p[len(piece):], offset+len(piece)
	}
	return nil
}
