package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/websocket"
)

// chatLine is a line said in the room, as a client reads it: its sender,
// the server after an @ when it is another one, and the text.
var chatLine = regexp.MustCompile(`^c(\d+)(?:@[a-z]+)?: (\d+) (\d+)$`)

func TestEveryClientGetsEveryMessageOnceInOrder(t *testing.T) {
	const clients, messages = 20, 20
	ns := startBus(t)
	var servers []*chat
	for _, name := range names(3) {
		servers = append(servers, startChat(t, ns.ClientURL(), name))
	}
	members := make([]*member, clients)
	for i := range members { // one at a time: each server counts its own in order
		members[i] = enter(t, servers[i%len(servers)], fmt.Sprintf("c%d", i))
		servers[i%len(servers)].waitLog(t, fmt.Sprintf(": c%d joined the room", i), "the room takes the newcomers in the order they come")
	}
	// Everyone is in once the first one heard of the last one's arrival
	// (through the bus when they are on different servers, perhaps in one
	// line with others who came in the same moment).
	last := (clients - 1) % len(servers) // the server of the last one, with clients/len(servers)+1 on it
	members[0].waitLineEnding(fmt.Sprintf(" joined (%d on %s)", clients/len(servers)+1, names(3)[last]), "the last one is in")

	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for i, m := range members {
		wg.Go(func() {
			for j := range messages {
				if err := websocket.Message.Send(m.ws, fmt.Sprintf("%d %d", i, j)); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() { errs <- receiveAll(m, i, clients, messages) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("every client gets every message once, each sender's in order, on any server (docs/chat.md#ordering-and-presence-across-servers): %v", err)
		}
	}
}

// receiveAll reads until client i has every message of every sender, and
// says what is wrong if one comes out of order or twice.
func receiveAll(m *member, i, clients, messages int) error {
	next := make([]int, clients)
	for got := 0; got < clients*messages; {
		line, err := m.line()
		if err != nil {
			return fmt.Errorf("c%d after %d messages: %w", i, got, err)
		}
		parts := chatLine.FindStringSubmatch(line)
		if parts == nil {
			continue // the room's news
		}
		from, _ := strconv.Atoi(parts[1])
		k, _ := strconv.Atoi(parts[2])
		n, _ := strconv.Atoi(parts[3])
		switch {
		case from != k:
			return fmt.Errorf("c%d got %q: a line under another sender's name", i, line)
		case n < next[from]:
			return fmt.Errorf("c%d got %q twice: a line comes once, not also back through the bus", i, line)
		case n > next[from]:
			return fmt.Errorf("c%d got %q after %d lines of c%d: each sender's lines come in order", i, line, next[from], from)
		}
		next[from]++
		got++
	}
	return nil
}

func TestTheBusGoesDownAndComesBack(t *testing.T) {
	ns := startBus(t)
	url := ns.ClientURL()
	a, b := startChat(t, url, "a"), startChat(t, url, "b")
	alice, carol, bob := enter(t, a, "alice"), enter(t, a, "carol"), enter(t, b, "bob")
	alice.waitLine("* bob@b joined (1 on b)", "bob is in, on the other server")
	alice.say("before")
	bob.waitLine("alice@a: before", "the bus carries alice's line to b")

	addr := ns.Addr().String()
	ns.Shutdown()
	a.waitLog(t, "bus: lost (", "the server says when the bus is gone")
	alice.say("during")
	carol.waitLine("alice: during", "without the bus, a server's own clients go on talking")

	restarted, err := startNATS(addr)
	require.NoError(t, err, "the bus starts again on its port")
	t.Cleanup(restarted.Shutdown)
	a.waitLog(t, "bus: back on ", "the server says when the bus is back, without a restart")
	b.waitLog(t, "bus: back on ", "and so does the other")
	require.NoError(t, b.bus.nc.Flush(), "b's subscription is on the bus again")
	alice.say("after")
	bob.waitLine("alice@a: after", "once the bus is back, the servers are one room again")
}

func TestAServerThatStopsTakesOnlyItsClients(t *testing.T) {
	ns := startBus(t)
	var servers []*chat
	for _, name := range names(3) {
		servers = append(servers, startChat(t, ns.ClientURL(), name))
	}
	alice, bob, carol := enter(t, servers[0], "alice"), enter(t, servers[1], "bob"), enter(t, servers[2], "carol")
	alice.waitLine("* carol@c joined (1 on c)", "carol is in, on c")
	servers[2].stop()
	_, err := carol.line()
	for err == nil {
		_, err = carol.line()
	}
	bob.say("still here")
	alice.waitLine("bob@b: still here", "the servers left go on as one room")
	alice.say("me too")
	bob.waitLine("alice@a: me too", "both ways")
}

func TestBadInputOnTheBusIsDropped(t *testing.T) {
	ns := startBus(t)
	a := startChat(t, ns.ClientURL(), "a")
	alice := enter(t, a, "alice")
	alice.waitLine("* alice joined (1 here)", "alice is in")
	mallory, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(mallory.Close)
	tests := []struct {
		name, payload, log string
	}{
		{"too long", `{"server":"b","event":"said","name":"eve","text":"` + strings.Repeat("x", maxPayload) + `"}`, fmt.Sprintf("longer than %d bytes", maxPayload)},
		{"not UTF-8", "{\"server\":\"b\",\"event\":\"said\",\"name\":\"eve\",\"text\":\"\xff\"}", "not UTF-8"},
		{"not JSON", "eve: hi", "invalid character"},
		{"a field no server sends", `{"server":"b","event":"said","name":"eve","text":"hi","admin":true}`, `unknown field "admin"`},
		{"an unknown publisher", `{"server":"","event":"said","name":"eve","text":"hi"}`, `dropped a message from "": no server name`},
		{"a name no room gives", `{"server":"b","event":"said","name":"* alice","text":"hi"}`, "a name no room gives"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, mallory.Publish(subject, []byte(tt.payload)))
			a.waitLog(t, tt.log, "bad input on the bus is dropped with a log line (docs/chat.md#the-wire-format-on-the-bus)")
			require.NoError(t, mallory.Publish(subject, fmt.Appendf(nil, `{"server":"b","event":"said","name":"bob","text":%q}`, tt.name)))
			for {
				line, err := alice.line()
				require.NoError(t, err)
				if !strings.HasPrefix(line, "* ") {
					require.Equal(t, "bob@b: "+tt.name, line, "only the good message after the bad one reaches a browser")
					break
				}
			}
		})
	}
}
