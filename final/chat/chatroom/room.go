package chatroom

import (
	"fmt"
	"log"
	"time"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// A room is the chat room. One goroutine, run, owns everything in it: the
// clients, their names and the history. The others talk to it over the
// channels, so nothing here needs a lock, and no client can hold it up:
// handing a line to a client only appends it to that client's queue.
type room struct {
	join   chan *client
	leave  chan *client
	say    chan said
	remote chan Message  // what the other servers' rooms tell this one
	tick   chan struct{} // a news window, or a pause in the news, ended (news.go)

	logger  *log.Logger
	cfg     *Config
	writers *writers

	clients map[*client]bool
	names   map[string]bool // the skeletons of the names in the room
	recent  [][]byte        // the last messages, oldest first
	guests  int             // for naming clients that gave no name
	news                    // arrivals or departures not yet told (news.go)

	behindSince time.Time // lines have waited longer than a fifth of MaxWait since (behind)
}

// A room that cannot keep up (too many lines for its clients, on a machine
// too busy) sheds rather than queue for ever: a line that found sayQueue
// lines waiting for the room, or waited longer than Config.MaxWait, is not
// said, and its sender is told (busyLine). So a line is late by at most
// about MaxWait, where a backlog in the readers' sockets grew for as long as
// the overload lasted (docs/chat.md#when-the-room-is-overloaded). sayQueue
// is large, so that a burst the room clears in time is not shed. Under an
// overload that lasts, the room sheds sooner: once every line for MaxWait
// has waited longer than a fifth of it, the queue is standing, not a burst,
// and lines that waited longer than that are shed until one comes that did
// not (a standing queue as CoDel, RFC 8289, finds one).
const (
	sayQueue       = 4096
	defaultMaxWait = 500 * time.Millisecond
)

// behind reports whether the room sheds a line that waited wait for it,
// taken at now (see sayQueue). behindSince is when the lines began to wait
// longer than a fifth of MaxWait; zero if the last one did not.
func (rm *room) behind(wait time.Duration, now time.Time) bool {
	maxWait := rm.cfg.MaxWait
	switch {
	case wait > maxWait:
		return true
	case wait <= maxWait/5:
		rm.behindSince = time.Time{}
		return false
	case rm.behindSince.IsZero():
		rm.behindSince = now
	}
	return now.Sub(rm.behindSince) >= maxWait
}

// busyLine is what a sender is told when the room sheds its line.
var busyLine = []byte("* the room is busy: your last message was not sent")

// said is a text message a client sent to the room.
type said struct {
	from *client
	text []byte
	at   time.Time // when its reader read it
}

func newRoom(logger *log.Logger, cfg *Config) *room {
	rm := &room{join: make(chan *client), leave: make(chan *client), say: make(chan said, sayQueue), remote: make(chan Message),
		tick:   make(chan struct{}, 1),
		logger: logger, cfg: cfg, writers: newWriters(cfg.writers), clients: map[*client]bool{}, names: map[string]bool{}}
	rm.timer = time.AfterFunc(time.Hour, func() { rm.tick <- struct{}{} })
	rm.timer.Stop()
	return rm
}

// run serves the room for ever.
func (rm *room) run() {
	for {
		select {
		case c := <-rm.join:
			rm.enter(c)
		case <-rm.tick:
			rm.windowEnded()
		case c := <-rm.leave:
			if rm.clients[c] {
				rm.toldBefore(kind{event: Left})
				rm.remove(c, false)
				rm.announce(c, Left)
			}
		case s := <-rm.say:
			rm.announceHeld() // news in the order it happened
			if now := time.Now(); rm.behind(now.Sub(s.at), now) {
				s.from.push(busyLine)
			} else if rm.clients[s.from] {
				line := fmt.Appendf(nil, "%s: %s", s.from.name, s.text)
				rm.remember(line)
				rm.broadcast(line)
				rm.cfg.Bus.Publish(Message{Server: rm.cfg.Server, Event: Said, Name: s.from.name, Text: string(s.text)})
			}
		case m := <-rm.remote: // checked by NewServer's deliver
			if m.Event != Said { // news of another server's members, held as ours is
				rm.hold(kind{m.Server, m.Event}, m.Name, m.Here)
				break
			}
			rm.announceHeld()
			line := m.line()
			rm.remember(line)
			rm.broadcast(line)
		}
	}
}

// enter names the newcomer, gives it the recent messages and tells everyone.
func (rm *room) enter(c *client) {
	c.name = rm.uniqueName(c.name)
	close(c.named)
	rm.names[skeleton(c.name)] = true
	for _, line := range rm.recent {
		c.push(line)
	}
	rm.toldBefore(kind{event: Joined}) // a newcomer hears of nobody who left before it came
	rm.clients[c] = true
	rm.logger.Printf("%s: %s joined the room (%d here)", c.addr, c.name, len(rm.clients))
	rm.announce(c, Joined)
}

// announce tells everyone that c joined or left: the other servers' rooms
// at once, the clients of this server with the news held (news.go).
func (rm *room) announce(c *client, event string) {
	rm.cfg.Bus.Publish(Message{Server: rm.cfg.Server, Event: event, Name: c.name, Here: len(rm.clients)})
	rm.hold(kind{event: event}, c.name, 0)
}

// remove takes c out of the room and stops writing to it once its queue is
// written; a slow client's queue is dropped and the writer closes it.
func (rm *room) remove(c *client, slow bool) {
	delete(rm.clients, c)
	delete(rm.names, skeleton(c.name))
	c.stop(slow)
}

// broadcast queues line for every client. A client whose queue is full reads
// slower than the room talks: it is dropped, rather than let it hold up the
// room or make the server keep an ever longer queue for it.
func (rm *room) broadcast(line []byte) {
	var dropped []*client
	for c := range rm.clients {
		if !c.push(line) {
			dropped = append(dropped, c)
		}
	}
	if len(dropped) > 0 {
		rm.toldBefore(kind{event: Left})
	}
	for _, c := range dropped {
		rm.remove(c, true)
		rm.logger.Printf("%s: %s reads too slowly (%d messages waiting); closing with %d (%s)", c.addr, c.name, c.limit,
			websocket.ClosePolicyViolation, websocket.CloseCodeName(websocket.ClosePolicyViolation))
	}
	for _, c := range dropped {
		rm.announce(c, Left)
	}
}

// remember keeps line among the recent messages.
func (rm *room) remember(line []byte) {
	if rm.cfg.History <= 0 {
		return
	}
	if len(rm.recent) >= rm.cfg.History {
		rm.recent = append(rm.recent[:0], rm.recent[1:]...)
	}
	rm.recent = append(rm.recent, line)
}

// uniqueName cleans up the name a client asked for (cleanName) and makes
// it unique in the room: "alice", then "alice-2", where two names are the
// same if they look the same (skeleton). A client without a usable name is
// a guest.
func (rm *room) uniqueName(asked string) string {
	name := cleanName(asked)
	if name == "" {
		rm.guests++
		name = fmt.Sprintf("guest-%d", rm.guests)
	}
	unique := name
	for i := 2; rm.names[skeleton(unique)]; i++ {
		unique = fmt.Sprintf("%s-%d", name, i)
	}
	return unique
}
