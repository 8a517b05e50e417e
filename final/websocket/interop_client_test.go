package websocket

import (
	"bufio"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xwebsocket "golang.org/x/net/websocket"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// The client against servers that share no code with ours: x/net/websocket,
// Python's websockets and Node's ws, over ws:// and wss://, with and without
// permessage-deflate (x/net has none).

// checkEchoServer dials url and has it echo what a client sends: text,
// binary, 1 MiB, a ping; with full, fragments and the close handshake too
// (x/net/websocket's server echoes each frame as a message and does not
// answer a close frame). With compress it requires permessage-deflate
// agreed and used both ways.
func checkEchoServer(t *testing.T, url string, compress, full bool, cert wstest.Cert) {
	t.Helper()
	var compressedIn, compressedOut atomic.Int64
	c := dialTest(t, url, &DialOptions{TLSConfig: &tls.Config{RootCAs: cert.Roots},
		Options: Options{Compress: compress, MaxMessage: 32 << 20, OnFrame: func(_ *Conn, f Frame) {
			if d := f.Describe(); d.Compressed && f.Incoming {
				compressedIn.Add(1)
			} else if d.Compressed {
				compressedOut.Add(1)
			}
		}}})
	expectEcho(t, c, TextMessage, []byte("Hello, 世界"), "text comes back as text")
	expectEcho(t, c, BinaryMessage, []byte{0, 1, 0xfe, 0xff}, "binary comes back as binary (RFC 6455 §5.6)")
	expectEcho(t, c, BinaryMessage, []byte(strings.Repeat("0123456789abcdef", 1<<16)), "1 MiB, masked in pieces, comes back whole (RFC 6455 §5.3)")
	require.NoError(t, c.Ping([]byte("ping")))
	expectEcho(t, c, TextMessage, []byte("after a ping"), "the pong is read on the way (RFC 6455 §5.5.3)")
	if compress {
		assert.Positive(t, compressedOut.Load(), "our messages went compressed (RSV1, RFC 7692 §6)")
		assert.Positive(t, compressedIn.Load(), "the server's echoes came compressed, and inflated (RFC 7692 §6)")
	} else {
		assert.Zero(t, compressedIn.Load()+compressedOut.Load(), "nothing compressed without Compress")
	}
	if !full {
		return
	}
	require.NoError(t, c.WriteFragments(TextMessage, []byte("frag"), []byte("mented")))
	_, got, err := c.ReadMessage()
	require.NoError(t, err, "the server reassembles our fragments (RFC 6455 §5.4)")
	assert.Equal(t, "fragmented", string(got), "the server reassembles our fragments (RFC 6455 §5.4)")
	require.NoError(t, c.Close(CloseNormal, "bye"))
	_, _, err = c.ReadMessage()
	assert.Equal(t, CloseNormal, CloseStatus(err), "the server answers our close frame (RFC 6455 §5.5.1): %v", err)
}

func TestDialInteropXNetServer(t *testing.T) {
	needMessageLayer(t) // a client reads with the same message layer
	echoServer := xwebsocket.Server{Handler: func(ws *xwebsocket.Conn) {
		for {
			var m received
			if recorder.Receive(ws, &m) != nil || recorder.Send(ws, m) != nil {
				return
			}
		}
	}}
	plain := httptest.NewServer(echoServer)
	defer plain.Close()
	secure := httptest.NewUnstartedServer(echoServer)
	secure.TLS = &tls.Config{NextProtos: []string{"http/1.1"}}
	secure.StartTLS()
	defer secure.Close()
	roots := secure.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	t.Run("ws", func(t *testing.T) {
		checkEchoServer(t, "ws"+strings.TrimPrefix(plain.URL, "http")+"/", false, false, wstest.Cert{})
	})
	t.Run("wss", func(t *testing.T) {
		checkEchoServer(t, "wss"+strings.TrimPrefix(secure.URL, "https")+"/", false, false, wstest.Cert{Roots: roots})
	})
}

// startEchoScript runs an echo server script (Python's or Node's) with
// mode (plain or deflate) and, for wss://, the certificate, and returns its
// URL; the script prints its port first.
func startEchoScript(t *testing.T, command []string, env []string, mode string, cert *wstest.Cert) string {
	t.Helper()
	args, scheme := append(command[1:], mode), "ws://"
	if cert != nil {
		args, scheme = append(args, cert.CertFile, cert.KeyFile), "wss://"
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, command[0], args...)
	cmd.Env, cmd.Stderr = append(os.Environ(), env...), os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); cmd.Wait() })
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		port <- strings.TrimSpace(line)
	}()
	select {
	case p := <-port:
		require.NotEmpty(t, p, "%s did not print its port", command)
		return scheme + "127.0.0.1:" + p + "/"
	case <-time.After(wstest.WaitFor):
		t.Fatalf("%s did not start", command)
	}
	return ""
}

func TestDialInteropPythonAndNodeServers(t *testing.T) {
	needMessageLayer(t) // a client reads with the same message layer
	cert := wstest.NewCert(t, "127.0.0.1")
	servers := []struct {
		name    string
		command []string
		env     []string
		missing func() bool
		install string
	}{
		{"python websockets", []string{findPythonWebsockets(), "testdata/python_server.py"}, nil,
			func() bool { return findPythonWebsockets() == "" }, "apt-get install python3-websockets"},
		{"node ws", []string{"node", "testdata/node_server.js"}, []string{"NODE_PATH=/usr/share/nodejs"},
			func() bool {
				return exec.Command("node", "-e", "require('ws')").Run() != nil && exec.Command("env", "NODE_PATH=/usr/share/nodejs", "node", "-e", "require('ws')").Run() != nil
			}, "apt-get install node-ws"},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			if s.missing() {
				wstest.SkipUnlessCI(t, "skipping: "+s.name+" is missing ("+s.install+"; .ci/run installs it)")
			}
			for _, mode := range []string{"plain", "deflate"} {
				t.Run(mode+" ws", func(t *testing.T) {
					checkEchoServer(t, startEchoScript(t, s.command, s.env, mode, nil), mode == "deflate", true, cert)
				})
				t.Run(mode+" wss", func(t *testing.T) {
					checkEchoServer(t, startEchoScript(t, s.command, s.env, mode, &cert), mode == "deflate", true, cert)
				})
			}
		})
	}
}
