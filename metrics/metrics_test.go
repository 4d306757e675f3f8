package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
	"labgrid/labs"
	"labgrid/store"
)

// countsOf counts reports by check and status, as store.ResultCounts does.
func countsOf(class string, reports []grader.Report) []store.ResultCount {
	n := map[[2]string]int{}
	for _, r := range reports {
		for _, res := range r.Results {
			n[[2]string{res.CheckID, string(res.Status)}]++
		}
	}
	var out []store.ResultCount
	for k, v := range n {
		out = append(out, store.ResultCount{Class: class, CheckID: k[0], Status: grader.Status(k[1]), Students: v})
	}
	return out
}

// gaugeValue gathers the registry and returns the value of the family's
// series with exactly these labels (0 when absent).
func gaugeValue(t *testing.T, m *Metrics, family string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
	series:
		for _, metric := range f.GetMetric() {
			if len(metric.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range metric.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			return metric.GetGauge().GetValue()
		}
	}
	return 0
}

// scrape GETs the handler as Prometheus would and returns the text.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNilIsSafe(t *testing.T) {
	var m *Metrics
	m.ObserveScan("c", "t", time.Second)
	m.ObserveScanLag("c", time.Second)
	m.AWSCall("EC2", "DescribeVpcs", "")
	m.AWSRetry("EC2", "DescribeVpcs")
	m.WatchResults(func(context.Context) ([]store.ResultCount, error) { return nil, nil }, nil)
	m.WatchSSEClients(func() int { return 1 })
	if m.Registry() != nil {
		t.Error("nil Metrics has a registry")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil Metrics serves %d, want 404", rec.Code)
	}
}

// A simulated class scanned as the scheduler's worker does: its reports
// counted per check and status, the scan timed, the AWS calls counted;
// the scrape names no student.
func TestScrapeAfterSimulatedScan(t *testing.T) {
	const students = 12
	class := sim.New(sim.Options{Students: students, Accounts: 2, Seed: 1})
	roster := class.Roster()
	scanner := &grader.Scanner{Source: class, Judge: defaultSet(t), Concurrency: 2}
	res := scanner.Scan(context.Background(), roster, nil)
	if len(res.Reports) != students {
		t.Fatalf("%d reports, want %d", len(res.Reports), students)
	}

	m := New()
	for _, ts := range res.Targets {
		m.ObserveScan("demo", TargetLabel(ts.Target.AccountID, ts.Target.Region), ts.Duration)
	}
	m.ObserveScanLag("demo", 700*time.Millisecond)
	m.ObserveScanLag("demo", -time.Second) // early: on time
	// The database's counts (store.ResultCounts) of the scan's reports.
	m.WatchResults(func(context.Context) ([]store.ResultCount, error) { return countsOf("demo", res.Reports), nil }, nil)
	m.AWSCall("EC2", "DescribeVpcs", "")
	m.AWSCall("EC2", "DescribeVpcs", "")
	m.AWSCall("RDS", "DescribeDBClusters", "AccessDenied")
	m.AWSRetry("RDS", "DescribeDBClusters")
	sse := 0
	m.WatchSSEClients(func() int { return sse })

	if got := testutil.ToFloat64(m.awsCalls.WithLabelValues("EC2", "DescribeVpcs", "ok")); got != 2 {
		t.Errorf("aws calls ok = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.awsCalls.WithLabelValues("RDS", "DescribeDBClusters", "AccessDenied")); got != 1 {
		t.Errorf("aws calls AccessDenied = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.awsRetries.WithLabelValues("RDS", "DescribeDBClusters")); got != 1 {
		t.Errorf("retries = %v, want 1", got)
	}

	// Every check's statuses add up to the class's students.
	perCheck := map[string]bool{}
	for _, r := range res.Reports {
		for _, c := range r.Results {
			perCheck[c.CheckID] = true
		}
	}
	if len(perCheck) == 0 {
		t.Fatal("the reports have no results")
	}
	statuses := []grader.Status{grader.StatusPass, grader.StatusWarn, grader.StatusFail, grader.StatusBlocked, grader.StatusError, grader.StatusPending}
	for check := range perCheck {
		sum := 0.0
		for _, st := range statuses {
			sum += gaugeValue(t, m, NameResults, map[string]string{"class": "demo", "check": check, "status": string(st)})
		}
		if sum != students {
			t.Errorf("check %s: statuses add up to %v, want %d", check, sum, students)
		}
	}

	text := scrape(t, m.Handler())
	for _, want := range []string{NameScanLag + `_bucket{class="demo",le="0"} 1`, NameScanLag + `_bucket{class="demo",le="1"} 2`, NameScanLag + `_sum{class="demo"} 0.7`} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	for _, family := range []string{NameScanDuration + "_bucket", NameScanDuration + "_count", NameAWSCalls, NameAWSRetries, NameResults, NameSSEClients, "go_goroutines"} {
		if !strings.Contains(text, "\n"+family) {
			t.Errorf("scrape lacks %s", family)
		}
	}
	if want := NameSSEClients + " 0\n"; !strings.Contains(text, want) {
		t.Errorf("scrape lacks %q", want)
	}
	sse = 3
	if want := NameSSEClients + " 3\n"; !strings.Contains(scrape(t, m.Handler()), want) {
		t.Errorf("scrape lacks %q after 3 subscribers", want)
	}
	if want := `labgrid_aws_calls_total{code="ok",operation="DescribeVpcs",service="EC2"} 2`; !strings.Contains(text, want) {
		t.Errorf("scrape lacks %q", want)
	}
	wantCount := NameScanDuration + `_count{class="demo",target="` + TargetLabel(res.Targets[0].Target.AccountID, res.Targets[0].Target.Region) + `"} 1`
	if !strings.Contains(text, wantCount) {
		t.Errorf("scrape lacks %q", wantCount)
	}
	for _, st := range roster {
		for _, secret := range []string{st.Login, st.ExternalID, st.DisplayName} {
			if secret != "" && strings.Contains(text, `"`+secret+`"`) {
				t.Errorf("scrape names a student: %q", secret)
			}
		}
	}
	if strings.Contains(text, "login") || strings.Contains(text, "external") {
		t.Error("scrape has a login or external id label")
	}
}

// The results gauge is whatever the database says at the scrape: a class
// gone from it is gone from the scrape, and a database that cannot answer
// gives no results rather than stale ones.
func TestResultsFollowTheDatabase(t *testing.T) {
	m := New()
	var counts []store.ResultCount
	var fail error
	m.WatchResults(func(context.Context) ([]store.ResultCount, error) { return counts, fail }, nil)
	counts = []store.ResultCount{{Class: "a", CheckID: "web.ami", Status: grader.StatusPass, Students: 4}}
	if got := gaugeValue(t, m, NameResults, map[string]string{"class": "a", "check": "web.ami", "status": "pass"}); got != 4 {
		t.Errorf("pass = %v, want 4", got)
	}
	counts = nil
	if strings.Contains(scrape(t, m.Handler()), `class="a"`) {
		t.Error("a class gone from the database is still scraped")
	}
	counts, fail = []store.ResultCount{{Class: "a", CheckID: "web.ami", Status: grader.StatusPass, Students: 4}}, context.DeadlineExceeded
	if strings.Contains(scrape(t, m.Handler()), NameResults+"{") {
		t.Error("results scraped although the database did not answer")
	}
}

func defaultSet(t *testing.T) *lab.Set {
	t.Helper()
	set, err := labs.ForClass(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return set
}
