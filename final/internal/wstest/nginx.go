package wstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ProxyAddr is the address from which the test's nginx reaches the program
// (proxy_bind), so that the program can tell the proxy (127.0.0.2) from the
// browser (127.0.0.1) although both are on loopback.
const ProxyAddr = "127.0.0.2"

// Nginx is the deployment's configuration (final/deploy/nginx.conf) as a
// test fills it in.
type Nginx struct {
	Addr        string // where nginx listens: a FreeAddr
	Conf        string // the path of final/deploy/nginx.conf
	Backend     string // the program's address, for proxy_pass
	Cert        Cert
	ReadTimeout string // proxy_read_timeout, such as "1s"
}

// Start runs nginx with the configuration, filled in, as a process of the
// test's own on n.Addr, with its own prefix, pid file and logs in a
// temporary folder (never the system's service), and waits until it
// listens. Without nginx the test is skipped (failed under CI).
func (n Nginx) Start(t *testing.T) {
	t.Helper()
	bin := findNginx()
	if bin == "" {
		SkipUnlessCI(t, "skipping the nginx test: no nginx on PATH or in /usr/sbin (apt-get install nginx; .ci/run installs it)")
	}
	addr := n.Addr
	site, err := os.ReadFile(n.Conf)
	require.NoError(t, err)
	conf := string(site)
	for _, r := range [][2]string{ // each must be found, or the file changed under the test
		{"listen 443 ssl;", "listen " + addr + " ssl;"},
		{"/etc/ssl/websocket/cert.pem", n.Cert.CertFile},
		{"/etc/ssl/websocket/key.pem", n.Cert.KeyFile},
		{"proxy_pass http://127.0.0.1:8002;", "proxy_pass http://" + n.Backend + ";\n        proxy_bind " + ProxyAddr + ";"},
		{"proxy_read_timeout 60s;", "proxy_read_timeout " + n.ReadTimeout + ";"},
	} {
		require.Equal(t, 1, strings.Count(conf, r[0]), "%s should hold %q once: the test fills it in", n.Conf, r[0])
		conf = strings.Replace(conf, r[0], r[1], 1)
	}
	dir, err := os.MkdirTemp("", "nginx-") // not t.TempDir: nginx may still write there as it exits
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site.conf"), []byte(conf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(mainConf(dir)), 0o644))

	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", "stderr")
	var stderr SyncBuffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	require.Eventuallyf(t, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, WaitFor, 20*time.Millisecond, "nginx never listened on %s; it said:\n%s", addr, &stderr)
	select {
	case <-exited:
		t.Fatalf("nginx exited at start; it said:\n%s", stderr.Tail(10))
	default:
	}
}

// mainConf is nginx's main configuration around the site: one process in
// the foreground, everything it writes under dir.
func mainConf(dir string) string {
	return fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, dir)
}

// findNginx returns the path of nginx, or "": Debian puts it in /usr/sbin,
// which a user's PATH may lack.
func findNginx() string {
	if path, err := exec.LookPath("nginx"); err == nil {
		return path
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	return ""
}

// FreeAddr is a free port of 127.0.0.1, for a program that cannot be
// given a listener.
func FreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
