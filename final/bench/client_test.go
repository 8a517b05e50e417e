package main

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaEcho is an in-process echo server for testing the load generator's
// client: gorilla is an independent implementation of the protocol. With
// compress, it accepts permessage-deflate.
func gorillaEcho(t *testing.T, compress bool) string {
	t.Helper()
	up := websocket.Upgrader{WriteBufferSize: 4096, EnableCompression: compress} // fragments long messages
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			wr, err := c.NextWriter(mt)
			if err != nil {
				return
			}
			wr.Write(b)
			if wr.Close() != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Every length encoding of the client's frames, and fragmented answers
// (gorilla sends anything longer than its write buffer in several frames).
func TestClientEcho(t *testing.T) {
	addr := gorillaEcho(t, false)
	c, err := dial(addr, readBufferBytes, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for _, n := range []int{0, 1, 16, 125, 126, 1024, 65535, 65536, 1 << 20} {
		p := bytes.Repeat([]byte("websocket"), n/9+1)[:n]
		for _, op := range []byte{opText, opBinary} {
			if err := checkEcho(c, op, p); err != nil {
				t.Errorf("%d bytes, opcode %d: %v", n, op, err)
			}
		}
	}
}

func TestClientFrameHeader(t *testing.T) {
	tests := []struct {
		n    int
		head []byte
	}{
		{5, []byte{0x81, 0x85}},
		{125, []byte{0x81, 0xFD}},
		{126, []byte{0x81, 0xFE, 0x00, 0x7E}},
		{65536, []byte{0x81, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		f := clientFrame(opText, make([]byte, tt.n))
		if !bytes.HasPrefix(f, tt.head) || len(f) != len(tt.head)+4+tt.n {
			t.Errorf("%d bytes: header % x, length %d", tt.n, f[:len(tt.head)], len(f))
		}
	}
}

func TestRoundOrderAlternates(t *testing.T) {
	a, b := &target{name: "final"}, &target{name: "gorilla"}
	targets := []*target{a, b}
	var got []string
	for r := 1; r <= 4; r++ {
		for _, tg := range roundOrder(r, targets) {
			got = append(got, tg.name)
		}
	}
	want := "final gorilla gorilla final final gorilla gorilla final"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("order = %q, want %q", g, want)
	}
	if targets[0] != a {
		t.Error("roundOrder changed its argument")
	}
}

// unmaskFrame takes a single client frame apart: its first byte and its
// unmasked payload.
func unmaskFrame(t *testing.T, f []byte) (byte, []byte) {
	t.Helper()
	n, rest := int(f[1]&0x7F), f[2:]
	switch n {
	case 126:
		n, rest = int(rest[0])<<8|int(rest[1]), rest[2:]
	case 127:
		n = 0
		for _, b := range rest[:8] {
			n = n<<8 | int(b)
		}
		rest = rest[8:]
	}
	if f[1]&0x80 == 0 || len(rest) != 4+n {
		t.Fatalf("not one masked frame: % x...", f[:min(len(f), 16)])
	}
	key, p := rest[:4], bytes.Clone(rest[4:])
	for i := range p {
		p[i] ^= key[i&3]
	}
	return f[0], p
}

// The compressed frame the generator builds inflates back to the message,
// whatever its length encoding, and carries RSV1 and FIN.
func TestCompressedFrameInflates(t *testing.T) {
	random := make([]byte, 70_000) // does not compress: the 8-byte length
	for i := range random {
		random[i] = byte(rand.Uint32())
	}
	for name, msg := range map[string][]byte{
		"empty": {}, "short": []byte("hello"), "chat": chatMessage,
		"repeated": bytes.Repeat([]byte("websocket "), 10_000), "random": random,
	} {
		b0, p := unmaskFrame(t, compressedFrame(opText, msg))
		if b0 != 0xC1 {
			t.Errorf("%s: first byte %#x, want FIN|RSV1|text (0xc1)", name, b0)
		}
		if bytes.HasSuffix(p, []byte(syncFlushTail)) {
			t.Errorf("%s: the payload still ends in 00 00 ff ff", name)
		}
		got, err := inflateMessage(p, int64(len(msg)))
		if err != nil || !bytes.Equal(got, msg) {
			t.Errorf("%s: inflates to %d bytes (%v), want the %d of the message", name, len(got), err, len(msg))
		}
	}
	if _, err := inflateMessage(compressMessage(chatMessage), int64(len(chatMessage)-1)); err == nil {
		t.Error("inflateMessage went past its limit")
	}
}

// The workload's message is what the README and the table title say.
func TestChatMessage(t *testing.T) {
	if n := len(chatMessage); n < 3900 || n > 4096 {
		t.Errorf("chat message is %d bytes, want about 4 KiB", n)
	}
	if c := len(compressMessage(chatMessage)); c > len(chatMessage)/2 {
		t.Errorf("chat message compresses to %d of %d bytes: not compressible text", c, len(chatMessage))
	}
	if !bytes.Equal(chatMessage, makeChatMessage(4096)) {
		t.Error("chat message differs from one call to the next")
	}
}

func TestParseExtensions(t *testing.T) {
	tests := []struct {
		answer string
		agreed bool
		want   deflateAnswer
		err    bool
	}{
		{answer: ""},
		{answer: "permessage-deflate", agreed: true},
		{answer: "permessage-deflate; server_no_context_takeover; client_no_context_takeover", agreed: true,
			want: deflateAnswer{serverNoContext: true, clientNoContext: true}},
		{answer: "Permessage-Deflate;server_max_window_bits=10; client_max_window_bits=\"15\"", agreed: true,
			want: deflateAnswer{serverMaxWindowBits: 10, clientMaxWindowBits: 15}},
		{answer: "permessage-deflate; client_max_window_bits=9", err: true}, // a window compress/flate cannot keep to
		{answer: "permessage-deflate; client_max_window_bits", err: true},   // a server must give a value
		{answer: "permessage-deflate; server_max_window_bits=16", err: true},
		{answer: "permessage-deflate; server_no_context_takeover=1", err: true},
		{answer: "permessage-deflate; server_no_context_takeover; server_no_context_takeover", err: true},
		{answer: "permessage-deflate; x-unknown", err: true},
		{answer: "x-webkit-deflate-frame", err: true},
		{answer: "permessage-deflate, permessage-deflate", err: true},
	}
	for _, tt := range tests {
		got, agreed, err := parseExtensions(tt.answer)
		if (err != nil) != tt.err || agreed != tt.agreed || got != tt.want {
			t.Errorf("parseExtensions(%q) = %+v, %v, %v; want %+v, %v, error %v", tt.answer, got, agreed, err, tt.want, tt.agreed, tt.err)
		}
	}
}

func TestReadHandshakeExtensions(t *testing.T) {
	const accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" // RFC 6455 §1.3
	for _, tt := range []struct{ headers, want string }{
		{"", ""},
		{"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n", "permessage-deflate; server_no_context_takeover"},
		{"sec-websocket-extensions:  permessage-deflate \r\nSec-WebSocket-Extensions: x-other\r\n", "permessage-deflate, x-other"},
	} {
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + accept + "\r\n" + tt.headers + "\r\n"
		got, err := readHandshake(bufio.NewReader(strings.NewReader(resp)))
		if err != nil || got != tt.want {
			t.Errorf("headers %q: got %q, %v; want %q", tt.headers, got, err, tt.want)
		}
	}
}

// Against gorilla with EnableCompression: the offer is accepted in the mode
// both servers run, the compressed echo check passes, and a connection that
// offers nothing gets no extension (so the other workloads stay
// uncompressed on a server started with -compress).
func TestDialOfferCompressed(t *testing.T) {
	addr := gorillaEcho(t, true)
	c, err := dialOffer(addr, readBufferBytes, 5*time.Second, deflateOffer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if want := "permessage-deflate; server_no_context_takeover; client_no_context_takeover"; !c.deflate || c.extensions != want {
		t.Errorf("extensions %q (deflate %v), want %q", c.extensions, c.deflate, want)
	}
	if err := checkCompressedEcho(c, opText, chatMessage, compressedFrame(opText, chatMessage)); err != nil {
		t.Error(err)
	}
	if c.wire >= int64(len(chatMessage))/2 || c.wire < 10 {
		t.Errorf("echo took %d bytes on the wire, for a %d-byte message", c.wire, len(chatMessage))
	}

	plain, err := dial(addr, readBufferBytes, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.close()
	if plain.deflate || plain.extensions != "" {
		t.Errorf("no offer, yet extensions %q", plain.extensions)
	}
	if err := checkEcho(plain, opText, chatMessage); err != nil {
		t.Error(err)
	}
	if plain.rsv1 || plain.wire != int64(len(chatMessage))+4 {
		t.Errorf("uncompressed echo: RSV1 %v, %d bytes on the wire", plain.rsv1, plain.wire)
	}
	if err := checkCompressedEcho(plain, opText, chatMessage, compressedFrame(opText, chatMessage)); err == nil {
		t.Error("compressed echo check passed without permessage-deflate")
	}
}

// A server that does not agree to compression fails the workload before any
// timing.
func TestCompressedNeedsAgreement(t *testing.T) {
	addr := gorillaEcho(t, false)
	_, err := runCompressed(&process{addr: addr}, runConfig{warmup: 10 * time.Millisecond, measure: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not agree to permessage-deflate") {
		t.Errorf("err = %v", err)
	}
}

func TestRunCompressed(t *testing.T) {
	addr := gorillaEcho(t, true)
	v, err := runCompressed(&process{addr: addr}, runConfig{warmup: 20 * time.Millisecond, measure: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if v[0] <= 0 || v[1] <= 0 || v[1] >= float64(len(chatMessage))/2 || v[2] != float64(len(compressedFrame(opText, chatMessage))) {
		t.Errorf("figures %v", v)
	}
}

// Reserved bits: RSV1 only on a data message's first frame and only with
// permessage-deflate; RSV2 and RSV3 never.
func TestReadMessageReservedBits(t *testing.T) {
	tests := []struct {
		name    string
		frames  []byte
		deflate bool
		ok      bool
	}{
		{"plain", []byte{0x81, 2, 'h', 'i'}, false, true},
		{"RSV1 with deflate", []byte{0xC1, 2, 'h', 'i'}, true, true},
		{"RSV1 without deflate", []byte{0xC1, 2, 'h', 'i'}, false, false},
		{"RSV1 on a continuation", []byte{0x41, 1, 'h', 0xC0, 1, 'i'}, true, false},
		{"RSV1 on a ping", []byte{0xC9, 0, 0x81, 0}, true, false},
		{"fragmented, RSV1 first", []byte{0x41, 1, 'h', 0x80, 1, 'i'}, true, true},
		{"RSV2", []byte{0xA1, 0}, true, false},
		{"RSV3", []byte{0x91, 0}, true, false},
	}
	for _, tt := range tests {
		c := &wsConn{br: bufio.NewReader(bytes.NewReader(tt.frames)), deflate: tt.deflate}
		_, _, err := c.readMessage(nil)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err == nil && (c.rsv1 != (tt.frames[0]&0x40 != 0) || c.wire != int64(len(tt.frames))) {
			t.Errorf("%s: rsv1 %v, wire %d", tt.name, c.rsv1, c.wire)
		}
	}
}

// The chat workload's defaults fill in only what was not given.
func TestChatDefaults(t *testing.T) {
	tests := []struct {
		name  string
		given options
		chat  int
		rate  float64
	}{
		{"full run", options{}, 1000, 1},
		{"quick run", options{quick: true}, 100, 10},
		{"a rate alone keeps the default clients", options{rate: 2}, 1000, 2},
		{"clients alone keep the default rate", options{quick: true, chat: 5000}, 5000, 10},
	}
	for _, tt := range tests {
		o := tt.given
		o.chatDefaults()
		if o.chat != tt.chat || o.rate != tt.rate {
			t.Errorf("%s: %d clients × %g msg/s, want %d × %g (see options.chatDefaults)", tt.name, o.chat, o.rate, tt.chat, tt.rate)
		}
	}
}
