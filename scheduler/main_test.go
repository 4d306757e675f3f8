package scheduler

import (
	"context"
	"fmt"
	"labgrid/labs"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/internal/pgtest"
	"labgrid/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testSecret = "scheduler-test-secret-0123456789abcdef"

// env is a migrated database of the test's own (labgrid's and River's
// tables): the scheduler commits, so a rolled-back Tx will not do.
type env struct {
	ctx   context.Context
	url   string
	pool  *pgxpool.Pool
	store *store.Store
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t, true)
	pool := newPool(t, url)
	return &env{ctx: ctx, url: url, pool: pool, store: store.New(pool)}
}

// newPool is a pool big enough for a scheduler's workers, closed at the
// end of the test.
func newPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// testLogger shows warnings and errors in the test's log; LABGRID_TEST_DEBUG
// shows everything.
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("LABGRID_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: level}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", p)
	return len(p), nil
}

// quickConfig is a scheduler for tests: a scan per target every interval,
// ticks ten times as often, and short timeouts and backoffs.
func quickConfig(interval time.Duration) Config {
	return Config{
		Interval:     interval,
		Tick:         100 * time.Millisecond,
		Workers:      8,
		JobTimeout:   10 * time.Second,
		RetryBackoff: 100 * time.Millisecond,
		StopGrace:    2 * time.Second,
		testOnly:     true,
	}
}

// start makes and starts a scheduler whose classes are all reached
// through src; it is stopped when the test ends.
func (e *env) start(t *testing.T, pool *pgxpool.Pool, src grader.Source, cfg Config) *Scheduler {
	t.Helper()
	s := e.newScheduler(t, pool, src, cfg)
	if err := s.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

func (e *env) newScheduler(t *testing.T, pool *pgxpool.Pool, src grader.Source, cfg Config) *Scheduler {
	t.Helper()
	if pool == nil {
		pool = e.pool
	}
	if cfg.Judges == nil {
		cfg.Judges = classJudge
	}
	s, err := New(pool, store.New(pool), func(store.Class) (grader.Source, error) { return src, nil }, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// class creates a class whose roster is the simulated class's.
func (e *env) class(t *testing.T, name string, c *sim.Class) store.Class {
	t.Helper()
	return mustClass(t, e.ctx, e.store, name, c.Roster())
}

func mustClass(t *testing.T, ctx context.Context, st *store.Store, name string, roster []grader.Student) store.Class {
	t.Helper()
	c, err := st.CreateClass(ctx, name, "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, c.ID, roster, false, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually polls cond every 50 ms until it holds or d has passed.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allScannedSince reports whether every student of the class has results
// and was scanned after since.
func (e *env) allScannedSince(t *testing.T, classID int64, since time.Time) bool {
	t.Helper()
	grid, err := e.store.ClassSummaries(e.ctx, classID)
	if err != nil {
		t.Logf("class students: %v", err)
		return false
	}
	for _, row := range grid {
		if len(row.Summary.Checks) == 0 || !row.Student.LastScannedAt.After(since) {
			return false
		}
	}
	return len(grid) > 0
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(e.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// recorder is a Source over the simulated class that records every
// Snapshot by target, notes any two that overlap on one target, and can be
// made slow, failing or stuck.
type recorder struct {
	src   grader.Source
	delay time.Duration

	mu       sync.Mutex
	active   map[string]int
	calls    map[string][]time.Time
	overlaps []string
	failNext map[string]error // by account: the next Snapshot's error
	block    chan struct{}    // when set, Snapshot waits for it to close
	ignore   bool             // and ignores ctx while waiting
}

func newRecorder(src grader.Source, delay time.Duration) *recorder {
	return &recorder{src: src, delay: delay, active: map[string]int{}, calls: map[string][]time.Time{}, failNext: map[string]error{}}
}

func (r *recorder) Snapshot(ctx context.Context, t grader.Target, data []grader.Data) (*grader.Snapshot, error) {
	key := t.String()
	r.mu.Lock()
	r.active[key]++
	if r.active[key] > 1 {
		r.overlaps = append(r.overlaps, fmt.Sprintf("%s at %s", key, time.Now().Format("15:04:05.000")))
	}
	r.calls[key] = append(r.calls[key], time.Now())
	fail := r.failNext[t.AccountID]
	delete(r.failNext, t.AccountID)
	block, ignore := r.block, r.ignore
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.active[key]--
		r.mu.Unlock()
	}()

	if block != nil {
		if ignore {
			<-block
		} else {
			select {
			case <-block:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail != nil {
		return nil, fail
	}
	return r.src.Snapshot(ctx, t, data)
}

func (r *recorder) snapshots(target string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.calls[target]...)
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		n += len(c)
	}
	return n
}

// classJudge is what the product judges a class with: its labs.
func classJudge(c store.Class) (grader.Judge, error) {
	refs := make([]labs.Ref, len(c.Labs))
	for i, l := range c.Labs {
		refs[i] = labs.Ref{ID: l.ID, Source: l.Source, SHA256: l.SHA256}
	}
	return labs.ForClass(refs, c.RubricYAML)
}

// defaultLabs are the labs of a class made by the tests.
var defaultLabs = []store.ClassLab{{ID: "step-3"}}
