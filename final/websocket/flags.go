package websocket

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// AddFlags registers command-line flags for the server's limits on fs:
// -max-message, -max-memory, -max-conns, -compress, -origin, -idle-timeout,
// -ping-interval, -message-timeout, -write-timeout and -trusted-proxy. Each
// flag's default is the field's value if set, or else the package's default;
// for the durations, 0 on the command line means none.
func (s *Server) AddFlags(fs *flag.FlagSet) {
	s.MaxMessage = or(s.MaxMessage, DefaultMaxMessage)
	s.MaxMemory = or(s.MaxMemory, DefaultMaxMemory)
	s.MaxConns = or(s.MaxConns, DefaultMaxConns)
	fs.Int64Var(&s.MaxMessage, "max-message", s.MaxMessage, "longest message in bytes; a longer one closes the connection with 1009")
	fs.Int64Var(&s.MaxMemory, "max-memory", s.MaxMemory, "bytes all messages being read may hold together; a message past it closes its connection with 1013 (negative: no limit)")
	fs.IntVar(&s.MaxConns, "max-conns", s.MaxConns, "most WebSocket connections at once; past it an upgrade gets 503 (negative: no limit)")
	fs.BoolVar(&s.Compress, "compress", s.Compress, "accept permessage-deflate when a client offers it (RFC 7692)")
	fs.Var((*listFlag)(&s.Origins), "origin", "comma-separated origins whose pages may connect besides the server's own, e.g. https://*.example.com, or * for any (empty: the server's own pages only)")
	for _, d := range []struct {
		field      *time.Duration
		name, what string
		def        time.Duration
	}{
		{&s.IdleTimeout, "idle-timeout", "close a connection that sends nothing for this long", DefaultIdleTimeout},
		{&s.PingInterval, "ping-interval", "ping a connection that has sent nothing for this long", DefaultPingInterval},
		{&s.MessageTimeout, "message-timeout", "longest time one message may take from first frame to last", DefaultMessageTimeout},
		{&s.WriteTimeout, "write-timeout", "close a connection whose writes make no progress for this long", DefaultWriteTimeout},
	} {
		*d.field = or(*d.field, d.def)
		fs.Var((*durationFlag)(d.field), d.name, d.what+" (0: never)")
	}
	fs.Var((*prefixFlag)(&s.TrustedProxies), "trusted-proxy", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For the log believes, e.g. 127.0.0.1 (empty: believe none)")
}

// or is v, or def if v is zero.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// durationFlag is a duration flag whose 0 means none (a negative Options
// duration).
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(max(*d, 0)).String() }

func (d *durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	if v == 0 {
		v = -1
	}
	*d = durationFlag(v)
	return err
}

// listFlag is a comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = nil
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// Limits says in one line what the limits are, for a program to print at
// start-up.
func (s *Server) Limits() string {
	o := s.Options.withDefaults()
	memory, conns := "no limit on bytes in all", "no limit on connections"
	if m := or(s.MaxMemory, DefaultMaxMemory); s.Budget != nil {
		memory = fmt.Sprintf("%d bytes in all", s.Budget.limit)
	} else if m > 0 {
		memory = fmt.Sprintf("%d bytes in all", m)
	}
	if n := or(s.MaxConns, DefaultMaxConns); n > 0 {
		conns = fmt.Sprintf("up to %d connections", n)
	}
	ping, idle := "no keepalive pings", "no idle timeout"
	if o.PingInterval > 0 {
		ping = fmt.Sprintf("ping after %v quiet", o.PingInterval)
	}
	if o.IdleTimeout > 0 {
		idle = fmt.Sprintf("idle timeout %v", o.IdleTimeout)
	}
	line := fmt.Sprintf("messages up to %d bytes each and %s, %s; %s, %s", o.MaxMessage, memory, conns, ping, idle)
	if o.Compress {
		line += ", permessage-deflate accepted"
	}
	if len(o.Origins) > 0 {
		line += ", origins allowed: " + strings.Join(o.Origins, " ")
	}
	return line
}
