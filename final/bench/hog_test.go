package main

import (
	"os"
	"testing"
	"time"
)

// TestMain plays the hog's child process when the test binary is started as
// one (startHog starts os.Executable, here the test binary).
func TestMain(m *testing.M) {
	if n, ok := hogChild(); ok {
		runHog(n)
		return
	}
	os.Exit(m.Run())
}

// -hog's child process burns CPU until it is stopped, then exits cleanly.
func TestHogSpinsUntilStopped(t *testing.T) {
	h, err := startHog(1)
	if err != nil {
		t.Fatalf("startHog: %v", err)
	}
	p := &process{cmd: h.cmd}
	var cpu time.Duration
	for range 100 { // up to 10 s: a tick of CPU time is 10 ms
		if cpu, _, err = p.usage(); err != nil || cpu > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := h.stop(); err != nil {
		t.Errorf("stop: %v; want a clean exit when its standard input closes (see runHog)", err)
	}
	if cpu == 0 {
		t.Errorf("the busy loop used no CPU time (%v); want it to spin (see spin)", err)
	}
	if !h.cmd.ProcessState.Exited() {
		t.Errorf("the hog's process has not exited after stop: %v", h.cmd.ProcessState)
	}
}

// No -hog, no process.
func TestNoHog(t *testing.T) {
	h, err := startHog(0)
	if h != nil || err != nil || h.stop() != nil {
		t.Errorf("startHog(0) = %v, %v; want nil, nil and a stop that does nothing", h, err)
	}
}
