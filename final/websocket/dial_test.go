package websocket

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// The client's side (dial.go): Dial against final's server, the client's
// side of the frame tests, and hostile servers. docs/client.md.

// dialTest dials url for the test, which fails with the reason if Dial does,
// and closes the connection when the test ends.
func dialTest(t testing.TB, url string, opts *DialOptions) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wstest.WaitFor)
	defer cancel()
	c, _, err := Dial(ctx, url, opts)
	require.NoError(t, err, "Dial %s (docs/client.md; RFC 6455 §4.1)", url)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// expectEcho sends a message and requires it back as sent.
func expectEcho(t testing.TB, c *Conn, typ MessageType, msg []byte, hint string) {
	t.Helper()
	require.NoError(t, c.WriteMessage(typ, msg), hint)
	gotType, got, err := c.ReadMessage()
	require.NoError(t, err, hint)
	assert.Equal(t, typ, gotType, hint)
	assert.True(t, string(msg) == string(got), "the echo differs from the message (%d bytes back for %d): %s", len(got), len(msg), hint)
}

// needClientKey stops a test of Dial's own checks with one line while the
// client's exercise is still the stub.
func needClientKey(t *testing.T) {
	t.Helper()
	if _, err := newChallengeKey(); err != nil && strings.Contains(err.Error(), "is not written yet") {
		t.Fatal("needs newChallengeKey, checkAccept and the masking: write them in final/websocket/clientkey_exercise.go (docs/client.md, the client's exercise)")
	}
}

func TestDialEchoesWithFinal(t *testing.T) {
	cert := wstest.NewCert(t, "127.0.0.1")
	for _, compress := range []bool{false, true} {
		plain, secure := testServer(), testServer()
		plain.Compress, secure.Compress = compress, compress
		_, plainAddr, _ := startServer(t, plain)
		tlsAddr := wstest.StartTLS(t, secure, cert)
		for _, url := range []string{"ws://" + plainAddr + "/xxoo", "wss://" + tlsAddr + "/xxoo"} {
			name := strings.SplitN(url, ":", 2)[0] + map[bool]string{false: "", true: " compressed"}[compress]
			t.Run(name, func(t *testing.T) {
				var masked, compressed int
				opts := &DialOptions{Options: Options{Compress: compress, MaxMessage: 32 << 20, OnFrame: func(_ *Conn, f Frame) {
					if d := f.Describe(); !f.Incoming && d.Masked {
						masked++
					} else if d.Compressed {
						compressed++
					}
				}}, TLSConfig: &tls.Config{RootCAs: cert.Roots}}
				c := dialTest(t, url, opts)
				for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} { // every length encoding (§5.2)
					expectEcho(t, c, BinaryMessage, []byte(strings.Repeat("\x00\xff", n)[:n]), "a binary message of each length encoding (RFC 6455 §5.2)")
				}
				expectEcho(t, c, TextMessage, []byte("Hello, 世界"), "text comes back as text")
				require.NoError(t, c.WriteFragments(TextMessage, []byte("frag"), []byte("mented \xe4\xb8"), []byte("\xad")))
				_, got, err := c.ReadMessage()
				require.NoError(t, err)
				assert.Equal(t, "fragmented 中", string(got), "fragments, a code point split between two, make one message (RFC 6455 §5.4, §8.1)")
				require.NoError(t, c.Ping([]byte("ping")))
				expectEcho(t, c, TextMessage, []byte("after the ping"), "a pong is read on the way")
				assert.Positive(t, masked, "every frame the client sends is masked (RFC 6455 §5.3)")
				assert.Equal(t, compress, compressed > 0, "the server's echoes come compressed when Compress was agreed (RFC 7692)")

				require.NoError(t, c.Close(4000, "done"))
				_, _, err = c.ReadMessage()
				assert.Equal(t, 4000, CloseStatus(err), "the server echoes the client's close code (RFC 6455 §5.5.1)")
				assert.ErrorContains(t, err, "the server closed: 4000", "the error names the server as the one that closed")
			})
		}
	}
}

// rawServer accepts one connection on a free port of 127.0.0.1, reads the
// opening request and hands both to serve, as a hostile or scripted server
// would; it returns the ws:// URL.
func rawServer(t *testing.T, serve func(conn net.Conn, req *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(wstest.WaitFor))
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err == nil {
			serve(conn, req)
		}
	}()
	return "ws://" + ln.Addr().String() + "/xxoo"
}

// answer101 writes a correct 101 for req, with extra header lines, and then
// the bytes of after in the same write.
func answer101(conn net.Conn, req *http.Request, extra string, after ...byte) {
	head := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		wstest.AcceptKey(req.Header.Get("Sec-WebSocket-Key")) + "\r\n" + extra + "\r\n"
	conn.Write(append([]byte(head), after...))
}

// serverFrame is an unmasked frame with first byte b0 (FIN, RSV, opcode).
func serverFrame(b0 byte, payload string) []byte {
	f := appendFrameHeader(nil, b0&opcodeMask, len(payload))
	f[0] = b0
	return append(f, payload...)
}

// waitClose reads from the client until its close frame, answers it and
// returns its code, or 0 if the client hangs up without one.
func waitClose(conn net.Conn) int {
	br := bufio.NewReader(conn)
	code := 0
	for {
		h, _, err := readFrameHeader(br, make([]byte, maxFrameHeaderSize))
		if err != nil {
			return code
		}
		payload := make([]byte, h.length)
		if _, err := io.ReadFull(br, payload); err != nil {
			return code
		}
		maskBytes(h.key, payload)
		if h.opcode == closeFrame && len(payload) >= 2 {
			code = int(payload[0])<<8 | int(payload[1])
			conn.Write(serverFrame(finalBit|closeFrame, string(payload[:2])))
			return code // and the server closes TCP (RFC 6455 §7.1.1)
		}
	}
}

func TestDialReadsTheServersFrames(t *testing.T) {
	needMessageLayer(t) // a client reads with the same message layer
	tests := []struct {
		name   string
		frames []byte
		want   string
		hint   string
	}{
		{"frames in the read of the 101 are not lost", serverFrame(0x81, "first"), "first", "bytes after the 101 are the first frames (RFC 6455 §4.1)"},
		{"fragments with a ping between them", append(append(serverFrame(0x01, "Hel"), serverFrame(0x89, "p")...), serverFrame(0x80, "lo")...),
			"Hello", "control frames may come between fragments (RFC 6455 §5.4)"},
		{"a code point split between fragments", append(serverFrame(0x01, "\xe4\xbd"), serverFrame(0x80, "\xa0")...), "你", "UTF-8 is checked on the whole message (RFC 6455 §8.1)"},
		{"a 16-bit length", serverFrame(0x81, strings.Repeat("a", 300)), strings.Repeat("a", 300), "RFC 6455 §5.2"},
		{"a 64-bit length", serverFrame(0x81, strings.Repeat("b", 70000)), strings.Repeat("b", 70000), "RFC 6455 §5.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rawServer(t, func(conn net.Conn, req *http.Request) {
				answer101(conn, req, "", tt.frames...)
				waitClose(conn)
			})
			c := dialTest(t, url, nil)
			_, got, err := c.ReadMessage()
			require.NoError(t, err, tt.hint)
			assert.True(t, string(got) == tt.want, "got %d bytes %q…, want %q…: %s", len(got), got[:min(len(got), 10)], tt.want[:min(len(tt.want), 10)], tt.hint)
		})
	}
}

func TestDialRefusesABrokenHandshake(t *testing.T) {
	needClientKey(t)
	tests := []struct {
		name   string
		answer func(conn net.Conn, req *http.Request)
		opts   *DialOptions
		want   string
	}{
		{"200 instead of 101", func(conn net.Conn, _ *http.Request) {
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		}, nil, `answered "200 OK", not 101`},
		{"a wrong Sec-WebSocket-Accept", func(conn net.Conn, req *http.Request) {
			io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+wstest.AcceptKeyWith(req.Header.Get("Sec-WebSocket-Key"), "wrong")+"\r\n\r\n")
		}, nil, "Sec-WebSocket-Accept"},
		{"no Upgrade", func(conn net.Conn, req *http.Request) {
			io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+wstest.AcceptKey(req.Header.Get("Sec-WebSocket-Key"))+"\r\n\r\n")
		}, nil, "lacks Upgrade"},
		{"a subprotocol that was not offered", func(conn net.Conn, req *http.Request) {
			answer101(conn, req, "Sec-WebSocket-Protocol: chat.v9\r\n")
		}, &DialOptions{Subprotocols: []string{"chat.v1"}}, "subprotocol that was not offered"},
		{"an extension that was not offered", func(conn net.Conn, req *http.Request) {
			answer101(conn, req, "Sec-WebSocket-Extensions: permessage-deflate\r\n")
		}, nil, "extension that was not offered"},
		{"deflate with a parameter not offered", func(conn net.Conn, req *http.Request) {
			answer101(conn, req, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9\r\n")
		}, &DialOptions{Options: Options{Compress: true}}, "extension that was not offered"},
		{"garbage instead of HTTP", func(conn net.Conn, _ *http.Request) {
			io.WriteString(conn, "\x00\x01garbage\r\n\r\n")
		}, nil, "cannot read the server's answer"},
		{"a server that never answers", func(conn net.Conn, _ *http.Request) {
			conn.Read(make([]byte, 1)) // until the client gives up
		}, nil, "did not finish: context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			c, _, err := Dial(ctx, rawServer(t, tt.answer), tt.opts)
			require.Error(t, err, "Dial must fail the connection (RFC 6455 §4.1)")
			assert.Nil(t, c)
			assert.ErrorContains(t, err, tt.want, "the error says which rule was broken (RFC 6455 §4.1)")
		})
	}
}

func TestDialGivesUpOnASilentServer(t *testing.T) {
	needClientKey(t)
	url := rawServer(t, func(conn net.Conn, _ *http.Request) {
		conn.Read(make([]byte, 1)) // says nothing until the client gives up
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // only so that a broken Dial fails, not hangs
	defer cancel()
	_, _, err := Dial(ctx, url, &DialOptions{Options: Options{IdleTimeout: 100 * time.Millisecond}})
	require.Error(t, err)
	assert.ErrorContains(t, err, "did not finish within 100ms (Options.IdleTimeout)",
		"without a deadline on ctx, the opening handshake must still end: a silent server is not waited for for ever (docs/client.md)")
}

func TestDialReturnsTheRefusal(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	_, resp, err := Dial(context.Background(), "ws://"+addr+"/xxoo", &DialOptions{Header: http.Header{"Origin": {"https://evil.example"}}})
	require.Error(t, err, "another site's Origin is refused by default (Options.Origins)")
	require.NotNil(t, resp, "the refusal comes back, so the caller can see why")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), "is not allowed", "the refusal's body comes back too")
}

func TestDialFailsAHostileServer(t *testing.T) {
	needMessageLayer(t) // a client reads with the same message layer
	tests := []struct {
		name     string
		frames   []byte
		opts     Options
		wantCode int
		hint     string
	}{
		{"a masked frame", wstest.ClientFrame(0x81, []byte("masked")), Options{}, CloseProtocolError, "a server must not mask (RFC 6455 §5.1)"},
		{"an oversized message", serverFrame(0x82, strings.Repeat("x", 2000)), Options{MaxMessage: 1000}, CloseMessageTooBig, "Options.MaxMessage applies to the client too"},
		{"garbage after the 101", []byte("\x0fgarbage"), Options{}, CloseProtocolError, "bytes after the 101 are frames, checked as any (RFC 6455 §5.2)"},
		{"invalid UTF-8", serverFrame(0x81, "\xff"), Options{}, CloseInvalidPayload, "RFC 6455 §8.1"},
		{"a compressed frame without deflate", serverFrame(0xc1, "x"), Options{}, CloseProtocolError, "RSV1 without permessage-deflate (RFC 7692 §6.1)"},
		{"a close code no frame may carry", serverFrame(0x88, "\x03\xed"), Options{}, CloseProtocolError, "1005 is never sent (RFC 6455 §7.4.1)"},
		{"a close payload of 1 byte", serverFrame(0x88, "\x03"), Options{}, CloseProtocolError, "RFC 6455 §5.5.1"},
		{"a close reason that is not UTF-8", serverFrame(0x88, "\x03\xe8\xff"), Options{}, CloseInvalidPayload, "RFC 6455 §5.5.1, §8.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := make(chan int, 1)
			url := rawServer(t, func(conn net.Conn, req *http.Request) {
				answer101(conn, req, "", tt.frames...)
				sent <- waitClose(conn)
			})
			c := dialTest(t, url, &DialOptions{Options: tt.opts})
			_, _, err := c.ReadMessage()
			assert.Equal(t, tt.wantCode, CloseStatus(err), "the client closes with the code of RFC 6455 §7.4.1 (%v): %s", err, tt.hint)
			assert.Equal(t, tt.wantCode, <-sent, "the server gets that code in the client's close frame: %s", tt.hint)
		})
	}
}

func TestDialWaitsForTheServerToCloseTCP(t *testing.T) {
	needMessageLayer(t) // a client reads with the same message layer
	closedFirst := make(chan bool, 1)
	url := rawServer(t, func(conn net.Conn, req *http.Request) {
		answer101(conn, req, "", serverFrame(0x88, "\x03\xe8")...)
		br := bufio.NewReader(conn)
		_, _, err := readFrameHeader(br, make([]byte, maxFrameHeaderSize)) // the client's close frame
		require.NoError(t, err)
		io.CopyN(io.Discard, br, 2)
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err = br.ReadByte()
		closedFirst <- errors.Is(err, io.EOF)
	})
	c := dialTest(t, url, nil)
	_, _, err := c.ReadMessage()
	assert.Equal(t, CloseNormal, CloseStatus(err))
	assert.False(t, <-closedFirst, "after the close handshake the client leaves closing TCP to the server (RFC 6455 §7.1.1)")
}

// FuzzReadHandshake feeds the client's handshake reader any answer: it
// returns an error or an agreement, and never panics.
func FuzzReadHandshake(f *testing.F) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	f.Add("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
	f.Add("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: a\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n\r\n\x81\x02hi")
	f.Add("HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno!")
	f.Add("HTTP/1.0 200 OK\r\n\r\n" + strings.Repeat("x", 5000))
	f.Fuzz(func(t *testing.T, answer string) {
		req := openingRequest(&url.URL{Path: "/"}, key, &DialOptions{})
		opts := &DialOptions{Subprotocols: []string{"a", "b"}, Options: Options{Compress: true}}
		resp, agreed, err := readHandshake(bufio.NewReader(strings.NewReader(answer)), req, key, opts)
		if err == nil && (resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != AcceptKey(key)) {
			t.Fatalf("accepted a %d without the right Accept (RFC 6455 §4.1)", resp.StatusCode)
		}
		if err == nil && agreed.subprotocol != "" && agreed.subprotocol != "a" && agreed.subprotocol != "b" {
			t.Fatalf("agreed to %q, which was not offered (RFC 6455 §4.1)", agreed.subprotocol)
		}
	})
}
