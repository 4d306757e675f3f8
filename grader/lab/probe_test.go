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

// probingLab is the step-3 lab with both probe checks enabled, the way a
// class enables them: by its rubric file.
func probingLab(t *testing.T) *lab.Lab {
	t.Helper()
	l := step3Lab(t)
	o, err := l.ParseRubricFile([]byte("checks:\n  probe.alb_http: {enabled: true}\n  probe.direct_blocked: {enabled: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := l.With(o)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestProbeTargets: the disabled probes ask for nothing; enabled, the ALB
// check asks for the ALB's DNS name and the direct check for each web
// server's public IP, each with the timeout of its setting.
func TestProbeTargets(t *testing.T) {
	l := step3Lab(t)
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	w := lab.NewWorld(snap)
	if got := l.ProbeTargets(w, st); len(got) != 0 {
		t.Errorf("with the probes disabled: %v, want none", got)
	}
	var dns string
	for _, lb := range snap.LoadBalancers {
		if lb.Name == "elb-"+st.Login {
			dns = lb.DNSName
		}
	}
	var ips []string
	for _, in := range snap.Instances {
		if strings.HasPrefix(in.Name, "webserver#") && strings.HasSuffix(in.Name, "-"+st.Login) && in.State == "running" && in.PublicIP != "" {
			ips = append(ips, "probe.direct_blocked http://"+in.PublicIP+"/ 3s")
		}
	}
	if dns == "" || len(ips) != 2 {
		t.Fatalf("%s has no ALB DNS name (%q) or not two web servers with a public IP (%v)", st.Login, dns, ips)
	}
	want := append([]string{"probe.alb_http http://" + strings.ToLower(dns) + "/ 5s"}, ips...)
	var got []string
	for _, p := range probingLab(t).ProbeTargets(w, st) {
		got = append(got, p.Check+" "+p.URL+" "+p.Timeout.String())
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("probe targets:\n  got  %v\n  want %v", got, want)
	}

	// A class's setting changes the timeout.
	faster, err := probingLab(t).With(lab.Override{Settings: map[string]any{"alb_probe_timeout_seconds": 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range faster.ProbeTargets(w, st) {
		if p.Check == "probe.alb_http" && p.Timeout != 2*time.Second {
			t.Errorf("alb_probe_timeout_seconds 2: timeout %s", p.Timeout)
		}
	}
}

// TestProbeAnswers: before any answer both probe checks are pending; then
// the ALB check passes on a quick 2xx/3xx and fails on a 5xx, on silence
// and on a slow answer, and the direct check passes when no web server
// answers, fails when one does and stays pending while one was not
// probed.
func TestProbeAnswers(t *testing.T) {
	l := probingLab(t)
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, step3Lab(t), c, snap)
	targets := l.ProbeTargets(lab.NewWorld(snap), st)
	var albURL string
	var direct []string
	for _, p := range targets {
		if p.Check == "probe.alb_http" {
			albURL = p.URL
		} else {
			direct = append(direct, p.URL)
		}
	}
	if albURL == "" || len(direct) != 2 {
		t.Fatalf("probe targets %v", targets)
	}
	at := snap.TakenAt
	answer := func(status int, took time.Duration) func(string) grader.ProbeResult {
		return func(u string) grader.ProbeResult {
			r := grader.ProbeResult{URL: u, Status: status, Duration: took, At: at}
			if status == 0 {
				r.Err = "timeout"
			}
			return r
		}
	}
	for _, tc := range []struct {
		name       string
		alb        func(string) grader.ProbeResult // nil: not probed
		direct     []func(string) grader.ProbeResult
		albWant    grader.Status
		directWant grader.Status
	}{
		{"not probed yet", nil, []func(string) grader.ProbeResult{nil, nil}, grader.StatusPending, grader.StatusPending},
		{"answered", answer(200, 40*time.Millisecond), []func(string) grader.ProbeResult{answer(0, 3*time.Second), answer(0, 3*time.Second)}, grader.StatusPass, grader.StatusPass},
		{"redirect", answer(302, time.Second), []func(string) grader.ProbeResult{answer(0, 3*time.Second), nil}, grader.StatusPass, grader.StatusPending},
		{"server error", answer(503, 40*time.Millisecond), []func(string) grader.ProbeResult{answer(200, 40*time.Millisecond), answer(0, 3*time.Second)}, grader.StatusFail, grader.StatusFail},
		{"silent", answer(0, 5*time.Second), []func(string) grader.ProbeResult{nil, answer(200, time.Second)}, grader.StatusFail, grader.StatusFail},
		{"too slow", answer(200, 6*time.Second), []func(string) grader.ProbeResult{answer(0, 3*time.Second), answer(0, 3*time.Second)}, grader.StatusFail, grader.StatusPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probed := *snap
			probed.Probes = nil
			if tc.alb != nil {
				probed.RecordProbe(tc.alb(albURL))
			}
			for i, a := range tc.direct {
				if a != nil {
					probed.RecordProbe(a(direct[i]))
				}
			}
			rep := l.Evaluate(lab.NewWorld(&probed), st, nil)
			for id, want := range map[string]grader.Status{"probe.alb_http": tc.albWant, "probe.direct_blocked": tc.directWant} {
				r := statusOf(t, rep.Results, id)
				if r.Status != want {
					t.Errorf("%s = %s (%s), want %s", id, r.Status, r.Message.EN, want)
				}
				if r.Status != grader.StatusPass && r.Hint.EN == "" {
					t.Errorf("%s is %s without a hint", id, r.Status)
				}
				if r.Points != 0 || r.Required {
					t.Errorf("%s earns %d points (required %t): the probes score nothing", id, r.Points, r.Required)
				}
			}
			if rep.Score != rep.MaxScore {
				t.Errorf("the probes changed the score: %d/%d", rep.Score, rep.MaxScore)
			}
		})
	}
}

// TestProbesOverTheClass follows the simulated class with both probes on
// and deterministic answers (one URL in five never probed, the others
// answering 200, 503, nothing, or 200 too late): no probe check is ever
// error, a check whose URLs were not all probed is pending unless an
// answer already fails it or a prerequisite blocks it, and one whose URLs
// were all probed is judged.
func TestProbesOverTheClass(t *testing.T) {
	l := probingLab(t)
	const duration = 20 * time.Minute
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	seen := map[grader.Status]int{}
	for _, at := range []time.Duration{duration / 2, duration * 5 / 4, 3 * duration} {
		now := start.Add(at)
		c := sim.New(sim.Options{Start: start, Duration: duration, Seed: 2, Now: func() time.Time { return now }})
		snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
		if err != nil {
			t.Fatal(err)
		}
		targets := map[string][]grader.ProbeTarget{}
		for _, st := range c.Roster() {
			targets[st.Login] = l.ProbeTargets(lab.NewWorld(snap), st)
			for _, p := range targets[st.Login] {
				if r, ok := fakeAnswer(p.URL, now); ok {
					snap.RecordProbe(r)
				}
			}
		}
		w := lab.NewWorld(snap) // with the answers
		for _, st := range c.Roster() {
			rep := l.Evaluate(w, st, nil)
			for _, id := range []string{"probe.alb_http", "probe.direct_blocked"} {
				r := statusOf(t, rep.Results, id)
				seen[r.Status]++
				var missing, answered int
				for _, p := range targets[st.Login] {
					a, ok := snap.Probes[p.URL]
					switch {
					case p.Check != id:
					case !ok:
						missing++
					case a.Answered():
						answered++
					}
				}
				failsAnyway := id == "probe.direct_blocked" && answered > 0
				switch {
				case r.Status == grader.StatusBlocked:
					// A prerequisite has not passed: asked for, not judged.
					if !slices.ContainsFunc(l.Check(id).Needs, func(n string) bool { return !statusOf(t, rep.Results, n).Status.Passed() }) {
						t.Errorf("%s %s %s: blocked with every prerequisite passed", at, st.Login, id)
					}
				case r.Status == grader.StatusError:
					t.Errorf("%s %s %s: error: %s", at, st.Login, id, r.Message.EN)
				case missing > 0 && !failsAnyway && r.Status != grader.StatusPending:
					t.Errorf("%s %s %s: %s with %d URL(s) not probed, want pending", at, st.Login, id, r.Status, missing)
				case (missing == 0 || failsAnyway) && r.Status == grader.StatusPending:
					t.Errorf("%s %s %s: pending with every URL probed", at, st.Login, id)
				}
			}
		}
	}
	for _, s := range []grader.Status{grader.StatusPass, grader.StatusFail, grader.StatusPending, grader.StatusBlocked} {
		if seen[s] == 0 {
			t.Errorf("no probe check was %s over the class: %v", s, seen)
		}
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
