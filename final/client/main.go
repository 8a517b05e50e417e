// Client is a terminal WebSocket client on the package final/websocket:
// each line typed is sent as a text message, every message received is
// printed, and lines that start with / are commands that send what a
// browser never sends by hand (pings, close codes, binary, fragments, raw
// bytes), to see how a server answers. -v draws every frame in and out, the
// client's with their masking key.
//
//	go run ./final/client ws://127.0.0.1:8002/xxoo
//
// Read along: docs/client.md.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"time"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

const help = `commands:
  TEXT               send TEXT as a text message
  /ping [TEXT]       send a ping; the pong shows with -v
  /close [CODE [REASON]]  start the closing handshake (default 1000)
  /binary HEX        send a binary message: /binary 00 01 fe ff
  /frag N TEXT       send TEXT as a text message in N fragments
  /raw HEX           write bytes as they are on the TCP connection (ws:// only): /raw 81 02 68 69 is an unmasked frame
  /help              this list
an empty line or end of input (Ctrl-D) closes with 1000`

func main() {
	verbose := flag.Bool("v", false, "draw every frame in and out as an annotated picture")
	origin := flag.String("origin", "", "Origin header to send (a browser's page origin); none by default")
	protocols := flag.String("subprotocols", "", "subprotocols to offer, comma-separated, in order of preference")
	compress := flag.Bool("compress", false, "offer permessage-deflate (RFC 7692)")
	caFile := flag.String("tls-ca", "", "certificate (PEM) to trust for wss://, such as a test server's own")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: client [flags] ws://HOST:PORT/PATH\n\n%s\n\nflags:\n", help)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	out := log.New(os.Stdout, "", 0) // one line at a time, from any goroutine
	opts, tcp, err := dialOptions(*origin, *protocols, *compress, *caFile)
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		opts.OnFrame = func(_ *websocket.Conn, f websocket.Frame) { out.Print(f) }
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	c, resp, err := websocket.Dial(ctx, flag.Arg(0), opts)
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	out.Printf("connected to %s (%s; subprotocol %q, extensions %q); /help for commands",
		flag.Arg(0), resp.Status, c.Subprotocol(), resp.Header.Get("Sec-WebSocket-Extensions"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		readAll(c, out)
	}()
	raw := *tcp
	if !strings.HasPrefix(flag.Arg(0), "ws://") {
		raw = nil // wss://: TLS runs on tcp (see writeRaw)
	}
	typeLines(c, raw, out, done)
	<-done
}

// dialOptions turns the flags into Dial's options. The TCP connection is
// dialed here, through DialOptions.NetDial, and kept in *tcp: /raw writes
// on it, past the package, which offers no way to send a broken frame.
func dialOptions(origin, protocols string, compress bool, caFile string) (*websocket.DialOptions, *net.Conn, error) {
	tcp := new(net.Conn)
	opts := &websocket.DialOptions{Header: map[string][]string{}, Options: websocket.Options{Compress: compress}}
	opts.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		*tcp = conn
		return conn, err
	}
	if origin != "" {
		opts.Header.Set("Origin", origin)
	}
	if protocols != "" {
		opts.Subprotocols = strings.Split(protocols, ",")
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, nil, err
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%s: no certificate in it", caFile)
		}
		opts.TLSConfig = &tls.Config{RootCAs: roots}
	}
	return opts, tcp, nil
}

// readAll prints every message received until the connection ends, and why
// it ended.
func readAll(c *websocket.Conn, out *log.Logger) {
	for {
		typ, msg, err := c.ReadMessage()
		if err != nil {
			out.Printf("closed: %v (close code %d)", err, websocket.CloseStatus(err))
			return
		}
		if typ == websocket.TextMessage {
			out.Printf("< %s", msg)
		} else {
			out.Printf("< binary, %d bytes: % x", len(msg), msg)
		}
	}
}

// typeLines sends each line typed, or runs it as a command, until the end
// of input, an empty line or the end of the connection (done).
func typeLines(c *websocket.Conn, raw net.Conn, out *log.Logger, done <-chan struct{}) {
	lines := make(chan string)
	go func() {
		defer close(lines)
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			lines <- in.Text()
		}
	}()
	for {
		select {
		case <-done:
			return
		case line, ok := <-lines:
			if !ok || line == "" {
				c.Close(websocket.CloseNormal, "")
				return
			}
			if err := run(c, raw, line, out); err != nil {
				out.Printf("! %v", err)
			}
		}
	}
}
