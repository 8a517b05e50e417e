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
// the leaves) pause for newsPause, or at the latest when the window of
// newsWindow ends. A crowd that keeps coming costs each member a line a
// window, and the last of it is told newsPause after it came, not a window
// later. Each line of news is a write to every member: a crowd that is in
// before its window ends costs each member two lines, its first and its last.
const (
	newsWindow  = time.Second
	newsPause   = 20 * time.Millisecond
	namedInNews = 3 // the names a line of news gives; it counts the others
)

// A kind of news: what the names did (Joined or Left), and on which server
// ("" for this one: news from the bus is held too, per server).
type kind struct{ server, event string }

// news is what the room holds back to tell together; only the room's
// goroutine touches it.
type news struct {
	kind    kind
	held    []string    // who did it, in order
	here    int         // for another server's news: how many are on it after the last held
	holding bool        // a window is open: news waits for a pause or its end
	ends    time.Time   // when the open window ends
	timer   *time.Timer // sends on the room's tick at a pause or the window's end
}

// hold tells this server's clients, now or soon, that name did what k
// says; here is how many are on k's server after it, if that is another.
func (rm *room) hold(k kind, name string, here int) {
	rm.toldBefore(k)
	rm.kind, rm.held, rm.here = k, append(rm.held, name), here
	now := time.Now()
	if !rm.holding { // the first news in a while is told at once
		rm.announceHeld()
		rm.openWindow(now)
		return
	}
	rm.timer.Reset(min(rm.cfg.newsPause, rm.ends.Sub(now)))
}

// windowEnded runs on the room's tick: at a pause in the news, or at the
// end of the window. News held is told, and the next is held for a new
// window; a window with no news closes, and the next news is told at once.
func (rm *room) windowEnded() {
	if len(rm.held) == 0 {
		rm.holding = false
		return
	}
	rm.announceHeld()
	rm.openWindow(time.Now())
}

// openWindow holds the news that comes for a window from now.
func (rm *room) openWindow(now time.Time) {
	rm.holding, rm.ends = true, now.Add(rm.cfg.newsWindow)
	rm.timer.Reset(rm.cfg.newsWindow)
}

// toldBefore tells the news held if it is not of kind k, so that the news
// keeps the order in which things happened: call it before what changes the
// room (a newcomer hears of nobody who left before it came).
func (rm *room) toldBefore(k kind) {
	if rm.kind != k {
		rm.announceHeld()
	}
}

// announceHeld tells this server's clients the news held, if any.
func (rm *room) announceHeld() {
	if len(rm.held) == 0 {
		return
	}
	here := rm.here
	if rm.kind.server == "" {
		here = len(rm.clients)
	}
	line := newsLine(rm.kind, rm.held, here)
	rm.held = rm.held[:0]
	rm.broadcast(line)
}

// newsLine is one line of news: "* alice joined (3 here)", "* alice and bob
// left (1 here)", up to namedInNews names, then "* alice, bob, carol and 97
// others joined (100 here)"; news from another server names its members
// and counts them as Message.line does: "* bob@b and carol@b joined (2 on b)".
func newsLine(k kind, names []string, here int) []byte {
	shown := make([]string, min(len(names), namedInNews))
	for i := range shown {
		shown[i] = names[i]
		if k.server != "" {
			shown[i] += "@" + k.server
		}
	}
	others := len(names) - namedInNews
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
	if k.server != "" {
		return fmt.Appendf(line, " %s (%d on %s)", k.event, here, k.server)
	}
	return fmt.Appendf(line, " %s (%d here)", k.event, here)
}
