package step3_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

const (
	albURL  = "http://elb-user01-1.ap-northeast-1.elb.amazonaws.com/"
	web1URL = "http://203.0.113.1/"
	web2URL = "http://203.0.113.2/"
)

const (
	checkALBHTTP       = "probe.alb_http"
	checkDirectBlocked = "probe.direct_blocked"
)

// probesOn is a class's rubric file switching both probes on.
const probesOn = "checks:\n  probe.alb_http: {enabled: true}\n  probe.direct_blocked: {enabled: true}\n"

func answered(url string, status int) grader.ProbeResult {
	return grader.ProbeResult{URL: url, Status: status, Duration: 40 * time.Millisecond, At: fixtureTime}
}

func silent(url string, d time.Duration, err string) grader.ProbeResult {
	return grader.ProbeResult{URL: url, Err: err, Duration: d, At: fixtureTime}
}

func withProbes(results ...grader.ProbeResult) func(t *testing.T, s *grader.Snapshot) {
	return func(t *testing.T, s *grader.Snapshot) {
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
		breakIt  func(t *testing.T, s *grader.Snapshot)
		check    string
		want     grader.Status
		says     []string
		notSays  []string
		hintSays string
		evidence []string
	}{
		{name: "ALB not probed yet", check: checkALBHTTP, want: grader.StatusPending, says: []string{"has not run yet", albURL}},
		{name: "ALB answers 200", check: checkALBHTTP, want: grader.StatusPass, says: []string{"answered HTTP 200"}, evidence: []string{albURL + " HTTP 200"},
			breakIt: withProbes(answered(albURL, 200))},
		{name: "ALB answers a redirect", check: checkALBHTTP, want: grader.StatusPass, says: []string{"HTTP 301"},
			breakIt: withProbes(answered(albURL, 301))},
		{name: "ALB answers 503", check: checkALBHTTP, want: grader.StatusFail, says: []string{"HTTP 503", "2xx or 3xx"}, hintSays: "tg-elb-user01",
			breakIt: withProbes(answered(albURL, 503))},
		{name: "ALB answers 404", check: checkALBHTTP, want: grader.StatusFail, says: []string{"HTTP 404"}, hintSays: "elb-user01 to become active",
			breakIt: withProbes(answered(albURL, 404))},
		{name: "ALB silent", check: checkALBHTTP, want: grader.StatusFail, says: []string{"did not answer within 5 s", "timeout"},
			breakIt: withProbes(silent(albURL, 5*time.Second, "timeout"))},
		{name: "ALB too slow", check: checkALBHTTP, want: grader.StatusFail, says: []string{"took 6s"},
			breakIt: withProbes(grader.ProbeResult{URL: albURL, Status: 200, Duration: 6 * time.Second, At: fixtureTime})},
		{name: "another student's ALB answer does not count", check: checkALBHTTP, want: grader.StatusPending,
			breakIt: withProbes(answered("http://elb-user02-1.ap-northeast-1.elb.amazonaws.com/", 200))},
		{name: "no ALB: blocked by alb.exists", check: checkALBHTTP, want: grader.StatusBlocked, says: []string{`"Load balancer"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.LoadBalancers[0].Name = "other" }},
		{name: "probes unreadable", check: checkALBHTTP, want: grader.StatusError, says: []string{"HTTP probes"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.MarkUnavailable(grader.DataProbes, errors.New("prober stopped"))
			}},

		{name: "web servers not probed yet", check: checkDirectBlocked, want: grader.StatusPending, says: []string{"has not run yet", web1URL}},
		{name: "both web servers silent or refusing", check: checkDirectBlocked, want: grader.StatusPass, says: []string{"None of the 2 web servers", "3 s"}, evidence: []string{"http://203.0.113.1/ no answer (timeout)", "http://203.0.113.2/ no answer (connection refused)"},
			breakIt: blocked},
		{name: "one web server answers", check: checkDirectBlocked, want: grader.StatusFail, says: []string{"webserver#2-user01 (i-user01-2) 203.0.113.2 HTTP 200"}, notSays: []string{"203.0.113.1"}, hintSays: "alb-user01",
			breakIt: withProbes(silent(web1URL, 3*time.Second, "timeout"), answered(web2URL, 200))},
		{name: "a redirect is an answer", check: checkDirectBlocked, want: grader.StatusFail, says: []string{"webserver#1-user01 (i-user01-1) 203.0.113.1 HTTP 302"},
			breakIt: withProbes(answered(web1URL, 302), silent(web2URL, 3*time.Second, "timeout"))},
		{name: "an answer fails even while another probe is pending", check: checkDirectBlocked, want: grader.StatusFail, says: []string{"webserver#1-user01 (i-user01-1) 203.0.113.1 HTTP 200"},
			breakIt: withProbes(answered(web1URL, 200))},
		{name: "one probe missing is pending", check: checkDirectBlocked, want: grader.StatusPending, says: []string{web2URL},
			breakIt: withProbes(silent(web1URL, 3*time.Second, "timeout"))},
		{name: "no web server running fails", check: checkDirectBlocked, want: grader.StatusFail, says: []string{"No web server is running"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#1-user01").State = "stopped"
				instanceNamed(t, s, "webserver#2-user01").State = "stopped"
			}},
		{name: "a stopped web server is not probed", check: checkDirectBlocked, want: grader.StatusPass, says: []string{"None of the 1 web servers"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#2-user01").State = "stopped"
				withProbes(silent(web1URL, 3*time.Second, "timeout"), answered(web2URL, 200))(t, s)
			}},
		{name: "no public IP at all warns", check: checkDirectBlocked, want: grader.StatusWarn, says: []string{"no web server has a public IP"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#1-user01").PublicIP = ""
				instanceNamed(t, s, "webserver#2-user01").PublicIP = ""
			}},
		{name: "another student's open server does not count", check: checkDirectBlocked, want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#1-user02").PublicIP = "198.51.100.1"
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
			r := resultIn(t, evaluate(t, s, student("user01"), nil, probesOn), tc.check)
			expectStatus(t, r, tc.want, tc.says...)
			if r.Required || r.MaxPoints != 0 || r.Points != 0 {
				t.Errorf("probe counts for points: %+v", r)
			}
			if tc.hintSays != "" && !strings.Contains(r.Hint.EN, tc.hintSays) {
				t.Errorf("hint %q does not say %q", r.Hint.EN, tc.hintSays)
			}
			for _, f := range tc.notSays {
				if strings.Contains(r.Message.EN, f) {
					t.Errorf("message %q mentions %q", r.Message.EN, f)
				}
			}
			for _, f := range tc.evidence {
				if !strings.Contains(strings.Join(r.Evidence, "\n"), f) {
					t.Errorf("evidence %q does not mention %q", r.Evidence, f)
				}
			}
			if r.Status == grader.StatusPass && len(r.Evidence) == 0 {
				t.Error("a pass without evidence")
			}
		})
	}
}

func TestProbesOffByDefault(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	withProbes(answered(albURL, 200), answered(web1URL, 200))(t, s)
	rep := evaluate(t, s, student("user01"), nil, "")
	for _, res := range rep.Results {
		if strings.HasPrefix(res.CheckID, "probe.") {
			t.Errorf("%s evaluated with the default rubric", res.CheckID)
		}
	}
	if got := probeTargets(t, s, student("user01"), ""); got != nil {
		t.Errorf("ProbeTargets with probes off = %v", got)
	}

	// Switched on, the probes are advisory: the full score stays 115.
	rep = evaluate(t, s, student("user01"), nil, probesOn)
	if rep.MaxScore != 115 {
		t.Errorf("MaxScore with the probes on = %d, want 115", rep.MaxScore)
	}
	if n := len(rep.Results); n != len(step3(t).Checks) || rep.Results[n-2].CheckID != checkALBHTTP || rep.Results[n-1].CheckID != checkDirectBlocked {
		t.Errorf("probes are not judged last: %d results", n)
	}
}

func TestProbeTargets(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02")
	instanceNamed(t, s, "webserver#1-user02").PublicIP = "198.51.100.1"
	instanceNamed(t, s, "webserver#2-user02").PublicIP = "198.51.100.2"

	got := probeTargets(t, s, student("user01"), probesOn)
	// Each with its check's wait: 5 s for the ALB, 3 s for a web server.
	const albWait, directWait = 5 * time.Second, 3 * time.Second
	want := []grader.ProbeTarget{{Check: checkALBHTTP, URL: albURL, Timeout: albWait}, {Check: checkDirectBlocked, URL: web1URL, Timeout: directWait}, {Check: checkDirectBlocked, URL: web2URL, Timeout: directWait}}
	if !slices.Equal(got, want) {
		t.Errorf("user01: %v, want %v", got, want)
	}
	got = probeTargets(t, s, student("user02"), probesOn)
	want = []grader.ProbeTarget{{Check: checkALBHTTP, URL: "http://elb-user02-1.ap-northeast-1.elb.amazonaws.com/", Timeout: albWait},
		{Check: checkDirectBlocked, URL: "http://198.51.100.1/", Timeout: directWait}, {Check: checkDirectBlocked, URL: "http://198.51.100.2/", Timeout: directWait}}
	if !slices.Equal(got, want) {
		t.Errorf("user02: %v, want %v", got, want)
	}

	// Only the enabled check's URLs; stopped servers are not probed.
	instanceNamed(t, s, "webserver#2-user01").State = "stopped"
	got = probeTargets(t, s, student("user01"), "checks:\n  probe.direct_blocked: {enabled: true}\n")
	if want := []grader.ProbeTarget{{Check: checkDirectBlocked, URL: web1URL, Timeout: directWait}}; !slices.Equal(got, want) {
		t.Errorf("direct only: %v, want %v", got, want)
	}

	// Nothing built: nothing to probe.
	if got := probeTargets(t, &grader.Snapshot{}, student("user01"), probesOn); len(got) != 0 {
		t.Errorf("empty snapshot: %v", got)
	}
}
