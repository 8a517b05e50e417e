package websocket

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is who the log names for r: its TCP peer, or, when the peer is
// one of TrustedProxies, the client that the proxies' X-Forwarded-For names,
// "via" the peer. The header is read from the right: each proxy appends the
// address it was reached from, so the rightmost address that is not a
// trusted proxy is the client's; whatever is left of it, the client itself
// may have written. From a peer that is not trusted the header is ignored.
func (s *Server) clientAddr(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !s.trusts(peer.Addr()) {
		return r.RemoteAddr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled entry: nothing left of it can be believed
		}
		if !s.trusts(ip) {
			return ip.String() + " via " + r.RemoteAddr
		}
	}
	return r.RemoteAddr
}

// trusts reports whether ip is one of TrustedProxies.
func (s *Server) trusts(ip netip.Addr) bool {
	ip = ip.Unmap() // an IPv4 peer of a dual-stack listener is ::ffff:a.b.c.d
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// prefixFlag is a comma-separated list of addresses and CIDR prefixes:
// 127.0.0.1,10.0.0.0/8.
type prefixFlag []netip.Prefix

func (l *prefixFlag) String() string {
	items := make([]string, len(*l))
	for i, p := range *l {
		items[i] = p.String()
	}
	return strings.Join(items, ",")
}

func (l *prefixFlag) Set(s string) error {
	*l = nil
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if ip, ipErr := netip.ParseAddr(item); ipErr == nil {
			p, err = ip.Prefix(ip.BitLen())
		}
		if err != nil {
			return fmt.Errorf("%q is neither an address nor a CIDR prefix", item)
		}
		*l = append(*l, p.Masked())
	}
	return nil
}
