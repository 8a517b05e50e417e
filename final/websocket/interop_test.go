package websocket

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/websocket"
)

// received is one message as golang.org/x/net/websocket received it.
type received struct {
	payloadType byte
	data        []byte
}

// recorder is a codec that keeps each message's type, so the test can tell
// a text echo from a binary one.
var recorder = websocket.Codec{
	Marshal: func(v any) ([]byte, byte, error) {
		m := v.(received)
		return m.data, m.payloadType, nil
	},
	Unmarshal: func(data []byte, payloadType byte, v any) error {
		*v.(*received) = received{payloadType, data}
		return nil
	},
}

func TestInteropWithXNetWebsocket(t *testing.T) {
	_, addr, _ := startServer(t, testServer())
	ws, err := websocket.Dial("ws://"+addr+"/xxoo", "", "http://"+addr+"/")
	require.NoError(t, err, "golang.org/x/net/websocket must complete the handshake (RFC 6455 §4)")
	defer ws.Close()

	tests := []struct {
		name string
		msg  received
	}{
		{"text", received{websocket.TextFrame, []byte("Hello from x/net")}},
		{"binary", received{websocket.BinaryFrame, []byte{0, 1, 2, 0xff}}},
		{"long text", received{websocket.TextFrame, make([]byte, 100000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, recorder.Send(ws, tt.msg))
			var got received
			require.NoError(t, recorder.Receive(ws, &got))
			assert.Equal(t, tt.msg.payloadType, got.payloadType, "the echo keeps the message type (RFC 6455 §5.6)")
			assert.Equal(t, tt.msg.data, got.data, "an independent client gets its message back")
		})
	}
}
