package grader_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/labs"
)

// staticSource serves prepared snapshots by account and records the targets
// it was asked for.
type staticSource struct {
	mu    sync.Mutex
	snaps map[string]*grader.Snapshot // by account id
	errs  map[string]error
	asked []grader.Target
}

func (s *staticSource) Snapshot(ctx context.Context, t grader.Target, _ []grader.Data) (*grader.Snapshot, error) {
	s.mu.Lock()
	s.asked = append(s.asked, t)
	s.mu.Unlock()
	if err := s.errs[t.AccountID]; err != nil {
		return nil, err
	}
	snap, ok := s.snaps[t.AccountID]
	if !ok {
		return nil, fmt.Errorf("no snapshot for %s", t.AccountID)
	}
	return snap, nil
}

type codedError struct{ code string }

func (e codedError) Error() string     { return "api error " + e.code + ": not allowed" }
func (e codedError) ErrorCode() string { return e.code }

// recordingProber answers every probe with HTTP 200 and records what it
// was asked.
type recordingProber struct {
	mu    sync.Mutex
	calls [][]grader.ProbeTarget
}

func (p *recordingProber) Probe(_ context.Context, snap *grader.Snapshot, targets []grader.ProbeTarget) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, targets)
	for _, t := range targets {
		snap.RecordProbe(grader.ProbeResult{URL: t.URL, Status: 200, Duration: 10 * time.Millisecond, At: snap.TakenAt})
	}
}

const sharedAccount = "111122223333"

// finishedClass is the simulated class long after its end, in one shared
// account, and its students who did every step without a mistake left.
func finishedClass(t *testing.T) (*grader.Snapshot, []grader.Student) {
	t.Helper()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(2 * time.Hour)
	c := sim.New(sim.Options{Start: start, Duration: 20 * time.Minute, Seed: 1, AccountID: sharedAccount, Now: func() time.Time { return now }})
	snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	var done []grader.Student
	for _, st := range c.Roster() {
		if c.Progress(st.Login, now) == sim.StageDone && len(c.Mistakes(st.Login, now)) == 0 {
			done = append(done, st)
		}
	}
	if len(done) < 3 {
		t.Fatalf("only %d students of the simulated class finished", len(done))
	}
	return snap, done
}

// judge is the class's set of labs: the shipped default with rubric.
func judge(t *testing.T, rubric string) grader.Judge {
	t.Helper()
	j, err := labs.ForClass(nil, rubric)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func resultOf(t *testing.T, rep grader.Report, id string) grader.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.CheckID == id {
			return r
		}
	}
	t.Fatalf("%s: no result for %s", rep.Student.Login, id)
	return grader.Result{}
}

func TestGroupsSharesOneTargetPerAccountRegionRole(t *testing.T) {
	t.Parallel()
	students := []grader.Student{
		{Login: "user01", AccountID: "111122223333"},
		{Login: "user02", AccountID: "111122223333", Region: "ap-northeast-1"}, // explicit = default
		{Login: "user03", AccountID: "111122223333", Region: "us-east-1"},
		{Login: "user04", AccountID: "444455556666", RoleARN: "arn:aws:iam::444455556666:role/labgrid", ExternalID: "x"},
		{Login: "user05", AccountID: "111122223333"},
	}
	groups := grader.Groups(students, "ap-northeast-1")
	if len(groups) != 3 {
		t.Fatalf("%d groups, want 3: %+v", len(groups), groups)
	}
	var logins []string
	for _, st := range groups[0].Students {
		logins = append(logins, st.Login)
	}
	if got := strings.Join(logins, ","); got != "user01,user02,user05" {
		t.Errorf("first group = %s", got)
	}
	if groups[1].Target.Region != "us-east-1" || groups[2].Target.RoleARN == "" {
		t.Errorf("groups = %+v", groups)
	}
}

func TestScanIsolatesAFailingTarget(t *testing.T) {
	t.Parallel()
	shared, done := finishedClass(t)
	shared.AWSCalls = 15
	src := &staticSource{
		snaps: map[string]*grader.Snapshot{sharedAccount: shared},
		errs:  map[string]error{"444455556666": fmt.Errorf("ec2:DescribeVpcs: %w", codedError{"AccessDenied"})},
	}
	students := []grader.Student{
		done[0],
		{Login: "user99", AccountID: "444455556666", RoleARN: "arn:aws:iam::444455556666:role/labgrid"},
		done[1],
	}
	j := judge(t, "")
	sc := &grader.Scanner{Source: src, Judge: j, Concurrency: 2}
	res := sc.Scan(t.Context(), students, nil)

	if len(src.asked) != 2 {
		t.Errorf("asked %d targets, want 2 (one per account): %+v", len(src.asked), src.asked)
	}
	if res.AWSCalls != 15 || res.Failed() != 1 {
		t.Errorf("AWSCalls=%d Failed=%d", res.AWSCalls, res.Failed())
	}
	if len(res.Reports) != 3 || res.Reports[1].Student.Login != "user99" {
		t.Fatalf("reports not in roster order: %+v", res.Reports)
	}
	for _, i := range []int{0, 2} {
		if rep := res.Reports[i]; rep.Score != rep.MaxScore || rep.MaxScore != j.MaxScore() || len(rep.Results) != len(j.Checks()) {
			t.Errorf("%s: score %d/%d with %d results, want full marks of %d over %d checks", rep.Student.Login, rep.Score, rep.MaxScore, len(rep.Results), j.MaxScore(), len(j.Checks()))
		}
	}
	failed := res.Reports[1]
	if len(failed.Results) != len(j.Checks()) || failed.Score != 0 || failed.MaxScore != j.MaxScore() {
		t.Errorf("user99: %d results scoring %d/%d", len(failed.Results), failed.Score, failed.MaxScore)
	}
	for _, r := range failed.Results {
		if r.Status != grader.StatusError || !strings.Contains(r.Message.EN, "AccessDenied") || r.Points != 0 {
			t.Fatalf("user99 %s = %s %q, want error naming AccessDenied", r.CheckID, r.Status, r.Message.EN)
		}
	}
}

// TestScanCarriesMemoryOfTheWriter: the writer remembered by the last scan
// is the base of this one's, so a failover between two scans is seen and
// stays seen.
func TestScanCarriesMemoryOfTheWriter(t *testing.T) {
	t.Parallel()
	snap, done := finishedClass(t)
	st := done[0]
	// A finished student has failed over: the replica writes.
	snap.RDSEvents = nil // no RDS event tells of it: only the memory can
	src := &staticSource{snaps: map[string]*grader.Snapshot{sharedAccount: snap}}
	sc := &grader.Scanner{Source: src, Judge: judge(t, "")}

	res := sc.Scan(t.Context(), []grader.Student{st}, map[string]grader.Memory{st.Login: {"step-3/writer": {Value: "wp-" + st.Login}}})
	rep := res.Reports[0]
	if got := rep.Memory["step-3/writer"]; got.Value != "wp-"+st.Login+"-slave" || !got.Changed {
		t.Errorf("memory = %+v, want the current writer, changed", rep.Memory)
	}

	// The student fails back: the first writer writes again. The failover
	// seen between the two scans above still counts; a scan without that
	// memory sees none.
	for i := range snap.DBClusters {
		if snap.DBClusters[i].ID == "wp-"+st.Login+"-cluster" {
			for k := range snap.DBClusters[i].Members {
				m := &snap.DBClusters[i].Members[k]
				m.IsWriter = m.InstanceID == "wp-"+st.Login
			}
		}
	}
	res = sc.Scan(t.Context(), []grader.Student{st}, map[string]grader.Memory{st.Login: rep.Memory})
	if r := resultOf(t, res.Reports[0], "aurora.failover"); r.Status != grader.StatusPass {
		t.Errorf("aurora.failover after a fail-back, with the memory = %s (%s)", r.Status, r.Message.EN)
	}
	if got := res.Reports[0].Memory["step-3/writer"]; got.Value != "wp-"+st.Login || !got.Changed {
		t.Errorf("memory after a fail-back = %+v", got)
	}
	res = sc.Scan(t.Context(), []grader.Student{st}, nil)
	if r := resultOf(t, res.Reports[0], "aurora.failover"); r.Status == grader.StatusPass {
		t.Errorf("aurora.failover after a fail-back, without memory nor event, passes: %s", r.Message.EN)
	}

	// A failed target keeps what was remembered.
	src.errs = map[string]error{sharedAccount: codedError{"Throttling"}}
	res = sc.Scan(t.Context(), []grader.Student{st}, map[string]grader.Memory{st.Login: rep.Memory})
	if got := res.Reports[0].Memory["step-3/writer"]; got != rep.Memory["step-3/writer"] {
		t.Errorf("memory after a failed scan = %+v, want %+v", got, rep.Memory["step-3/writer"])
	}
}

func TestScanStopsWhenCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	snap, done := finishedClass(t)
	src := &staticSource{snaps: map[string]*grader.Snapshot{sharedAccount: snap}}
	p := &recordingProber{}
	sc := &grader.Scanner{Source: src, Judge: judge(t, "checks:\n  probe.alb_http: {enabled: true}\n"), Prober: p}
	res := sc.Scan(ctx, done[:1], nil)
	if len(src.asked) != 0 || res.Failed() != 1 || !errors.Is(res.Targets[0].Err, context.Canceled) || len(p.calls) != 0 {
		t.Errorf("asked=%d failed=%d err=%v probes=%d", len(src.asked), res.Failed(), res.Targets[0].Err, len(p.calls))
	}
	if grader.ErrorCode(res.Targets[0].Err) != "Canceled" {
		t.Errorf("code = %q", grader.ErrorCode(res.Targets[0].Err))
	}
	for _, r := range res.Reports[0].Results {
		if r.Status != grader.StatusError || !strings.Contains(r.Message.EN, "Canceled") {
			t.Fatalf("%s = %s %q after a cancel, want error", r.CheckID, r.Status, r.Message.EN)
		}
	}
}

// TestScanProbes: the Prober is called only when an enabled check asks
// for a probe, once per target with each URL once and the check's
// timeout, and the students are judged with its answers.
func TestScanProbes(t *testing.T) {
	t.Parallel()
	snap, done := finishedClass(t)
	a, b := done[0], done[1]
	// b's balancer answers at a's address: one URL for two students.
	var dns string
	for _, lb := range snap.LoadBalancers {
		if lb.Name == "elb-"+a.Login {
			dns = lb.DNSName
		}
	}
	for i := range snap.LoadBalancers {
		if snap.LoadBalancers[i].Name == "elb-"+b.Login {
			snap.LoadBalancers[i].DNSName = dns
		}
	}
	if dns == "" {
		t.Fatalf("%s has no balancer", a.Login)
	}
	other := &grader.Snapshot{TakenAt: snap.TakenAt} // an empty account: no URL to probe
	src := &staticSource{snaps: map[string]*grader.Snapshot{sharedAccount: snap, "444455556666": other}}
	students := []grader.Student{a, b, {Login: "user99", AccountID: "444455556666"}}

	p := &recordingProber{}
	sc := &grader.Scanner{Source: src, Judge: judge(t, ""), Prober: p}
	res := sc.Scan(t.Context(), students, nil)
	if len(p.calls) != 0 {
		t.Errorf("with the probes disabled the Prober was asked %v", p.calls)
	}
	for _, rep := range res.Reports {
		if slices.ContainsFunc(rep.Results, func(r grader.Result) bool { return strings.HasPrefix(r.CheckID, "probe.") }) {
			t.Errorf("%s: a disabled probe check was judged", rep.Student.Login)
		}
	}

	sc.Judge = judge(t, "checks:\n  probe.alb_http: {enabled: true}\n")
	res = sc.Scan(t.Context(), students, nil)
	want := []grader.ProbeTarget{{Check: "probe.alb_http", URL: "http://" + strings.ToLower(dns) + "/", Timeout: 5 * time.Second}}
	if len(p.calls) != 1 || !slices.Equal(p.calls[0], want) {
		t.Errorf("the Prober was asked %v, want once %v", p.calls, want)
	}
	for _, rep := range res.Reports[:2] {
		if r := resultOf(t, rep, "probe.alb_http"); r.Status != grader.StatusPass {
			t.Errorf("%s probe.alb_http = %s (%s), want pass with the answer", rep.Student.Login, r.Status, r.Message.EN)
		}
	}
	if r := resultOf(t, res.Reports[2], "probe.alb_http"); r.Status != grader.StatusBlocked {
		t.Errorf("user99 probe.alb_http without a balancer = %s (%s), want blocked", r.Status, r.Message.EN)
	}

	// Without a Prober the probe checks wait.
	snap.Probes = nil
	sc.Prober = nil
	res = sc.Scan(t.Context(), students[:1], nil)
	if r := resultOf(t, res.Reports[0], "probe.alb_http"); r.Status != grader.StatusPending {
		t.Errorf("probe.alb_http without a Prober = %s, want pending", r.Status)
	}
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	if got := grader.ErrorCode(fmt.Errorf("rds:DescribeDBClusters: %w", codedError{"Throttling"})); got != "Throttling" {
		t.Errorf("got %q", got)
	}
	if got := grader.ErrorCode(fmt.Errorf("x: %w", context.DeadlineExceeded)); got != "Timeout" {
		t.Errorf("got %q", got)
	}
	if got := grader.ErrorCode(errors.New("plain")); got != "" {
		t.Errorf("got %q", got)
	}
}
