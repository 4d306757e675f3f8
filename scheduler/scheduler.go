// Package scheduler keeps every student's results fresh: it runs the
// grader on a schedule and on demand, as River jobs on labgrid's own
// PostgreSQL, so that several labgrid processes share the work.
//
// A periodic job (the tick, queued by River's elected leader, and once by
// every process as it starts) looks at every class every few seconds and
// inserts one scan job per target (account, region, role) whose interval
// has elapsed. A scan job loads the target's
// students, takes one Snapshot of the target, judges them and saves the
// results with store.SaveScan. Job args name the target by class id,
// account, region and role ARN only: the external id, a secret, is read
// from the roster by the worker and never stored in a job row.
//
// Two processes never scan one target at once: see lock.go.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"labgrid/grader"
	"labgrid/metrics"
	"labgrid/store"
)

// Config tunes a Scheduler. Zero fields take the defaults noted.
type Config struct {
	// Judges gives what a class is judged with (its labs); required. It
	// is called for every class every Tick, so it should cache.
	Judges func(store.Class) (grader.Judge, error)
	// Interval, when set, is the scan interval of every class, overriding
	// each class's own (classes.scan_interval_seconds, 15 s by default).
	Interval time.Duration
	// Tick is how often the leader looks for targets due a scan (default
	// 2 s). A target is due Tick (and a little: lead) before its interval
	// has elapsed, so that results are never older than the interval plus
	// one scan.
	Tick time.Duration
	// Workers is how many scan jobs this process runs at once (default 8).
	// Each holds one pool connection for its whole scan (the target's
	// lock lives on it), so the pool needs more than Workers connections.
	Workers int
	// JobTimeout bounds one job: loading, the AWS calls and saving
	// (default 2 min).
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River takes
	// it for the job of a dead process and runs it again (default
	// JobTimeout + 15 s; must exceed JobTimeout). A job of a dead process
	// is handed back sooner, within a second or two, its lock being free
	// (see lock.go); this is for a job stuck in a live one.
	// Rescuing a job that in fact still runs costs nothing: the target's
	// lock makes the second run skip.
	RescueAfter time.Duration
	// MaxAttempts is how often a job that fails (the database, not AWS:
	// an AWS error is a result) is tried in all (default 3).
	MaxAttempts int
	// RetryBackoff is the wait before the first retry, doubled at each
	// further one (default 2 s, at most 30 s).
	RetryBackoff time.Duration
	// Probers gives the prober of the scans of a source, nil for none (a
	// source whose hosts are made up must not be probed). One shared by
	// every scan job keeps each URL to one probe per interval and bounds
	// the probes of all jobs together. Nil: no scan is probed.
	Probers func(grader.Source) grader.Prober
	// StopGrace is how long Stop waits for cancelled jobs to return once
	// its own context has ended (default 5 s).
	StopGrace time.Duration

	// testOnly makes River skip its start-up jitter, for quick tests.
	testOnly bool
	// Metrics records each target's scan duration and the results (nil:
	// none).
	Metrics *metrics.Metrics
}

const (
	defaultTick         = 2 * time.Second
	defaultWorkers      = 8
	defaultJobTimeout   = 2 * time.Minute
	defaultMaxAttempts  = 3
	defaultRetryBackoff = 2 * time.Second
	maxRetryBackoff     = 30 * time.Second
	defaultStopGrace    = 5 * time.Second
	// busySnooze is how long a "check now" waits when its target is being
	// scanned by another job: it must look after that scan, not in it.
	busySnooze = time.Second
	// startSlack is how long a due scan may take to start once the tick
	// has run: two of River's polls (see lead).
	startSlack = 2 * fetchPollInterval
	// poolSpare are the connections needed beside the scan workers' own:
	// the tick's, River's LISTEN session, fetches, completions, leader
	// election.
	poolSpare = 5
	// fetchPollInterval is how often River looks for available jobs beside
	// its notifications (its default: 1 s). A job made available without
	// a notification waits for the poll: a scan the tick queues just after
	// its own insert spent the queue's notification (River sends at most
	// one per fetchCooldown), a queued check-now made available by the end
	// of the scan before it. Polling every 200 ms starts them within about
	// 250 ms, for one small query per process 5 times a second.
	fetchPollInterval = 200 * time.Millisecond
	fetchCooldown     = 50 * time.Millisecond
)

func (c *Config) setDefaults() error {
	if c.Judges == nil {
		return errors.New("no Judges: what classes are judged with is required")
	}
	if c.Tick <= 0 {
		c.Tick = defaultTick
	}
	if c.Workers <= 0 {
		c.Workers = defaultWorkers
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = defaultJobTimeout
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = c.JobTimeout + 15*time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = defaultMaxAttempts
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = defaultRetryBackoff
	}
	if c.StopGrace <= 0 {
		c.StopGrace = defaultStopGrace
	}
	var problems []string
	if c.Interval < 0 {
		problems = append(problems, fmt.Sprintf("interval %s is negative", c.Interval))
	}
	if c.RescueAfter <= c.JobTimeout {
		problems = append(problems, fmt.Sprintf("rescue after %s must exceed the job timeout %s", c.RescueAfter, c.JobTimeout))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Scheduler runs labgrid's scans as River jobs.
type Scheduler struct {
	pool    *pgxpool.Pool
	store   *store.Store
	sources func(store.Class) (grader.Source, error)
	cfg     Config
	logger  *slog.Logger
	client  *river.Client[pgx.Tx]

	// stopping tells the workers that a cancellation is a shutdown, not a
	// timeout: the job is handed back rather than counted as failed.
	stopping atomic.Bool

	// stopRescue ends the rescueLoop that Start began; rescueDone closes
	// when it has.
	stopRescue context.CancelFunc
	rescueDone chan struct{}
}

const queue = "labgrid"

// tickQueue is the tick's own queue, with a worker of its own: behind busy
// scan workers a tick would start late, and the scans it queues later
// than due.
const tickQueue = "labgrid_tick"

// Job priorities: 1 runs first. "Check now" goes before the schedule.
const (
	priorityCheckNow = 1
	prioritySchedule = 2
)

// New prepares a Scheduler on pool; st is a store over the same pool.
// sources gives the grader.Source that reaches a class's students (the
// simulated class for the demo, AWS otherwise). River's tables must exist
// (schema.Migrate). Nothing runs before Start; CheckNow and RescanClass work
// without Start, for a process that only enqueues.
func New(pool *pgxpool.Pool, st *store.Store, sources func(store.Class) (grader.Source, error), cfg Config, logger *slog.Logger) (*Scheduler, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if conns := pool.Config().MaxConns; int(conns) < cfg.Workers+poolSpare {
		return nil, fmt.Errorf("new scheduler: the database pool has %d connections, want at least %d for %d workers (pool_max_conns)", conns, cfg.Workers+poolSpare, cfg.Workers)
	}
	s := &Scheduler{
		pool:    pool,
		store:   st,
		sources: sources,
		cfg:     cfg,
		logger:  logger,
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, &tickWorker{s: s})
	river.AddWorker(workers, &scanWorker{s: s})
	tick := river.NewPeriodicJob(river.PeriodicInterval(cfg.Tick), func() (river.JobArgs, *river.InsertOpts) {
		return tickArgs{}, s.tickOpts()
	}, &river.PeriodicJobOpts{ID: "labgrid_tick", RunOnStart: true})

	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:               map[string]river.QueueConfig{queue: {MaxWorkers: cfg.Workers}, tickQueue: {MaxWorkers: 1}},
		Workers:              workers,
		FetchPollInterval:    fetchPollInterval,
		FetchCooldown:        fetchCooldown,
		PeriodicJobs:         []*river.PeriodicJob{tick},
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          retryPolicy{base: cfg.RetryBackoff, max: maxRetryBackoff},
		// A tick every 2 s and a scan per target every 15 s make many rows;
		// an hour of history is plenty to look into a problem.
		CompletedJobRetentionPeriod: time.Hour,
		Logger:                      riverLogger(logger),
		TestOnly:                    cfg.testOnly,
	})
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.client = client
	return s, nil
}

// Start starts working jobs and, when elected leader, ticking. It returns
// once River runs; Stop ends it (ctx only bounds the start).
func (s *Scheduler) Start(ctx context.Context) error {
	s.stopping.Store(false)
	// River ties its life to the context given to Start: a detached one
	// leaves the end to Stop, which knows how to drain.
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start scheduler: %w", err)
	}
	// The jobs a dead process left first, then a tick of its own at once:
	// after a restart, the periodic ticks wait for a leader, which takes
	// until a dead one's lease runs out (up to 15 s).
	if _, err := s.rescueOrphans(ctx); err != nil {
		s.logger.Warn("looking for jobs of dead processes", "err", oneLine(err))
	}
	if _, err := s.client.Insert(ctx, tickArgs{}, s.tickOpts()); err != nil {
		return fmt.Errorf("start scheduler: first tick: %w", err)
	}
	rescueCtx, stopRescue := context.WithCancel(context.WithoutCancel(ctx))
	s.stopRescue, s.rescueDone = stopRescue, make(chan struct{})
	go func() {
		defer close(s.rescueDone)
		s.rescueLoop(rescueCtx)
	}()
	s.logger.Info("scheduler started", "workers", s.cfg.Workers, "tick", s.cfg.Tick, "interval", s.intervalName())
	return nil
}

// Stop stops taking jobs and waits for the running ones to finish until
// ctx ends; then it cancels them and waits StopGrace more. A cancelled job
// is handed back to the queue untouched (nothing half-saved), to be run
// by another process or after a restart. A job that ignores cancellation
// is left running in the database and rescued after RescueAfter.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopping.Store(true)
	if s.stopRescue != nil {
		s.stopRescue()
		<-s.rescueDone
	}
	err := s.client.Stop(ctx)
	if err == nil {
		s.logger.Info("scheduler stopped")
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop scheduler: %w", err)
	}
	s.logger.Warn("scheduler: jobs still running at the stop deadline; cancelling them")
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.StopGrace)
	defer cancel()
	if err := s.client.StopAndCancel(graceCtx); err != nil {
		return fmt.Errorf("stop scheduler: jobs did not return once cancelled (River rescues them after %s): %w", s.cfg.RescueAfter, err)
	}
	s.logger.Info("scheduler stopped; unfinished jobs handed back")
	return nil
}

func (s *Scheduler) intervalName() string {
	if s.cfg.Interval > 0 {
		return s.cfg.Interval.String()
	}
	return "per class"
}

// interval is the scan interval of class c.
func (s *Scheduler) interval(c store.Class) time.Duration {
	if s.cfg.Interval > 0 {
		return s.cfg.Interval
	}
	if c.ScanInterval > 0 {
		return c.ScanInterval
	}
	return 15 * time.Second
}

// rubric is what class c is judged with.
func (s *Scheduler) rubric(c store.Class) (grader.Judge, error) {
	j, err := s.cfg.Judges(c)
	if err != nil {
		return nil, fmt.Errorf("class %s: %w", c.Name, err)
	}
	return j, nil
}

// retryPolicy backs off exponentially from base, capped at max.
type retryPolicy struct{ base, max time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := p.base
	for i := 1; i < job.Attempt && d < p.max; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, p.max))
}

// riverLogger is logger for River, one step quieter: River reports its
// routine at Info, which is labgrid's Debug.
func riverLogger(logger *slog.Logger) *slog.Logger {
	return slog.New(quieter{logger.Handler()})
}

type quieter struct{ h slog.Handler }

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return q.h.Enabled(ctx, q.level(l))
}

func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	r.Level = q.level(r.Level)
	return q.h.Handle(ctx, r)
}

func (q quieter) level(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}

func (q quieter) WithAttrs(attrs []slog.Attr) slog.Handler { return quieter{q.h.WithAttrs(attrs)} }
func (q quieter) WithGroup(name string) slog.Handler       { return quieter{q.h.WithGroup(name)} }
