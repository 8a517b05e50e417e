package chatroom

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A Bus carries the room to the other servers that serve it, and theirs to
// this one (docs/chat.md#one-machine-is-not-enough): the seam that
// Centrifuge calls a Broker. The room delivers what is said on this server
// to this server's clients itself, and publishes it on the bus for the
// others; what the others publish, the bus hands back to the room, which
// delivers it to its clients. So a message reaches each client once, and a
// room whose bus is down still talks among its own clients.
type Bus interface {
	// Publish carries m, said or announced on this server, to the other
	// servers. The room's goroutine calls it, in the order things happen
	// in the room: it must keep that order and must not block (a bus that
	// is down buffers or drops, and says so in its log).
	Publish(m Message)
	// Subscribe gives the bus the function that hands the other servers'
	// messages to this room, in the order each server published them; the
	// room calls it once, before its first Publish.
	Subscribe(deliver func(Message))
}

// alone is the bus of a room that is all on one server: there is no other
// server to carry anything to, or to hear from.
type alone struct{}

func (alone) Publish(Message)         {}
func (alone) Subscribe(func(Message)) {}

// The events a Message tells of.
const (
	Said   = "said"   // Name said Text
	Joined = "joined" // Name came in; Here are on Server now
	Left   = "left"   // Name went out; Here are on Server now
)

// maxServer is the longest server name on the bus, in bytes.
const maxServer = 32

// A Message is what a server tells the others: something said in the room,
// or who came or went. Its fields are the parts the room draws the line
// from, so a server that hears it checks each one (check) before any
// browser sees it.
type Message struct {
	Server string `json:"server"` // the server its sender is on (Config.Server)
	Event  string `json:"event"`  // Said, Joined or Left
	Name   string `json:"name"`   // the sender's name on that server
	Text   string `json:"text,omitempty"`
	Here   int    `json:"here,omitempty"` // after Joined or Left: how many are on that server
}

// line is how what m says reads on this server's pages: the name with its
// server after an @, which no name in a room may hold, so that alice on 8003
// is never the alice of this server. (Its news reads the same way, with the
// count of its server, not this one's: newsLine.)
func (m Message) line() []byte {
	return fmt.Appendf(nil, "%s@%s: %s", m.Name, m.Server, m.Text)
}

// check reports why m may not reach this room's clients, if it may not: it
// claims to come from this server (self), it names no server a room could
// have, a name the room would not give, an event there is none of, or its
// text is longer than maxText, not UTF-8, or more than one line.
func (m Message) check(self string, maxText int64) error {
	switch {
	case !ValidServer(m.Server):
		return errors.New("no server name (letters, digits and '-', 32 at most)")
	case m.Server == self:
		return errors.New("it claims to come from this server")
	case m.Name == "" || cleanName(m.Name) != m.Name:
		return errors.New("a name no room gives")
	case m.Event != Said && m.Event != Joined && m.Event != Left:
		return fmt.Errorf("no event %q", m.Event)
	case m.Event != Said && (m.Text != "" || m.Here < 0):
		return errors.New("news with text, or fewer than none here")
	case int64(len(m.Text)) > maxText:
		return fmt.Errorf("a text of %d bytes (at most %d)", len(m.Text), maxText)
	case !utf8.ValidString(m.Text):
		return errors.New("a text that is not UTF-8")
	case strings.IndexFunc(m.Text, breaksALine) >= 0:
		return errors.New("a text of more than one line")
	}
	return nil
}

// ValidServer reports whether name may name a server on the bus: 1 to 32
// ASCII letters, digits and '-', so that it cannot fake a name or a line.
func ValidServer(name string) bool {
	if name == "" || len(name) > maxServer {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
