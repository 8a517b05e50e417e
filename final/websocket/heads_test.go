package websocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// Serve answers a well-formed upgrade itself (heads.go) and hands every
// other connection to net/http with the bytes it read, untouched.
func TestServeAnswersUpgradesAndHandsTheRestToNetHTTP(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	upgrade := wstest.HandshakeRequest("/xxoo", key)
	withHeader := func(line string) string { return strings.Replace(upgrade, "\r\n\r\n", "\r\n"+line+"\r\n\r\n", 1) }
	for _, tc := range []struct {
		name, head string
		answer     string // the status line Serve answers with; "" if net/http gets the connection
	}{
		{"an upgrade is answered here", upgrade, "HTTP/1.1 101 Switching Protocols"},
		{"a refused upgrade is answered here too", strings.Replace(upgrade, key, "c2hvcnQ=", 1), "HTTP/1.1 400 Bad Request"},
		{"a page is net/http's", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ""},
		{"an HTTP/1.0 upgrade is net/http's", strings.Replace(upgrade, "HTTP/1.1", "HTTP/1.0", 1), ""},
		{"an upgrade with two Host lines is net/http's", withHeader("Host: evil.example"), ""},
		{"an upgrade without Host is net/http's", strings.Replace(upgrade, "Host: 127.0.0.1\r\n", "", 1), ""},
		{"a Host net/http refuses is net/http's", strings.Replace(upgrade, "127.0.0.1", "127.0.0.1/x", 1), ""},
		{"a malformed head is net/http's", "HELLO\r\n\r\n", ""},
		{"a head longer than 128 KiB is net/http's", withHeader("X-Long: " + strings.Repeat("a", maxHeadBytes)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testServer()
			s.Logger = log.New(io.Discard, "", 0)
			hand := newHandoff(nil)
			client, server := net.Pipe()
			t.Cleanup(func() { client.Close(); server.Close() })
			client.SetDeadline(time.Now().Add(10 * time.Second))
			go io.WriteString(client, tc.head)
			go s.first(server, hand)
			if tc.answer == "" {
				select {
				case conn := <-hand.conns:
					got := make([]byte, len(tc.head))
					conn.SetReadDeadline(time.Now().Add(10 * time.Second))
					_, err := io.ReadFull(conn, got)
					require.NoError(t, err)
					assert.Equal(t, tc.head, string(got), "net/http must read the head as the client sent it (heads.go, replay)")
				case <-time.After(10 * time.Second):
					t.Fatal("the connection never reached net/http: Serve answers only well-formed upgrades itself (heads.go, fastUpgrade)")
				}
				return
			}
			status, err := bufio.NewReader(client).ReadString('\n')
			require.NoError(t, err, "no answer: an upgrade is answered by Serve itself (heads.go)")
			assert.Equal(t, tc.answer+"\r\n", status, "Serve answers a well-formed upgrade itself (heads.go, fastUpgrade)")
			select {
			case <-hand.conns:
				t.Error("a well-formed upgrade went to net/http as well")
			default:
			}
		})
	}
}

// A TLS connection goes to net/http unread: ALPN may make it HTTP/2.
func TestServeHandsTLSToNetHTTP(t *testing.T) {
	s := testServer()
	hand := newHandoff(nil)
	_, server := net.Pipe()
	defer server.Close()
	go s.first(tls.Server(server, &tls.Config{}), hand)
	select {
	case conn := <-hand.conns:
		assert.IsType(t, &tls.Conn{}, conn, "a TLS connection is net/http's, as it was accepted")
	case <-time.After(10 * time.Second):
		t.Fatal("the TLS connection never reached net/http (heads.go, first)")
	}
}

// A browser may send its upgrade on a connection that fetched the page:
// net/http has it by then, and upgrades it through ServeHTTP.
func TestAnUpgradeAfterAPageOnOneConnection(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	conn := wstest.Dial(t, addr)
	br := bufio.NewReader(conn)
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	page, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	io.Copy(io.Discard, page.Body)
	require.Equal(t, http.StatusOK, page.StatusCode, "the page first")
	key := wstest.NewKey()
	io.WriteString(conn, wstest.HandshakeRequest("/xxoo", key))
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "an upgrade on a kept-alive connection is net/http's, and still upgraded")
	c := wstest.NewClient(t, conn, br)
	c.Send(textFrame, []byte("hello"))
	c.Expect(textFrame, []byte("hello"), "the echo works on a connection net/http upgraded after a page")
	c.Send(closeFrame, wstest.ClosePayload(CloseNormal, ""))
	assert.Equal(t, CloseNormal, c.ExpectClose("the closing handshake on a connection net/http upgraded"))
	c.ExpectEOF("the server closes TCP after the closing handshake (RFC 6455 §7.1.1)")
}

// Shutdown does not wait for a client that has not finished its head.
func TestShutdownClosesAHeadOnItsWay(t *testing.T) {
	s := testServer()
	s.HeadTimeout = time.Minute
	_, addr, _ := serve(t, s) // no message is read: the layer need not be written
	conn := wstest.Dial(t, addr)
	io.WriteString(conn, "GET /xxoo HTTP/1.1\r\nHost: 127.0.0.1\r\n")
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.heads) == 1
	}, 10*time.Second, 10*time.Millisecond, "Serve reads the head of a new connection (heads.go, first)")
	require.NoError(t, s.Shutdown(context.Background()))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := conn.Read(make([]byte, 1))
	var ne net.Error
	if assert.Error(t, err, "Shutdown closes a connection whose head has not come (heads.go, track)") && errors.As(err, &ne) && ne.Timeout() {
		t.Error("Shutdown left a connection whose head has not come open, to wait for HeadTimeout (heads.go, track)")
	}
}

// BenchmarkFirstHead is the server's side of a short connection through
// Serve, on a connection in memory (no system calls): a browser's upgrade
// head read and answered with the 101, a Handler that returns at once, the
// closing handshake. Its allocations are what a connection leaves to the
// garbage collector, the Conn included (docs/performance.md).
func BenchmarkFirstHead(b *testing.B) {
	s := &Server{Handler: func(*Conn, *http.Request) error { return nil }, HeadTimeout: time.Minute, Logger: log.New(io.Discard, "", 0)}
	head := []byte(browserHead)
	b.ReportAllocs()
	for b.Loop() {
		conn := &headConn{in: bytes.NewReader(head)}
		s.first(conn, nil)
		if !bytes.HasPrefix(conn.written(), []byte("HTTP/1.1 101 ")) {
			b.Fatalf("answered %.40q", conn.written())
		}
	}
}

// browserHead is the opening handshake Chromium sends, as captured by the
// frame view.
const browserHead = "GET /chat?name=alice HTTP/1.1\r\nHost: 127.0.0.1:8003\r\nConnection: Upgrade\r\nPragma: no-cache\r\n" +
	"Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" +
	"Upgrade: websocket\r\nOrigin: http://127.0.0.1:8003\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
