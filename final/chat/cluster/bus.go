package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"

	"github.com/wsfromscratch/websocket-go/final/chat/chatroom"
)

// The bus, as NATS core carries it (docs/chat.md#the-wire-format-on-the-bus):
// every chat server publishes on one subject and subscribes to it; a
// message is one JSON object, a chatroom.Message.
const (
	subject = "chat.room"
	// maxPayload is the longest message a server publishes or takes from
	// the bus: a 4 KiB text, its name and server, each escaped up to six
	// times longer in JSON at worst, fit. NATS itself allows 1 MiB.
	maxPayload = 32 << 10
)

// How the connection to NATS lives through an outage
// (docs/chat.md#when-the-bus-or-a-server-fails).
const (
	// reconnectWait is the pause between two tries to reach the bus
	// again; nats.go adds up to 100ms of jitter, so that servers do not
	// all come back in one instant.
	reconnectWait = time.Second
	// reconnectBuf is how much of what is said here waits for the bus
	// while it is down, to be published, in order, as soon as it is back:
	// 1 MiB is a few seconds of a busy room's lines. Past it, lines said
	// here reach only this server's clients until the bus is back.
	reconnectBuf = 1 << 20
	// pingInterval: a bus that is gone without closing the connection
	// (a cable, a frozen host) is noticed after two pings unanswered.
	pingInterval = 10 * time.Second
)

// natsBus is the room's chatroom.Bus on NATS core.
type natsBus struct {
	logger  *log.Logger
	nc      *nats.Conn
	deliver func(chatroom.Message)

	dropping bool // publishing fails, said once in the log until it works again
}

// Subscribe keeps deliver for connect.
func (b *natsBus) Subscribe(deliver func(chatroom.Message)) { b.deliver = deliver }

// connect joins the bus at url as server, and hands what the others
// publish to the room. It never gives up on the bus: if it is not there
// yet, or goes away, the connection tries again every reconnectWait for as
// long as the program runs, and the room talks among its own clients.
func (b *natsBus) connect(url, server string) error {
	nc, err := nats.Connect(url,
		nats.Name("chat "+server),
		nats.NoEcho(), // this server delivers its own lines itself
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.ReconnectBufSize(reconnectBuf),
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(2),
		nats.ConnectHandler(func(nc *nats.Conn) {
			b.logger.Printf("bus: on %s as server %s", nc.ConnectedUrl(), server)
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err == nil {
				return // this program closed the connection: it is stopping
			}
			b.logger.Printf("bus: lost (%v); this server's clients go on talking among themselves, and what they say waits for the bus (%d KiB at most)", err, reconnectBuf>>10)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.logger.Printf("bus: back on %s; the servers are one room again", nc.ConnectedUrl())
		}),
		nats.ErrorHandler(func(nc *nats.Conn, _ *nats.Subscription, err error) {
			b.logger.Printf("bus: %v", err) // such as a slow consumer: the room fell behind the bus
		}),
	)
	if err != nil {
		return fmt.Errorf("chat: -nats %s: %w", url, err)
	}
	b.nc = nc
	if !nc.IsConnected() {
		b.logger.Printf("bus: %s is not there yet; trying every %v, and this server's clients talk among themselves meanwhile", url, reconnectWait)
	}
	_, err = nc.Subscribe(subject, b.receive)
	return err
}

// receive hands a message from the bus to the room, if it is one: a
// message too long, not UTF-8, or not a chatroom.Message is dropped here,
// and the room checks the rest (chatroom.Message's rules).
func (b *natsBus) receive(msg *nats.Msg) {
	var m chatroom.Message
	err := errors.New("not UTF-8")
	if len(msg.Data) > maxPayload {
		err = fmt.Errorf("longer than %d bytes", maxPayload)
	} else if utf8.Valid(msg.Data) {
		dec := json.NewDecoder(bytes.NewReader(msg.Data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&m)
	}
	if err != nil {
		b.logger.Printf("bus: dropped %d bytes on %s: %v", len(msg.Data), msg.Subject, err)
		return
	}
	b.deliver(m)
}

// Publish puts m on the bus. While the bus is down, nats.go keeps it in
// its reconnect buffer; when that is full, the line reaches this server's
// clients only, and the log says so once. Only the room's goroutine calls
// it.
func (b *natsBus) Publish(m chatroom.Message) {
	data, err := json.Marshal(m)
	if err == nil && len(data) > maxPayload {
		err = fmt.Errorf("%d bytes, over the bus's %d", len(data), maxPayload)
	}
	if err == nil {
		err = b.nc.Publish(subject, data)
	}
	switch {
	case err != nil && !b.dropping:
		b.logger.Printf("bus: cannot publish (%v); what is said here reaches only this server's clients until the bus takes it again", err)
	case err == nil && b.dropping:
		b.logger.Printf("bus: publishing again")
	}
	b.dropping = err != nil
}

// close leaves the bus.
func (b *natsBus) close() { b.nc.Close() }
