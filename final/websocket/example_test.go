//go:build !exercise

// The examples run on the reference message layer: in the exercise build
// (-tags exercise) they would only repeat what assemble_test.go says.

package websocket_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	xwebsocket "golang.org/x/net/websocket"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// An echo handler on an http.ServeMux: every message comes back.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has answered the request with why not
		}
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, msg) != nil {
				return // the connection is closed
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ws := dial(srv.Listener.Addr().String(), "/echo")
	defer ws.Close()
	xwebsocket.Message.Send(ws, "hello")
	var echo string
	xwebsocket.Message.Receive(ws, &echo)
	fmt.Println(echo)
	// Output: hello
}

// A Server runs a Handler for each connection; Shutdown sends every client
// a close frame with 1001 (going away) and waits for them, until ctx ends.
func ExampleServer_Shutdown() {
	s := &websocket.Server{
		Handler: func(c *websocket.Conn, r *http.Request) error {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return err // the Server logs why the connection ended
				}
			}
		},
		Logger: log.New(io.Discard, "", 0),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go s.Serve(ln)

	ws := dial(ln.Addr().String(), "/")
	read := make(chan error)
	go func() {
		var msg string
		read <- xwebsocket.Message.Receive(ws, &msg) // x/net reports a close frame as io.EOF
		ws.Close()                                   // and answers it
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(ctx)
	fmt.Println("the client read:", <-read)
	// Output: the client read: EOF
}

// Options.Subprotocols lists what the server speaks, by preference. A client
// that offers none of them still connects; this handler turns it away.
func ExampleConn_Subprotocol() {
	opts := &websocket.Options{Subprotocols: []string{"chat.v2", "chat.v1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Upgrade(w, r, opts)
		if err != nil {
			return
		}
		if c.Subprotocol() == "" {
			c.Close(websocket.ClosePolicyViolation, "speak chat.v2 or chat.v1")
			c.ReadMessage() // returns once the client has answered
			return
		}
		c.WriteMessage(websocket.TextMessage, []byte("welcome to "+c.Subprotocol()))
		c.ReadMessage()
	}))
	defer srv.Close()

	ws := dial(srv.Listener.Addr().String(), "/", "x", "chat.v2")
	var msg string
	xwebsocket.Message.Receive(ws, &msg)
	fmt.Println(ws.Config().Protocol, msg)
	ws.Close()

	ws = dial(srv.Listener.Addr().String(), "/") // offers none
	fmt.Println(xwebsocket.Message.Receive(ws, &msg))
	ws.Close()
	// Output:
	// [chat.v2] welcome to chat.v2
	// EOF
}

// CloseStatus tells how a connection ended: a close frame, and with which
// code, or a hang-up (1006); errors.Is finds the cause.
func ExampleCloseStatus() {
	ended := make(chan string)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		for err == nil {
			_, _, err = c.ReadMessage()
		}
		switch code := websocket.CloseStatus(err); code {
		case websocket.CloseNormal, websocket.CloseGoingAway:
			ended <- fmt.Sprintf("a normal end (%d)", code)
		case websocket.CloseAbnormal:
			ended <- fmt.Sprintf("no close frame (%d); io.EOF: %v", code, errors.Is(err, io.EOF))
		default:
			ended <- fmt.Sprintf("a failure (%d): %v", code, err)
		}
	}))
	defer srv.Close()

	dial(srv.Listener.Addr().String(), "/").Close() // sends a close frame with 1000
	fmt.Println(<-ended)
	hangUp(srv.Listener.Addr().String()) // closes TCP after the handshake
	fmt.Println(<-ended)
	// Output:
	// a normal end (1000)
	// no close frame (1006); io.EOF: true
}

// dial opens a WebSocket to path on addr with golang.org/x/net/websocket,
// offering protocols, as a page of the server's own origin would.
func dial(addr, path string, protocols ...string) *xwebsocket.Conn {
	config, err := xwebsocket.NewConfig("ws://"+addr+path, "http://"+addr)
	if err != nil {
		log.Fatal(err)
	}
	config.Protocol = protocols
	ws, err := xwebsocket.DialConfig(config)
	if err != nil {
		log.Fatal(err)
	}
	return ws
}

// hangUp opens a WebSocket to addr by hand and closes the TCP connection
// without a close frame, as a client that crashes does.
func hangUp(addr string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	if _, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil {
		log.Fatal(err)
	}
}

// Dial connects to a WebSocket server (here an echo on an httptest server)
// and returns the same *Conn a server gets, masking what it sends.
func ExampleDial() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, msg) != nil {
				return
			}
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // for the handshake
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+srv.Listener.Addr().String()+"/echo", nil)
	if err != nil {
		log.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close(websocket.CloseNormal, "done")
	_, _, err = c.ReadMessage()
	fmt.Println(websocket.CloseStatus(err))
	// Output:
	// hello
	// 1000
}
