package websocket

import (
	"flag"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogNamesTheForwardedClientOnlyBehindATrustedProxy: the log believes
// X-Forwarded-For only from a peer named by -trusted-proxy, and then only
// the entries the trusted proxies wrote (docs/final-extras.md#deploying).
func TestLogNamesTheForwardedClientOnlyBehindATrustedProxy(t *testing.T) {
	tests := []struct {
		name    string
		trusted string // -trusted-proxy
		peer    string // the TCP peer
		xff     []string
		want    string
	}{
		{"without -trusted-proxy the header is ignored", "", "127.0.0.2:4000", []string{"203.0.113.7"}, "127.0.0.2:4000"},
		{"a trusted proxy names the client", "127.0.0.2", "127.0.0.2:4000", []string{"203.0.113.7"}, "203.0.113.7 via 127.0.0.2:4000"},
		{"a peer that is not trusted cannot forge it", "127.0.0.2", "198.51.100.1:4000", []string{"203.0.113.7"}, "198.51.100.1:4000"},
		{"what the client wrote left of the proxy's entry is ignored", "127.0.0.2", "127.0.0.2:4000", []string{"6.6.6.6, 203.0.113.7"}, "203.0.113.7 via 127.0.0.2:4000"},
		{"a chain of trusted proxies is skipped", "10.0.0.0/8,127.0.0.2", "127.0.0.2:4000", []string{"203.0.113.7, 10.1.2.3", "10.9.9.9"}, "203.0.113.7 via 127.0.0.2:4000"},
		{"a garbled entry stops the search", "127.0.0.2", "127.0.0.2:4000", []string{"203.0.113.7, unknown"}, "127.0.0.2:4000"},
		{"a trusted proxy without the header is the peer", "127.0.0.2", "127.0.0.2:4000", nil, "127.0.0.2:4000"},
		{"IPv6 client and proxy", "::1", "[::1]:4000", []string{"2001:db8::7"}, "2001:db8::7 via [::1]:4000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			s.AddFlags(fs)
			require.NoError(t, fs.Parse([]string{"-trusted-proxy", tt.trusted}))
			r := &http.Request{RemoteAddr: tt.peer, Header: http.Header{"X-Forwarded-For": tt.xff}}
			assert.Equal(t, tt.want, s.clientAddr(r), "who the log names (X-Forwarded-For is read from the right, and only from a trusted proxy)")
		})
	}
}

// TestTrustedProxyFlagRefusesGarbage: a typo in -trusted-proxy stops the
// program at start-up instead of trusting nothing in silence.
func TestTrustedProxyFlagRefusesGarbage(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	(&Server{}).AddFlags(fs)
	err := fs.Parse([]string{"-trusted-proxy", "127.0.0.1,localhost"})
	assert.ErrorContains(t, err, `"localhost" is neither an address nor a CIDR prefix`)
}
