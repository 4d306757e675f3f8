package scheduler

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/metrics"
	"labgrid/store"
)

// timed is a Source that notes when each Snapshot of a target began and
// ended.
type timed struct {
	src   grader.Source
	mu    sync.Mutex
	spans map[string][][2]time.Time
	calls []int
}

func (s *timed) Snapshot(ctx context.Context, t grader.Target, data []grader.Data) (*grader.Snapshot, error) {
	start := time.Now()
	snap, err := s.src.Snapshot(ctx, t, data)
	end := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans[t.String()] = append(s.spans[t.String()], [2]time.Time{start, end})
	if snap != nil {
		s.calls = append(s.calls, snap.AWSCalls)
	}
	return snap, err
}

func (s *timed) scans(target string) [][2]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.spans[target])
}

// A class of 100 targets scanned every 15 s, each simulated AWS call
// taking 150 ms (8 at once per account) and 8 workers, as serve runs: every
// target is scanned again at most an interval after its last scan ended,
// and the lag metric says so. On a quiet machine every scan is on time; the
// test runs beside other packages' tests on two cores, so it lets 1% of
// the scans start late, by less than a tick (River's own poll once made a
// third of them late). Time runs 1.5 times faster than that (10 s,
// 100 ms, the tick 2 s/1.5) to keep the test short; the database's share
// of each scan (slower under -race) does not shrink, so the workers are
// about as busy as in production. Not parallel: it measures.
func TestHundredTargetsKeepTheirInterval(t *testing.T) {
	const (
		targets  = 100
		interval = 10 * time.Second
		latency  = 100 * time.Millisecond // as in production, a hundredth of the interval
		rounds   = 4                      // the first (everyone never scanned) and 3 on schedule
	)
	e := setup(t)
	class := sim.New(sim.Options{Students: targets, Accounts: targets, CallLatency: latency, CallConcurrency: 8})
	c := e.class(t, "hundred", class)
	src := &timed{src: class, spans: map[string][][2]time.Time{}}
	m := metrics.New()
	cfg := quickConfig(interval)
	cfg.Tick = defaultTick * 10 / 15
	cfg.Workers = defaultWorkers
	cfg.Metrics = m
	e.start(t, nil, src, cfg)

	names := make([]string, 0, targets)
	for _, tg := range class.Targets() {
		names = append(names, tg.String())
	}
	eventually(t, 50*time.Second, "every target scanned 4 times", func() bool {
		for _, n := range names {
			if len(src.scans(n)) < rounds {
				return false
			}
		}
		return true
	})

	// How late each scan began past the end of the job of the one before
	// (its save included) plus the interval: negative is early (the tick
	// queues a scan a tick ahead).
	var late []time.Duration
	lateScans := 0
	for _, tg := range class.Targets() {
		n := tg.String()
		spans, jobs := src.scans(n), e.jobSpans(t, tg)
		for i := 1; i < rounds; i++ {
			end, ok := jobEnd(jobs, spans[i-1][0])
			if !ok {
				t.Fatalf("%s: no job ran scan %d", n, i)
			}
			d := spans[i][0].Sub(end.Add(interval))
			late = append(late, d)
			if d > 0 {
				lateScans++
				t.Logf("%s: scan %d began %s after the job of the previous one ended, over the interval %s by %s", n, i+1, spans[i][0].Sub(end), interval, d)
			}
			if d >= cfg.Tick {
				t.Errorf("%s: scan %d began %s past the interval after the previous one: a tick (%s) or more", n, i+1, d, cfg.Tick)
			}
		}
	}
	slices.Sort(late)
	src.mu.Lock()
	calls := slices.Max(src.calls)
	src.mu.Unlock()
	var longest time.Duration
	for _, n := range names {
		for _, sp := range src.scans(n) {
			longest = max(longest, sp[1].Sub(sp[0]))
		}
	}
	t.Logf("%d targets, interval %s, %d AWS calls a scan at most, %s each: snapshots took %s at most; next scan began %s to %s (median %s) past the last end plus the interval",
		targets, interval, calls, latency, longest, late[0], late[len(late)-1], late[len(late)/2])

	var jobAvg, jobMax time.Duration
	if err := e.pool.QueryRow(e.ctx, `SELECT avg(finalized_at - attempted_at), max(finalized_at - attempted_at) FROM river_job
		WHERE kind = 'labgrid_scan_target' AND state = 'completed'`).Scan(&jobAvg, &jobMax); err != nil {
		t.Fatal(err)
	}
	t.Logf("scan jobs took %s on average, %s at most: %d workers busy %.0f%% of the interval", jobAvg, jobMax, cfg.Workers, 100*float64(targets)*jobAvg.Seconds()/float64(cfg.Workers)/interval.Seconds())

	// At most 1% late, in the scans' own times and in the metric.
	if lateScans*100 > len(late) {
		t.Errorf("%d of %d scans began past the interval after the previous one, want at most 1%%", lateScans, len(late))
	}
	count, sum, onTime := lagHistogram(t, m, c)
	if count < targets*(rounds-1) {
		t.Errorf("%d scan lags recorded, want %d at least", count, targets*(rounds-1))
	}
	if (count-onTime)*100 > count {
		t.Errorf("%d of %d scheduled scans late (lag sum %.3fs), want at most 1%%", count-onTime, count, sum)
	}
}

// jobSpans are when the scan jobs of tg began and ended.
func (e *env) jobSpans(t *testing.T, tg grader.Target) [][2]time.Time {
	t.Helper()
	rows, err := e.pool.Query(e.ctx, `SELECT attempted_at, finalized_at FROM river_job
		WHERE kind = 'labgrid_scan_target' AND state = 'completed' AND args->>'account_id' = $1 ORDER BY attempted_at`, tg.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]time.Time
	for rows.Next() {
		var sp [2]time.Time
		if err := rows.Scan(&sp[0], &sp[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// jobEnd is when the job that took a snapshot at snap ended.
func jobEnd(jobs [][2]time.Time, snap time.Time) (time.Time, bool) {
	for _, j := range jobs {
		if !snap.Before(j[0]) && !snap.After(j[1]) {
			return j[1], true
		}
	}
	return time.Time{}, false
}

// lagHistogram reads the class's scan lag histogram: how many scans, their
// lags' sum, and how many were on time (lag 0).
func lagHistogram(t *testing.T, m *metrics.Metrics, c store.Class) (count uint64, sum float64, onTime uint64) {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != metrics.NameScanLag {
			continue
		}
		for _, metric := range f.GetMetric() {
			if metric.GetLabel()[0].GetValue() != c.Name {
				continue
			}
			h := metric.GetHistogram()
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() == 0 {
					onTime = b.GetCumulativeCount()
				}
			}
			return h.GetSampleCount(), h.GetSampleSum(), onTime
		}
	}
	t.Fatalf("no %s of class %s", metrics.NameScanLag, c.Name)
	return 0, 0, 0
}

func TestLateBy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	st := func(login, account string, scanned time.Time) store.Student {
		return store.Student{Student: grader.Student{Login: login, AccountID: account}, LastScannedAt: scanned}
	}
	students := []store.Student{
		st("a1", "111", now.Add(-20*time.Second)),
		st("a2", "111", now.Add(-17*time.Second)),
		st("b1", "222", now.Add(-10*time.Second)),
		st("c1", "333", time.Time{}),
	}
	sched := func(account string) scanArgs {
		return scanArgs{AccountID: account, Region: "ap-northeast-1", Trigger: string(store.TriggerSchedule)}
	}
	for _, tc := range []struct {
		a    scanArgs
		lag  time.Duration
		late bool
	}{
		{sched("111"), 5 * time.Second, true}, // its oldest student: due 5 s ago
		{sched("222"), 0, true},               // early
		{sched("333"), 0, false},              // a first scan
		{scanArgs{AccountID: "111", Region: "ap-northeast-1", Trigger: string(store.TriggerManual)}, 0, false},
		{sched("444"), 0, false}, // nobody there
	} {
		lag, ok := lateBy(tc.a, students, "ap-northeast-1", 15*time.Second, now)
		if lag != tc.lag || ok != tc.late {
			t.Errorf("lateBy(%s, %s) = %s, %v; want %s, %v", tc.a.AccountID, tc.a.Trigger, lag, ok, tc.lag, tc.late)
		}
	}
}
