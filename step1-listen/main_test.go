package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServerSaysWhenAClientLeaves(t *testing.T) {
	addr, out := startServer(t)
	conn := dial(t, addr)
	_, err := conn.Write([]byte("hi"))
	require.NoError(t, err)
	waitForOutput(t, out, "sent 2 bytes", "the size of each chunk is printed")
	conn.Close()
	waitForOutput(t, out, "closed the connection", "EOF means the client hung up")
}
