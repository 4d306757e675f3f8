package lab

import "testing"

// TestProbeURL: a lab can only ask the prober for http://host/.
func TestProbeURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://elb-user01-1.ap-northeast-1.elb.amazonaws.com/": "http://elb-user01-1.ap-northeast-1.elb.amazonaws.com/",
		"http://203.0.113.5/":          "http://203.0.113.5/",
		"http://[2001:db8::1]/":        "http://[2001:db8::1]/",
		"https://203.0.113.5/":         "",
		"http://203.0.113.5/admin":     "",
		"http://203.0.113.5:8080/":     "",
		"http://user:pw@203.0.113.5/":  "",
		"http://203.0.113.5/?q=1":      "",
		"http://Elb.Example.com/":      "", // not as ProbeURL writes it
		"file:///etc/passwd":           "",
		"http://169.254.169.254%2f../": "",
	} {
		if got := probeURL(raw); got != want {
			t.Errorf("probeURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
