package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServerPrintsTheRequestABrowserSends(t *testing.T) {
	needs(t, showBytesExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)

	_, err := conn.Write([]byte(articleRequest))
	require.NoError(t, err)

	const hint = "step1 prints every byte the client sends, lines ending in \\r\\n"
	waitForOutput(t, out, "connected", hint)
	waitForOutput(t, out, "GET /chatsocket HTTP/1.1\\r\\n", hint)
	waitForOutput(t, out, "Upgrade: websocket\\r\\n", hint)
	waitForOutput(t, out, "Sec-WebSocket-Key: mnwFxiOlctXFN/DeMt1Amg==\\r\\n", hint)
}

func TestServerPrintsBytesThatArriveInPieces(t *testing.T) {
	needs(t, showBytesExercise)
	addr, out := startServer(t)
	conn := dial(t, addr)

	// TCP is a stream: the server sees whatever the network delivers, and must
	// not assume that one read holds one request.
	pieces := []struct{ sent, shown string }{
		{"GET /xx", "sent 7 bytes:\nGET /xx\n"},
		{"oo HTTP/1.1\r\n", "sent 13 bytes:\noo HTTP/1.1\\r\\n\n"},
	}
	for _, piece := range pieces {
		_, err := conn.Write([]byte(piece.sent))
		require.NoError(t, err)
		waitForOutput(t, out, piece.shown, "each chunk is printed as it arrives, with its size")
	}
}

func TestServerSaysWhenAClientLeaves(t *testing.T) {
	addr, out := startServer(t)
	conn := dial(t, addr)
	_, err := conn.Write([]byte("hi"))
	require.NoError(t, err)
	waitForOutput(t, out, "sent 2 bytes", "the size of each chunk is printed")
	conn.Close()
	waitForOutput(t, out, "closed the connection", "EOF means the client hung up")
}

func TestServerKeepsAcceptingAfterGarbage(t *testing.T) {
	needs(t, showBytesExercise)
	addr, out := startServer(t)
	garbage := dial(t, addr)
	_, err := garbage.Write([]byte{0x00, 0xff, 0x81, 0x85})
	require.NoError(t, err)
	waitForOutput(t, out, `\x00\xff\x81\x85`, "binary bytes are shown as hex")
	garbage.Close()

	next := dial(t, addr)
	_, err = next.Write([]byte(articleRequest))
	require.NoError(t, err)
	waitForOutput(t, out, "GET /chatsocket", "the server goes on after a bad client")
}
