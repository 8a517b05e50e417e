package chatroom

import (
	"runtime"
	"testing"
	"time"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// idleClients is how many clients BenchmarkIdleClient holds, as the heap
// profile of docs/performance.md#where-an-idle-chat-clients-kib-go did.
const idleClients = 2000

// BenchmarkIdleClient reports what an idle chat client costs the server:
// the growth of the goroutine stacks and of the heap in use, per client,
// after idleClients have joined, their news has been written and two
// collections have run; and the growth of the memory the runtime held from
// the system (Sys − HeapReleased, about the resident memory) before those
// collections: the garbage of the joins that no collection has freed yet,
// and free memory not yet given back, included. The clients are raw sockets in this process
// without a goroutine, so the stacks are all the server's; their sockets'
// structs and the test's clean-ups (under 1 KiB a client) are in the heap
// figure.
// Run it with -benchtime 1x: each iteration joins idleClients anew.
func BenchmarkIdleClient(b *testing.B) {
	addr, _ := startChat(b, 0, Config{Queue: 1024, History: 20, Rate: 1000, Burst: 1000})
	holdIdle(b, addr, 100) // warm up: the room's and the runtime's fixed costs
	for range b.N {
		before := settledMemStats(b)
		holdIdle(b, addr, idleClients)
		time.Sleep(3 * newsWindow) // the last join window ends and its news is written
		var held runtime.MemStats
		runtime.ReadMemStats(&held)
		after := settledMemStats(b)
		b.ReportMetric(float64(int64(held.Sys-held.HeapReleased)-int64(before.Sys-before.HeapReleased))/idleClients, "held-B/client")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/idleClients, "stack-B/client")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/idleClients, "heap-B/client")
	}
}

// holdIdle joins n clients that then say nothing and read nothing; they
// stay until the benchmark ends.
func holdIdle(b *testing.B, addr string, n int) {
	b.Helper()
	for range n {
		wstest.ConnectPath(b, addr, "/chat") // its reader and buffer are garbage once it returns
	}
}

// settledMemStats waits until the room's writers have written every join's
// news and ended, then reads the runtime's figures after two collections.
func settledMemStats(b *testing.B) runtime.MemStats {
	b.Helper()
	time.Sleep(3 * newsWindow) // the last join window ends and its news is written
	for prev := -1; prev != runtime.NumGoroutine(); time.Sleep(50 * time.Millisecond) {
		prev = runtime.NumGoroutine()
	}
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}
