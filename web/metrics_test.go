package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"labgrid/metrics"
)

// GET /metrics answers without a session, and labgrid_sse_clients follows
// the hub's subscribers.
func TestMetricsRoute(t *testing.T) {
	m := metrics.New()
	hub := NewHub(nil)
	m.WatchSSEClients(hub.Subscribers)
	m.AWSCall("EC2", "DescribeInstances", "")
	s, err := New(Options{Judges: classJudge, Hub: hub, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Routes())
	defer srv.Close()

	scrape := func() string {
		t.Helper()
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics: %s: %s", resp.Status, b)
		}
		return string(b)
	}
	text := scrape()
	for _, want := range []string{
		"labgrid_sse_clients 0\n",
		`labgrid_aws_calls_total{code="ok",operation="DescribeInstances",service="EC2"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}

	_, cancel1 := hub.Subscribe(1)
	_, cancel2 := hub.Subscribe(2)
	if text := scrape(); !strings.Contains(text, "labgrid_sse_clients 2\n") {
		t.Errorf("two subscribers: scrape lacks labgrid_sse_clients 2")
	}
	cancel1()
	cancel1()
	if text := scrape(); !strings.Contains(text, "labgrid_sse_clients 1\n") {
		t.Errorf("one cancelled: scrape lacks labgrid_sse_clients 1")
	}
	cancel2()
	if text := scrape(); !strings.Contains(text, "labgrid_sse_clients 0\n") {
		t.Errorf("all cancelled: scrape lacks labgrid_sse_clients 0")
	}
}

// Without Metrics, /metrics is not there.
func TestMetricsRouteOff(t *testing.T) {
	s, err := New(Options{Judges: classJudge})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics without Metrics: %d, want 404", rec.Code)
	}
}
