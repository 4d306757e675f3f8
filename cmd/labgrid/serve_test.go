package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/internal/devpg"
	"labgrid/internal/pgtest"
	"labgrid/prober"
	"labgrid/store"
)

// syncBuffer is a bytes.Buffer that serve may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a `labgrid serve` running in the test.
type served struct {
	url            string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

var openRE = regexp.MustCompile(`labgrid is running: open (http://\S+)/`)

// startServe runs `labgrid serve args…` as main would and waits for the
// URL it prints.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, append([]string{"serve"}, args...), s.stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not return after cancel")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := openRE.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve returned %v before serving\nstdout:\n%s\nstderr:\n%s", err, s.stdout, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL within 60s\nstderr:\n%s", s.stderr)
		}
	}
}

// stop cancels serve's context (what SIGTERM does) and returns its error.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return within 30s of the signal")
		return nil
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// serve --demo on a database of its own: it migrates it, creates the demo
// class, scans it on schedule, answers /healthz and /readyz, and on the
// signal stops the HTTP server, then the scheduler, then the pool.
func TestServeDemo(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, false)
	s := startServe(t, "--demo", "--database-url", url, "--addr", "127.0.0.1:0",
		"--interval", "1s", "--demo-students", "6", "--demo-accounts", "2", "--log-level", "info")
	if !strings.Contains(s.stdout.String(), "demo class: demo (6 simulated students in 2 account(s), no AWS needed; their day takes 2h20m0s from now, its parts beginning at 0s, 1h0m0s and 2h0m0s)") {
		t.Errorf("stdout does not name the demo class:\n%s", s.stdout)
	}
	if code, body := get(t, s.url+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	// The printed student link opens that student's own page.
	_, link, found := strings.Cut(s.stdout.String(), "a student's own page: ")
	link, _, _ = strings.Cut(link, "\n")
	if code, body := get(t, link); !found || code != 200 || !strings.Contains(body, "user01") || strings.Contains(body, "user02") {
		t.Errorf("student link %q: %d, found %v", link, code, found)
	}
	if code, body := get(t, s.url+"/readyz"); code != 200 || body != "ok\n" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	// Request headers are bounded like every other input.
	req, _ := http.NewRequest("GET", s.url+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 100<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: %v %v, want 431", resp, err)
	} else {
		resp.Body.Close()
	}

	pool := pgtest.NewPool(t, url)
	st := store.New(pool)
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var scanned, runs int
		err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM student_memory WHERE scanned_at IS NOT NULL), (SELECT count(*) FROM scan_runs)`).Scan(&scanned, &runs)
		// Two rounds of both targets: on schedule, not just at the start.
		if err == nil && scanned == 6 && runs >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 6 students scanned, %d scan runs, after 20s (%v)\nstderr:\n%s", scanned, runs, err, s.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c, err := st.ClassByName(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	roster, err := st.Roster(ctx, c.ID)
	if err != nil || len(roster) != 6 || roster[0].AccountID == roster[1].AccountID {
		t.Errorf("demo roster: %d students (%v), want 6 over 2 accounts", len(roster), err)
	}
	// The demo lives the whole day: its class has the day's labs, in order.
	var labIDs []string
	for _, l := range c.Labs {
		labIDs = append(labIDs, l.ID)
	}
	if want := []string{"steps-1-2", "step-3", "cleanup"}; !slices.Equal(labIDs, want) {
		t.Errorf("demo class labs %v, want %v", labIDs, want)
	}

	if err := s.stop(t); err != nil {
		t.Fatalf("serve returned %v after the signal", err)
	}
	logs := s.stderr.String()
	// The made-up instructor password is printed once, never logged.
	if m := regexp.MustCompile(`instructor password \(.*\): (\S+)`).FindStringSubmatch(s.stdout.String()); m == nil {
		t.Errorf("stdout does not give the instructor password:\n%s", s.stdout)
	} else if strings.Contains(logs, m[1]) {
		t.Errorf("the instructor password is in the log:\n%s", logs)
	}
	order := []string{"shutdown: signal received", "shutdown: http server stopped", "shutdown: scheduler stopped", "shutdown: database pool closed"}
	last := -1
	for _, line := range order {
		i := strings.Index(logs, line)
		if i < 0 || i < last {
			t.Fatalf("shutdown out of order, want %q:\n%s", order, logs)
		}
		last = i
	}
	if strings.Contains(logs, "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs)
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}

	// A second run reuses the class, with another roster size.
	s2 := startServe(t, "--demo", "--database-url", url, "--addr", "127.0.0.1:0", "--demo-students", "4", "--secret", strings.Repeat("x", 40))
	if err := s2.stop(t); err != nil {
		t.Fatal(err)
	}
	classes, err := st.Classes(ctx)
	if err != nil || len(classes) != 1 {
		t.Errorf("classes after a second demo run: %d (%v), want the one", len(classes), err)
	}
	if !strings.Contains(s2.stderr.String(), "kept the roster of an earlier run") {
		// The first run's secret was random: the second, with its own,
		// cannot re-import, and says so.
		t.Errorf("second run with another secret:\n%s", s2.stderr)
	}
}

// serve --demo with no database starts a throwaway PostgreSQL, says
// where, and removes it at exit.
func TestServeThrowawayDatabase(t *testing.T) {
	t.Parallel()
	if os.Getenv(envDatabaseURL) != "" {
		t.Skip(envDatabaseURL + " is set: serve would use it")
	}
	s := startServe(t, "--demo", "--addr", "127.0.0.1:0")
	m := regexp.MustCompile(`throwaway PostgreSQL: \S+ \(files in (\S+), removed at exit\)`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve does not say where its database is:\n%s", s.stdout)
	}
	if code, _ := get(t, s.url+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d", code)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m[1]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("throwaway cluster %s still there: %v", m[1], err)
	}
	if !strings.Contains(s.stderr.String(), "shutdown: throwaway PostgreSQL stopped and removed") {
		t.Errorf("no word of the cluster's stop:\n%s", s.stderr)
	}
}

// Bad settings stop serve before anything starts, with exit status 2 and
// every problem named.
func TestServeBadConfig(t *testing.T) {
	t.Parallel()
	url := "postgres://nobody@127.0.0.1:1/none"
	secret := strings.Repeat("s", 40)
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"bad addr":        {[]string{"--database-url", url, "--secret", secret, "--addr", "localhost"}, []string{`--addr "localhost": want host:port`}},
		"bad port":        {[]string{"--database-url", url, "--secret", secret, "--addr", "127.0.0.1:http8"}, []string{"port must be a number"}},
		"bad interval":    {[]string{"--database-url", url, "--secret", secret, "--interval", "soon"}, []string{`--interval "soon"`}},
		"short interval":  {[]string{"--database-url", url, "--secret", secret, "--interval", "100ms"}, []string{"want 1s to 1h"}},
		"short secret":    {[]string{"--database-url", url, "--secret", "short"}, []string{"the secret is 5 characters long"}},
		"bad log level":   {[]string{"--demo", "--database-url", url, "--log-level", "loud"}, []string{`--log-level "loud"`}},
		"several":         {[]string{"--demo", "--database-url", url, "--interval", "0", "--addr", "x"}, []string{"--interval", "--addr"}},
		"argument":        {[]string{"--demo", "extra"}, []string{`unexpected argument "extra"`}},
		"bad base url":    {[]string{"--demo", "--base-url", "labgrid.example.com"}, []string{`--base-url "labgrid.example.com"`}},
		"bad proxy":       {[]string{"--demo", "--trusted-proxies", "10.0.0.0/8,proxy.local"}, []string{`--trusted-proxies: "proxy.local" is not an IP address or CIDR`}},
		"bad proxy cidr":  {[]string{"--demo", "--trusted-proxies", "10.0.0.0/33"}, []string{`--trusted-proxies: "10.0.0.0/33"`}},
		"long scan delay": {[]string{"--demo", "--demo-scan-delay", "2m"}, []string{`--demo-scan-delay "2m": want a duration from 0s to 1m`}},
		"long call delay": {[]string{"--demo", "--demo-call-delay", "11s"}, []string{`--demo-call-delay "11s": want a duration from 0s to 10s`}},
		"bad call delay":  {[]string{"--demo", "--demo-call-delay", "-1ms"}, []string{`--demo-call-delay "-1ms"`}},
	} {
		stdout, stderr, code := runCLI(t, append([]string{"serve"}, tc.args...)...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", name, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr does not say %q:\n%s", name, w, stderr)
			}
		}
		if stdout != "" || strings.Contains(stderr, "level=") || strings.Contains(stderr, secret) {
			t.Errorf("%s: something started or leaked:\nstdout: %s\nstderr: %s", name, stdout, stderr)
		}
	}
}

// The environment fills what the flags leave; a flag wins.
func TestParseServeEnv(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("e", 40)
	env := map[string]string{
		envDatabaseURL:   "postgres://env/db",
		envSecret:        secret,
		envAddr:          ":9999",
		envScanInterval:  "20",
		envDemo:          "true",
		envLogLevel:      "debug",
		envAdminPassword: "correct horse",
		envBaseURL:       "https://grid.example.com/",
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseServeFlags(nil, io.Discard, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://env/db" || cfg.Secret != secret || cfg.Addr != ":9999" ||
		cfg.Interval != 20*time.Second || !cfg.Demo || cfg.LogLevel.String() != "DEBUG" || cfg.BaseURL != "https://grid.example.com" {
		t.Errorf("from the environment: %+v", cfg)
	}
	cfg, err = parseServeFlags([]string{"--addr", "127.0.0.1:1234", "--interval", "5s", "--demo=false", "--database-url", "postgres://flag/db"}, io.Discard, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:1234" || cfg.Interval != 5*time.Second || cfg.Demo || cfg.DatabaseURL != "postgres://flag/db" {
		t.Errorf("flags over the environment: %+v", cfg)
	}

	callDelay := func(k string) string { return map[string]string{envDemoCallDelay: "150ms"}[k] }
	if cfg, err := parseServeFlags([]string{"--demo"}, io.Discard, callDelay); err != nil || cfg.DemoCallDelay != 150*time.Millisecond {
		t.Errorf("%s=150ms: call delay %s, %v", envDemoCallDelay, cfg.DemoCallDelay, err)
	}
	if cfg, err := parseServeFlags([]string{"--demo", "--demo-call-delay", "1s"}, io.Discard, callDelay); err != nil || cfg.DemoCallDelay != time.Second {
		t.Errorf("--demo-call-delay 1s over the environment: %s, %v", cfg.DemoCallDelay, err)
	}
	if _, err := parseServeFlags([]string{"--demo"}, io.Discard, func(k string) string {
		return map[string]string{envDemoCallDelay: "slow"}[k]
	}); err == nil || !strings.Contains(err.Error(), "--demo-call-delay") {
		t.Errorf("%s=slow: %v, want the flag named", envDemoCallDelay, err)
	}

	none := func(string) string { return "" }
	cfg, err = parseServeFlags([]string{"--demo"}, io.Discard, none)
	if err != nil || cfg.Addr != defaultServeAddr || cfg.Interval != 0 || cfg.DatabaseURL != "" || cfg.Secret != "" {
		t.Errorf("--demo alone: %+v, %v; want the defaults, a throwaway database and a made-up secret", cfg, err)
	}
	_, err = parseServeFlags(nil, io.Discard, none)
	if err == nil || !strings.Contains(err.Error(), "no database") || !strings.Contains(err.Error(), "no secret") {
		t.Errorf("no settings at all: %v, want both the database and the secret named", err)
	}
	if _, err := parseServeFlags(nil, io.Discard, func(k string) string {
		return map[string]string{envDemo: "maybe"}[k]
	}); err == nil || !strings.Contains(err.Error(), envDemo) {
		t.Errorf("%s=maybe: %v", envDemo, err)
	}
}

// --trusted-proxies (or its variable) is a list of addresses and CIDRs;
// a flag wins over the variable, and a bad entry is named.
func TestParseServeTrustedProxies(t *testing.T) {
	t.Parallel()
	env := map[string]string{envDemo: "true", envTrustedProxies: " 10.0.0.1, 192.168.7.9/16,fd00::/8,"}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseServeFlags(nil, io.Discard, getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32"), netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(cfg.TrustedProxies, want) {
		t.Errorf("from %s: %v, want %v", envTrustedProxies, cfg.TrustedProxies, want)
	}
	cfg, err = parseServeFlags([]string{"--trusted-proxies", "::1"}, io.Discard, getenv)
	if err != nil || !slices.Equal(cfg.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("::1/128")}) {
		t.Errorf("flag over the variable: %v, %v", cfg.TrustedProxies, err)
	}
	cfg, err = parseServeFlags([]string{"--demo"}, io.Discard, func(string) string { return "" })
	if err != nil || cfg.TrustedProxies != nil {
		t.Errorf("none set: %v, %v; want none trusted", cfg.TrustedProxies, err)
	}
	env[envTrustedProxies] = "10.0.0.1;10.0.0.2"
	if _, err := parseServeFlags(nil, io.Discard, getenv); err == nil || !strings.Contains(err.Error(), `"10.0.0.1;10.0.0.2"`) {
		t.Errorf("%s with a semicolon: %v, want the entry named", envTrustedProxies, err)
	}
}

// startServeOnCluster starts a PostgreSQL of the test's own, to halt and
// restart under it, and a demo serve of 3 students on it.
func startServeOnCluster(t *testing.T, args ...string) (*served, *devpg.Cluster) {
	t.Helper()
	cluster, err := devpg.Start(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop(context.Background()) })
	s := startServe(t, append([]string{"--demo", "--database-url", cluster.URL(), "--addr", "127.0.0.1:0", "--demo-students", "3"}, args...)...)
	return s, cluster
}

// /readyz follows the database: 503 while PostgreSQL is stopped, 200 again
// once it is back; /healthz stays 200, the process being up all along.
func TestServeReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, cluster := startServeOnCluster(t)

	waitFor := func(path string, want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, _ := get(t, s.url+path)
			if code == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d, want %d within 30s", path, code, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("/readyz", http.StatusOK)
	if err := cluster.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor("/readyz", http.StatusServiceUnavailable)
	waitFor("/healthz", http.StatusOK)
	if err := cluster.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor("/readyz", http.StatusOK)
}

// The simulated class's made-up hosts are never probed; a real class's
// scans share the one prober.
func TestServeProbersSkipTheDemo(t *testing.T) {
	t.Parallel()
	demo := sim.New(sim.Options{Students: 1})
	p := prober.New(prober.Options{})
	sources := &serveSources{demo: demo, prober: p}
	if got := sources.proberFor(demo); got != nil {
		t.Errorf("the demo class's scans get a prober: %T", got)
	}
	var real grader.Source = struct{ grader.Source }{}
	if got := sources.proberFor(real); got != grader.Prober(p) {
		t.Errorf("a real class's scans get %v, want the shared prober", got)
	}
	if got := (&serveSources{prober: p}).proberFor(real); got != grader.Prober(p) {
		t.Errorf("without a demo, a class's scans get %v, want the shared prober", got)
	}
}
