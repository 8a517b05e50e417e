package chatroom

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// memoryBus joins the rooms of one test process, as NATS joins servers:
// what one room publishes, every other one hears, in the order published.
type memoryBus struct {
	mu    sync.Mutex
	rooms []chan Message
}

// roomEnd is one room's end of the bus.
type roomEnd struct {
	bus  *memoryBus
	from chan Message // what the others publish, on its way to this room
}

func (b *memoryBus) join() *roomEnd {
	b.mu.Lock()
	defer b.mu.Unlock()
	end := &roomEnd{bus: b, from: make(chan Message, 10000)}
	b.rooms = append(b.rooms, end.from)
	return end
}

func (e *roomEnd) Publish(m Message) {
	e.bus.mu.Lock()
	defer e.bus.mu.Unlock()
	for _, to := range e.bus.rooms {
		if to != e.from {
			to <- m
		}
	}
}

func (e *roomEnd) Subscribe(deliver func(Message)) {
	go func() {
		for m := range e.from {
			deliver(m)
		}
	}()
}

// startOnBus runs a chat server named server on bus.
func startOnBus(t *testing.T, bus *memoryBus, server string) (string, *wstest.SyncBuffer) {
	t.Helper()
	out := &wstest.SyncBuffer{}
	cfg := Config{Queue: 64, History: 20, Bus: bus.join(), Server: server}
	return wstest.Start(t, NewServer(out, &cfg)), out
}

func TestTwoServersOnABusAreOneRoom(t *testing.T) {
	bus := &memoryBus{}
	addrA, _ := startOnBus(t, bus, "a")
	addrB, _ := startOnBus(t, bus, "b")
	alice := enter(t, addrA, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "alice is in on a")
	bob := enter(t, addrB, "alice") // the same name, on the other server
	alice.waitLine(t, "* alice@b joined (1 on b)", "a room hears who joins another server, named with that server (docs/chat.md#one-machine-is-not-enough)")
	bob.Send(textFrame, []byte("hi from b"))
	bob.waitLine(t, "alice: hi from b", "the sender's server delivers its line itself")
	alice.waitLine(t, "alice@b: hi from b", "the other server's line comes over the bus, with its server after the name")
	alice.Send(textFrame, []byte("hi from a"))
	bob.nextMessage(t, "alice@a: hi from a", "each line once: the sender's own server does not hear it back from the bus")
	alice.nextMessage(t, "alice: hi from a", "and the sender's server delivers it once")
	carol := enter(t, addrB, "carol")
	for _, want := range []string{"alice: hi from b", "alice@a: hi from a", "* carol joined (2 here)"} {
		got, err := carol.line()
		if err != nil || got != want {
			t.Fatalf("a newcomer on b got %q (%v), want %q: its history holds the lines the bus brought too", got, err, want)
		}
	}
}

func TestTheBusDeliversOnlyWhatARoomWouldSay(t *testing.T) {
	bus := &memoryBus{}
	addr, out := startOnBus(t, bus, "a")
	mallory := bus.join()
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "alice is in")
	tests := []struct {
		name string
		m    Message
		log  string
	}{
		{"no server", Message{Event: Said, Name: "eve", Text: "hi"}, "no server name"},
		{"a server name with a colon", Message{Server: "b: x", Event: Said, Name: "eve", Text: "hi"}, "no server name"},
		{"this server's own name", Message{Server: "a", Event: Said, Name: "eve", Text: "hi"}, "it claims to come from this server"},
		{"a name with a colon", Message{Server: "b", Event: Said, Name: "eve: x", Text: "hi"}, "a name no room gives"},
		{"no name", Message{Server: "b", Event: Said, Text: "hi"}, "a name no room gives"},
		{"an unknown event", Message{Server: "b", Event: "kicked", Name: "eve"}, `no event "kicked"`},
		{"news with text", Message{Server: "b", Event: Joined, Name: "eve", Text: "x"}, "news with text"},
		{"a text too long", Message{Server: "b", Event: Said, Name: "eve", Text: strings.Repeat("x", 4097)}, "a text of 4097 bytes (at most 4096)"},
		{"a text not UTF-8", Message{Server: "b", Event: Said, Name: "eve", Text: "bad \xff"}, "a text that is not UTF-8"},
		{"a text with a line break", Message{Server: "b", Event: Said, Name: "eve", Text: "hi\n* alice left"}, "a text of more than one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mallory.Publish(tt.m)
			wstest.WaitForOutput(t, out, fmt.Sprintf("bus: dropped a message from %.40q: %s", tt.m.Server, tt.log))
			mallory.Publish(Message{Server: "b", Event: Said, Name: "bob", Text: tt.name})
			alice.nextMessage(t, "bob@b: "+tt.name, "a message that breaks the room's rules never reaches a browser (docs/chat.md#the-wire-format-on-the-bus)")
		})
	}
}

// handBus is a bus the test hands messages to, as if another server had
// published them.
type handBus struct{ deliver func(Message) }

func (*handBus) Publish(Message)                   {}
func (b *handBus) Subscribe(deliver func(Message)) { b.deliver = deliver }

func TestNewsFromAnotherServerIsHeldToo(t *testing.T) {
	bus := &handBus{}
	addr, _ := startChat(t, 0, Config{Queue: 64, History: 20, Bus: bus, Server: "a", newsWindow: time.Hour, newsPause: time.Hour}) // the window ends when something else happens
	alice := enter(t, addr, "alice")
	alice.waitLine(t, "* alice joined (1 here)", "the first news in a while is told at once")
	for i, name := range []string{"bob", "carol", "dave", "erin"} {
		bus.deliver(Message{Server: "b", Event: Joined, Name: name, Here: i + 1})
	}
	bus.deliver(Message{Server: "b", Event: Said, Name: "bob", Text: "hi"})
	for _, want := range []string{"* bob@b, carol@b, dave@b and 1 other joined (4 on b)", "bob@b: hi"} {
		got, err := alice.line()
		require.NoError(t, err)
		assert.Equal(t, want, got, "another server's joins within a window are one line, with its count, told before what is said next (docs/chat.md#joins-at-scale)")
	}
}
