package main

// -hog N: a CPU shared with other load. During each round of the chat
// workload (its warm-up and measured window), N goroutines spin in a child
// process, this program started again with hogEnv set, so that the rooms
// and the load generator run on cores that something else wants too, as on
// a shared machine. A process of its own, not goroutines of the harness:
// then the kernel shares the cores between the busy loops and everyone
// else, and Go's scheduler does not take the load generator's turns for
// them.

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
)

// hogEnv holds the number of busy loops the child process runs.
const hogEnv = "WSBENCH_HOG"

// hog is a running child process of busy loops.
type hog struct {
	cmd *exec.Cmd
	in  io.Closer // its standard input: closing it ends the process
}

// startHog starts n busy loops in a child process; none, and a nil *hog,
// when n is 0.
func startHog(n int) (*hog, error) {
	if n == 0 {
		return nil, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), hogEnv+"="+strconv.Itoa(n))
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &hog{cmd: cmd, in: in}, nil
}

// stop ends the busy loops and waits for their process to exit.
func (h *hog) stop() error {
	if h == nil {
		return nil
	}
	err := h.in.Close()
	return errors.Join(err, h.cmd.Wait())
}

// runHog is the child process: n goroutines spin until its standard input
// ends, when the harness closes it or exits, so a harness that dies leaves
// no busy loop behind.
func runHog(n int) {
	runtime.GOMAXPROCS(n)
	for range n {
		go spin()
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// spinSink keeps the busy loop's work from being optimized away.
var spinSink atomic.Uint64

// spin keeps one core busy: a linear congruential generator, in registers.
func spin() {
	for x := uint64(1); ; x = x*6364136223846793005 + 1442695040888963407 {
		if x == 0 {
			spinSink.Store(x)
		}
	}
}

// hogChild reports the number of busy loops this process must run, if it
// is a hog's child process.
func hogChild() (int, bool) {
	n, err := strconv.Atoi(os.Getenv(hogEnv))
	return n, err == nil && n > 0
}
