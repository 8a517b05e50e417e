package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// run sends one typed line: a text message, or what its command says.
func run(c *websocket.Conn, tcp net.Conn, line string, out *log.Logger) error {
	if !strings.HasPrefix(line, "/") {
		return c.WriteMessage(websocket.TextMessage, []byte(line))
	}
	name, arg, _ := strings.Cut(line, " ")
	switch name {
	case "/ping":
		return c.Ping([]byte(arg))
	case "/close":
		return closeWith(c, arg)
	case "/binary":
		p, err := parseHex(arg)
		if err != nil {
			return err
		}
		return c.WriteMessage(websocket.BinaryMessage, p)
	case "/frag":
		return sendFragments(c, arg)
	case "/raw":
		return writeRaw(tcp, arg)
	case "/help":
		out.Print(help)
		return nil
	}
	return fmt.Errorf("unknown command %s (/help lists them)", name)
}

// closeWith sends a close frame: "/close", "/close 4000", "/close 1001 bye".
func closeWith(c *websocket.Conn, arg string) error {
	code, reason := websocket.CloseNormal, ""
	if arg != "" {
		text, rest, _ := strings.Cut(arg, " ")
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("/close CODE [REASON]: %q is no code", text)
		}
		code, reason = n, rest
	}
	return c.Close(code, reason)
}

// sendFragments sends TEXT as one text message in N frames of about equal
// size, with Conn.WriteFragments (RFC 6455 §5.4). The cuts are between
// bytes: a code point may be split, as a peer must allow (§8.1).
func sendFragments(c *websocket.Conn, arg string) error {
	count, text, _ := strings.Cut(arg, " ")
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return errors.New("/frag N TEXT: N is the number of fragments, 1 or more")
	}
	parts := make([][]byte, n)
	for i := range parts {
		parts[i] = []byte(text[i*len(text)/n : (i+1)*len(text)/n])
	}
	return c.WriteFragments(websocket.TextMessage, parts...)
}

// writeRaw writes bytes as they are on the TCP connection, under the
// package: a broken frame (unmasked, a reserved opcode, a lying length) to
// see how the server answers. The package offers no way to send one, so the
// program dialed TCP itself (DialOptions.NetDial) and writes on it; over
// wss:// that connection carries TLS records, and raw bytes would break
// them instead: tcp is nil then. The bytes go past the Conn's write lock:
// a pong the reader sends at that instant could cut into them, which is
// rare and only muddles an experiment that breaks the stream anyway.
func writeRaw(tcp net.Conn, arg string) error {
	if tcp == nil {
		return errors.New("/raw needs a ws:// connection")
	}
	p, err := parseHex(arg)
	if err != nil {
		return err
	}
	_, err = tcp.Write(p)
	return err
}

// parseHex reads bytes written in hex, spaces allowed: "81 02 68 69".
func parseHex(s string) ([]byte, error) {
	p, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return nil, fmt.Errorf("not hex: %q (bytes as two hex digits each, spaces allowed)", s)
	}
	return p, nil
}
