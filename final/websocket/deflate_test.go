package websocket

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// The tests of permessage-deflate (RFC 7692), docs/compression.md.

func TestNegotiateAnswersEachOffer(t *testing.T) {
	const ours = "permessage-deflate; server_no_context_takeover"
	tests := []struct {
		name   string
		offers []string
		want   string // the response header; "" declines
	}{
		{"the article's offer", []string{"permessage-deflate; client_max_window_bits"}, ours},
		{"a bare offer", []string{"permessage-deflate"}, ours},
		{"server_no_context_takeover", []string{"permessage-deflate; server_no_context_takeover"}, ours},
		{"client_no_context_takeover is echoed: the server need keep no window",
			[]string{"permessage-deflate; client_no_context_takeover"}, ours + "; client_no_context_takeover"},
		{"client_max_window_bits with a value", []string{"permessage-deflate; client_max_window_bits=10"}, ours},
		{"server_max_window_bits=15 is answered", []string{"permessage-deflate; server_max_window_bits=15"}, ours + "; server_max_window_bits=15"},
		{"a quoted value", []string{`permessage-deflate; client_max_window_bits="12"`}, ours},
		{"names in any case", []string{"Permessage-Deflate; Client_Max_Window_Bits"}, ours},
		{"server_max_window_bits below 15 cannot be honoured", []string{"permessage-deflate; server_max_window_bits=10"}, ""},
		{"… so the next offer is taken", []string{"permessage-deflate; server_max_window_bits=10, permessage-deflate"}, ours},
		{"offers over two headers", []string{"x-webkit-deflate-frame", "permessage-deflate"}, ours},
		{"server_max_window_bits without a value", []string{"permessage-deflate; server_max_window_bits"}, ""},
		{"a window of 16 bits", []string{"permessage-deflate; client_max_window_bits=16"}, ""},
		{"a window of 8 bits, the smallest", []string{"permessage-deflate; client_max_window_bits=8"}, ours},
		{"a window of 7 bits", []string{"permessage-deflate; client_max_window_bits=7"}, ""},
		{"a window that is not a number", []string{"permessage-deflate; client_max_window_bits=big"}, ""},
		{"a parameter twice", []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, ""},
		{"an unknown parameter", []string{"permessage-deflate; fast=yes"}, ""},
		{"a value where none is allowed", []string{"permessage-deflate; server_no_context_takeover=1"}, ""},
		{"another extension only", []string{"x-custom"}, ""},
		{"no offer", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := negotiate(tt.offers)
			assert.Equal(t, tt.want, got, "RFC 7692 §5 and §7.1: accept what can be honoured, decline the rest")
		})
	}
}

// deflateClient is a client of a server with Compress on that has agreed to
// permessage-deflate; it compresses with compress/flate, the package's
// reference, keeping its context across messages unless noContext is set.
type deflateClient struct {
	*wstest.Client
	t         *testing.T
	noContext bool
	fw        *flate.Writer
	buf       bytes.Buffer
}

func connectDeflate(t *testing.T, addr string, noContext bool) *deflateClient {
	t.Helper()
	offer := "permessage-deflate; client_max_window_bits"
	if noContext {
		offer += "; client_no_context_takeover"
	}
	key := wstest.NewKey()
	req := strings.Replace(wstest.HandshakeRequest("/xxoo", key), "\r\n\r\n", "\r\nSec-WebSocket-Extensions: "+offer+"\r\n\r\n", 1)
	c := &deflateClient{Client: wstest.ConnectWith(t, addr, req, key), t: t, noContext: noContext}
	c.Deflate = true
	c.fw, _ = flate.NewWriter(&c.buf, flate.DefaultCompression)
	return c
}

// compress is p deflated as RFC 7692 §7.2.1 says: flushed, the 4-byte tail
// removed.
func (c *deflateClient) compress(p []byte) []byte {
	c.buf.Reset()
	if c.noContext {
		c.fw.Reset(&c.buf)
	}
	c.fw.Write(p)
	c.fw.Flush()
	return bytes.TrimSuffix(c.buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// sendCompressed sends p compressed, in parts frames: RSV1 on the first only.
func (c *deflateClient) sendCompressed(opcode byte, p []byte, parts int) {
	z := c.compress(p)
	step := len(z)/parts + 1
	for i := 0; i < parts; i++ {
		b0 := byte(0)
		if i == 0 {
			b0 = rsv1Bit | opcode
		}
		if i == parts-1 {
			b0 |= finalBit
		}
		c.Write(wstest.ClientFrame(b0, z[min(i*step, len(z)):min((i+1)*step, len(z))]))
	}
}

// expectEcho reads one message, inflating it if RSV1 says so.
func (c *deflateClient) expectEcho(opcode byte, want []byte, hint string) {
	c.t.Helper()
	f, err := c.Read()
	require.NoError(c.t, err, hint)
	require.Equal(c.t, opcode, f.Opcode, "opcode: %s", hint)
	got := f.Payload
	if f.RSV1 {
		got, err = io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(f.Payload), strings.NewReader("\x00\x00\xff\xff\x01\x00\x00\xff\xff"))))
		require.NoError(c.t, err, "the server's compressed frame must inflate (RFC 7692 §7.2.2)")
	}
	assert.Equal(c.t, len(want) >= compressMin, f.RSV1, "messages of %d bytes and more go compressed", compressMin)
	if !bytes.Equal(want, got) {
		c.t.Fatalf("%s: got %d bytes, want %d", hint, len(got), len(want))
	}
}

func compressServer() *Server {
	s := testServer()
	s.Compress, s.MaxMessage = true, 2<<20
	return s
}

func TestCompressedRoundTrips(t *testing.T) {
	_, addr, _ := startServer(t, compressServer())
	sizes := []int{0, 1, 127, 128, 1000, 65536, 1 << 20}
	for _, noContext := range []bool{false, true} {
		for _, parts := range []int{1, 3} {
			name := fmt.Sprintf("context kept=%v, %d frames", !noContext, parts)
			t.Run(name, func(t *testing.T) {
				c := connectDeflate(t, addr, noContext)
				for _, n := range sizes { // one connection: a kept context spans these messages
					msg := bytes.Repeat([]byte("deflate me "), n/11+1)[:n]
					c.sendCompressed(textFrame, msg, parts)
					c.expectEcho(textFrame, msg, fmt.Sprintf("%d bytes of text", n))
					bin := make([]byte, n)
					for i := range bin {
						bin[i] = byte(i * i)
					}
					c.sendCompressed(binaryFrame, bin, parts)
					c.expectEcho(binaryFrame, bin, fmt.Sprintf("%d bytes of binary", n))
				}
				c.Send(textFrame, []byte("not compressed"))
				c.expectEcho(textFrame, []byte("not compressed"), "a message without RSV1 is not compressed (RFC 7692 §6)")
			})
		}
	}
}

func TestTheResponseNamesTheExtension(t *testing.T) {
	_, addr, _ := startServer(t, compressServer())
	req := strings.Replace(wstest.HandshakeRequest("/xxoo", wstest.NewKey()), "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n", 1)
	resp := wstest.RoundTrip(t, addr, req)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, "permessage-deflate; server_no_context_takeover", resp.Header.Get("Sec-WebSocket-Extensions"), "RFC 7692 §5")

	_, plain, _ := startServer(t, testServer())
	resp = wstest.RoundTrip(t, plain, req)
	assert.Empty(t, resp.Header.Get("Sec-WebSocket-Extensions"), "without Compress the offer is declined")
}

func TestDeflateBombStopsAtMaxMessage(t *testing.T) {
	cfg := compressServer()
	cfg.MaxMessage = 1 << 20
	s, addr, out := startServer(t, cfg)
	c := connectDeflate(t, addr, true)
	bomb := c.compress(make([]byte, 64<<20)) // 64 MiB of zeros: some 64 KiB of DEFLATE
	require.Less(t, len(bomb), 1<<20, "the bomb fits the limit until it is inflated")
	c.Write(wstest.ClientFrame(finalBit|rsv1Bit|binaryFrame, bomb))
	assert.Equal(t, CloseMessageTooBig, c.ExpectClose("a deflate bomb"), "1009: the limit counts the inflated size")
	wstest.WaitForOutput(t, out, "message longer than the limit once inflated (Options.MaxMessage); sent 1009")
	assert.Zero(t, s.Budget.Used(), "every byte goes back to the budget")
	echoWorks(t, addr)
}

func TestRSV1WhereItIsNotAllowed(t *testing.T) {
	_, compressing, _ := startServer(t, compressServer())
	_, plain, _ := startServer(t, testServer())
	tests := []struct {
		name    string
		addr    string
		deflate bool
		wire    func(c *deflateClient) []byte
		want    int
	}{
		{"RSV1 without the extension", plain, false, func(*deflateClient) []byte { return wstest.ClientFrame(0xc1, []byte("x")) }, CloseProtocolError},
		{"RSV1 on a continuation frame", compressing, true, func(c *deflateClient) []byte {
			return append(wstest.ClientFrame(rsv1Bit|textFrame, c.compress([]byte("a"))), wstest.ClientFrame(0xc0, []byte("b"))...)
		}, CloseProtocolError},
		{"RSV1 on a ping", compressing, true, func(*deflateClient) []byte { return wstest.ClientFrame(0xc9, nil) }, CloseProtocolError},
		// A corrupt stream: the frames are well formed, their payload is not
		// what it claims to be: 1007 (deflate.go says why).
		{"a corrupt deflate stream", compressing, true, func(*deflateClient) []byte { return wstest.ClientFrame(0xc1, []byte{0xff, 0xff, 0xff}) }, CloseInvalidPayload},
		{"compressed text that inflates to invalid UTF-8", compressing, true, func(c *deflateClient) []byte {
			return wstest.ClientFrame(0xc1, c.compress([]byte("bad \xff")))
		}, CloseInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *deflateClient
			if tt.deflate {
				c = connectDeflate(t, tt.addr, true)
			} else {
				c = &deflateClient{Client: wstest.Connect(t, tt.addr), t: t}
			}
			c.Write(tt.wire(c))
			assert.Equal(t, tt.want, c.ExpectClose(tt.name), "RFC 7692 §6.1, RFC 6455 §5.2")
		})
	}
}

func TestTheWindowIsTheLast32KiB(t *testing.T) {
	data := make([]byte, 50<<10)
	for i := range data {
		data[i] = byte(i / 7)
	}
	c := &Conn{}
	c.keepWindow(data[:10<<10])
	c.keepWindow(data[10<<10 : 40<<10])
	assert.Equal(t, data[8<<10:40<<10], c.window, "the window is the last 32 KiB the client sent, across messages (RFC 7692 §7.2.3)")
	c.keepWindow(data)
	assert.Equal(t, data[len(data)-windowSize:], c.window, "a message longer than the window leaves its own last 32 KiB")
	assert.Equal(t, windowSize, cap(c.window), "the window never takes more than 32 KiB")

	quiet := &Conn{deflate: deflateParams{on: true, peerNoContext: true}}
	quiet.keepWindow(data)
	assert.Nil(t, quiet.window, "a client that resets its context costs no window (client_no_context_takeover)")
}

func TestThePictureShowsBothSizes(t *testing.T) {
	cfg := compressServer()
	pictures := make(chan Description, 16)
	cfg.OnFrame = func(_ *Conn, f Frame) { pictures <- f.Describe() }
	_, addr, _ := startServer(t, cfg)
	c := connectDeflate(t, addr, true)
	msg := bytes.Repeat([]byte("squeeze "), 125)
	c.sendCompressed(textFrame, msg, 1)
	c.expectEcho(textFrame, msg, "1000 bytes")
	for _, direction := range []string{"in", "out"} {
		d := <-pictures
		assert.Equal(t, direction, d.Direction)
		assert.True(t, d.Compressed, "RSV1=1 shows as compressed (-v, the frame view)")
		assert.Equal(t, len(msg), d.Inflated, "the picture gives the message's size inflated too")
		assert.Less(t, d.Length, int64(len(msg)), "and the compressed size on the wire")
		assert.Contains(t, d.String(), "message inflated: 1000 bytes", "the -v picture says it")
	}
}
