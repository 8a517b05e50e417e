package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServer builds s (as the harness does) and runs it for the length of
// the test.
func startServer(t *testing.T, s server) *process {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts servers: not in -short mode")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	o := options{root: wd}
	if s.inRoot {
		if o.root, err = findRoot(wd); err != nil {
			t.Fatal(err)
		}
	}
	tmp := t.TempDir()
	ts, err := buildTargets(t.Context(), []server{s}, "test", o, wd, tmp, t.Logf)
	if err != nil {
		t.Fatalf("building %s: %v", s.pkg, err)
	}
	p, err := ts[0].start()
	if err != nil {
		t.Fatalf("starting %s: %v", s.pkg, err)
	}
	t.Cleanup(p.stop)
	return p
}

// Each peer echoes text and binary messages of every length encoding intact,
// takes a short run of a workload, and compresses when it says it can.
func TestPeersEcho(t *testing.T) {
	for _, s := range echoServers[1:] {
		t.Run(s.name, func(t *testing.T) {
			p := startServer(t, s)
			c, err := dial(p.addr, readBufferBytes, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			for _, n := range []int{0, 16, 125, 126, 65536, 1 << 20} {
				msg := bytes.Repeat([]byte("peer"), n/4+1)[:n]
				for _, op := range []byte{opText, opBinary} {
					if err := checkEcho(c, op, msg); err != nil {
						t.Errorf("%d bytes, opcode %d: %v (see gobwas/main.go, gws/main.go)", n, op, err)
					}
				}
			}
			v, err := runParallel(p, runConfig{warmup: 10 * time.Millisecond, measure: 100 * time.Millisecond})
			if err != nil || v[0] <= 0 {
				t.Errorf("parallel workload: %v, %v", v, err)
			}
			if s.compress {
				if _, err := runCompressed(p, runConfig{warmup: 10 * time.Millisecond, measure: 100 * time.Millisecond}); err != nil {
					t.Errorf("compressed workload: %v (is -compress passed on?)", err)
				}
			}
		})
	}
}

// The idle workload measures memory, handshakes and their CPU on every server.
func TestIdleWorkload(t *testing.T) {
	for _, s := range []server{echoServers[0], echoServers[len(echoServers)-1]} {
		t.Run(s.name, func(t *testing.T) {
			v, err := runIdle(startServer(t, s), runConfig{idleConns: 100})
			if err != nil {
				t.Fatalf("idle workload: %v", err)
			}
			// CPU time comes in 10 ms ticks: 100 handshakes may take none.
			if len(v) != 3 || v[1] <= 0 || v[2] < 0 {
				t.Errorf("RSS per connection, handshakes/s, CPU per handshake = %v; want three figures, handshakes/s above 0 (see runIdle)", v)
			}
		})
	}
}

// The chat workload runs against both rooms: lines are delivered, timed and
// counted, the joins timed, and nobody is dropped at a pace any room keeps
// up with.
func TestChatWorkload(t *testing.T) {
	for _, s := range chatServers {
		t.Run(s.name, func(t *testing.T) {
			p := startServer(t, s)
			cfg := runConfig{warmup: 50 * time.Millisecond, measure: 500 * time.Millisecond, chatClients: 10, chatRate: 20}
			v, err := runChat(p, cfg)
			if err != nil {
				t.Fatalf("chat workload: %v", err)
			}
			for i, m := range workloads[len(workloads)-1].metrics[:6] {
				// CPU time comes in 10 ms ticks: a short run may take none.
				if v[i] < 0 || v[i] == 0 && m.name != "server CPU per delivery" {
					t.Errorf("%s = %v, want more than 0 (all figures: %v)", m.name, v[i], v)
				}
			}
			if v[6] != 0 {
				t.Errorf("%v clients dropped at 10 × 20 msg/s", v[6])
			}
			if v[7] <= 0 || v[8] <= 0 || v[8] > v[7] || v[9] < 0 {
				t.Errorf("handshakes/s = %v, joins/s = %v, lines shed = %v; want handshakes/s and joins/s above 0, no more joins than handshakes a second, lines shed 0 or more (see chatRound.settled, tally)", v[7], v[8], v[9])
			}
		})
	}
}

func TestParseStamp(t *testing.T) {
	tests := []struct {
		name, line string
		want       time.Duration
		ok         bool
	}{
		{"gorilla's room sends the text as it was said", "@123456", 123456, true},
		{"final's room puts the name in front", "guest-7: @42", 42, true},
		{"a name may hold an @", "a@b: @42", 42, true},
		{"the room's news is not a delivery", "* guest-7 joined (8 here)", 0, false},
		{"an @ with no time", "bob: mail me @", 0, false},
		{"an @ with no number", "bob: @home", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseStamp([]byte(tt.line))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: parseStamp(%q) = %v, %v; want %v, %v", tt.name, tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// gorilla's room joins queued lines into one message with "\n": each line is
// a delivery of its own, as final's one line per message is.
func TestChatReadCountsLines(t *testing.T) {
	frame := func(p string) []byte { return append([]byte{0x81, byte(len(p))}, p...) }
	var wire []byte
	wire = append(wire, frame("@1\n@2\n@3")...)       // gorilla: three lines in one message
	wire = append(wire, frame("guest-1: @4")...)      // final: one line per message
	wire = append(wire, frame("* guest-2 joined")...) // news, not a delivery
	wire = append(wire, frame(string(chatBusyLine))...)
	m := &chatMember{c: &wsConn{br: bufio.NewReader(bytes.NewReader(wire))}}
	var win chatWindow
	win.end.Store(int64(time.Hour))
	m.read(time.Now(), &win)
	if len(m.lat) != 4 || m.lines.Load() != 6 || m.shed != 1 || m.last.Load() <= 0 {
		t.Errorf("%d deliveries, %d lines, %d shed, last at %v; want 4 deliveries (one per stamped line), 6 lines, 1 shed (chatBusyLine), a time",
			len(m.lat), m.lines.Load(), m.shed, time.Duration(m.last.Load()))
	}
}

// The compressed workload leaves out the servers that cannot compress; the
// chat workload runs on the chat servers.
func TestWorkloadTargets(t *testing.T) {
	echo := []*target{{name: "final", compress: true}, {name: "gobwas"}, {name: "gws", compress: true}}
	chat := []*target{{name: "final"}, {name: "gorilla", path: "/ws"}}
	names := func(ts []*target) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.name)
		}
		return strings.Join(s, " ")
	}
	for _, w := range workloads {
		want := "final gobwas gws"
		switch w.id {
		case "compressed":
			want = "final gws"
		case "chat":
			want = "final gorilla"
		}
		if got := names(w.targets(echo, chat)); got != want {
			t.Errorf("workload %s runs on %q, want %q", w.id, got, want)
		}
	}
	if names(echo) != "final gobwas gws" {
		t.Errorf("targets changed its argument to %q", names(echo))
	}
}

// final's ratio to each peer is > 1 when final is better, whichever way the
// metric goes, and "–" where a peer has no figure.
func TestRatio(t *testing.T) {
	r := result{
		w:      workload{metrics: []metric{{"messages/s", "msg/s", true}, {"latency", "µs", false}}},
		values: map[string][][]float64{"final": {{200, 50}}, "gws": {{100, 100}}},
	}
	for _, tt := range []struct {
		m          int
		peer, want string
	}{
		{0, "gws", "**2.00×**"},
		{1, "gws", "**2.00×**"},
		{0, "gobwas", "–"},
	} {
		if got := r.ratio(tt.m, tt.peer); got != tt.want {
			t.Errorf("ratio of %s to %s: %s, want %s", r.w.metrics[tt.m].name, tt.peer, got, tt.want)
		}
	}
}

// usage reads a live process's CPU time and write calls: here, the test's
// own, before and after a write.
func TestUsage(t *testing.T) {
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: &exec.Cmd{Process: self}}
	_, before, err := p.usage()
	if err != nil {
		t.Fatalf("usage: %v (see proc(5): /proc/<pid>/stat and io)", err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, after, err := p.usage(); err != nil || after <= before {
		t.Errorf("write calls %d before a write, %d after (%v); want more after", before, after, err)
	}
}
