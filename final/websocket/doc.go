// Package websocket is a small WebSocket server (RFC 6455) on the standard
// library: the protocol that the tutorial's steps build one piece at a time,
// finished and hardened. It is the package behind `go run ./final` (an echo
// server) and `go run ./final/chat` (a chat room).
//
// Upgrade checks an opening handshake and answers it; the *Conn it returns
// carries whole messages with ReadMessage and WriteMessage. ReadMessage
// reassembles fragments, answers pings, checks UTF-8 and the size limit, and
// answers the client's close frame; Ping and Close send control frames.
// Server puts it together: it serves a page on GET /, upgrades requests on
// any path, runs a Handler for each connection, logs why each one
// ended and says goodbye to all of them on Shutdown.
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
//
// Read along: docs/final.md.
package websocket
