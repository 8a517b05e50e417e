// Package websocket is a WebSocket server and client (RFC 6455) on the
// standard library alone.
//
// Upgrade, in any http.Handler, answers a client's opening handshake and
// returns a *Conn, which carries whole messages: ReadMessage returns the
// next one, WriteMessage sends one, Close starts the closing handshake. An
// echo handler:
//
//	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
//		c, err := websocket.Upgrade(w, r, nil)
//		if err != nil {
//			return // Upgrade has answered the request with why not
//		}
//		for {
//			typ, msg, err := c.ReadMessage()
//			if err != nil || c.WriteMessage(typ, msg) != nil {
//				return // the connection is closed
//			}
//		}
//	})
//
// Server does the rest of a service's work: it runs a Handler for each
// connection on a goroutine of its own, caps the connections (MaxConns) and
// the memory of the messages being read (MaxMemory), logs why each
// connection ended, and says goodbye to every client on Shutdown. Run it
// with Serve, or mount it on a mux as an http.Handler.
//
// Dial is the client's side: it opens a connection to a ws:// or wss://
// URL and returns the same *Conn, which then masks every frame it sends
// (RFC 6455 §5.3); DialOptions adds the request's headers, the subprotocols
// to offer and the TLS configuration.
//
// Options set the limits (message size, timeouts, keepalive pings), the
// origins whose pages may connect (by default only the server's own), the
// subprotocols the server speaks, and compression. Authenticate a request
// as any other before calling Upgrade: headers set on the ResponseWriter
// then (a cookie, say) go out with the 101 response.
//
// # Concurrency
//
// One goroutine at a time may read (ReadMessage). Any number may write at
// once (WriteMessage, Ping, Close), also while another reads: every frame is
// written whole under the connection's lock. A chat room's writer goroutine
// and a shutdown that closes every connection never need a lock of their own.
//
// # Errors
//
// When a client breaks the protocol, ReadMessage closes the connection with
// the close code that RFC 6455 §7.4.1 asks for and returns an error saying in
// words what happened; a close frame from the client ends in a *CloseError.
// Writes fail once the connection is closing, or when a frame could not
// leave within Options.WriteTimeout (the client has stopped reading).
// CloseStatus gives the close code behind any of these errors, 1006 when the
// connection ended without a close frame, and errors.Is finds the cause
// (io.EOF, net.ErrClosed). CloseNow ends a connection at once.
//
// # The tutorial
//
// The package is also the end of a tutorial, which builds the protocol one
// piece at a time (steps 1 to 5) and then finishes and hardens it here: it is
// the package behind `go run ./final` (an echo server with a view of its
// frames) and `go run ./final/chat` (a chat room). Read along: docs/final.md.
package websocket
