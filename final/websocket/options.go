package websocket

import "time"

// Defaults for the zero Options, and why.
const (
	// DefaultMaxMessage is 1 MiB, as in Python's websockets: ample for chat,
	// JSON and the tutorial's pages, and small enough that 256 clients each
	// at the limit fit in the default memory budget (DefaultMaxMemory).
	DefaultMaxMessage = 1 << 20
	// DefaultIdleTimeout closes a connection that has sent nothing, not even
	// a pong, for 2 minutes: three keepalive pings went unanswered.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultPingInterval is shorter than the 60 s after which proxies and
	// load balancers usually cut a quiet connection.
	DefaultPingInterval = 30 * time.Second
	// DefaultMessageTimeout is how long one message may take from its first
	// frame to its last.
	DefaultMessageTimeout = time.Minute
	// DefaultWriteTimeout is how long a write may go without progress.
	DefaultWriteTimeout = 10 * time.Second
)

// Options configures a connection. The zero value, or a nil *Options, gives
// the defaults; a negative duration turns that timeout off.
type Options struct {
	// MaxMessage is the longest message ReadMessage accepts, in bytes,
	// fragments added up; a longer one closes the connection with 1009
	// (message too big). Zero means DefaultMaxMessage.
	MaxMessage int64

	// Budget, if set, is shared by the connections that have it: the bytes
	// of the messages they hold may not pass it. A message that does not fit
	// closes its connection with 1013 (try again later); the others go on.
	Budget *Budget

	// Origins lists the origins, besides the server's own, whose pages may
	// connect (RFC 6455 §10.2). A browser sends the Origin of the page that
	// opens a WebSocket, with the visitor's cookies for this server. By
	// default only the server's own pages may connect, those whose Origin's
	// host is the request's Host; another site's page gets 403 Forbidden, so
	// it cannot act here as the visitor (cross-site WebSocket hijacking).
	// Each entry is an origin or a pattern in path.Match's syntax, compared
	// without regard to case: "https://app.example.com",
	// "https://*.example.com" (its subdomains), "http://localhost:*" (any
	// port). "*" allows every origin: a deliberate choice, for a service
	// that trusts no cookie or other credential the browser adds by itself.
	// Clients that are not browsers send no Origin and are always allowed.
	Origins []string

	// Subprotocols lists the application protocols the server speaks, in
	// its order of preference: the first one the client also offered in
	// Sec-WebSocket-Protocol is chosen, echoed in the 101 and reported by
	// Conn.Subprotocol (RFC 6455 §1.9, §4.2.2). Names are compared exactly,
	// case included. When none is agreed the 101 names none, and the
	// connection is accepted anyway: refusing a client that offers none is
	// the caller's choice (see the example of Conn.Subprotocol).
	Subprotocols []string

	// IdleTimeout closes a connection that sends nothing for this long, not
	// a byte, with 1001 (going away). Bytes that arrive slowly are progress:
	// a frame trickled in a byte at a time is not idle, and neither is a
	// client still reading what the server writes to it. Zero means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration

	// PingInterval: a connection that has sent nothing for this long gets a
	// ping. Browsers answer pings by themselves, so an open tab stays
	// connected for hours, and a dead peer is found by the IdleTimeout.
	// Zero means DefaultPingInterval.
	PingInterval time.Duration

	// MessageTimeout is how long a message may take from its first frame to
	// its last; pings and pongs in between do not extend it. A message still
	// unfinished then closes the connection with 1008 (policy violation),
	// once the next bytes arrive; a client that sends nothing more is cut
	// off by the IdleTimeout. Zero means DefaultMessageTimeout.
	MessageTimeout time.Duration

	// WriteTimeout is how long a write may go without progress. A large
	// message leaves in pieces, and each piece that leaves moves the
	// deadline on, so a client that reads slowly but steadily is served; a
	// client that stops reading fills the socket buffers and is cut off.
	// Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration

	// Compress accepts permessage-deflate (RFC 7692) when a client offers it:
	// messages of 128 bytes and more are then sent compressed, and the
	// client's compressed messages are inflated, the limits counting the
	// inflated size. Off by default: it costs CPU on every message, and
	// compressing secrets together with text an attacker chooses can leak
	// them (CRIME, BREACH; RFC 7692 §8).
	Compress bool

	// OnFrame, if set, is called with every frame read from the peer (the
	// client, or on a Dial's connection the server) and every frame written
	// to it, on the goroutine that reads or writes it; as for Conn.Watch, it
	// must not write to the connection.
	OnFrame func(c *Conn, f Frame)
}

// withDefaults fills in the zero fields and turns negative durations into 0
// (none).
func (o Options) withDefaults() Options {
	if o.MaxMessage == 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	for _, d := range []struct {
		field *time.Duration
		def   time.Duration
	}{
		{&o.IdleTimeout, DefaultIdleTimeout}, {&o.PingInterval, DefaultPingInterval},
		{&o.MessageTimeout, DefaultMessageTimeout}, {&o.WriteTimeout, DefaultWriteTimeout},
	} {
		if *d.field == 0 {
			*d.field = d.def
		}
		*d.field = max(*d.field, 0)
	}
	return o
}

// MessageType is the type of a data message: text (UTF-8) or binary.
type MessageType byte

// The two types of data message, RFC 6455 §5.6; their values are their opcodes.
const (
	TextMessage   MessageType = 0x1
	BinaryMessage MessageType = 0x2
)
