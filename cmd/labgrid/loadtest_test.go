package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/internal/pgtest"
)

// labgrid loadtest against a small real serve: 40 students' streams and
// 2 grids while the simulated class changes (scanned every second, its
// day begun 2h5m ago, when every student is busy). Every change stored in
// the window reaches every stream it is owed to, and the figures come one
// a line, "name: value unit".
func TestLoadtest(t *testing.T) {
	url := pgtest.NewDatabase(t, false)
	secret := strings.Repeat("loadtest-secret-", 3)
	s := startServe(t, "--demo", "--database-url", url, "--secret", secret, "--addr", "127.0.0.1:0",
		"--interval", "1s", "--demo-students", "40", "--demo-accounts", "2", "--demo-elapsed", "2h5m", "--log-level", "warn")
	m := regexp.MustCompile(`instructor password \(.*\): (\S+)`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("stdout gives no instructor password:\n%s", s.stdout)
	}
	t.Setenv(envAdminPassword, m[1])
	t.Setenv(envDatabaseURL, url)
	t.Setenv(envSecret, secret)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"loadtest", "--url", s.url, "--grids", "2", "--window", "15s", "--grace", "3s", "--serve-pid", strconv.Itoa(os.Getpid())}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("loadtest: %v\nstderr:\n%s", err, &stderr)
	}
	figures := map[string]float64{}
	line := regexp.MustCompile(`^([a-z0-9_]+): (-?[0-9.]+) (\S+)$`)
	for l := range strings.Lines(stdout.String()) {
		m := line.FindStringSubmatch(strings.TrimSuffix(l, "\n"))
		if m == nil {
			t.Errorf("line %q is not \"name: value unit\"", l)
			continue
		}
		figures[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	want := map[string]func(float64) bool{
		"clients":             func(v float64) bool { return v == 42 },
		"student_streams":     func(v float64) bool { return v == 40 },
		"grid_streams":        func(v float64) bool { return v == 2 },
		"updates":             func(v float64) bool { return v > 0 },
		"deliveries":          func(v float64) bool { return v >= 3*figures["updates"] }, // its student's stream and 2 grids, when streamed
		"lost_updates":        func(v float64) bool { return v == 0 },
		"unannounced_changes": func(v float64) bool { return v == 0 },
		"stream_errors":       func(v float64) bool { return v == 0 },
		"latency_p50_ms":      func(v float64) bool { return v > 0 && v <= figures["latency_p99_ms"] },
		"latency_p99_ms":      func(v float64) bool { return v <= figures["latency_max_ms"] },
		"latency_max_ms":      func(v float64) bool { return v > 0 && v < 18000 },
		"serve_rss_mb":        func(v float64) bool { return v > 1 },
		"serve_cpu_pct":       func(v float64) bool { return v > 0 },
	}
	for name, ok := range want {
		v, found := figures[name]
		if !found || !ok(v) {
			t.Errorf("%s: %v (printed: %v)", name, v, found)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s\nserve's stderr:\n%s", &stdout, &stderr, s.stderr)
	}
}

// The generator runs on loopback only.
func TestLoadtestLoopbackOnly(t *testing.T) {
	t.Parallel()
	env := map[string]string{envDatabaseURL: "postgres://x@localhost/labgrid", envSecret: strings.Repeat("s", 40), envAdminPassword: "password"}
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "https://127.0.0.1:8080", "127.0.0.1:8080"} {
		if _, err := parseLoadtestFlags([]string{"--url", u}, &bytes.Buffer{}, func(k string) string { return env[k] }); err == nil {
			t.Errorf("--url %s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080/"} {
		if _, err := parseLoadtestFlags([]string{"--url", u}, &bytes.Buffer{}, func(k string) string { return env[k] }); err != nil {
			t.Errorf("--url %s: %v", u, err)
		}
	}
}
