package grader

import (
	"net/netip"
	"strings"
	"time"
)

// ProbeTarget is one URL an enabled check of a student needs an answer
// from, and how long the answer may take.
type ProbeTarget struct {
	Check   string
	URL     string // always http://<host>/, host an IP address or a DNS name
	Timeout time.Duration
}

// ProbeURL is the URL probed for host: http://host/, with an IPv6 address
// in brackets. It is "" when host is neither an IP address nor a DNS name,
// so that nothing from a snapshot can make the grader request anything
// else.
func ProbeURL(host string) string {
	host = strings.TrimSpace(host)
	if host == "" {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return ""
		}
		if ip.Is6() && !ip.Is4In6() {
			return "http://[" + ip.String() + "]/"
		}
		return "http://" + ip.Unmap().String() + "/"
	}
	if !isDNSName(host) {
		return ""
	}
	return "http://" + strings.ToLower(strings.TrimSuffix(host, ".")) + "/"
}

// isDNSName reports whether s is a plain DNS host name: dot-separated
// labels of letters, digits and hyphens.
func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
