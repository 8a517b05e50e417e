package websocket

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestServeMakesRoomForItsConnectionsFirst checks that Serve grows the
// descriptor table before the first connection, and leaves no descriptor
// of its own open. The check runs in a process of its own (the test binary
// again, with reserveChild set), because a table never shrinks: in this
// process the other tests' servers have grown it already.
func TestServeMakesRoomForItsConnectionsFirst(t *testing.T) {
	const maxConns = 1000
	if os.Getenv(reserveChild) != "" {
		serveAndReport(t, maxConns)
		return
	}
	child := exec.Command(os.Args[0], "-test.run=^TestServeMakesRoomForItsConnectionsFirst$")
	child.Env = append(os.Environ(), reserveChild+"=1")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the child process failed: %v\n%s", err, out)
	}
	var before, after int
	var left string
	_, report, _ := bytes.Cut(out, []byte("table "))
	if _, err := fmt.Sscanf(string(report), "%d → %d, left open: %q", &before, &after, &left); err != nil {
		t.Fatalf("the child process printed no report (%v):\n%s", err, out)
	}
	switch {
	case before >= maxConns:
		t.Fatalf("a new process's descriptor table already holds %d: the check shows nothing", before)
	case after < maxConns:
		t.Errorf("after Serve with MaxConns %d the descriptor table holds %d (it held %d): Serve makes room first, or every doubling of the table holds up the accepts (reserveDescriptors, docs/performance.md#the-descriptor-tables-doublings)", maxConns, after, before)
	case left != "":
		t.Errorf("Serve left descriptors open: %s; reserveDescriptors closes what it opens", left)
	}
}

// reserveChild is set in the environment of the child process of
// TestServeMakesRoomForItsConnectionsFirst.
const reserveChild = "WEBSOCKET_TEST_RESERVE_CHILD"

// serveAndReport starts a server with maxConns, waits until it serves its
// page, and prints the descriptor table's size before and after, and the
// descriptors that were opened meanwhile and left open on /dev/null or at
// maxConns or above (what reserveDescriptors opens).
func serveAndReport(t *testing.T, maxConns int) {
	before, open := tableSize(t), openDescriptors(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Page: testPage, MaxConns: maxConns}
	go s.Serve(ln)
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var left []string
	for fd, target := range openDescriptors(t) {
		if _, was := open[fd]; !was && (fd >= maxConns || target == os.DevNull) {
			left = append(left, fmt.Sprintf("%d (%s)", fd, target))
		}
	}
	fmt.Printf("table %d → %d, left open: %q\n", before, tableSize(t), strings.Join(left, ", "))
}

// tableSize is the size of this process's descriptor table (FDSize in
// /proc/self/status).
func tableSize(t *testing.T) int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "FDSize:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no FDSize in /proc/self/status")
	return 0
}

// openDescriptors is what this process's open descriptors are open on.
func openDescriptors(t *testing.T) map[int]string {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	open := map[int]string{}
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		open[fd], _ = os.Readlink("/proc/self/fd/" + e.Name())
	}
	return open
}
