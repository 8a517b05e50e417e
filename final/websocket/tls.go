package websocket

import (
	"crypto/tls"
	"net"
)

// ServeTLS is Serve over TLS, for wss:// (RFC 6455 §3, §4.1): it loads the
// certificate and its private key from certFile and keyFile (PEM; the
// certificate file may hold the chain after it), then accepts TLS
// connections on ln until Shutdown. It returns the error of loading the
// files, or what Serve returns.
//
// The pages may go over HTTP/2, which net/http offers over TLS as it always
// does; a WebSocket comes on a connection of its own that the browser opens
// with HTTP/1.1, because net/http does not announce RFC 8441's extended
// CONNECT (docs/final-extras.md#deploying).
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	// With no TLSConfig of its own, net/http's Serve sets up HTTP/2 for the
	// *tls.Conn that this listener returns: "h2" first, as net/http's own
	// ServeTLS offers it.
	config := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	return s.Serve(tls.NewListener(ln, config))
}
