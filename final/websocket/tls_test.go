package websocket

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// TestServeTLS: ServeTLS answers the opening handshake inside TLS (wss://,
// RFC 6455 §4.1), and returns at once, saying why, when the certificate or
// its key cannot be loaded.
func TestServeTLS(t *testing.T) {
	cert, other := wstest.NewCert(t, "127.0.0.1"), wstest.NewCert(t, "127.0.0.1")
	t.Run("a wss:// client gets its 101", func(t *testing.T) {
		addr := wstest.StartTLS(t, testServer(), cert)
		wstest.ConnectTLS(t, addr, "/", cert.Roots) // requires the 101 and its Sec-WebSocket-Accept
	})
	tests := []struct {
		name, certFile, keyFile, want string
	}{
		{"a missing certificate file", cert.CertFile + ".missing", cert.KeyFile, "no such file"},
		{"a key that is not the certificate's", cert.CertFile, other.KeyFile, "private key does not match public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			err = testServer().ServeTLS(ln, tt.certFile, tt.keyFile)
			assert.ErrorContains(t, err, tt.want, "ServeTLS loads the key pair before it serves")
		})
	}
}
