package websocket

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// findPythonWebsockets returns a Python that can import websockets, or "".
func findPythonWebsockets() string {
	for _, python := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(python, "-c", "import websockets").Run() == nil {
			return python
		}
	}
	return ""
}

// TestInteropPythonWebsockets has a second independent client, the Python
// websockets library, talk to final: text, binary, a fragmented message, a
// ping, 1 MiB, and a close handshake with an application code; once plain,
// once with permessage-deflate, which the library offers by default.
func TestInteropPythonWebsockets(t *testing.T) {
	python := findPythonWebsockets()
	if python == "" {
		wstest.SkipUnlessCI(t, "skipping: no python3 with the websockets library (apt-get install python3-websockets; .ci/run installs it)")
	}
	for _, deflate := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "permessage-deflate"}[deflate], func(t *testing.T) {
			cfg := testServer()
			cfg.Compress = deflate
			var compressedIn, compressedOut atomic.Int64
			cfg.OnFrame = func(_ *Conn, f Frame) {
				if d := f.Describe(); d.Compressed && d.Direction == "in" {
					compressedIn.Add(1)
				} else if d.Compressed {
					compressedOut.Add(1)
				}
			}
			_, addr, out := startServer(t, cfg)
			args := []string{"testdata/python_client.py", "ws://" + addr + "/xxoo"}
			if deflate {
				args = append(args, "deflate")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			stdout, err := exec.CommandContext(ctx, python, args...).Output()
			var stderr string
			if exitErr, ok := err.(*exec.ExitError); ok {
				stderr = string(exitErr.Stderr)
			}
			require.NoError(t, err, "the Python client failed:\n%s\nthe server's last lines:\n%s", stderr, out.Tail(5))

			var got struct {
				Extensions string `json:"extensions"`
				Text       string `json:"text"`
				Binary     []int  `json:"binary"`
				Fragmented string `json:"fragmented"`
				Pong       bool   `json:"pong"`
				BigEchoed  bool   `json:"big_echoed"`
				CloseCode  int    `json:"close_code"`
			}
			require.NoError(t, json.Unmarshal(stdout, &got), "the client printed %q", stdout)
			assert.Equal(t, "Hello, 世界", got.Text, "text comes back as text")
			assert.Equal(t, []int{0x00, 0x01, 0xfe, 0xff}, got.Binary, "binary comes back as binary (RFC 6455 §5.6)")
			assert.Equal(t, "fragmented 中文", got.Fragmented, "fragments are reassembled into one message (RFC 6455 §5.4)")
			assert.True(t, got.Pong, "a ping is answered with a pong (RFC 6455 §5.5.2)")
			assert.True(t, got.BigEchoed, "a 1 MiB message comes back intact")
			assert.Equal(t, 4000, got.CloseCode, "the server echoes the client's close code (RFC 6455 §5.5.1)")
			wstest.WaitForOutput(t, out, "WebSocket closed: the client closed: 4000")
			if !deflate {
				assert.Empty(t, got.Extensions, "no extension without -compress")
				return
			}
			assert.Contains(t, got.Extensions, "permessage-deflate", "the extension was agreed (RFC 7692 §5)")
			assert.Positive(t, compressedIn.Load(), "the client's messages came compressed (RSV1, RFC 7692 §6)")
			assert.Positive(t, compressedOut.Load(), "the server's echoes went compressed (RSV1)")
		})
	}
}

// TestInteropPythonSubprotocol has Python's websockets client offer two
// subprotocols; it must agree with the server on the one the server prefers.
func TestInteropPythonSubprotocol(t *testing.T) {
	python := findPythonWebsockets()
	if python == "" {
		wstest.SkipUnlessCI(t, "skipping: no python3 with the websockets library (apt-get install python3-websockets; .ci/run installs it)")
	}
	cfg := testServer()
	cfg.Subprotocols = []string{"chat.v2", "chat.v1"}
	_, addr, out := startServer(t, cfg)
	const script = `import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], subprotocols=["x", "chat.v1", "chat.v2"]) as ws:
        print(ws.subprotocol)
asyncio.run(main())`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stdout, err := exec.CommandContext(ctx, python, "-c", script, "ws://"+addr+"/xxoo").Output()
	require.NoError(t, err, "the Python client failed; the server's last lines:\n%s", out.Tail(5))
	assert.Equal(t, "chat.v2", strings.TrimSpace(string(stdout)), "the server's first preference that the client offered (Options.Subprotocols, RFC 6455 §4.2.2)")
}
