package chatroom

import (
	"fmt"
	"strings"
	"time"
)

// The room's news of who joined and who left (docs/chat.md#joins-at-scale).
// Each is news for every member: 5 000 clients joining one by one would be
// 12.5 million lines. So the first news in a while is told at once, and
// what follows is held and told together, in one line, when the joins (or
// the leaves) pause for newsPause, or at the latest when the window ends.
// While they keep coming the window doubles, up to maxNewsWindow: a crowd
// that takes seconds to come in costs each member a few lines, and the last
// of it is told newsPause after it came, not a window later.
const (
	newsWindow    = 100 * time.Millisecond
	maxNewsWindow = time.Second
	newsPause     = 20 * time.Millisecond
	namedInNews   = 3 // the names a line of news gives; it counts the others
)

// news is what the room holds back to tell together; only the room's
// goroutine touches it.
type news struct {
	event   string   // Joined or Left: what the held names did
	held    []string // who did it, in order
	holding bool     // a window is open: news waits for a pause or its end
	window  time.Duration
	ends    time.Time   // when the open window ends
	timer   *time.Timer // sends on the room's tick at a pause or the window's end
}

// hold tells this server's clients, now or soon, that name joined or left
// (event).
func (rm *room) hold(event, name string) {
	rm.toldBefore(event)
	rm.event, rm.held = event, append(rm.held, name)
	now := time.Now()
	if !rm.holding { // the first news in a while is told at once
		rm.announceHeld()
		rm.holding, rm.window, rm.ends = true, rm.cfg.newsWindow, now.Add(rm.cfg.newsWindow)
		rm.timer.Reset(rm.cfg.newsWindow)
		return
	}
	rm.timer.Reset(min(rm.cfg.newsPause, rm.ends.Sub(now)))
}

// windowEnded runs on the room's tick: at a pause in the news, or at the
// end of the window. News held is told, and the next is held for a window
// twice as long; a window with no news closes, and the next news is told at
// once.
func (rm *room) windowEnded() {
	if len(rm.held) == 0 {
		rm.holding = false
		return
	}
	rm.announceHeld()
	rm.window = min(2*rm.window, maxNewsWindow)
	rm.ends = time.Now().Add(rm.window)
	rm.timer.Reset(rm.window)
}

// toldBefore tells the news held if it is not of event, so that the news
// keeps the order in which things happened: call it before what changes the
// room (a newcomer hears of nobody who left before it came).
func (rm *room) toldBefore(event string) {
	if rm.event != event {
		rm.announceHeld()
	}
}

// announceHeld tells this server's clients the news held, if any.
func (rm *room) announceHeld() {
	if len(rm.held) == 0 {
		return
	}
	line := newsLine(rm.event, rm.held, len(rm.clients))
	rm.held = rm.held[:0]
	rm.broadcast(line)
}

// newsLine is one line of news: "* alice joined (3 here)", "* alice and bob
// left (1 here)", up to namedInNews names, then "* alice, bob, carol and 97
// others joined (100 here)".
func newsLine(event string, names []string, here int) []byte {
	shown, others := names[:min(len(names), namedInNews)], len(names)-namedInNews
	line := append([]byte("* "), strings.Join(shown[:len(shown)-1], ", ")...)
	switch {
	case others == 1:
		line = fmt.Appendf(line, ", %s and 1 other", shown[len(shown)-1])
	case others > 1:
		line = fmt.Appendf(line, ", %s and %d others", shown[len(shown)-1], others)
	case len(shown) > 1:
		line = fmt.Appendf(line, " and %s", shown[len(shown)-1])
	default:
		line = append(line, shown[0]...)
	}
	return fmt.Appendf(line, " %s (%d here)", event, here)
}
