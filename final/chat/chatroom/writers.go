package chatroom

import (
	"runtime"
	"slices"
	"sync"
	"time"
)

// writers is the room's pool of writer goroutines
// (docs/chat.md#a-pool-of-writers). A client with lines queued gets in line
// (ready) once; a writer takes the first client in line, writes what its
// queue holds (client.write), and puts it back at the end of the line if
// more came meanwhile. At most size writers run while all is well, and they
// end when nobody is in line: an idle room has none, and a line said to a
// thousand idle clients wakes a few writers, not a thousand.
//
// One client can hold a writer up: a socket whose buffer is full because
// its reader stopped reading. So that such a client holds up nobody else, a
// writer that has been on one client for longer than stuckAfter no longer
// counts: another starts in its place, as the Go runtime hands a processor
// on when a thread blocks in a system call. The room drops a client that
// falls -queue lines behind, and the write timeout frees its writer.
type writers struct {
	size int

	mu       sync.Mutex
	ready    []*client // clients waiting for a writer, first come first served
	running  []*writer
	checking bool // a look at the running writers is due (wake)
}

// A writer is one goroutine of the pool.
type writer struct {
	since time.Time // when it took the client it writes to; zero until its first
}

// stuckAfter is how long a writer may spend on one client before another
// starts in its place. Writing a queue to a socket that takes it is a
// matter of microseconds.
const stuckAfter = 20 * time.Millisecond

// newWriters makes a pool of size writers, or of two per processor if size is 0.
func newWriters(size int) *writers {
	if size == 0 {
		size = 2 * runtime.GOMAXPROCS(0)
	}
	return &writers{size: size}
}

// add puts c in line for a writer.
func (ws *writers) add(c *client) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.ready = append(ws.ready, c)
	ws.wake()
}

// wake starts a writer if clients wait and fewer than size writers are
// free to take them, under ws.mu. If all are busy it looks again once the
// busiest may be stuck.
func (ws *writers) wake() {
	if len(ws.ready) == 0 {
		return
	}
	if ws.working() < ws.size {
		w := new(writer)
		ws.running = append(ws.running, w)
		go ws.work(w)
		return
	}
	if !ws.checking {
		ws.checking = true
		time.AfterFunc(stuckAfter, func() {
			ws.mu.Lock()
			defer ws.mu.Unlock()
			ws.checking = false
			ws.wake()
		})
	}
}

// working counts the writers that are not stuck, under ws.mu.
func (ws *writers) working() int {
	if len(ws.running) < ws.size {
		return len(ws.running) // no need to read the clock
	}
	n, now := 0, time.Now()
	for _, w := range ws.running {
		if w.since.IsZero() || now.Sub(w.since) < stuckAfter {
			n++
		}
	}
	return n
}

// work is a writer: it writes to the clients in line until there is none.
func (ws *writers) work(w *writer) {
	for c := ws.next(w); c != nil; c = ws.next(w) {
		if c.write() {
			ws.add(c)
		}
	}
}

// next takes the first client in line for w, or ends w if there is none.
func (ws *writers) next(w *writer) *client {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if len(ws.ready) == 0 {
		i := slices.Index(ws.running, w)
		ws.running = slices.Delete(ws.running, i, i+1)
		return nil
	}
	c := ws.ready[0]
	ws.ready[0] = nil
	ws.ready = ws.ready[1:]
	w.since = time.Now()
	return c
}
