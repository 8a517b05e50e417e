package websocket

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// The tests of the client's exercise (clientkey.go): each calls the
// functions alone, so they pass once clientkey_exercise.go is written,
// whatever the state of the other exercise (assemble_exercise.go). Run them
// alone with go test -tags exercise -run ClientKey ./final/websocket.

// hintClient ends every failure: where to write, and what to read.
const hintClient = "write it in final/websocket/clientkey_exercise.go (docs/client.md, the client's exercise)"

// answer is a 101 with the given Upgrade, Connection and Accept.
func answer(upgrade, connection, accept string) *http.Response {
	return &http.Response{StatusCode: http.StatusSwitchingProtocols, Header: http.Header{
		"Upgrade": {upgrade}, "Connection": {connection}, "Sec-Websocket-Accept": {accept}}}
}

// maskedOnTheWire writes payload with writeMasked in pieces of size step,
// as writeFrame does with its chunks, and returns what reached the wire.
func maskedOnTheWire(t *testing.T, payload []byte, key [4]byte, step int) []byte {
	t.Helper()
	var wire bytes.Buffer
	bw := bufio.NewWriterSize(&wire, 16) // small: a payload needs several buffers
	for sent := 0; sent < len(payload); sent += step {
		require.NoError(t, writeMasked(bw, payload[sent:min(sent+step, len(payload))], key, sent), "writeMasked: %s", hintClient)
	}
	require.NoError(t, bw.Flush())
	return wire.Bytes()
}

func TestClientKeyChallenge(t *testing.T) {
	key, err := newChallengeKey()
	require.NoError(t, err, "newChallengeKey: %s", hintClient)
	nonce, err := base64.StdEncoding.DecodeString(key)
	require.NoError(t, err, "the key is base64 (RFC 6455 §4.1, item 7): %s", hintClient)
	assert.Len(t, nonce, 16, "the key is a 16-byte nonce (RFC 6455 §4.1, item 7): %s", hintClient)
	other, _ := newChallengeKey()
	assert.NotEqual(t, key, other, "a fresh nonce for each connection (RFC 6455 §4.1): %s", hintClient)
}

func TestClientKeyChecksTheAnswer(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 §1.3's sample
	right := wstest.AcceptKey(key)         // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
	tests := []struct {
		name string
		resp *http.Response
		ok   bool
		hint string
	}{
		{"accepts the RFC sample", answer("websocket", "Upgrade", right), true, "RFC 6455 §1.3: the Accept of the sample key"},
		{"tokens in any case", answer("WebSocket", "keep-alive, upgrade", right), true, "RFC 6455 §4.1: Upgrade and Connection are compared without case, Connection is a list"},
		{"refuses a wrong Accept", answer("websocket", "Upgrade", wstest.AcceptKeyWith(key, "285EAFA5-E914-47DA-95CA-C5AB0DC85B11")), false,
			"RFC 6455 §4.1, check 4: the Accept must be SHA-1 of our key and the GUID (the article's misspelt GUID gives this one)"},
		{"refuses the key itself as Accept", answer("websocket", "Upgrade", key), false, "RFC 6455 §4.1, check 4"},
		{"refuses a missing Upgrade", answer("", "Upgrade", right), false, "RFC 6455 §4.1, check 2"},
		{"refuses a missing Connection", answer("websocket", "keep-alive", right), false, "RFC 6455 §4.1, check 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAccept(tt.resp, key)
			if tt.ok {
				assert.NoError(t, err, "%s: %s", tt.hint, hintClient)
			} else {
				assert.Error(t, err, "%s: %s", tt.hint, hintClient)
			}
		})
	}
}

func TestClientKeyMasksAFrame(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d} // RFC 6455 §5.7's
	header := maskHeader(appendFrameHeader(nil, textFrame, 5), key)
	assert.Equal(t, []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}, header, "MASK set and the key after the length (RFC 6455 §5.2, §5.7): %s", hintClient)
	header = maskHeader(appendFrameHeader(nil, binaryFrame, 256), key)
	assert.Equal(t, []byte{0x82, 0xfe, 0x01, 0x00, 0x37, 0xfa, 0x21, 0x3d}, header, "the key comes after the 16-bit length (RFC 6455 §5.2): %s", hintClient)

	hello := []byte("Hello")
	assert.Equal(t, []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}, maskedOnTheWire(t, hello, key, 5),
		"the RFC 6455 §5.7 masked \"Hello\": byte i XOR key[i%%4]: %s", hintClient)
	assert.Equal(t, "Hello", string(hello), "the caller's message is left as it was: mask a copy (RFC 6455 §5.3): %s", hintClient)

	c := &Conn{masks: newMasks()}
	assert.NotEqual(t, [4]byte{}, c.newMaskKey(), "newMaskKey draws from c.masks (RFC 6455 §5.3): %s", hintClient)
}

// TestClientKeyMistakes: each case is a mistake a learner makes in the
// client's half, and the rule it breaks.
func TestClientKeyMistakes(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	payload := bytes.Repeat([]byte("0123456789"), 10)
	want := append([]byte(nil), payload...)
	maskBytes(key, want)
	tests := []struct {
		name string
		ok   func(t *testing.T) bool
		hint string
	}{
		{"reusing one masking key", func(t *testing.T) bool {
			c := &Conn{masks: newMasks()}
			seen := map[[4]byte]bool{}
			for range 1000 {
				seen[c.newMaskKey()] = true
			}
			return len(seen) > 990
		}, "every frame gets a fresh, unpredictable key, or a script could choose the bytes a proxy sees (RFC 6455 §5.3, §10.3)"},
		{"masking the header", func(t *testing.T) bool {
			h := maskHeader(appendFrameHeader(nil, textFrame, 3), key)
			return bytes.Equal(h, []byte{0x81, 0x83, 1, 2, 3, 4})
		}, "only the payload is masked; the header, the length and the key go as they are (RFC 6455 §5.2, §5.3)"},
		{"restarting the key at each piece", func(t *testing.T) bool {
			return bytes.Equal(maskedOnTheWire(t, payload, key, 7), want)
		}, "a payload that leaves in pieces goes on with the key where the last piece stopped: rotate(key, offset) (RFC 6455 §5.3)"},
		{"masking the caller's message in place", func(t *testing.T) bool {
			p := []byte("unchanged")
			maskedOnTheWire(t, p, key, 9)
			return string(p) == "unchanged"
		}, "WriteMessage's caller may send the same bytes again: mask a copy"},
		{"accepting a wrong Accept", func(t *testing.T) bool {
			return checkAccept(answer("websocket", "Upgrade", AcceptKey("another key")), "dGhlIHNhbXBsZSBub25jZQ==") != nil
		}, "the Accept proves that the server read our key: compare it with AcceptKey(key) (RFC 6455 §4.1, check 4)"},
		{"accepting a 101 that is no WebSocket", func(t *testing.T) bool {
			return checkAccept(answer("h2c", "Upgrade", AcceptKey("k")), "k") != nil
		}, "a 101 may switch to another protocol: Upgrade must say websocket (RFC 6455 §4.1, check 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.True(t, tt.ok(t), "%s: %s", tt.hint, hintClient)
		})
	}
}
