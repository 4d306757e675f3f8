package grader

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	albURL  = "http://elb-user01-1.ap-northeast-1.elb.amazonaws.com/"
	web1URL = "http://203.0.113.1/"
	web2URL = "http://203.0.113.2/"
)

// probeRubric is the default rubric with both probes switched on, as a
// class's rubric file does.
func probeRubric(t *testing.T) *Rubric {
	t.Helper()
	r, err := ParseRubric(strings.NewReader("checks:\n  probe.alb_http: {enabled: true}\n  probe.direct_blocked: {enabled: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func answered(url string, status int) ProbeResult {
	return ProbeResult{URL: url, Status: status, Duration: 40 * time.Millisecond, At: fixtureTime}
}

func silent(url string, d time.Duration, err string) ProbeResult {
	return ProbeResult{URL: url, Err: err, Duration: d, At: fixtureTime}
}

func withProbes(results ...ProbeResult) func(t *testing.T, s *Snapshot) {
	return func(t *testing.T, s *Snapshot) {
		for _, p := range results {
			s.RecordProbe(p)
		}
	}
}

func TestProbeChecks(t *testing.T) {
	t.Parallel()
	blocked := withProbes(silent(web1URL, 3*time.Second, "timeout"), silent(web2URL, time.Millisecond, "connection refused"))
	cases := []struct {
		name     string
		breakIt  func(t *testing.T, s *Snapshot)
		check    string
		want     Status
		says     []string
		hintSays string
	}{
		{name: "ALB not probed yet", check: CheckALBHTTP, want: StatusPending, says: []string{"has not run yet", albURL}},
		{name: "ALB answers 200", check: CheckALBHTTP, want: StatusPass, says: []string{"answered HTTP 200"},
			breakIt: withProbes(answered(albURL, 200))},
		{name: "ALB answers a redirect", check: CheckALBHTTP, want: StatusPass, says: []string{"HTTP 301"},
			breakIt: withProbes(answered(albURL, 301))},
		{name: "ALB answers 503", check: CheckALBHTTP, want: StatusFail, says: []string{"HTTP 503", "2xx or 3xx"}, hintSays: "tg-elb-user01",
			breakIt: withProbes(answered(albURL, 503))},
		{name: "ALB answers 404", check: CheckALBHTTP, want: StatusFail, says: []string{"HTTP 404"}, hintSays: "elb-user01 to become active",
			breakIt: withProbes(answered(albURL, 404))},
		{name: "ALB silent", check: CheckALBHTTP, want: StatusFail, says: []string{"did not answer within 5 s", "timeout"},
			breakIt: withProbes(silent(albURL, 5*time.Second, "timeout"))},
		{name: "ALB too slow", check: CheckALBHTTP, want: StatusFail, says: []string{"took 6s"},
			breakIt: withProbes(ProbeResult{URL: albURL, Status: 200, Duration: 6 * time.Second, At: fixtureTime})},
		{name: "another student's ALB answer does not count", check: CheckALBHTTP, want: StatusPending,
			breakIt: withProbes(answered("http://elb-user02-1.ap-northeast-1.elb.amazonaws.com/", 200))},
		{name: "no ALB: blocked by alb.exists", check: CheckALBHTTP, want: StatusBlocked, says: []string{"alb.exists"},
			breakIt: func(t *testing.T, s *Snapshot) { s.LoadBalancers[0].Name = "other" }},
		{name: "probes unreadable", check: CheckALBHTTP, want: StatusError, says: []string{"HTTP probes"},
			breakIt: func(t *testing.T, s *Snapshot) { s.MarkUnavailable(DataProbes, errors.New("prober stopped")) }},

		{name: "web servers not probed yet", check: CheckDirectBlocked, want: StatusPending, says: []string{"has not run yet", web1URL}},
		{name: "both web servers silent or refusing", check: CheckDirectBlocked, want: StatusPass, says: []string{"None of the 2 web servers", "3 s"},
			breakIt: blocked},
		{name: "one web server answers", check: CheckDirectBlocked, want: StatusFail, says: []string{"webserver#2-user01 (i-user01-2) 203.0.113.2 HTTP 200"}, hintSays: "alb-user01",
			breakIt: withProbes(silent(web1URL, 3*time.Second, "timeout"), answered(web2URL, 200))},
		{name: "a redirect is an answer", check: CheckDirectBlocked, want: StatusFail, says: []string{"webserver#1-user01", "HTTP 302"},
			breakIt: withProbes(answered(web1URL, 302), silent(web2URL, 3*time.Second, "timeout"))},
		{name: "an answer fails even while another probe is pending", check: CheckDirectBlocked, want: StatusFail, says: []string{"webserver#1-user01"},
			breakIt: withProbes(answered(web1URL, 200))},
		{name: "one probe missing is pending", check: CheckDirectBlocked, want: StatusPending, says: []string{web2URL},
			breakIt: withProbes(silent(web1URL, 3*time.Second, "timeout"))},
		{name: "no web server running fails", check: CheckDirectBlocked, want: StatusFail, says: []string{"No web server is running"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.instanceNamed(t, "webserver#1-user01").State = "stopped"
				s.instanceNamed(t, "webserver#2-user01").State = "stopped"
			}},
		{name: "a stopped web server is not probed", check: CheckDirectBlocked, want: StatusPass, says: []string{"None of the 1 web servers"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.instanceNamed(t, "webserver#2-user01").State = "stopped"
				withProbes(silent(web1URL, 3*time.Second, "timeout"), answered(web2URL, 200))(t, s)
			}},
		{name: "no public IP at all warns", check: CheckDirectBlocked, want: StatusWarn, says: []string{"No web server has a public IP"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.instanceNamed(t, "webserver#1-user01").PublicIP = ""
				s.instanceNamed(t, "webserver#2-user01").PublicIP = ""
			}},
		{name: "another student's open server does not count", check: CheckDirectBlocked, want: StatusPass,
			breakIt: func(t *testing.T, s *Snapshot) {
				s.instanceNamed(t, "webserver#1-user02").PublicIP = "198.51.100.1"
				blocked(t, s)
				s.RecordProbe(answered("http://198.51.100.1/", 200))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := classSnapshot("user01", "user02")
			if tc.breakIt != nil {
				tc.breakIt(t, s)
			}
			r := probeResultOf(t, probeRubric(t), s, tc.check)
			expectStatus(t, r, tc.want, tc.says...)
			if r.Required || r.MaxPoints != 0 || r.Points != 0 {
				t.Errorf("probe counts for points: %+v", r)
			}
			if tc.hintSays != "" && !strings.Contains(r.Hint.EN, tc.hintSays) {
				t.Errorf("hint %q does not say %q", r.Hint.EN, tc.hintSays)
			}
			if r.Status == StatusPass && len(r.Evidence) == 0 {
				t.Error("a pass without evidence")
			}
		})
	}
}

func probeResultOf(t *testing.T, r *Rubric, s *Snapshot, checkID string) Result {
	t.Helper()
	for _, res := range Evaluate(r, s, student("user01"), Memory{}).Results {
		if res.CheckID == checkID {
			return res
		}
	}
	t.Fatalf("no result for %s", checkID)
	return Result{}
}

func TestProbesOffByDefault(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	withProbes(answered(albURL, 200), answered(web1URL, 200))(t, s)
	rep := Evaluate(DefaultRubric(), s, student("user01"), Memory{})
	for _, res := range rep.Results {
		if strings.HasPrefix(res.CheckID, "probe.") {
			t.Errorf("%s evaluated with the default rubric", res.CheckID)
		}
	}
	if got := ProbeTargets(DefaultRubric(), s, student("user01")); got != nil {
		t.Errorf("ProbeTargets with probes off = %v", got)
	}

	// Switched on, the probes are advisory: the full score stays 115.
	r := probeRubric(t)
	if !r.ProbesEnabled() || r.MaxScore() != 115 {
		t.Errorf("enabled=%v MaxScore=%d", r.ProbesEnabled(), r.MaxScore())
	}
	rep = Evaluate(r, s, student("user01"), Memory{})
	if n := len(rep.Results); n != len(catalog) || rep.Results[n-2].CheckID != CheckALBHTTP || rep.Results[n-1].CheckID != CheckDirectBlocked {
		t.Errorf("probes are not judged last: %d results", n)
	}
}

func TestProbeTargets(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02")
	s.instanceNamed(t, "webserver#1-user02").PublicIP = "198.51.100.1"
	s.instanceNamed(t, "webserver#2-user02").PublicIP = "198.51.100.2"

	got := ProbeTargets(probeRubric(t), s, student("user01"))
	want := []ProbeTarget{{CheckALBHTTP, albURL}, {CheckDirectBlocked, web1URL}, {CheckDirectBlocked, web2URL}}
	if !slices.Equal(got, want) {
		t.Errorf("user01: %v, want %v", got, want)
	}
	got = ProbeTargets(probeRubric(t), s, student("user02"))
	want = []ProbeTarget{{CheckALBHTTP, "http://elb-user02-1.ap-northeast-1.elb.amazonaws.com/"},
		{CheckDirectBlocked, "http://198.51.100.1/"}, {CheckDirectBlocked, "http://198.51.100.2/"}}
	if !slices.Equal(got, want) {
		t.Errorf("user02: %v, want %v", got, want)
	}

	// Only the enabled check's URLs; stopped servers are not probed.
	r, err := ParseRubric(strings.NewReader("checks:\n  probe.direct_blocked: {enabled: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.instanceNamed(t, "webserver#2-user01").State = "stopped"
	got = ProbeTargets(r, s, student("user01"))
	if want := []ProbeTarget{{CheckDirectBlocked, web1URL}}; !slices.Equal(got, want) {
		t.Errorf("direct only: %v, want %v", got, want)
	}

	// Nothing built: nothing to probe.
	if got := ProbeTargets(probeRubric(t), &Snapshot{}, student("user01")); len(got) != 0 {
		t.Errorf("empty snapshot: %v", got)
	}
}

func TestProbeURL(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"203.0.113.7":        "http://203.0.113.7/",
		" 203.0.113.7 ":      "http://203.0.113.7/",
		"2001:db8::1":        "http://[2001:db8::1]/",
		"::ffff:203.0.113.7": "http://203.0.113.7/",
		"ELB-X-1.ap-northeast-1.elb.amazonaws.com.": "http://elb-x-1.ap-northeast-1.elb.amazonaws.com/",
		"":                   "",
		"fe80::1%eth0":       "",
		"203.0.113.7:8080":   "",
		"evil.example/path":  "",
		"user@host":          "",
		"host name":          "",
		"-bad.example":       "",
		"a..b":               "",
		"http://203.0.113.7": "",
	} {
		if got := ProbeURL(host); got != want {
			t.Errorf("ProbeURL(%q) = %q, want %q", host, got, want)
		}
	}
}

// fakeProber answers every URL it is asked for with status, and records
// whom it was asked about.
type fakeProber struct {
	mu     sync.Mutex
	status int
	calls  [][]string // logins per call
}

func (p *fakeProber) Probe(ctx context.Context, snap *Snapshot, r *Rubric, students []Student) {
	var logins []string
	for _, st := range students {
		logins = append(logins, st.Login)
		for _, t := range ProbeTargets(r, snap, st) {
			snap.RecordProbe(ProbeResult{URL: t.URL, Status: p.status, At: snap.TakenAt})
		}
	}
	p.mu.Lock()
	p.calls = append(p.calls, logins)
	p.mu.Unlock()
}

func TestScanCallsTheProberOnlyWhenProbesAreOn(t *testing.T) {
	t.Parallel()
	students := []Student{student("user01"), student("user02")}
	newSource := func() *staticSource {
		return &staticSource{snaps: map[string]*Snapshot{"111122223333": classSnapshot("user01", "user02")}}
	}

	off := &fakeProber{status: 200}
	(&Scanner{Source: newSource(), Rubric: DefaultRubric(), Prober: off}).Scan(context.Background(), students, nil)
	if len(off.calls) != 0 {
		t.Errorf("prober called with probes off: %v", off.calls)
	}

	on := &fakeProber{status: 200}
	res := (&Scanner{Source: newSource(), Rubric: probeRubric(t), Prober: on}).Scan(context.Background(), students, nil)
	if len(on.calls) != 1 || strings.Join(on.calls[0], ",") != "user01,user02" {
		t.Errorf("prober calls = %v, want one for the target's two students", on.calls)
	}
	for _, rep := range res.Reports {
		for _, r := range rep.Results {
			if r.CheckID == CheckALBHTTP && r.Status != StatusPass {
				t.Errorf("%s %s: %s %s", rep.Student.Login, r.CheckID, r.Status, r.Message.EN)
			}
			if r.CheckID == CheckDirectBlocked && r.Status != StatusFail {
				t.Errorf("%s %s: %s %s", rep.Student.Login, r.CheckID, r.Status, r.Message.EN)
			}
		}
	}

	// Probes on but no prober: the probe checks wait.
	res = (&Scanner{Source: newSource(), Rubric: probeRubric(t)}).Scan(context.Background(), students, nil)
	for _, r := range res.Reports[0].Results {
		if strings.HasPrefix(r.CheckID, "probe.") && r.Status != StatusPending {
			t.Errorf("%s without a prober: %s", r.CheckID, r.Status)
		}
	}
}
