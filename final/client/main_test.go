package main

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// build builds the program in dir (relative to the module root) and
// returns its path.
func build(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(dir))
	out, err := exec.Command("go", "build", "-o", bin, filepath.Join("../..", dir)).CombinedOutput()
	require.NoError(t, err, "go build %s: %s", dir, out)
	return bin
}

// startServer runs a server program on a free port and returns the
// address its first line names, and what it prints after.
func startServer(t *testing.T, bin string) (string, *wstest.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "%s printed nothing", bin)
	addr := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(lines.Text())
	require.NotEmpty(t, addr, "the first line should give the address: %q", lines.Text())
	out := &wstest.SyncBuffer{}
	go func() {
		for lines.Scan() { // keep reading, so the server never blocks on stdout
			out.Write(append(lines.Bytes(), '\n'))
		}
	}()
	return addr, out
}

// session is the client program running against a server: type a line,
// wait for a line of output.
type session struct {
	t     *testing.T
	stdin io.WriteCloser
	out   *wstest.SyncBuffer
}

func startClient(t *testing.T, bin string, args ...string) *session {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	s := &session{t: t, stdin: stdin, out: &wstest.SyncBuffer{}}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s.expect("connected to", "the client dials the server (docs/client.md)")
	return s
}

func (s *session) typeLine(line string) {
	s.t.Helper()
	_, err := io.WriteString(s.stdin, line+"\n")
	require.NoError(s.t, err)
}

func (s *session) expect(want, hint string) {
	s.t.Helper()
	require.Eventually(s.t, func() bool { return strings.Contains(s.out.String(), want) }, wstest.WaitFor, 5*time.Millisecond,
		"the client should print %q: %s; it printed:\n%s", want, hint, s.out.Tail(10))
}

func TestClientTalksToEachServer(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: it builds the programs")
	}
	client := build(t, "final/client")
	tests := []struct {
		name   string
		server string
		path   string
		steps  [][2]string // a line typed, what the output then shows
		shows  string      // what the server then prints
	}{
		{"final", "final", "/xxoo", [][2]string{
			{"hello", "< hello"},
			{"/frag 3 fragmented", "< fragmented"},
			{"/binary 00 01 fe ff", "< binary, 4 bytes: 00 01 fe ff"},
			{"/ping are you there", `payload: "are you there"`},
			{"/raw 81 02 68 69", "close code 1002"}, // an unmasked frame (RFC 6455 §5.1)
		}, "WebSocket closed"},
		{"the chat room", "final/chat", "/ws", [][2]string{
			{"hello, room", "hello, room"},
			{"/close 4000 bye", "close code 4000"},
		}, ""},
		{"step 5", "step5-pack", "/xxoo", [][2]string{
			{"hello", "< you said: hello"},
			{"/close 1001", "close code 1001"},
		}, `text: "hello"`},
		{"step 4, which answers nothing", "step4-unpack", "/xxoo", [][2]string{
			{"hello", "MASK=1"},
		}, `text: "hello"`},
		{"step 3, which prints the bytes", "step3-handshake", "/xxoo", [][2]string{
			{"hello", "MASK=1"},
		}, "81 85"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, server := startServer(t, build(t, tt.server))
			s := startClient(t, client, "-v", "ws://"+addr+tt.path)
			for _, step := range tt.steps {
				s.typeLine(step[0])
				s.expect(step[1], "after typing "+step[0])
			}
			s.expect("MASK=1 (masked)", "-v draws the client's frames, masked (RFC 6455 §5.3)")
			s.expect("masking key", "-v shows each frame's masking key")
			require.Eventually(t, func() bool { return strings.Contains(server.String(), tt.shows) }, wstest.WaitFor, 5*time.Millisecond,
				"the server should print %q; it printed:\n%s", tt.shows, server.Tail(10))
		})
	}
}
