package main

// The six workloads (the chat room's are in chat.go). Each one runs against one started server, for a warm-up
// period and then a measured window, and returns its figures. Every loop is
// bounded by a deadline and by a count, and every connection has a deadline,
// so nothing can hang.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metric describes one figure a workload reports.
type metric struct {
	name         string
	unit         string
	higherBetter bool
}

// workload is one benchmark scenario.
type workload struct {
	id      string
	title   string
	metrics []metric
	// profile reports whether a CPU profile of the server makes sense here.
	profile bool
	// chat: the workload runs on the chat servers, not the echo servers.
	chat bool
	run  func(p *process, cfg runConfig) ([]float64, error)
}

// targets returns the servers the workload runs on: the chat servers, or
// the echo servers (for the compressed workload, those that compress).
func (w workload) targets(echo, chat []*target) []*target {
	switch {
	case w.chat:
		return chat
	case w.id == "compressed":
		return slices.DeleteFunc(slices.Clone(echo), func(t *target) bool { return !t.compress })
	}
	return echo
}

// runConfig holds the per-run timings.
type runConfig struct {
	warmup, measure time.Duration
	idleConns       int
	chatClients     int     // clients in the chat room
	chatRate        float64 // messages per second each one sends
	hog             int     // busy loops beside each chat round (-hog)
	// onMeasure, if set, is called when the measured window starts
	// (used to take a CPU profile of the server).
	onMeasure func()
}

const maxMessagesPerConn = 50_000_000 // a count bound on top of the time bound

var workloads = []workload{
	{
		id:      "pipelined",
		title:   "1 connection, 16-byte text messages, 64 in flight",
		metrics: []metric{{"messages/s", "msg/s", true}},
		profile: true,
		run:     runPipelined,
	},
	{
		id:    "parallel",
		title: "64 connections, 1 KiB binary messages, 1 in flight each",
		metrics: []metric{
			{"messages/s", "msg/s", true},
			{"latency p50", "µs", false},
			{"latency p99", "µs", false},
		},
		profile: true,
		run:     runParallel,
	},
	{
		id:      "large",
		title:   "4 connections, 1 MiB binary messages",
		metrics: []metric{{"throughput", "MB/s", true}},
		profile: true,
		run:     runLarge,
	},
	{
		id:    "idle",
		title: "idle connections (handshake done, then nothing)",
		metrics: []metric{
			{"server RSS per connection", "KiB", false},
			{"handshakes/s, 32 at a time", "handshakes/s", true},
			{"server CPU per handshake", "µs", false},
		},
		run: runIdle,
	},
	{
		id:    "compressed",
		title: fmt.Sprintf("%d connections, %d-byte JSON text messages, permessage-deflate, 1 in flight each", compressedConns, len(chatMessage)),
		metrics: []metric{
			{"messages/s", "msg/s", true},
			{"server → client, per message on the wire", "bytes", false},
			{"client → server, per message on the wire", "bytes", false},
		},
		profile: true,
		run:     runCompressed,
	},
	{
		id:    "chat",
		title: "chat room",
		metrics: []metric{
			{"deliveries/s", "lines/s", true},
			{"send to delivery p50", "ms", false},
			{"send to delivery p99", "ms", false},
			{"server CPU per delivery", "µs", false},
			{"server write calls per delivery", "calls", false},
			{"server RSS per idle client", "KiB", false},
			{"clients dropped by the server", "clients", false},
			{"handshakes/s, first dial to the last 101", "handshakes/s", true},
			{"joins/s, first dial to the room's last news", "joins/s", true},
			{"lines shed by the server", "lines/s", false},
		},
		profile: true,
		chat:    true,
		run:     runChat,
	},
}

// window tracks the measured part of a run: [start, end).
type window struct{ start, end time.Time }

func newWindow(cfg runConfig) window {
	start := time.Now().Add(cfg.warmup)
	return window{start, start.Add(cfg.measure)}
}

func (w window) in(t time.Time) bool { return !t.Before(w.start) && t.Before(w.end) }

// safetyDeadline is the latest moment a connection may still be in use.
func (w window) safetyDeadline() time.Time { return w.end.Add(10 * time.Second) }

// Workload 1: one connection keeps 64 small text messages in flight. The
// client tops the window up to 64 in one Write whenever it has no reply left
// to read (or has 32 to replace), so the server always has work queued and
// per-message system calls are what is measured.
func runPipelined(p *process, cfg runConfig) ([]float64, error) {
	const window = 64
	payload := []byte("hello, websocket") // 16 bytes
	c, err := dial(p.addr, readBufferBytes, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := checkEcho(c, opText, payload); err != nil {
		return nil, err
	}
	frame := clientFrame(opText, payload)
	batch := make([]byte, 0, window*len(frame))
	for range window {
		batch = append(batch, frame...)
	}
	w := newWindow(cfg)
	_ = c.SetDeadline(w.safetyDeadline())
	if _, err := c.Write(batch); err != nil {
		return nil, err
	}
	var counted, owed int
	measuring := false
	for i := 0; i < maxMessagesPerConn; i++ {
		if _, _, err := c.readMessage(nil); err != nil {
			return nil, err
		}
		owed++
		if i&63 == 0 {
			now := time.Now()
			if !now.Before(w.end) {
				break
			}
			if !measuring && w.in(now) {
				measuring, counted = true, 0
				if cfg.onMeasure != nil {
					go cfg.onMeasure()
				}
			}
		}
		counted++
		if owed >= window/2 || c.br.Buffered() == 0 {
			if _, err := c.Write(batch[:owed*len(frame)]); err != nil {
				return nil, err
			}
			owed = 0
		}
	}
	if !measuring {
		return nil, errors.New("the measured window never started")
	}
	return []float64{float64(counted) / cfg.measure.Seconds()}, nil
}

// Workload 2: 64 connections each do send-one, wait-for-the-echo in a loop.
// Throughput is all connections' round trips per second; latency is the
// round-trip time seen by the client, which includes the client's own
// scheduling (it shares the CPUs with the server).
func runParallel(p *process, cfg runConfig) ([]float64, error) {
	const conns = 64
	cs, frame, err := openEchoing(p.addr, conns, 1024)
	if err != nil {
		return nil, err
	}
	defer closeAll(cs)
	w := newWindow(cfg)
	lat := make([][]time.Duration, conns)
	err = roundTrips(cs, frame, w, cfg, func(i int, _ *wsConn, t0, t1 time.Time) error {
		if w.in(t0) && t1.Before(w.end) {
			lat[i] = append(lat[i], t1.Sub(t0))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return nil, errors.New("no round trip completed in the measured window")
	}
	slices.Sort(all)
	pct := func(q float64) float64 {
		return float64(all[int(q*float64(len(all)-1))]) / float64(time.Microsecond)
	}
	return []float64{float64(len(all)) / cfg.measure.Seconds(), pct(0.50), pct(0.99)}, nil
}

// Workload 3: 4 connections stream 1 MiB binary messages, two in flight per
// connection, a writer and a reader goroutine each (so that a server which
// streams the echo while still reading cannot deadlock with the client).
// The figure is echoed payload bytes received per second (MB = 10^6 bytes).
func runLarge(p *process, cfg runConfig) ([]float64, error) {
	const (
		conns    = 4
		inFlight = 2
	)
	cs, frame, err := openEchoing(p.addr, conns, 1<<20)
	if err != nil {
		return nil, err
	}
	defer closeAll(cs)
	w := newWindow(cfg)
	var received atomic.Int64
	errs := make([]error, 2*conns)
	var wg sync.WaitGroup
	for i, c := range cs {
		_ = c.SetDeadline(w.safetyDeadline())
		tokens := make(chan struct{}, inFlight) // the in-flight window
		sent := make(chan struct{}, inFlight)   // one per message being sent
		stop := make(chan struct{})             // the reader gave up
		wg.Add(2)
		go func() { // writer: stops sending when the window closes
			defer wg.Done()
			defer close(sent)
			for range maxMessagesPerConn {
				select {
				case tokens <- struct{}{}:
				case <-stop:
					return
				}
				if !time.Now().Before(w.end) {
					return
				}
				sent <- struct{}{}
				if _, err := c.Write(frame); err != nil {
					errs[2*i] = err
					return
				}
			}
		}()
		go func() { // reader: reads every echo of what was sent, then stops
			defer wg.Done()
			defer close(stop)
			for range sent {
				_, n, err := c.readMessage(nil)
				if err != nil {
					errs[2*i+1] = err
					c.Close() // unblocks the writer
					return
				}
				<-tokens
				// Count whole messages that arrive inside the window. A
				// message takes about a millisecond, so the edge error is small.
				if w.in(time.Now()) {
					received.Add(int64(n))
				}
			}
		}()
	}
	if cfg.onMeasure != nil {
		time.AfterFunc(time.Until(w.start), cfg.onMeasure)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return []float64{float64(received.Load()) / 1e6 / cfg.measure.Seconds()}, nil
}

// Workload 4: open many connections, complete the handshake, send nothing,
// and see how much the server's resident memory grew per connection. The
// server is freshly started for this (see main), so its heap holds no
// garbage from earlier workloads.
func runIdle(p *process, cfg runConfig) ([]float64, error) {
	n := cfg.idleConns
	time.Sleep(300 * time.Millisecond) // let the fresh server settle
	before, err := p.rss()
	if err != nil {
		return nil, err
	}
	cpu0, _, err := p.usage()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	cs, err := dialMany(p.addr, n, 256, "", nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(cs)
	took := time.Since(start)
	cpu1, _, err := p.usage()
	if err != nil {
		return nil, err
	}
	kib, err := rssGrowth(p, before, n)
	if err != nil {
		return nil, err
	}
	return []float64{kib, float64(n) / took.Seconds(), float64((cpu1 - cpu0).Microseconds()) / float64(n)}, nil
}

// rssGrowth waits until the server's RSS stops growing (each connection's
// goroutine may still be allocating just after its handshake), at most
// 3 s, and returns its growth since before, per connection of n, in KiB.
func rssGrowth(p *process, before int64, n int) (float64, error) {
	after, err := p.rss()
	for i := 0; err == nil && i < 30; i++ {
		time.Sleep(100 * time.Millisecond)
		var now int64
		if now, err = p.rss(); err == nil {
			stable := now-after < (after-before)/100+4096
			after = now
			if stable && i >= 2 {
				break
			}
		}
	}
	if err != nil {
		return 0, err
	}
	if !p.alive() {
		return 0, errors.New("server died while holding idle connections")
	}
	return float64(after-before) / float64(n) / 1024, nil
}

// dialMany opens n connections with a bounded number of concurrent dials, so
// the listen backlog never overflows. offer is the Sec-WebSocket-Extensions
// offer of each ("" for none). opened, if not nil, is called with each
// connection as soon as it is open, with its index.
func dialMany(addr string, n, readBuf int, offer string, opened func(int, *wsConn)) ([]*wsConn, error) {
	const workers = 32
	cs := make([]*wsConn, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				cs[i], errs[i] = dialOffer(addr, readBuf, 10*time.Second, offer)
				if errs[i] != nil {
					return
				}
				if opened != nil {
					opened(i, cs[i])
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(cs)
			return nil, fmt.Errorf("connection %d of %d: %w", i+1, n, err)
		}
	}
	return cs, nil
}

// openEchoing opens n connections and checks that each echoes a binary
// message of size random bytes intact; it returns them with that message's
// frame, pre-masked, for the workload to send.
func openEchoing(addr string, n, size int) ([]*wsConn, []byte, error) {
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(rand.Uint32())
	}
	cs, err := dialMany(addr, n, readBufferBytes, "", nil)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		if err := checkEcho(c, opBinary, payload); err != nil {
			closeAll(cs)
			return nil, nil, err
		}
	}
	return cs, clientFrame(opBinary, payload), nil
}

// Workload 5: like workload 2, but with compressible text and
// permessage-deflate. 16 connections offer it with
// client_no_context_takeover, so both servers work without context both ways
// (gorilla accepts nothing else). The client sends the same message
// compressed once up front, and does not inflate the echoes in the timed
// loop: what is measured is the servers inflating, checking UTF-8 and
// deflating. Besides messages/s, it reports the compressed sizes on the
// wire, frame headers included: the server's (it compresses each echo with
// its own settings) and the client's (the same for both servers).
const compressedConns = 16

func runCompressed(p *process, cfg runConfig) ([]float64, error) {
	frame := compressedFrame(opText, chatMessage)
	cs, err := dialMany(p.addr, compressedConns, readBufferBytes, deflateOffer, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(cs)
	for _, c := range cs {
		if err := checkCompressedEcho(c, opText, chatMessage, frame); err != nil {
			return nil, err
		}
	}
	if p.t != nil {
		extensionAnswers.Store(p.t.name, cs[0].extensions)
	}
	w := newWindow(cfg)
	counts := make([]int64, len(cs))
	wire := make([]int64, len(cs))
	err = roundTrips(cs, frame, w, cfg, func(i int, c *wsConn, t0, t1 time.Time) error {
		if !c.rsv1 {
			return errors.New("an echo came back uncompressed (no RSV1)")
		}
		if w.in(t0) && t1.Before(w.end) {
			counts[i]++
			wire[i] += c.wire
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var n, onWire int64
	for i := range cs {
		n += counts[i]
		onWire += wire[i]
	}
	if n == 0 {
		return nil, errors.New("no round trip completed in the measured window")
	}
	return []float64{float64(n) / cfg.measure.Seconds(), float64(onWire) / float64(n), float64(len(frame))}, nil
}

// roundTrips has every connection send frame and wait for its echo, over
// and over, until the window ends; reply is called after each echo with the
// connection's index and the times the round trip began and ended, and an
// error from it stops that connection. It returns the errors joined.
func roundTrips(cs []*wsConn, frame []byte, w window, cfg runConfig, reply func(i int, c *wsConn, t0, t1 time.Time) error) error {
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			_ = c.SetDeadline(w.safetyDeadline())
			for range maxMessagesPerConn {
				t0 := time.Now()
				if !t0.Before(w.end) {
					break
				}
				if _, err := c.Write(frame); err != nil {
					errs[i] = err
					break
				}
				if _, _, err := c.readMessage(nil); err != nil {
					errs[i] = err
					break
				}
				if err := reply(i, c, t0, time.Now()); err != nil {
					errs[i] = err
					break
				}
			}
		})
	}
	if cfg.onMeasure != nil {
		time.AfterFunc(time.Until(w.start), cfg.onMeasure)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// extensionAnswers keeps each server's Sec-WebSocket-Extensions answer in
// the compressed workload, for the report: target name → answer.
var extensionAnswers sync.Map

// chatMessage is the compressed workload's message: about 4 KiB of JSON, a
// page of chat history as a chat application might send it, with the
// repetition such text has (keys, names, common words) and some non-ASCII
// text for the UTF-8 check. It is the same in every run.
var chatMessage = makeChatMessage(4096)

func makeChatMessage(size int) []byte {
	r := rand.New(rand.NewPCG(7692, 6455))
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "李雷", "韩梅梅"}
	words := strings.Fields("the a to and of is it you that in we for on this with be are have not at " +
		"deploy server build test release websocket message frame compress window latency " +
		"benchmark today tomorrow meeting review merge branch fixed broken looks good thanks " +
		"please can could should will just now lunch coffee 好的 谢谢 明天 ☕ 🚀 👍")
	type chat struct {
		ID        int    `json:"id"`
		User      string `json:"user"`
		Time      string `json:"ts"`
		Text      string `json:"text"`
		Reactions int    `json:"reactions"`
	}
	var msgs []chat
	var out []byte
	for i := 0; ; i++ {
		text := make([]string, 3+r.IntN(12))
		for j := range text {
			text[j] = words[r.IntN(len(words))]
		}
		msgs = append(msgs, chat{
			ID:        100_000 + i,
			User:      users[r.IntN(len(users))],
			Time:      fmt.Sprintf("2026-03-14T09:%02d:%02dZ", i/60%60, i%60),
			Text:      strings.Join(text, " "),
			Reactions: r.IntN(4),
		})
		b, err := json.Marshal(struct {
			Type     string `json:"type"`
			Room     string `json:"room"`
			Messages []chat `json:"messages"`
		}{"history", "general", msgs})
		if err != nil {
			panic(err)
		}
		if len(b) > size {
			break
		}
		out = b
	}
	return bytes.Clone(out)
}

func closeAll(cs []*wsConn) {
	for _, c := range cs {
		if c != nil {
			c.close()
		}
	}
}
