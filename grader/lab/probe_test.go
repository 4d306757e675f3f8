package lab_test

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
)

// TestDifferentialProbes enables both probes on each side and compares the
// URLs to probe and, once answers come back (some fast, some slow, some
// errors, some never), the statuses.
func TestDifferentialProbes(t *testing.T) {
	data := step3YAML(t)
	src := strings.ReplaceAll(string(data), "    enabled: false\n", "    enabled: true\n")
	l, err := lab.Load("step-3/lab.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rubric, err := grader.ParseRubric(strings.NewReader("checks:\n  probe.alb_http: {enabled: true}\n  probe.direct_blocked: {enabled: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	const duration = 20 * time.Minute
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{duration / 2, duration * 5 / 4, 3 * duration} {
		now := start.Add(at)
		c := sim.New(sim.Options{Start: start, Duration: duration, Seed: 2, Now: func() time.Time { return now }})
		snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
		if err != nil {
			t.Fatal(err)
		}
		w := lab.NewWorld(snap)
		probed := 0
		for _, st := range c.Roster() {
			var want, got []string
			for _, p := range grader.ProbeTargets(rubric, snap, st) {
				want = append(want, p.Check+" "+p.URL)
			}
			for _, p := range l.ProbeTargets(w, st) {
				got = append(got, p.Check+" "+p.URL)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("%s %s: probe targets\n  go:  %v\n  lab: %v", at, st.Login, want, got)
			}
			for _, p := range grader.ProbeTargets(rubric, snap, st) {
				if r, ok := fakeAnswer(p.URL, now); ok {
					snap.RecordProbe(r)
					probed++
				}
			}
		}
		if probed == 0 {
			t.Fatalf("%s: nothing to probe", at)
		}
		w = lab.NewWorld(snap) // with the answers
		seen := map[grader.Status]int{}
		for _, st := range c.Roster() {
			old := grader.Evaluate(rubric, snap, st, grader.Memory{})
			neu := l.Evaluate(w, st, nil)
			for _, o := range old.Results {
				if !strings.HasPrefix(o.CheckID, "probe.") {
					continue
				}
				seen[o.Status]++
				if n := statusOf(t, neu.Results, o.CheckID); n.Status != o.Status {
					t.Errorf("%s %s %s: %s (Go) vs %s (lab)\n  go:  %s\n  lab: %s", at, st.Login, o.CheckID, o.Status, n.Status, o.Message.EN, n.Message.EN)
				}
			}
		}
		t.Logf("%s: probe statuses %v", at, seen)
	}
}

// fakeAnswer is a deterministic answer for url: one in five never probed,
// the others answering 200, 503 or nothing, some too slowly.
func fakeAnswer(url string, at time.Time) (grader.ProbeResult, bool) {
	h := fnv.New32a()
	fmt.Fprint(h, url)
	n := h.Sum32()
	r := grader.ProbeResult{URL: url, At: at, Duration: 40 * time.Millisecond}
	switch n % 5 {
	case 0:
		return r, false
	case 1:
		r.Status = 200
	case 2:
		r.Status = 503
	case 3:
		r.Err = "timeout"
		r.Duration = 5 * time.Second
	case 4:
		r.Status = 200
		r.Duration = 6 * time.Second
	}
	return r, true
}
