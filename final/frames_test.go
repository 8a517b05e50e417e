package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// viewMessage is one JSON message of the frame view.
type viewMessage struct {
	Kind     string                `json:"kind"`
	Frame    websocket.Description `json:"frame"`
	Key      string                `json:"key"`
	Accept   string                `json:"accept"`
	Request  string                `json:"request"`
	Response []string              `json:"response"`
}

// openView opens the frame view with token and waits until it is ready.
func openView(t *testing.T, addr, token string) *wstest.Client {
	t.Helper()
	v := wstest.ConnectPath(t, addr, "/frames?token="+token)
	require.Equal(t, "ready", nextView(t, v).Kind, "the view says when it is ready (docs/final.md, the frame view)")
	return v
}

// nextView reads the view's next message.
func nextView(t *testing.T, v *wstest.Client) viewMessage {
	t.Helper()
	f, err := v.Read()
	require.NoError(t, err)
	require.Equal(t, byte(textFrame), f.Opcode, "the view sends JSON text messages")
	var m viewMessage
	require.NoError(t, json.Unmarshal(f.Payload, &m), "the view sent %.60q", f.Payload)
	return m
}

// nextFrame reads the view until its next frame.
func nextFrame(t *testing.T, v *wstest.Client) websocket.Description {
	t.Helper()
	for {
		if m := nextView(t, v); m.Kind == "frame" {
			return m.Frame
		}
	}
}

func token(c byte) string { return strings.Repeat(string(c), 32) }

func TestTheFrameViewShowsItsOwnConnection(t *testing.T) {
	addr, _ := startEcho(t)
	view := openView(t, addr, token('a'))
	echo := wstest.ConnectPath(t, addr, "/xxoo?token="+token('a'))

	hs := nextView(t, view)
	require.Equal(t, "handshake", hs.Kind, "first the opening handshake")
	assert.Contains(t, hs.Request, "GET /xxoo?token=", "the request line as the server received it")
	assert.Equal(t, wstest.AcceptKey(hs.Key), hs.Accept, "the accept key is base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2)")
	assert.Contains(t, hs.Response, "Sec-WebSocket-Accept: "+hs.Accept)

	echo.Send(textFrame, []byte("hello"))
	echo.Expect(textFrame, []byte("hello"), "the echo works as before")
	in := nextFrame(t, view)
	assert.Equal(t, "in", in.Direction)
	assert.True(t, in.Fin && in.Masked, "a browser's frame: FIN=1, MASK=1 (RFC 6455 §5.3)")
	assert.Equal(t, byte(1), in.Opcode, "a text frame")
	assert.Equal(t, "68 65 6c 6c 6f", in.Plain, "unmasked, the payload is hello")
	assert.Equal(t, "37 fa 21 3d", in.Key, "the masking key the client chose")
	out := nextFrame(t, view)
	assert.Equal(t, "out", out.Direction)
	assert.False(t, out.Masked, "a server never masks (RFC 6455 §5.1)")
	assert.Equal(t, "68 65 6c 6c 6f", out.Wire, "the echo, as the server wrote it")

	view.Send(textFrame, []byte("ping"))
	f, err := echo.Read()
	require.NoError(t, err)
	assert.Equal(t, byte(0x9), f.Opcode, "asked by the page, the server pings the echo connection")
	assert.Equal(t, byte(9), nextFrame(t, view).Opcode, "and the view shows the ping")
}

func TestAPageSeesNoOtherPagesFrames(t *testing.T) {
	addr, _ := startEcho(t)
	viewA, viewB := openView(t, addr, token('a')), openView(t, addr, token('b'))
	echoA := wstest.ConnectPath(t, addr, "/xxoo?token="+token('a'))
	echoA.Send(textFrame, []byte("secret of A"))
	echoA.Expect(textFrame, []byte("secret of A"), "A's echo")
	require.Equal(t, "secret of A", nextFrame(t, viewA).Text, "A's view shows A's frame")

	echoB := wstest.ConnectPath(t, addr, "/xxoo?token="+token('b'))
	echoB.Send(textFrame, []byte("from B"))
	echoB.Expect(textFrame, []byte("from B"), "B's echo")
	assert.Equal(t, "handshake", nextView(t, viewB).Kind, "B's view starts with B's handshake")
	assert.Equal(t, "from B", nextFrame(t, viewB).Text, "B's view shows B's frames, and none of A's")

	plain := wstest.Connect(t, addr)
	plain.Send(textFrame, []byte("no token"))
	plain.Expect(textFrame, []byte("no token"), "a connection without a token is echoed, and shown to no one")
}

func TestTheFrameViewRefusesBadTokens(t *testing.T) {
	addr, _ := startEcho(t)
	openView(t, addr, token('c'))
	tests := []struct {
		name, path string
	}{
		{"a short token", "/frames?token=abc"},
		{"no token", "/frames"},
		{"a token that is taken", "/frames?token=" + token('c')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := wstest.ConnectPath(t, addr, tt.path)
			assert.Equal(t, websocket.ClosePolicyViolation, v.ExpectClose(tt.name), "1008: the view needs an unguessable token of its own")
		})
	}
}

func TestTheFrameViewCanBeTurnedOff(t *testing.T) {
	out := &wstest.SyncBuffer{}
	off := false
	addr := wstest.Start(t, newServer(out, &off))
	v := wstest.ConnectPath(t, addr, "/frames?token="+token('d'))
	assert.Equal(t, websocket.ClosePolicyViolation, v.ExpectClose("-frames=false"), "the view is refused with 1008")
	echo := wstest.ConnectPath(t, addr, "/xxoo?token="+token('d'))
	echo.Send(textFrame, []byte("hello"))
	echo.Expect(textFrame, []byte("hello"), "the echo works exactly as before with -frames=false")
}

// allocsPerEcho is how many allocations, on average, echoing a short text
// message on c costs the whole process.
func allocsPerEcho(t *testing.T, c *wstest.Client) float64 {
	t.Helper()
	frame := wstest.ClientFrame(0x80|textFrame, []byte("hello"))
	reply := make([]byte, 2+len("hello"))
	return testing.AllocsPerRun(100, func() {
		_, err := c.Conn.Write(frame)
		require.NoError(t, err)
		_, err = io.ReadFull(c.BR, reply)
		require.NoError(t, err)
	})
}

func TestAClosedViewLeavesItsEchoUnwatched(t *testing.T) {
	addr, out := startEcho(t)
	unwatched := allocsPerEcho(t, wstest.Connect(t, addr))
	view := openView(t, addr, token('e'))
	echo := wstest.ConnectPath(t, addr, "/xxoo?token="+token('e'))
	require.Equal(t, "handshake", nextView(t, view).Kind, "the view watches its echo connection")
	view.Send(closeFrame, wstest.ClosePayload(websocket.CloseNormal, "tab closed"))
	view.ExpectClose("the view ends")
	wstest.WaitForOutput(t, out, view.Conn.LocalAddr().String()+": WebSocket closed")
	assert.LessOrEqual(t, allocsPerEcho(t, echo), unwatched+1,
		"once its view has closed, an echo connection costs what an unwatched one does: nobody is left to see its frames (docs/final.md, the frame view)")
}
