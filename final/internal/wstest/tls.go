package wstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TLSServer is what StartTLS runs: websocket.Server has these methods.
type TLSServer interface {
	Server
	ServeTLS(ln net.Listener, certFile, keyFile string) error
}

// Cert is a self-signed certificate made for one test, in PEM files as
// -tls-cert and -tls-key take them, and the pool a client trusts it with.
type Cert struct {
	CertFile, KeyFile string
	Roots             *x509.CertPool
}

// NewCert makes a self-signed ECDSA certificate for hosts (addresses or
// names), valid for an hour, and writes it to the test's temporary folder.
func NewCert(t testing.TB, hosts ...string) Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{Organization: []string{"wsfromscratch test"}},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // its own issuer, so that a pool of it verifies it
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	c := Cert{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"), Roots: x509.NewCertPool()}
	require.NoError(t, os.WriteFile(c.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	require.NoError(t, os.WriteFile(c.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	c.Roots.AddCert(cert)
	return c
}

// StartTLS runs s over TLS with cert on a free port of 127.0.0.1 for the
// length of the test and returns its address.
func StartTLS(t testing.TB, s TLSServer, cert Cert) string {
	t.Helper()
	return start(t, s, func(ln net.Listener) error { return s.ServeTLS(ln, cert.CertFile, cert.KeyFile) })
}

// DialTLS opens a TLS connection to addr that trusts roots and asks for
// HTTP/1.1, as a browser does for a WebSocket; it is closed when the test
// ends.
func DialTLS(t testing.TB, addr string, roots *x509.CertPool) (*tls.Conn, error) {
	t.Helper()
	d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}}}
	conn, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a broken server fails the test instead of hanging it
	t.Cleanup(func() { conn.Close() })
	return conn.(*tls.Conn), nil
}

// ConnectTLS dials addr over TLS and completes the opening handshake on
// path: a wss:// client.
func ConnectTLS(t testing.TB, addr, path string, roots *x509.CertPool) *Client {
	t.Helper()
	conn, err := DialTLS(t, addr, roots)
	require.NoError(t, err, "the TLS handshake (wss://, RFC 6455 §4.1)")
	key := NewKey()
	return ConnectOn(t, conn, HandshakeRequest(path, key), key)
}
