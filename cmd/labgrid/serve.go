package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/grader"
	"labgrid/grader/awssource"
	"labgrid/grader/sim"
	"labgrid/internal/devpg"
	"labgrid/internal/schema"
	"labgrid/metrics"
	"labgrid/prober"
	"labgrid/scheduler"
	"labgrid/store"
	"labgrid/web"
)

const demoClassName = "demo"

// demoCallConcurrency bounds the demo's simulated AWS calls in flight per
// account, as awssource bounds a target's (8 by default).
const demoCallConcurrency = 8

// How long each part may take to stop on SIGTERM; together they stay
// under the 30 s docker-compose.yml grants (stop_grace_period).
const (
	httpShutdownTimeout      = 5 * time.Second
	schedulerShutdownTimeout = 15 * time.Second
	clusterShutdownTimeout   = 5 * time.Second
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return serve(ctx, cfg, stdout, logger)
}

// serve runs labgrid until ctx ends (SIGTERM, SIGINT), then stops in
// order: the HTTP server (no new requests), the scheduler (running scans
// finish or are handed back), the database pool, and the throwaway
// PostgreSQL if it started one. The deferred calls below are that order,
// read bottom up.
func serve(ctx context.Context, cfg serveConfig, stdout io.Writer, logger *slog.Logger) error {
	// Listen first: a port already taken is reported before anything
	// else starts.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ln.Close()

	databaseURL := cfg.DatabaseURL
	if databaseURL == "" {
		cluster, err := devpg.Start(ctx, logger)
		if err != nil {
			return fmt.Errorf("serve: throwaway PostgreSQL: %w", err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clusterShutdownTimeout)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				logger.Warn("throwaway PostgreSQL: stop", "err", err)
			}
			logger.Info("shutdown: throwaway PostgreSQL stopped and removed")
		}()
		databaseURL = cluster.URL()
		fmt.Fprintf(stdout, "throwaway PostgreSQL: %s (files in %s, removed at exit)\n", databaseURL, cluster.Dir())
	}

	// From here on, an outage of the database is two lines, not hundreds.
	logger, stopWatch := watchOutages(logger, databaseURL)
	defer stopWatch()

	pool, err := openServePool(ctx, databaseURL, cfg.Workers)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer func() {
		pool.Close()
		logger.Info("shutdown: database pool closed")
	}()
	if applied, err := schema.Migrate(ctx, pool, logger); err != nil {
		return fmt.Errorf("serve: %w", err)
	} else if len(applied) > 0 {
		logger.Info("migrations applied", "migrations", applied)
	}

	st := store.New(pool)
	st.MaxClassSize = cfg.MaxStudents
	m := metrics.New() // served at /metrics
	m.WatchResults(st.ResultCounts, logger)
	sources := &serveSources{logger: logger, metrics: m, prober: prober.New(prober.Options{Logger: logger})}
	var demoStudentPath string // a student's page, for trying the demo as a student
	if cfg.Demo {
		if demoStudentPath, err = setupDemo(ctx, st, cfg, sources, logger); err != nil {
			return fmt.Errorf("serve: %w", storeError(err))
		}
	}
	sched, err := scheduler.New(pool, st, sources.get, scheduler.Config{Judges: classJudge, Probers: sources.proberFor, Interval: cfg.Interval, Workers: cfg.Workers, Metrics: m}, logger)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if err := sched.Start(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), schedulerShutdownTimeout)
		defer cancel()
		if err := sched.Stop(stopCtx); err != nil {
			logger.Warn("scheduler: stop", "err", err)
		}
		logger.Info("shutdown: scheduler stopped")
	}()

	hub := web.NewHub(logger)
	m.WatchSSEClients(hub.Subscribers)
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		err := hub.Run(hubCtx, func(ctx context.Context, fn func(store.Notification), onListen func()) error {
			return store.Listen(ctx, databaseURL, fn, store.ListenOptions{Logger: logger, OnListen: onListen})
		})
		if err != nil && hubCtx.Err() == nil {
			logger.Error("live updates stopped", "err", err)
		}
	}()
	defer func() {
		stopHub()
		<-hubDone
	}()

	webServer, err := web.New(web.Options{
		Judges:            classJudge,
		Store:             st,
		Pool:              pool,
		Scheduler:         sched,
		Hub:               hub,
		AdminPasswordHash: cfg.AdminPasswordHash,
		Ready:             serveReady(pool),
		Logger:            logger,
		BaseURL:           cmp.Or(cfg.BaseURL, strings.TrimSuffix(openURL(ln.Addr()), "/")),
		Secure:            strings.HasPrefix(cfg.BaseURL, "https://"),
		SessionCleanup:    30 * time.Minute,
		Metrics:           m,
		TrustedProxies:    cfg.TrustedProxies,
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer webServer.Close()

	srv := &http.Server{
		Handler:           webServer.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// Bounded inputs: a page's request carries a URL and a few cookies,
		// and an idle keep-alive connection is not kept forever.
		MaxHeaderBytes: 64 << 10,
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Stopping the hub closes the live streams, which Shutdown would
	// otherwise wait for.
	srv.RegisterOnShutdown(stopHub)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(stopCtx); err != nil {
			logger.Warn("http server: shutdown", "err", err)
		}
		logger.Info("shutdown: http server stopped")
	}()

	fmt.Fprintf(stdout, "labgrid is running: open %s\n", openURL(ln.Addr()))
	if cfg.GeneratedPassword != "" {
		// Printed once for the person at the terminal; never logged.
		fmt.Fprintf(stdout, "instructor password (this run only; set %s to choose one): %s\n", envAdminPassword, cfg.GeneratedPassword)
	}
	if cfg.Demo {
		var day string
		if c, ok := sources.demo.(*sim.Class); ok {
			d := c.Day()
			day = fmt.Sprintf("; their day takes %s from now, its parts beginning at 0s, %s and %s", d.End, d.Afternoon, d.EndOfDay)
			if cfg.DemoElapsed > 0 {
				day = fmt.Sprintf("; their day of %s began %s ago, its parts at 0s, %s and %s", d.End, cfg.DemoElapsed, d.Afternoon, d.EndOfDay)
			}
		}
		fmt.Fprintf(stdout, "demo class: %s (%d simulated students in %d account(s), no AWS needed%s)\n", demoClassName, cfg.DemoStudents, cfg.DemoAccounts, day)
		if demoStudentPath != "" {
			// Printed for the person at the terminal, like the password.
			fmt.Fprintf(stdout, "a student's own page: %s%s\n", strings.TrimSuffix(openURL(ln.Addr()), "/"), demoStudentPath)
		}
	}
	logger.Info("serving", "addr", ln.Addr().String(), "interval", intervalSetting(cfg.Interval), "demo", cfg.Demo)

	select {
	case <-ctx.Done():
		logger.Info("shutdown: signal received")
		return nil
	case err := <-served:
		return fmt.Errorf("serve: http: %w", err)
	}
}

// openServePool connects with room for every scan worker's session (each
// holds its target's lock), River's own and the web pages'. A
// pool_max_conns in the URL wins.
func openServePool(ctx context.Context, databaseURL string, workers int) (*pgxpool.Pool, error) {
	return openDBWithConns(ctx, databaseURL, int32(workers+12))
}

// serveReady is the readiness check: the database answers and both
// labgrid's schema and River's are the ones this build expects.
func serveReady(pool *pgxpool.Pool) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		st, err := schema.Status(ctx, pool)
		if err != nil {
			return err
		}
		if !st.Current() {
			return fmt.Errorf("%s: run labgrid migrate", st)
		}
		return nil
	}
}

// setupDemo creates the class "demo" (or takes the one there) and makes
// its roster the simulated class's, living its whole day from now. A class
// it creates has the day's labs, in the day's order; one already there
// keeps its own. It returns the path of the first student's own page, or
// "" when the links are not this run's.
func setupDemo(ctx context.Context, st *store.Store, cfg serveConfig, sources *serveSources, logger *slog.Logger) (string, error) {
	class := sim.New(sim.Options{Students: cfg.DemoStudents, Accounts: cfg.DemoAccounts, Seed: 1, Latency: cfg.DemoScanDelay, WholeDay: true,
		CallLatency: cfg.DemoCallDelay, CallConcurrency: demoCallConcurrency,
		Start: time.Now().Add(-cfg.DemoElapsed)})
	c, err := st.ClassByName(ctx, demoClassName)
	if errors.Is(err, store.ErrNotFound) {
		c, err = st.CreateClass(ctx, demoClassName, "", demoClassLabs())
		if errors.Is(err, store.ErrConflict) { // another replica made it first
			c, err = st.ClassByName(ctx, demoClassName)
		}
	}
	if err != nil {
		return "", fmt.Errorf("demo class: %w", err)
	}
	if day := demoClassLabs(); labList(c.Labs) != labList(day) {
		// An instructor may have given the demo other labs: they stay.
		logger.Info("demo class: kept its labs; the simulated day plays others", "labs", labList(c.Labs), "day", labList(day))
	}
	secret, generated := cfg.Secret, false
	if secret == "" {
		b := make([]byte, demoSecretLen)
		rand.Read(b)
		secret, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	sum, err := st.ImportRoster(ctx, c.ID, class.Roster(), true, []byte(secret))
	switch {
	case errors.Is(err, store.ErrSecretMismatch):
		// An earlier run made the class with another secret (a random one
		// when none was set): keep its students and their links as they are.
		hint := "set " + envSecret + " to keep one secret across runs"
		if !generated {
			hint = "its links were made with another secret than " + envSecret
		}
		logger.Warn("demo class: kept the roster of an earlier run; " + hint)
		sources.demoID, sources.demo = c.ID, class
		return "", nil
	case err != nil:
		return "", fmt.Errorf("demo class: %w", err)
	default:
		logger.Info("demo class ready", "class", demoClassName, "added", len(sum.Added), "updated", len(sum.Updated), "removed", len(sum.Removed))
	}
	sources.demoID, sources.demo = c.ID, class
	links, err := st.StudentLinks(ctx, c.ID, []byte(secret))
	if err != nil || len(links) == 0 {
		return "", err
	}
	return "/s/" + links[0].Token, nil
}

// demoClassLabs are the labs of the simulated day, shipped ones.
func demoClassLabs() []store.ClassLab {
	out := make([]store.ClassLab, len(sim.DayLabs))
	for i, id := range sim.DayLabs {
		out[i] = store.ClassLab{ID: id}
	}
	return out
}

// serveSources gives each class its grader.Source: the simulated class
// for the demo, AWS for the others (its configuration loaded once, when
// a real class is first scanned).
type serveSources struct {
	demoID  int64
	demo    grader.Source
	logger  *slog.Logger
	metrics *metrics.Metrics // nil: none
	// prober runs the opt-in HTTP probes of the real classes' scans.
	prober grader.Prober

	mu  sync.Mutex
	aws grader.Source
}

func (s *serveSources) get(c store.Class) (grader.Source, error) {
	if s.demo != nil && c.ID == s.demoID {
		return s.demo, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aws == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		opts := awssource.Options{Logger: s.logger}
		if s.metrics != nil {
			opts.Metrics = s.metrics
		}
		src, err := awssource.New(ctx, opts)
		if err != nil {
			return nil, err
		}
		s.aws = src
	}
	return s.aws, nil
}

// proberFor is the prober of src's scans: none for the simulated class,
// whose load balancer names and public IPs are made up (and could be
// someone else's real hosts), so its probe checks stay pending.
func (s *serveSources) proberFor(src grader.Source) grader.Prober {
	if s.demo != nil && src == s.demo {
		return nil
	}
	return s.prober
}

// openURL is the address to open in a browser: a wildcard listen address
// is reached through localhost.
func openURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String() + "/"
	}
	if tcp.IP.IsUnspecified() {
		return fmt.Sprintf("http://localhost:%d/", tcp.Port)
	}
	return "http://" + tcp.String() + "/"
}

func intervalSetting(d time.Duration) string {
	if d == 0 {
		return "per class"
	}
	return d.String()
}
