package main

// Building, starting, watching and stopping the servers under test.

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// target is one server under test: a built binary.
type target struct {
	name    string // "final", or the peer's: "gobwas", "gws", "gorilla"
	bin     string // path of the built binary
	logPath string // its stdout and stderr go here
	pprof   bool   // built with the profiling hook (see pprofHook)
	// compress: the server takes -compress, and is started with it (it
	// then accepts permessage-deflate when a client offers it).
	compress bool
	// path is the request path of the WebSocket endpoint ("" for any).
	path string
	// flags are more flags the server is started with.
	flags []string
}

// server is a server to build: package pkg of the tutorial's root module
// (inRoot) or of this one.
type server struct {
	name     string
	inRoot   bool
	pkg      string
	compress bool     // see target
	path     string   // see target
	flags    []string // see target
}

// The servers of the echo workloads, final first, and of the chat workload.
// With -vs-self, final's place goes to the last one, gorilla's.
var (
	echoServers = []server{
		{name: "final", inRoot: true, pkg: "./final", compress: true},
		{name: "gobwas", pkg: "./gobwas"},
		{name: "gws", pkg: "./gws", compress: true},
		{name: "gorilla", pkg: "./gorilla", compress: true},
	}
	chatServers = []server{
		// The room's rate limit (5 msg/s after a burst of 20) is for people;
		// the workload's clients send up to -chat-rate, at most 1000 msg/s.
		{name: "final", inRoot: true, pkg: "./final/chat", flags: []string{"-rate", "1000", "-burst", "1000"}},
		{name: "gorilla", pkg: "./gorillachat", path: "/ws"},
	}
)

// buildTargets builds servers into tmp, named <name>-<kind>.
func buildTargets(ctx context.Context, servers []server, kind string, o options, benchDir, tmp string, log func(string, ...any)) ([]*target, error) {
	var ts []*target
	for _, s := range servers {
		if o.vsSelf && s.name == "final" {
			s = servers[len(servers)-1]
			s.name = "final"
			log("-vs-self: building %s in final's place", s.pkg)
		}
		dir := benchDir
		if s.inRoot {
			dir = o.root
		}
		file := filepath.Join(tmp, s.name+"-"+kind)
		t := &target{name: s.name, bin: file, logPath: file + ".log", pprof: o.pprof != "", compress: s.compress, path: s.path, flags: s.flags}
		log("building %s (go build -C %s -o %s %s)", s.name, dir, t.bin, s.pkg)
		if err := build(ctx, dir, s.pkg, t.bin, t.pprof); err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// pprofHook is compiled into the servers only with -pprof, through
// `go build -overlay`, so that neither source tree is touched: it adds one
// file to package main that serves a CPU profile on BENCH_PPROF_ADDR.
const pprofHook = `package main

import (
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	addr := os.Getenv("BENCH_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cpu", func(w http.ResponseWriter, r *http.Request) {
		secs, _ := strconv.ParseFloat(r.FormValue("seconds"), 64)
		if err := pprof.StartCPUProfile(w); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		pprof.StopCPUProfile()
	})
	go http.ListenAndServe(addr, mux)
}
`

// build compiles package pkg of the module in dir into out. With hook, the
// pprof hook file is overlaid into the package's directory.
func build(ctx context.Context, dir, pkg, out string, hook bool) error {
	args := []string{"build", "-o", out}
	if hook {
		pkgDir, err := filepath.Abs(filepath.Join(dir, pkg))
		if err != nil {
			return err
		}
		tmp := filepath.Dir(out)
		hookFile := filepath.Join(tmp, filepath.Base(out)+"_pprofhook.go")
		if err := os.WriteFile(hookFile, []byte(pprofHook), 0o644); err != nil {
			return err
		}
		overlay, _ := json.Marshal(map[string]map[string]string{
			"Replace": {filepath.Join(pkgDir, "zz_bench_pprofhook.go"): hookFile},
		})
		overlayFile := filepath.Join(tmp, filepath.Base(out)+"_overlay.json")
		if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
			return err
		}
		args = append(args, "-overlay", overlayFile)
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return nil
}

// moduleVersion tells which version of module path the first of ts that
// uses it was built with.
func moduleVersion(ts []*target, path string) string {
	for _, t := range ts {
		info, err := buildinfo.ReadFile(t.bin)
		if err != nil {
			continue
		}
		for _, d := range info.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "?"
}

// process is one running server.
type process struct {
	t         *target
	cmd       *exec.Cmd
	addr      string // host:port of the WebSocket server, and its target's path
	pprofAddr string // host:port of the profiling hook, if any
	log       *os.File
	done      chan struct{}
}

// freeAddr asks the kernel for a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// start runs the server on a free loopback port and waits until it accepts
// connections. The child inherits the harness's raised RLIMIT_NOFILE and an
// unchanged GOMAXPROCS; it is killed if the harness dies.
func (t *target) start() (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(t.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	p := &process{t: t, addr: addr + t.path, log: logf, done: make(chan struct{})}
	// -compress on every server that has it, for every workload: each then
	// accepts permessage-deflate when a client offers it. Only the
	// compressed workload's client does; the others measure the
	// uncompressed path.
	args := []string{"-addr", addr}
	if t.compress {
		args = append(args, "-compress")
	}
	args = append(args, t.flags...)
	p.cmd = exec.Command(t.bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p.cmd.Env = os.Environ()
	if t.pprof {
		if p.pprofAddr, err = freeAddr(); err != nil {
			logf.Close()
			return nil, err
		}
		p.cmd.Env = append(p.cmd.Env, "BENCH_PPROF_ADDR="+p.pprofAddr)
	}
	fmt.Fprintf(logf, "=== %s %s\n", time.Now().Format(time.RFC3339), strings.Join(p.cmd.Args, " "))
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			logf.Close()
			return nil, fmt.Errorf("%s exited before accepting connections (%v); see %s", t.name, p.cmd.ProcessState, t.logPath)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s does not accept connections on %s after 15s; see %s", t.name, addr, t.logPath)
		}
	}
}

// alive reports whether the server is still running.
func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop kills the server and waits for it to be gone.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	p.log.Close()
}

// rss reads the resident set size of the server from /proc/<pid>/status,
// in bytes.
func (p *process) rss() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("odd VmRSS line %q", sc.Text())
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS in /proc/<pid>/status")
}

// usage reads the server's CPU time (user and system) from
// /proc/<pid>/stat and its count of write system calls from /proc/<pid>/io.
func (p *process) usage() (cpu time.Duration, writes int64, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	// After the command's name in parentheses: state, then 10 fields, then
	// utime and stime in clock ticks (proc(5)).
	_, rest, _ := bytes.Cut(stat, []byte(") "))
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("odd /proc/<pid>/stat: %.80q", stat)
	}
	var ticks int64
	for _, v := range f[11:13] {
		t, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/<pid>/stat: %w", err)
		}
		ticks += t
	}
	cpu = time.Duration(ticks) * time.Second / clockTicks
	counts, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(counts)) {
		if v, ok := strings.CutPrefix(line, "syscw:"); ok {
			writes, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return cpu, writes, err
		}
	}
	return 0, 0, errors.New("no syscw in /proc/<pid>/io")
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go runs on.
const clockTicks = 100

// cpuProfile fetches a CPU profile of the server covering the next d,
// through the pprof hook, and writes it to path.
func (p *process) cpuProfile(d time.Duration, path string) error {
	if p.pprofAddr == "" {
		return errors.New("server built without the pprof hook")
	}
	client := http.Client{Timeout: d + 10*time.Second}
	resp, err := client.Get(fmt.Sprintf("http://%s/cpu?seconds=%g", p.pprofAddr, d.Seconds()))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof hook: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
