package web

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address of the client: the peer's, or, when the peer
// is one of the trusted proxies, the rightmost X-Forwarded-For entry that
// is not itself a trusted proxy. Entries left of it are the client's to
// write and are never believed. An entry that is no address ends the walk
// at the last proxy reached. The zero Addr means the peer's address could
// not be read.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := peer.Addr().Unmap()
	if !isTrusted(addr, trusted) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		a, err := netip.ParseAddr(hop)
		if err != nil {
			return addr
		}
		addr = a.Unmap()
		if !isTrusted(addr, trusted) {
			return addr
		}
	}
	return addr
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// limitKey is the key a client's address is limited by: an IPv6 client
// by its /64, as one host commonly holds a whole /64 to draw from.
func limitKey(addr netip.Addr) string {
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
