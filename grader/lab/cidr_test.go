package lab_test

import (
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
)

const cidrLab = `id: cidr
title: {ja: CIDR, en: CIDR}
areas:
  - id: a
    title: {ja: A, en: A}
settings:
  inner: "any text"
  outer: "any text"
checks:
  - id: a.within
    area: a
    title: {ja: 範囲, en: Within}
    rules:
      - expression: cidr_within(settings.inner, settings.outer)
        message: {ja: 外, en: outside}
    pass: {ja: 内, en: inside}
    hint: {ja: 範囲を直す, en: fix the range}
`

// cidr_within(inner, outer) holds when every address of inner is in outer,
// for IPv4 and IPv6, and never for what is no range or for mixed families.
func TestCIDRWithin(t *testing.T) {
	t.Parallel()
	base, err := lab.Load("cidr.yaml", []byte(cidrLab))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		inner, outer string
		want         bool
	}{
		{"10.0.0.0/24", "10.0.0.0/16", true},
		{"10.0.0.0/16", "10.0.0.0/16", true},
		{"10.0.3.7/32", "10.0.0.0/16", true},
		{"10.0.3.7", "10.0.0.0/16", true},              // a bare address
		{"10.0.3.0/24", "10.0.3.7/24", true},           // host bits of outer ignored
		{" 10.0.1.0/24 ", "10.0.0.0/16", true},         // spaces trimmed
		{"10.0.0.0/8", "10.0.0.0/16", false},           // wider
		{"0.0.0.0/0", "10.0.0.0/16", false},            // the world
		{"10.1.0.0/24", "10.0.0.0/16", false},          // beside it
		{"172.31.0.0/20", "10.0.0.0/16", false},        // elsewhere
		{"2001:db8::/64", "2001:db8::/32", true},       // IPv6
		{"2001:db8::/32", "2001:db8::/64", false},      // IPv6, wider
		{"::/0", "10.0.0.0/16", false},                 // mixed families
		{"10.0.0.0/24", "::/0", false},                 // mixed families
		{"sg-0123456789abcdef0", "10.0.0.0/16", false}, // no range
		{"10.0.0.0/24", "", false},
		{"10.0.0.0/33", "10.0.0.0/16", false},
	} {
		l, err := base.With(lab.Override{Settings: map[string]any{"inner": tc.inner, "outer": tc.outer}})
		if err != nil {
			t.Fatal(err)
		}
		r := l.Evaluate(lab.NewWorld(&grader.Snapshot{}), grader.Student{Login: "user01"}, nil).Results[0]
		if got := r.Status == grader.StatusPass; got != tc.want || (!got && r.Status != grader.StatusFail) {
			t.Errorf("cidr_within(%q, %q): %s %q, want within=%t", tc.inner, tc.outer, r.Status, r.Message.EN, tc.want)
		}
	}
}
