package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// BenchmarkFanOut is the cost of the bus: one sender's lines to 20 readers,
// all on one server, then spread over two servers that share the bus (the
// sender on the first). It reports deliveries a second and the 99th
// percentile of the time from send to read (docs/chat.md#what-the-bus-costs):
//
//	go test -run '^$' -bench FanOut -benchtime 5000x
func BenchmarkFanOut(b *testing.B) {
	b.Run("one server", func(b *testing.B) { fanOut(b, 1, 20) })
	b.Run("two servers", func(b *testing.B) { fanOut(b, 2, 20) })
}

// ahead is how many lines the sender may be ahead of its readers.
const ahead = 100

// fanOut runs b.N lines from one sender to readers spread over servers.
func fanOut(b *testing.B, servers, readers int) {
	ns := startBus(b)
	var chats []*chat
	for _, name := range names(servers) {
		chats = append(chats, startChat(b, ns.ClientURL(), name))
	}
	sender := enter(b, chats[0], "sender")
	go io.Copy(io.Discard, sender.ws) // it hears its own lines too; it must read them
	var read atomic.Int64             // lines read, by all readers
	latencies := make([][]time.Duration, readers)
	var wg sync.WaitGroup
	for i := range readers {
		m := enter(b, chats[i%servers], fmt.Sprintf("r%d", i))
		for line := ""; !strings.HasPrefix(line, fmt.Sprintf("* r%d joined (", i)); { // the reader is in
			var err error
			if line, err = m.line(); err != nil {
				b.Fatal(err)
			}
		}
		wg.Go(func() {
			for got := 0; got < b.N; {
				line, err := m.line()
				if err != nil {
					b.Errorf("r%d after %d lines: %v", i, got, err)
					return
				}
				_, text, ok := strings.Cut(line, ": ")
				sent, err := strconv.ParseInt(text, 10, 64)
				if !ok || err != nil || !strings.HasPrefix(line, "sender") {
					continue // the room's news
				}
				latencies[i] = append(latencies[i], time.Since(time.Unix(0, sent)))
				read.Add(1)
				got++
			}
		})
	}
	b.ResetTimer()
	start := time.Now()
	for n := range b.N {
		// The sender keeps at most about 100 lines ahead of the readers,
		// so that what is measured is the trip, not a queue (4096) filling.
		for int64(n-ahead)*int64(readers) > read.Load() {
			time.Sleep(time.Millisecond)
		}
		if err := websocket.Message.Send(sender.ws, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "deliveries/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
}
