package main

// Workload 6: the chat room. N clients join the room, then each sends M short
// text messages a second, at a steady pace whatever the room does (an open
// loop: a slow room is not given less to do). The room sends every message
// to every client, the sender too. The figures: lines delivered per second
// in the measured window, the time from send to delivery (p50, p99), the
// server's CPU time and write system calls per delivery (from /proc), its
// memory per client after the joins and before anyone talks, how many
// clients it dropped, how fast the N clients' handshakes went and how fast
// they joined (to the room's last news of them: gorilla's room sends none,
// so its two are one figure), and how many lines final's room shed (it
// tells the sender, see chatBusyLine).
//
// final's room sends each line as a message of its own; gorilla's example
// joins the lines queued for a client into one message with "\n". So the
// client counts lines, not messages.

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// chatTitle is the workload's title in the report.
func chatTitle(cfg runConfig) string {
	offered := float64(cfg.chatClients) * float64(cfg.chatClients) * cfg.chatRate
	hog := ""
	if cfg.hog > 0 {
		hog = fmt.Sprintf(", %d busy loop(s) beside (-hog)", cfg.hog)
	}
	return fmt.Sprintf("chat room, %d clients each sending %g msg/s (%s deliveries/s offered%s): final/chat vs gorilla's examples/chat",
		cfg.chatClients, cfg.chatRate, formatValue(offered, "lines/s"), hog)
}

// chatStamp starts what a client says: the time it was sent, in
// nanoseconds on the round's clock, as "@123456". final's room delivers it
// as "guest-7: @123456", gorilla's as "@123456"; a line without it (the
// room's news of who joined) is not a delivery.
const chatStamp = '@'

// chatBusyLine is what final's room tells a sender whose line it shed
// because it could not keep up (busyLine in final/chat/chatroom/room.go).
// gorilla's room never sheds a line: it drops the client instead.
var chatBusyLine = []byte("* the room is busy: your last message was not sent")

// chatReadBuffer holds the longest message a client may get: gorilla joins
// at most the 256 lines of a client's queue plus one, of about 20 bytes each.
const chatReadBuffer = 16 << 10

// chatMember is one client of the room as the load generator plays it. Its
// reader counts what it receives; only it touches lat and ended until it
// returns.
type chatMember struct {
	c     *wsConn
	lines atomic.Int64    // every line received: the joins have settled when no count moves
	last  atomic.Int64    // on the round's clock, when it last received a line
	lat   []time.Duration // send to delivery of each line delivered in the window
	shed  int             // chatBusyLine received in the window
	ended time.Duration   // on the round's clock, when its connection ended
	long  bool            // it got a message longer than chatReadBuffer
}

// chatWindow is the measured window on the round's clock; until it is set,
// it is empty and nothing is counted.
type chatWindow struct{ start, end atomic.Int64 }

// chatRound is one round of the workload: the members, and the clock their
// stamps and the window are read on.
type chatRound struct {
	clock   time.Time
	win     chatWindow
	members []*chatMember
	cs      []*wsConn
	readers sync.WaitGroup
}

func runChat(p *process, cfg runConfig) ([]float64, error) {
	time.Sleep(300 * time.Millisecond) // let the fresh server settle
	before, err := p.rss()
	if err != nil {
		return nil, err
	}
	rd := &chatRound{clock: time.Now(), members: make([]*chatMember, cfg.chatClients)}
	// Each client reads from the moment it is in: final's room tells every
	// member of every join, and a client that reads nothing is dropped.
	rd.cs, err = dialMany(p.addr, cfg.chatClients, 4096, "", func(i int, c *wsConn) {
		rd.members[i] = &chatMember{c: c}
		rd.readers.Go(func() { rd.members[i].read(rd.clock, &rd.win) })
	})
	if err != nil {
		return nil, err
	}
	defer closeAll(rd.cs)
	dialled := time.Since(rd.clock)
	if err := waitQuiet(rd.members, 30*time.Second); err != nil {
		return nil, err
	}
	handshakes := float64(cfg.chatClients) / dialled.Seconds()
	joins := float64(cfg.chatClients) / rd.settled(dialled).Seconds()
	idle, err := rssGrowth(p, before, cfg.chatClients)
	if err != nil {
		return nil, err
	}
	cpu, writes, err := rd.talk(p, cfg)
	if err != nil {
		return nil, err
	}
	lat, dropped, shed, err := rd.tally()
	if err != nil {
		return nil, err
	}
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
	n := float64(len(lat))
	return []float64{n / cfg.measure.Seconds(), pct(0.50), pct(0.99),
		float64(cpu.Microseconds()) / n, float64(writes) / n, idle, float64(dropped),
		handshakes, joins, float64(shed) / cfg.measure.Seconds()}, nil
}

// settled is when the joins were over, on the round's clock: the last
// handshake (dialled) or, if later, the last line any member received, the
// room's news of the last joins. gorilla's room sends no news, so its joins
// are its handshakes. waitQuiet's quiet time after it is not counted.
func (rd *chatRound) settled(dialled time.Duration) time.Duration {
	last := dialled
	for _, m := range rd.members {
		last = max(last, time.Duration(m.last.Load()))
	}
	return last
}

// talk has every member talk through the warm-up and the measured window,
// then closes every connection once its reader has seen the window end. It
// returns the server's CPU time and write calls in the window.
func (rd *chatRound) talk(p *process, cfg runConfig) (cpu time.Duration, writes int64, err error) {
	w := newWindow(cfg)
	rd.win.start.Store(int64(w.start.Sub(rd.clock)))
	rd.win.end.Store(int64(w.end.Sub(rd.clock)))
	h, err := startHog(cfg.hog)
	if err != nil {
		return 0, 0, err
	}
	var senders sync.WaitGroup
	for _, m := range rd.members {
		senders.Go(func() { m.send(rd.clock, w, cfg.chatRate) })
	}
	defer func() {
		senders.Wait()
		closeAll(rd.cs)
		rd.readers.Wait()
	}()
	defer func() { err = errors.Join(err, h.stop()) }() // first: at the window's end
	time.Sleep(time.Until(w.start))
	if cfg.onMeasure != nil {
		go cfg.onMeasure()
	}
	cpu0, writes0, err := p.usage()
	if err != nil {
		return 0, 0, err
	}
	time.Sleep(time.Until(w.end))
	cpu1, writes1, err := p.usage()
	return cpu1 - cpu0, writes1 - writes0, err
}

// tally gathers, once every reader has returned, the send-to-delivery time
// of every line delivered in the window, sorted, how many members the room
// dropped before the window ended, and how many lines it shed in the window.
func (rd *chatRound) tally() (lat []time.Duration, dropped, shed int, err error) {
	for _, m := range rd.members {
		if m.long {
			return nil, 0, 0, fmt.Errorf("a message longer than the client's %d-byte buffer", chatReadBuffer)
		}
		lat = append(lat, m.lat...)
		shed += m.shed
		if m.ended < time.Duration(rd.win.end.Load()) {
			dropped++
		}
	}
	if len(lat) == 0 {
		return nil, 0, 0, fmt.Errorf("no line delivered in the measured window (%d of %d clients dropped, %d lines shed)", dropped, len(rd.members), shed)
	}
	slices.Sort(lat)
	return lat, dropped, shed, nil
}

// waitQuiet waits until no member has received a line for 300 ms: the room
// has told everyone of every join.
func waitQuiet(members []*chatMember, limit time.Duration) error {
	count := func() (n int64) {
		for _, m := range members {
			n += m.lines.Load()
		}
		return n
	}
	last, quiet := count(), 0
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		now := count()
		if quiet++; now != last {
			last, quiet = now, 0
		}
		if quiet >= 3 {
			return nil
		}
	}
	return fmt.Errorf("the room was still sending join news after %s (%d lines)", limit, last)
}

// send says something every 1/rate seconds, from a random phase, until the
// window ends. A late send does not shift the next one: the client catches
// up, as people who keep typing do.
func (m *chatMember) send(clock time.Time, w window, rate float64) {
	period := time.Duration(float64(time.Second) / rate)
	next := time.Now().Add(rand.N(period))
	_ = m.c.SetWriteDeadline(w.safetyDeadline())
	for range maxMessagesPerConn {
		if !next.Before(w.end) {
			return // before sleeping: at -chat-rate 0.02 the next turn is up to 50 s away
		}
		time.Sleep(time.Until(next))
		stamp := strconv.AppendInt([]byte{chatStamp}, int64(time.Since(clock)), 10)
		if _, err := m.c.Write(clientFrame(opText, stamp)); err != nil {
			return // the room dropped this client: its reader saw it end
		}
		next = next.Add(period)
	}
}

// read counts the lines the room sends until the connection ends. Pings are
// not answered: a round is far shorter than gorilla's 60 s pong wait or
// final's ping interval.
func (m *chatMember) read(clock time.Time, win *chatWindow) {
	dst := make([]byte, chatReadBuffer)
	defer func() { m.ended = time.Since(clock) }()
	for {
		_, n, err := m.c.readMessage(dst)
		if err != nil {
			return
		}
		if m.long = n > len(dst); m.long {
			return
		}
		now := time.Since(clock)
		m.last.Store(int64(now))
		counting := int64(now) >= win.start.Load() && int64(now) < win.end.Load()
		for line := range bytes.SplitSeq(dst[:n], []byte("\n")) {
			m.lines.Add(1)
			if !counting {
				continue
			}
			if sent, ok := parseStamp(line); ok {
				m.lat = append(m.lat, now-sent)
			} else if bytes.Equal(line, chatBusyLine) {
				m.shed++
			}
		}
	}
}

// parseStamp finds the send time in a line a client said (see chatStamp).
func parseStamp(line []byte) (time.Duration, bool) {
	i := bytes.LastIndexByte(line, chatStamp)
	if i < 0 || i == len(line)-1 {
		return 0, false
	}
	var ns int64
	for _, b := range line[i+1:] {
		if b < '0' || b > '9' {
			return 0, false
		}
		ns = ns*10 + int64(b-'0')
	}
	return time.Duration(ns), true
}
