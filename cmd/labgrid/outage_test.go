package main

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// While PostgreSQL is down, serve logs one line when it goes away and one
// when it is back, with the count of the lines it held back, however
// often River, the live updates and /readyz run into the outage.
func TestServeLogsAnOutageOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, cluster := startServeOnCluster(t, "--interval", "1s")
	if code, _ := get(t, s.url+"/readyz"); code != 200 {
		t.Fatalf("/readyz: %d before the outage", code)
	}
	time.Sleep(time.Second) // scans under way

	before := len(s.stderr.String())
	if err := cluster.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	// A probe every 300 ms, as an orchestrator's would, for 6 s.
	for range 20 {
		get(t, s.url+"/readyz")
		time.Sleep(300 * time.Millisecond)
	}
	during := s.stderr.String()[before:]
	if err := cluster.Resume(ctx); err != nil {
		t.Fatal(err)
	}

	var loud []string
	for _, line := range strings.Split(during, "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			loud = append(loud, line)
		}
	}
	if len(loud) != 1 || !strings.Contains(loud[0], "database unreachable") {
		t.Errorf("%d warnings and errors while the database was down, want the one saying so:\n%s", len(loud), strings.Join(loud, "\n"))
	}

	back := regexp.MustCompile(`msg="database reachable again".* skipped_lines=(\d+)`)
	deadline := time.Now().Add(15 * time.Second)
	for back.FindStringSubmatch(s.stderr.String()[before:]) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no word of the database being back within 15s:\n%s", s.stderr.String()[before:])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n, _ := strconv.Atoi(back.FindStringSubmatch(s.stderr.String()[before:])[1]); n < 20 {
		t.Errorf("%d lines skipped, want at least the 20 probes'", n)
	}
}

// What reads like a lost connection, as River, pgx and the HTTP server
// put it, and what does not.
func TestConnectionLost(t *testing.T) {
	t.Parallel()
	record := func(msg string, attrs ...any) slog.Record {
		r := slog.NewRecord(time.Now(), slog.LevelError, msg, 0)
		r.Add(attrs...)
		return r
	}
	for _, tc := range []struct {
		r    slog.Record
		want bool
	}{
		{record("producer: Error fetching jobs", "err", "failed to connect to `user=postgres database=x`: dial tcp: connect: connection refused"), true},
		{record("maintenance.JobScheduler: Error scheduling jobs", slog.String("error", "error starting transaction: closed pool")), true},
		{record("notifier.Notifier: Error from notification wait", "err", errors.New("FATAL: terminating connection due to administrator command (SQLSTATE 57P01)")), true},
		{record("scan failed; River retries it", "err", "scan 111122223333/ap-northeast-1: ec2:DescribeVpcs: AccessDenied"), false},
		{record("http", "status", 500, "path", "/"), false},
	} {
		if got := connectionLost(tc.r); got != tc.want {
			t.Errorf("connectionLost(%q) = %v, want %v", tc.r.Message, got, tc.want)
		}
	}
}

// Lines that read like a lost connection while the database answers try
// it once per outageRetry, not once each: a burst of client resets opens
// no burst of connections.
func TestOutageLogTriesTheDatabaseOncePerBurst(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	tries := 0
	st := &outageState{
		reach: func(context.Context) error { tries++; return nil },
		out:   logger,
		stop:  make(chan struct{}),
	}
	l := slog.New(&outageLog{h: logger.Handler(), st: st})
	for range 50 {
		l.Warn("http: write tcp: broken pipe")
	}
	if tries != 1 {
		t.Errorf("%d connection tries for 50 lines within %s, want 1", tries, outageRetry)
	}
	if n := strings.Count(buf.String(), "broken pipe"); n != 50 {
		t.Errorf("%d of the 50 lines logged, want all: the database is up", n)
	}
}
