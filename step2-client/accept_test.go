package main

// This file is the same in every step: the accept loop in serve does not
// change from one step to the next (docs/step1-listen.md explains it).

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flakyListener is a real listener whose Accept first follows a script: each
// call takes the next entry and returns it as an error, or accepts a real
// connection if the entry is nil. Once the script is used up, every Accept is
// a real one, so closing the listener ends serve with net.ErrClosed.
type flakyListener struct {
	net.Listener
	script []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if len(l.script) > 0 {
		err := l.script[0]
		l.script = l.script[1:]
		if err != nil {
			return nil, err
		}
	}
	return l.Listener.Accept()
}

// acceptError is what Accept returns when the system refuses a new file
// descriptor, as net wraps it.
func acceptError(errno syscall.Errno) error {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8002}
	return &net.OpError{Op: "accept", Net: "tcp", Addr: addr, Err: os.NewSyscallError("accept4", errno)}
}

func TestServeRetriesWhenAcceptFails(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"too many open files in the process (ulimit -n)", acceptError(syscall.EMFILE)},
		{"too many open files in the system", acceptError(syscall.ENFILE)},
		{"an error that is not a net.Error", errors.New("something odd")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			// Four failures, a client, two failures, a second client.
			e := tt.err
			ln := &flakyListener{Listener: inner, script: []error{e, e, e, e, nil, e, e}}
			out := &syncBuffer{}
			done := make(chan error, 1)
			go func() { done <- serve(ln, out) }()
			t.Cleanup(func() { inner.Close() })

			const chapter = "docs/step1-listen.md, the accept loop"
			for range 2 {
				// Every step prints the client's address once it hangs up.
				conn := dial(t, inner.Addr().String())
				conn.Close()
				client := conn.LocalAddr().String()
				require.Eventuallyf(t, func() bool { return len(done) > 0 || strings.Contains(out.String(), client) },
					5*time.Second, 10*time.Millisecond,
					"the server never printed the client's address %s: after a failed Accept serve must go on accepting (%s); its last lines:\n%s",
					client, chapter, tail{out})
				select {
				case err := <-done:
					t.Fatalf("serve returned %q after a failed Accept; it must wait and try again (%s)", err, chapter)
				default:
				}
			}

			printed := out.String()
			failed := linesWith(printed, "accept failed")
			if len(failed) != 2 {
				t.Errorf("%d lines say \"accept failed\", want 2: one when a run of failures begins, not one per failure (%s); the last lines:\n%s",
					len(failed), chapter, lastLines(printed, 5))
			}
			for _, l := range failed {
				assert.Contains(t, l, tt.err.Error(), "the line says what went wrong")
				assert.Contains(t, l, "retrying in 5ms", "each run of failures starts again at 5ms: a good Accept resets the backoff (%s)", chapter)
			}
			if again := linesWith(printed, "accept works again"); len(again) != 2 {
				t.Errorf("%d lines say \"accept works again\", want 2: one when Accept works again (%s); the last lines:\n%s",
					len(again), chapter, lastLines(printed, 5))
			}

			inner.Close()
			select {
			case err := <-done:
				assert.ErrorIs(t, err, net.ErrClosed, "only a closed listener ends serve (%s)", chapter)
			case <-time.After(5 * time.Second):
				t.Fatalf("serve did not return after the listener was closed (%s)", chapter)
			}
		})
	}
}

// linesWith returns the lines of text that contain s.
func linesWith(text, s string) []string {
	var found []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			found = append(found, l)
		}
	}
	return found
}
