package prober

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
)

// Every server of these tests listens on 127.0.0.1; the probed hosts of the
// snapshots are mapped to them by Options.Addr, and an unmapped host fails
// the test, so nothing leaves the machine.

var user01 = grader.Student{Login: "user01", AccountID: "111122223333"}

// snapshot is user01's VPC with a load balancer named lbDNS (none when
// empty) and one running web server per public IP, named as the handout
// names web servers (any other instance is no web server to the lab).
func snapshot(lbDNS string, ips ...string) *grader.Snapshot {
	s := &grader.Snapshot{
		TakenAt: time.Now(),
		VPCs:    []grader.VPC{{ID: "vpc-1", Name: "vpc-user01", CIDR: "10.0.0.0/16"}},
	}
	for i, ip := range ips {
		s.Instances = append(s.Instances, grader.Instance{
			ID: fmt.Sprintf("i-%d", i+1), Name: fmt.Sprintf("webserver#%d-user01", i+1), State: "running", VPCID: "vpc-1", PublicIP: ip,
		})
	}
	if lbDNS != "" {
		s.LoadBalancers = []grader.LoadBalancer{{ARN: "arn:lb", Name: "elb-user01", DNSName: lbDNS, Type: "application",
			Scheme: "internet-facing", State: "active", VPCID: "vpc-1"}}
	}
	return s
}

// rubric is the default labs with a class's rubric file applied.
func rubric(t *testing.T, yaml string) *lab.Set {
	t.Helper()
	set, err := labs.ForClass(nil, yaml)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// targets are what the enabled checks of user01 ask probed in snap, with
// the waits shortened to alb (the load balancer's) and direct (a web
// server's) so that silent servers take little of the test's time.
func targets(set *lab.Set, snap *grader.Snapshot, alb, direct time.Duration) []grader.ProbeTarget {
	ts := set.Prepare(snap).ProbeTargets(user01)
	for i := range ts {
		if ts[i].Check == "probe.alb_http" {
			ts[i].Timeout = alb
		} else {
			ts[i].Timeout = direct
		}
	}
	return ts
}

// judge evaluates user01 in snap, with the probes' answers.
func judge(set *lab.Set, snap *grader.Snapshot) grader.Report {
	return set.Prepare(snap).Evaluate(user01, nil)
}

const bothProbes = "checks:\n  probe.alb_http: {enabled: true}\n  probe.direct_blocked: {enabled: true}\n"

// addrs maps probed hosts to loopback addresses.
func addrs(t *testing.T, m map[string]string) func(string) string {
	return func(host string) string {
		if a, ok := m[host]; ok {
			return a
		}
		t.Errorf("probe of unexpected host %q", host)
		return refusingAddr(t)
	}
}

// counter is an HTTP server on 127.0.0.1 answering status and counting
// requests.
type counter struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newCounter(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *counter {
	c := &counter{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *counter) addr() string { return c.srv.Listener.Addr().String() }

func answering(status int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprintln(w, "hello")
	}
}

// silentAddr is a listener that accepts TCP connections and never answers.
// It holds at most 16 connections (closing the others) until the test ends.
func silentAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if len(conns) < 16 {
				conns = append(conns, c)
			} else {
				c.Close()
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// refusingAddr is a closed port of 127.0.0.1.
func refusingAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestProbeAnsweringSilentRefusingRedirecting(t *testing.T) {
	t.Parallel()
	ok := newCounter(t, answering(http.StatusOK))
	elsewhere := newCounter(t, answering(http.StatusOK))
	redirect := newCounter(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+elsewhere.addr()+"/moved", http.StatusFound)
	})
	p := New(Options{Addr: addrs(t, map[string]string{
		"elb-user01-1.example.com": ok.addr(),
		"192.0.2.1":                silentAddr(t),
		"192.0.2.2":                refusingAddr(t),
		"192.0.2.3":                redirect.addr(),
		"192.0.2.4":                ok.addr(),
	})})
	r := rubric(t, bothProbes)
	snap := snapshot("ELB-user01-1.example.com", "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4")

	ts := targets(r, snap, time.Second, 300*time.Millisecond)
	start := time.Now()
	p.Probe(context.Background(), snap, ts)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Probe took %s: the probes do not run at once or ignore their timeout", took)
	}

	if len(snap.Probes) != 5 {
		t.Fatalf("%d results, want 5: %+v", len(snap.Probes), snap.Probes)
	}
	get := func(url string) grader.ProbeResult {
		t.Helper()
		res, found := snap.Probes[url]
		if !found || res.URL != url || res.At.IsZero() {
			t.Fatalf("no result for %s: %+v", url, snap.Probes)
		}
		return res
	}
	if res := get("http://elb-user01-1.example.com/"); res.Status != 200 || res.Err != "" {
		t.Errorf("ALB: %+v", res)
	}
	if res := get("http://192.0.2.1/"); res.Status != 0 || !strings.Contains(res.Err, "no answer within 300ms") ||
		res.Duration < 250*time.Millisecond || res.Duration > time.Second { // the clock that started the timeout ran a moment before Duration's
		t.Errorf("silent: %+v", res)
	}
	if res := get("http://192.0.2.2/"); res.Status != 0 || res.Err != "connection refused" {
		t.Errorf("refusing: %+v", res)
	}
	if res := get("http://192.0.2.3/"); res.Status != http.StatusFound {
		t.Errorf("redirecting: %+v", res)
	}
	if n := elsewhere.hits.Load(); n != 0 {
		t.Errorf("the redirect to another host was followed (%d requests)", n)
	}
	if res := get("http://192.0.2.4/"); res.Status != 200 {
		t.Errorf("answering web server: %+v", res)
	}

	// The grader judges what the prober found.
	rep := judge(r, snap)
	for _, res := range rep.Results {
		switch res.CheckID {
		case "probe.alb_http":
			if res.Status != grader.StatusPass {
				t.Errorf("%s: %s %s", res.CheckID, res.Status, res.Message.EN)
			}
		case "probe.direct_blocked":
			if res.Status != grader.StatusFail || !strings.Contains(res.Message.EN, "webserver#3-user01 (i-3) 192.0.2.3 HTTP 302") ||
				!strings.Contains(res.Message.EN, "webserver#4-user01 (i-4) 192.0.2.4 HTTP 200") || strings.Contains(res.Message.EN, "webserver#1") {
				t.Errorf("%s: %s %s", res.CheckID, res.Status, res.Message.EN)
			}
		}
	}
}

func TestProbeSilentAndRefusingAreBlocked(t *testing.T) {
	t.Parallel()
	p := New(Options{Addr: addrs(t, map[string]string{
		"192.0.2.1": silentAddr(t),
		"192.0.2.2": refusingAddr(t),
	})})
	r := rubric(t, "checks:\n  probe.direct_blocked: {enabled: true}\n")
	snap := snapshot("elb-user01-1.example.com", "192.0.2.1", "192.0.2.2")
	p.Probe(context.Background(), snap, targets(r, snap, time.Second, 200*time.Millisecond))
	if _, probed := snap.Probes["http://elb-user01-1.example.com/"]; probed {
		t.Error("the ALB was probed while only probe.direct_blocked is enabled")
	}
	for _, res := range judge(r, snap).Results {
		if res.CheckID == "probe.direct_blocked" && res.Status != grader.StatusPass {
			t.Errorf("%s: %s %s", res.CheckID, res.Status, res.Message.EN)
		}
	}
}

func TestProbeRateLimitPerURL(t *testing.T) {
	t.Parallel()
	ok := newCounter(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	})
	var (
		mu  sync.Mutex
		now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	p := New(Options{MinInterval: 15 * time.Second, Now: clock, Addr: addrs(t, map[string]string{
		"elb-user01-1.example.com": ok.addr(), "192.0.2.1": ok.addr(),
	})})
	r := rubric(t, bothProbes)
	probe := func() *grader.Snapshot {
		snap := snapshot("elb-user01-1.example.com", "192.0.2.1")
		p.Probe(context.Background(), snap, targets(r, snap, time.Second, time.Second))
		if len(snap.Probes) != 2 {
			t.Fatalf("results %+v", snap.Probes)
		}
		return snap
	}

	// Two scans at once share the probes under way.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { probe() })
	}
	wg.Wait()
	if n := ok.hits.Load(); n != 2 {
		t.Fatalf("%d requests for 2 URLs probed by two scans at once, want 2", n)
	}

	first := probe()
	advance(14 * time.Second)
	second := probe()
	if n := ok.hits.Load(); n != 2 {
		t.Errorf("%d requests after scans within MinInterval, want still 2", n)
	}
	for url, res := range second.Probes {
		if !res.At.Equal(first.Probes[url].At) {
			t.Errorf("%s: a new result within MinInterval: %+v", url, res)
		}
	}

	advance(time.Second)
	third := probe()
	if n := ok.hits.Load(); n != 4 {
		t.Errorf("%d requests after MinInterval, want 4", n)
	}
	for url, res := range third.Probes {
		if !res.At.Equal(clock()) {
			t.Errorf("%s: the old result was reused after MinInterval: %+v", url, res)
		}
	}
}

func TestProbeConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	var cur, peak atomic.Int64
	slow := newCounter(t, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(60 * time.Millisecond)
		cur.Add(-1)
		w.WriteHeader(http.StatusOK)
	})
	p := New(Options{Concurrency: 3, Addr: func(string) string { return slow.addr() }})
	var ips []string
	for i := 1; i <= 12; i++ {
		ips = append(ips, fmt.Sprintf("192.0.2.%d", i))
	}
	snap := snapshot("", ips...)
	p.Probe(context.Background(), snap, targets(rubric(t, bothProbes), snap, time.Second, time.Second))
	if len(snap.Probes) != 12 || slow.hits.Load() != 12 {
		t.Fatalf("%d results, %d requests, want 12", len(snap.Probes), slow.hits.Load())
	}
	if got := peak.Load(); got > 3 || got < 2 {
		t.Errorf("at most %d requests at once, want 3 (bounded, yet concurrent)", got)
	}
}

func TestProbeReadsLittleOfTheBody(t *testing.T) {
	t.Parallel()
	endless := newCounter(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 4096))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	p := New(Options{Addr: addrs(t, map[string]string{"elb-user01-1.example.com": endless.addr()})})
	snap := snapshot("elb-user01-1.example.com")
	// Only the probe is timed: the labs' compilation before it is not.
	ts := targets(rubric(t, bothProbes), snap, 2*time.Second, 2*time.Second)
	start := time.Now()
	p.Probe(context.Background(), snap, ts)
	res := snap.Probes["http://elb-user01-1.example.com/"]
	if res.Status != 200 || time.Since(start) > time.Second {
		t.Errorf("endless body: %+v after %s", res, time.Since(start))
	}
}

func TestProbeCutShortRecordsNothing(t *testing.T) {
	t.Parallel()
	silent := silentAddr(t)
	p := New(Options{Addr: addrs(t, map[string]string{"192.0.2.1": silent})})
	r := rubric(t, bothProbes)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	snap := snapshot("", "192.0.2.1")
	p.Probe(ctx, snap, targets(r, snap, 2*time.Second, 2*time.Second))
	if len(snap.Probes) != 0 {
		t.Fatalf("a probe cut short by the caller was recorded: %+v", snap.Probes)
	}
	// The check stays pending, not passed: the silence was ours.
	for _, res := range judge(r, snap).Results {
		if res.CheckID == "probe.direct_blocked" && res.Status != grader.StatusPending {
			t.Errorf("%s: %s", res.CheckID, res.Status)
		}
	}
	// Nothing was cached either: the next scan probes again.
	p.mu.Lock()
	n := len(p.cache)
	p.mu.Unlock()
	if n != 0 {
		t.Errorf("%d cached entries after an abandoned probe", n)
	}
}

func TestProbeOffSendsNothing(t *testing.T) {
	t.Parallel()
	p := New(Options{Addr: func(host string) string {
		t.Errorf("probe of %q with probes off", host)
		return refusingAddr(t)
	}})
	snap := snapshot("elb-user01-1.example.com", "192.0.2.1")
	ts := rubric(t, "").Prepare(snap).ProbeTargets(user01)
	if len(ts) != 0 {
		t.Errorf("targets with probes off: %+v", ts)
	}
	p.Probe(context.Background(), snap, ts)
	if len(snap.Probes) != 0 {
		t.Errorf("results with probes off: %+v", snap.Probes)
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://192.0.2.1/", "http://elb-x.example.com/", "http://[2001:db8::1]/"} {
		if err := checkURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"https://192.0.2.1/", "http://192.0.2.1:8080/", "http://u@192.0.2.1/", "http://192.0.2.1/x",
		"http://192.0.2.1/?q", "http://192.0.2.1", "http://ELB.example.com/", "file:///etc/passwd", "http://a b/"} {
		if err := checkURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// The whole path of a probe-enabled class: a Scanner with the real prober
// between the snapshot and the checks. The ALB answers and one web server
// still answers directly: probe.alb_http passes, probe.direct_blocked
// fails naming that server; once it stops answering, the check passes.
func TestScannerWithProbes(t *testing.T) {
	t.Parallel()
	alb := newCounter(t, answering(http.StatusOK))
	open := newCounter(t, answering(http.StatusOK))
	hosts := map[string]string{
		"elb-user01-1.example.com": alb.addr(),
		"192.0.2.10":               open.addr(),
		"192.0.2.11":               silentAddr(t),
	}
	// The lab's waits (5 s and 3 s) hold here: the silent server costs
	// this test 3 s.
	p := New(Options{MinInterval: time.Nanosecond, Addr: addrs(t, hosts)})
	snap := snapshot("elb-user01-1.example.com", "192.0.2.10", "192.0.2.11")
	scanner := &grader.Scanner{Source: staticSource{snap}, Judge: rubric(t, bothProbes), Prober: p}

	status := func(res *grader.ScanResult, id string) grader.Result {
		t.Helper()
		for _, r := range res.Reports[0].Results {
			if r.CheckID == id {
				return r
			}
		}
		t.Fatalf("no %s result", id)
		return grader.Result{}
	}
	res := scanner.Scan(context.Background(), []grader.Student{user01}, nil)
	if r := status(res, "probe.alb_http"); r.Status != grader.StatusPass {
		t.Errorf("probe.alb_http: %s %q", r.Status, r.Message.EN)
	}
	if r := status(res, "probe.direct_blocked"); r.Status != grader.StatusFail || !strings.Contains(r.Message.EN, "i-1") || strings.Contains(r.Message.EN, "i-2") {
		t.Errorf("probe.direct_blocked: %s %q, want fail naming i-1 only", r.Status, r.Message.EN)
	}

	hosts["192.0.2.10"] = refusingAddr(t) // the student fixed the security group
	snap = snapshot("elb-user01-1.example.com", "192.0.2.10", "192.0.2.11")
	scanner.Source = staticSource{snap}
	res = scanner.Scan(context.Background(), []grader.Student{user01}, nil)
	if r := status(res, "probe.direct_blocked"); r.Status != grader.StatusPass {
		t.Errorf("probe.direct_blocked after the fix: %s %q", r.Status, r.Message.EN)
	}
}

// staticSource serves one prepared snapshot, a fresh copy each time so
// probe results never carry over between scans.
type staticSource struct{ snap *grader.Snapshot }

func (s staticSource) Snapshot(context.Context, grader.Target, []grader.Data) (*grader.Snapshot, error) {
	return snapshot(s.snap.LoadBalancers[0].DNSName, s.snap.Instances[0].PublicIP, s.snap.Instances[1].PublicIP), nil
}
