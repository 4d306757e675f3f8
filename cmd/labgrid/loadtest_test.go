package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
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
	figures := parseFigures(t, stdout.String())
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
		"serve_processes":     func(v float64) bool { return v == 1 },
		"scan_jobs":           func(v float64) bool { return v > 0 },
		"scan_processes":      func(v float64) bool { return v == 1 },
		"double_scans":        func(v float64) bool { return v == 0 },
	}
	checkFigures(t, figures, want)
	if t.Failed() || testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s\nserve's stderr:\n%s", &stdout, &stderr, s.stderr)
	}
}

// parseFigures reads loadtest's output, one "name: value unit" a line.
func parseFigures(t *testing.T, out string) map[string]float64 {
	t.Helper()
	figures := map[string]float64{}
	line := regexp.MustCompile(`^([a-z0-9_]+): (-?[0-9.]+) (\S+)$`)
	for l := range strings.Lines(out) {
		m := line.FindStringSubmatch(strings.TrimSuffix(l, "\n"))
		if m == nil {
			t.Errorf("line %q is not \"name: value unit\"", l)
			continue
		}
		figures[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	return figures
}

func checkFigures(t *testing.T, figures map[string]float64, want map[string]func(float64) bool) {
	t.Helper()
	for name, ok := range want {
		v, found := figures[name]
		if !found || !ok(v) {
			t.Errorf("%s: %v (printed: %v)", name, v, found)
		}
	}
}

// Two serve processes on one database, as two replicas behind a load
// balancer: the second takes the demo class the first made (one class,
// the same students, their links unchanged), both scan it (its jobs run in
// both, each with 2 workers for 4 targets), and loadtest, its 20 students'
// streams and 2 grids split over them, counts no lost update and no target
// scanned twice at once.
func TestLoadtestReplicas(t *testing.T) {
	bin := buildLabgrid(t)
	url := pgtest.NewDatabase(t, false)
	const secret = "loadtest-replicas-secret-0123456789abcdef"
	password := "replicas-password-" + strconv.Itoa(os.Getpid())
	env := []string{envAdminPassword + "=" + password, envDemoScanDelay + "=300ms"}
	args := []string{"serve", "--demo", "--database-url", url, "--secret", secret, "--addr", "127.0.0.1:0", "--interval", "1s",
		"--workers", "2", "--demo-students", "20", "--demo-accounts", "4", "--demo-elapsed", "2h5m", "--log-level", "warn"}

	first := startProcess(t, bin, env, args...)
	pool := pgtest.NewPool(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	students := func() []int64 {
		t.Helper()
		var ids []int64
		if err := pool.QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM students`).Scan(&ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	before := students()
	second := startProcess(t, bin, env, args...)
	if after := students(); len(before) != 20 || !slices.Equal(after, before) {
		t.Errorf("students %v after the second serve, want the first's %v (20)", after, before)
	}
	var classes int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM classes`).Scan(&classes); err != nil || classes != 1 {
		t.Errorf("%d classes (%v), want the demo only", classes, err)
	}
	link := func(p *process) string {
		_, l, _ := strings.Cut(p.stdout.String(), "a student's own page: ")
		l, _, _ = strings.Cut(l, "\n")
		_, path, _ := strings.Cut(strings.TrimPrefix(l, "http://"), "/")
		return path
	}
	if a, b := link(first), link(second); a == "" || a != b {
		t.Errorf("the first student's link: %q, then %q; want one link", a, b)
	}

	t.Setenv(envAdminPassword, password)
	t.Setenv(envDatabaseURL, url)
	t.Setenv(envSecret, secret)
	urls := []string{openRE.FindStringSubmatch(first.stdout.String())[1], openRE.FindStringSubmatch(second.stdout.String())[1]}
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"loadtest", "--url", urls[0], "--url", urls[1], "--grids", "2", "--window", "15s", "--grace", "3s",
		"--serve-pid", strconv.Itoa(first.cmd.Process.Pid) + "," + strconv.Itoa(second.cmd.Process.Pid)}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("loadtest: %v\nstderr:\n%s", err, &stderr)
	}
	figures := parseFigures(t, stdout.String())
	checkFigures(t, figures, map[string]func(float64) bool{
		"clients":             func(v float64) bool { return v == 22 },
		"updates":             func(v float64) bool { return v > 0 },
		"deliveries":          func(v float64) bool { return v >= 3*figures["updates"] },
		"lost_updates":        func(v float64) bool { return v == 0 },
		"unannounced_changes": func(v float64) bool { return v == 0 },
		"stream_errors":       func(v float64) bool { return v == 0 },
		"serve_processes":     func(v float64) bool { return v == 2 },
		"serve_rss_mb":        func(v float64) bool { return v > 2 },
		"scan_jobs":           func(v float64) bool { return v >= 8 }, // 4 targets, 15 rounds at most
		"scan_processes":      func(v float64) bool { return v == 2 },
		"double_scans":        func(v float64) bool { return v == 0 },
	})
	if t.Failed() || testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s\nfirst serve's stderr:\n%s\nsecond's:\n%s", &stdout, &stderr, first.stderr, second.stderr)
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
	// Several serves: every one on loopback.
	if _, err := parseLoadtestFlags([]string{"--url", "http://127.0.0.1:1,http://10.0.0.1:2"}, &bytes.Buffer{}, func(k string) string { return env[k] }); err == nil {
		t.Error("a comma list with a serve off loopback accepted")
	}
	cfg, err := parseLoadtestFlags([]string{"--url", "http://127.0.0.1:1,http://127.0.0.1:2", "--url", "http://localhost:3", "--serve-pid", "10,11", "--serve-pid", "12"},
		&bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil || !slices.Equal(cfg.BaseURLs, []string{"http://127.0.0.1:1", "http://127.0.0.1:2", "http://localhost:3"}) || !slices.Equal(cfg.ServePIDs, []int{10, 11, 12}) {
		t.Errorf("serves %q, pids %v (%v); want 3 of each, in order", cfg.BaseURLs, cfg.ServePIDs, err)
	}
	if _, err := parseLoadtestFlags([]string{"--url", "http://127.0.0.1:1", "--serve-pid", "x"}, &bytes.Buffer{}, func(k string) string { return env[k] }); err == nil {
		t.Error("--serve-pid x accepted")
	}
}
