package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestCtrlCClosesEveryClientAndExits runs the real program, as `go run ./final`
// would, over ws:// and over wss://, and presses Ctrl-C: every client gets a
// close frame with 1001 (going away) and the program exits on its own.
func TestCtrlCClosesEveryClientAndExits(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: it builds the program")
	}
	bin := filepath.Join(t.TempDir(), "final")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	cert := wstest.NewCert(t, "127.0.0.1")
	tests := []struct {
		name    string
		flags   []string
		scheme  string
		connect func(t *testing.T, addr string) *wstest.Client
	}{
		{"over ws://", nil, "http://", func(t *testing.T, addr string) *wstest.Client { return wstest.Connect(t, addr) }},
		{"over wss:// (-tls-cert, -tls-key)", []string{"-tls-cert", cert.CertFile, "-tls-key", cert.KeyFile}, "https://",
			func(t *testing.T, addr string) *wstest.Client { return wstest.ConnectTLS(t, addr, "/", cert.Roots) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, tt.flags...)...)
			addr, exited := startProgram(t, cmd, tt.scheme)
			clients := []*wstest.Client{tt.connect(t, addr), tt.connect(t, addr)}
			for _, c := range clients {
				c.Send(textFrame, []byte("before Ctrl-C"))
				c.Expect(textFrame, []byte("before Ctrl-C"), "the program echoes")
			}

			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			for _, c := range clients {
				f, err := c.Read()
				require.NoError(t, err, "after Ctrl-C every client gets a close frame")
				require.Equal(t, `close 1001 "server shutting down"`, f.String(),
					"after Ctrl-C every client gets a close frame with 1001 going away (RFC 6455 §7.4.1)")
				c.Send(closeFrame, wstest.ClosePayload(closeGoingAway, "")) // the client's half of the close handshake
				c.ExpectEOF("the server closes TCP once both close frames are sent")
			}
			select {
			case err := <-exited:
				assert.NoError(t, err, "after Ctrl-C the program exits cleanly")
			case <-time.After(wstest.WaitFor):
				t.Fatal("the program did not exit after Ctrl-C")
			}
		})
	}
}

// startProgram starts cmd and returns the address its first line gives
// after scheme ("final: echo server on https://ADDR/ …") and a channel that
// gets its exit.
func startProgram(t *testing.T, cmd *exec.Cmd, scheme string) (string, <-chan error) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "final printed nothing")
	_, rest, ok := strings.Cut(lines.Text(), scheme)
	require.True(t, ok, "the first line should give the address after %s: %q", scheme, lines.Text())
	addr, _, _ := strings.Cut(rest, "/")
	go func() {
		for lines.Scan() { // keep reading, so the program never blocks on stdout
		}
	}()
	return addr, exited
}
