package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/internal/pgtest"
	"labgrid/labs"
	"labgrid/scheduler"
	"labgrid/store"
	"labgrid/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	className     = "e2e"
	adminPassword = "e2e-instructor-password"
	secret        = "e2e-test-secret-0123456789abcdefghijklm"
	classSize     = 6
)

// simClock is the simulated class's clock: the real time plus an offset
// the test moves forward, so that the students progress when the test
// says. Following the real time keeps the stored scan times near now,
// where the scheduler's own schedule leaves them alone.
type simClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// app is labgrid running in the test's process: the store and scheduler
// on the test database, the hub on its notifications, and the real web
// server on 127.0.0.1.
type app struct {
	URL     string
	Store   *store.Store
	Class   store.Class
	Sim     *sim.Class
	Clock   *simClock
	Scanner *grader.Scanner
	// Subscribed receives the class id of every live stream the server
	// opens, once it is subscribed to the hub.
	Subscribed chan int64
	// last is the last scan saved by Scan.
	last *grader.ScanResult
}

// subscribeSignal is the hub as the server sees it, telling the test when
// a page's stream has subscribed: from then on, a change is sent to it.
type subscribeSignal struct {
	*web.Hub
	subscribed chan<- int64
}

func (s subscribeSignal) Subscribe(classID int64) (<-chan web.HubEvent, func()) {
	events, cancel := s.Hub.Subscribe(classID)
	select {
	case s.subscribed <- classID:
	default:
	}
	return events, cancel
}

func startApp(t *testing.T) *app {
	t.Helper()
	return startClass(t, className, []store.ClassLab{{ID: "step-3"}})
}

// startClass is startApp for a class of the given name and labs.
func startClass(t *testing.T, name string, classLabs []store.ClassLab) *app {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if os.Getenv("LABGRID_E2E_DEBUG") != "" {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}

	url := pgtest.URL(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 24 // scan workers hold a connection each, the pages share the rest
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := store.New(pool)

	clock := &simClock{}
	class := sim.New(sim.Options{Students: classSize, Seed: 7, Start: clock.Now().Add(-12 * time.Minute), Now: clock.Now})
	c, err := st.CreateClass(ctx, name, "", classLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, c.ID, class.Roster(), false, []byte(secret)); err != nil {
		t.Fatal(err)
	}
	// What labgrid serve wires: the shipped labs with the class's rubric.
	judges := func(c store.Class) (grader.Judge, error) {
		refs := make([]labs.Ref, len(c.Labs))
		for i, l := range c.Labs {
			refs[i] = labs.Ref{ID: l.ID, Source: l.Source, SHA256: l.SHA256}
		}
		return labs.ForClass(refs, c.RubricYAML)
	}
	judge, err := judges(c)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{
		Store: st, Class: c, Sim: class, Clock: clock,
		Scanner:    &grader.Scanner{Source: class, Judge: judge, Concurrency: 1, Now: clock.Now},
		Subscribed: make(chan int64, 16),
	}
	a.Scan(t) // the grid opens with every student judged

	// Scans every hour on their own, so that only the test's scans and
	// "check now" change results while it watches.
	sources := func(store.Class) (grader.Source, error) { return class, nil }
	sched, err := scheduler.New(pool, st, sources, scheduler.Config{Judges: judges, Interval: time.Hour, Workers: 2}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := sched.Stop(stopCtx); err != nil {
			t.Errorf("scheduler: stop: %v", err)
		}
	})

	hub := web.NewHub(logger)
	hubCtx, stopHub := context.WithCancel(ctx)
	hubDone := make(chan error, 1)
	go func() {
		hubDone <- hub.Run(hubCtx, func(ctx context.Context, fn func(store.Notification), onListen func()) error {
			return store.Listen(ctx, url, fn, store.ListenOptions{Logger: logger, OnListen: onListen})
		})
	}()
	t.Cleanup(func() {
		stopHub()
		select {
		case err := <-hubDone:
			if err != nil {
				t.Errorf("hub: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("hub: Run did not return")
		}
	})

	hash, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil) // listens on 127.0.0.1 already
	srv, err := web.New(web.Options{
		Store:             st,
		Judges:            judges,
		Pool:              pool,
		Scheduler:         sched,
		Hub:               subscribeSignal{Hub: hub, subscribed: a.Subscribed},
		AdminPasswordHash: hash,
		Logger:            logger,
		BaseURL:           "http://" + ts.Listener.Addr().String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv.Routes()
	ts.Start()
	t.Cleanup(func() {
		// The browser is gone by now (its cleanup runs first), so the live
		// streams have ended; the hub stopping ends any left.
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	})
	a.URL = ts.URL
	return a
}

// Scan judges the whole class at the simulated clock's time and stores
// the result, as a scheduled scan does. It returns the scan and when its
// transaction committed.
func (a *app) Scan(t *testing.T) (*grader.ScanResult, store.SaveSummary, time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	roster, err := a.Store.Roster(ctx, a.Class.ID)
	if err != nil {
		t.Fatal(err)
	}
	memory, err := a.Store.Memory(ctx, a.Class.ID)
	if err != nil {
		t.Fatal(err)
	}
	res := a.Scanner.Scan(ctx, roster, memory)
	sum, err := a.Store.SaveScan(ctx, a.Class.ID, store.TriggerSchedule, res)
	committed := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	a.last = res
	return res, sum, committed
}

// statuses is each student's statuses of a scan, by login.
func statuses(res *grader.ScanResult) map[string][]grader.Status {
	m := map[string][]grader.Status{}
	for _, rep := range res.Reports {
		for _, r := range rep.Results {
			m[rep.Student.Login] = append(m[rep.Student.Login], r.Status)
		}
	}
	return m
}

// testWriter sends the server's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
