package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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

// scanArgs name one target of one class. No secret goes in: the worker
// reads the students, external id included, from the roster. Every field
// counts in the job's uniqueness.
type scanArgs struct {
	ClassID   int64  `json:"class_id" river:"unique"`
	AccountID string `json:"account_id" river:"unique"`
	Region    string `json:"region" river:"unique"`
	RoleARN   string `json:"role_arn,omitempty" river:"unique"`
	// Trigger is store.TriggerSchedule or store.TriggerManual.
	Trigger string `json:"trigger" river:"unique"`
	// Due, on a scheduled scan, is the time the tick took the target to be
	// due by: some student last scanned at or before it. Not part of the
	// key.
	Due time.Time `json:"due,omitzero"`
}

// ScanKind is the River kind of a scan job: its rows in river_job are
// read by the load test (loadtest) to find scans of one target that
// overlapped.
const ScanKind = "labgrid_scan_target"

func (scanArgs) Kind() string { return ScanKind }

func argsFor(classID int64, t grader.Target, trigger store.Trigger) scanArgs {
	return scanArgs{ClassID: classID, AccountID: t.AccountID, Region: t.Region, RoleARN: t.RoleARN, Trigger: string(trigger)}
}

// reaches reports whether the job's target is where st is looked at.
func (a scanArgs) reaches(st grader.Student, region string) bool {
	t := st.TargetOf(region)
	return t.AccountID == a.AccountID && t.Region == a.Region && t.RoleARN == a.RoleARN
}

// targetName names the target in logs (no external id).
func (a scanArgs) targetName() string {
	return grader.Target{AccountID: a.AccountID, Region: a.Region, RoleARN: a.RoleARN}.String()
}

// unfinished are the states of a job not yet done: a scheduled scan of a
// target is not inserted while another is in one of them, so scans never
// pile up behind a slow or failing target.
func unfinished() []rivertype.JobState {
	return []rivertype.JobState{
		rivertype.JobStateAvailable,
		rivertype.JobStatePending,
		rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}
}

func (s *Scheduler) scheduleOpts() *river.InsertOpts {
	return &river.InsertOpts{
		Queue:      queue,
		Priority:   prioritySchedule,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: unfinished()},
	}
}

// tickArgs is the periodic job that enqueues the scans that are due.
type tickArgs struct{}

func (tickArgs) Kind() string { return "labgrid_tick" }

// tickOpts keep one tick unfinished at most, so that ticks do not pile up
// behind busy workers. A tick left running by a dead process is handed
// back by rescueOrphans: it holds a lock as a scan does.
func (s *Scheduler) tickOpts() *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       tickQueue,
		MaxAttempts: 1, // the next tick is the retry
		UniqueOpts:  river.UniqueOpts{ByState: unfinished()},
	}
}

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	s *Scheduler
}

func (w *tickWorker) Timeout(*river.Job[tickArgs]) time.Duration { return 30 * time.Second }

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[tickArgs]) error {
	lock, err := w.s.tryLock(ctx, tickLockKey)
	if err != nil {
		return fmt.Errorf("tick: %w", err)
	}
	if lock == nil {
		return nil // another tick is under way
	}
	defer lock.release(w.s.logger)
	// On the locked session: a tick takes one connection, as a scan does.
	n, err := w.s.enqueueDue(ctx, lock.conn, time.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		w.s.logger.Debug("tick: scans enqueued", "jobs", n)
	}
	promoted, err := promoteOrphans(ctx, lock.conn)
	if err != nil {
		return fmt.Errorf("tick: %w", err)
	}
	if promoted > 0 {
		w.s.logger.Info("tick: check-nows whose scan before them failed made available", "jobs", promoted)
	}
	return nil
}

// enqueueDue inserts a scheduled scan of every target due one at now: one
// whose interval elapses before the next tick, or with a student never
// scanned. It returns how many jobs it inserted; targets with a scan still
// unfinished are skipped by River's uniqueness.
func (s *Scheduler) enqueueDue(ctx context.Context, conn *pgxpool.Conn, now time.Time) (int, error) {
	st := store.New(conn)
	classes, err := st.Classes(ctx)
	if err != nil {
		return 0, fmt.Errorf("tick: %w", err)
	}
	var params []river.InsertManyParams
	for _, c := range classes {
		rubric, err := s.rubric(c)
		if err != nil {
			s.logger.Warn("tick: class skipped", "class", c.Name, "err", err)
			continue
		}
		students, err := st.Students(ctx, c.ID)
		if err != nil {
			return 0, fmt.Errorf("tick: class %s: %w", c.Name, err)
		}
		due := now.Add(-(s.interval(c) - s.lead()))
		for _, a := range dueTargets(c.ID, students, rubric.Region(), due) {
			params = append(params, river.InsertManyParams{Args: a, InsertOpts: s.scheduleOpts()})
		}
	}
	if len(params) == 0 {
		return 0, nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("tick: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	results, err := s.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("tick: enqueue %d scans: %w", len(params), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("tick: enqueue %d scans: %w", len(params), err)
	}
	n := 0
	for _, r := range results {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// lead is how long before its interval elapses a target is due: the wait
// for the next tick, and for the scan to start once queued (River's poll,
// and the tick's own start), no more than a tick.
func (s *Scheduler) lead() time.Duration { return s.cfg.Tick + min(startSlack, s.cfg.Tick) }

// dueTargets are the targets of a class (grader.Groups, less the external
// id, which is not part of a job's key) with a student never scanned or
// last scanned before due.
func dueTargets(classID int64, students []store.Student, region string, due time.Time) []scanArgs {
	roster := make([]grader.Student, len(students))
	lastScanned := make(map[string]time.Time, len(students))
	for i, st := range students {
		roster[i] = st.Student
		lastScanned[st.Login] = st.LastScannedAt
	}
	var out []scanArgs
	seen := map[scanArgs]bool{}
	for _, g := range grader.Groups(roster, region) {
		a := argsFor(classID, g.Target, store.TriggerSchedule)
		a.Due = due
		if seen[a] {
			continue
		}
		for _, st := range g.Students {
			if last := lastScanned[st.Login]; scanDue(last, due) {
				seen[a] = true
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// scanDue reports whether a student last scanned at last is due a scan
// by due.
func scanDue(last, due time.Time) bool { return last.IsZero() || !last.After(due) }

// lateBy is how late a scheduled scan of a's target, started at started,
// is past when it was due: the oldest last scan of its students plus
// interval, as the tick judges (scanDue); 0 when early. Neither a first
// scan (a student never scanned) nor a manual one is late.
func lateBy(a scanArgs, students []store.Student, region string, interval time.Duration, started time.Time) (time.Duration, bool) {
	if a.Trigger != string(store.TriggerSchedule) {
		return 0, false
	}
	var oldest time.Time
	for _, st := range students {
		if !a.reaches(st.Student, region) {
			continue
		}
		if st.LastScannedAt.IsZero() {
			return 0, false
		}
		if oldest.IsZero() || st.LastScannedAt.Before(oldest) {
			oldest = st.LastScannedAt
		}
	}
	if oldest.IsZero() {
		return 0, false
	}
	return max(started.Sub(oldest.Add(interval)), 0), true
}

// stillDue reports whether a scheduled scan's target is due yet: the tick
// judged it from students it read perhaps just before another job's save
// of them, and the job would then scan them again for nothing.
func stillDue(a scanArgs, students []store.Student, region string) bool {
	for _, st := range students {
		if a.reaches(st.Student, region) && scanDue(st.LastScannedAt, a.Due) {
			return true
		}
	}
	return false
}

type scanWorker struct {
	river.WorkerDefaults[scanArgs]
	s *Scheduler
}

func (w *scanWorker) Timeout(*river.Job[scanArgs]) time.Duration { return w.s.cfg.JobTimeout }

func (w *scanWorker) Work(ctx context.Context, job *river.Job[scanArgs]) error {
	started := time.Now()
	s, a := w.s, job.Args
	logger := s.logger.With("class_id", a.ClassID, "target", a.targetName(), "trigger", a.Trigger, "job", job.ID, "attempt", job.Attempt)
	fail := func(err error) error {
		return s.jobError(ctx, logger, fmt.Errorf("scan %s of class %d: %w", a.targetName(), a.ClassID, err))
	}

	lock, err := s.tryLock(ctx, a.lockKey())
	if err != nil {
		return fail(err)
	}
	if lock == nil {
		if a.Trigger == string(store.TriggerManual) {
			// Another scan of the target is under way, perhaps from before
			// the student's change: look again once it is done.
			return river.JobSnooze(busySnooze)
		}
		logger.Debug("scan skipped: the target is being scanned by another job")
		return nil
	}
	defer lock.release(logger)
	// Everything runs on the locked connection: one connection per job.
	st := store.New(lock.conn)

	class, err := st.Class(ctx, a.ClassID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("scan of class %d: %w", a.ClassID, err))
	}
	if err != nil {
		return fail(err)
	}
	rubric, err := s.rubric(class)
	if err != nil {
		return river.JobCancel(err) // no retry mends a rubric
	}
	// Under the lock, every save of the target is seen.
	saved, err := st.Students(ctx, a.ClassID)
	if err != nil {
		return fail(err)
	}
	// skip completes the job with nothing scanned.
	skip := func(why string) error {
		logger.Debug("scan skipped: " + why)
		if err := completeJob(ctx, lock, job, nil); err != nil {
			return fail(err)
		}
		return nil
	}
	if !a.Due.IsZero() && !stillDue(a, saved, rubric.Region()) {
		return skip("the target was scanned since it was due")
	}
	var students []grader.Student
	for _, stu := range store.RosterOf(saved) {
		if a.reaches(stu, rubric.Region()) {
			students = append(students, stu)
		}
	}
	if len(students) == 0 {
		return skip("no student left on the target")
	}
	interval := s.interval(class)
	if lag, ok := lateBy(a, saved, rubric.Region(), interval, started); ok {
		s.cfg.Metrics.ObserveScanLag(class.Name, lag)
		logger = logger.With("lag", lag)
		if lag > interval {
			logger.Warn("scan late by more than its interval: more targets than workers can scan in one", "interval", interval, "workers", s.cfg.Workers)
		}
	}
	memory, err := st.Memory(ctx, a.ClassID)
	if err != nil {
		return fail(err)
	}
	source, err := s.sources(class)
	if err != nil {
		return fail(fmt.Errorf("source: %w", err))
	}

	scanner := &grader.Scanner{Source: source, Judge: rubric, Concurrency: 1, Logger: logger, Prober: s.proberFor(source)}
	res := scanner.Scan(ctx, students, memory)
	// A scan cut short by the job's end is not a result: the students'
	// AWS did not fail, labgrid did.
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	var sum store.SaveSummary
	if err := completeJob(ctx, lock, job, func(tx pgx.Tx) (err error) {
		sum, err = s.store.With(tx).SaveScan(ctx, a.ClassID, store.Trigger(a.Trigger), res)
		return err
	}); err != nil {
		return fail(err)
	}
	s.cfg.Metrics.ObserveScan(class.Name, metrics.TargetLabel(a.AccountID, a.Region), res.FinishedAt.Sub(res.StartedAt))
	logger.Debug("target scanned", "students", len(students), "changed", sum.ChangedResults,
		"aws_calls", res.AWSCalls, "failed_targets", res.Failed(), "duration", res.FinishedAt.Sub(res.StartedAt))
	return nil
}

// completeJob ends a job on its target lock's session, in one
// transaction: what save writes (nil: nothing, the job scanned nothing),
// the job marked completed, the check-now waiting behind it made
// available, and the lock handed over to end with the commit. A running
// job whose lock is free is then never one whose results are saved (see
// rescueOrphans).
func completeJob(ctx context.Context, lock *targetLock, job *river.Job[scanArgs], save func(pgx.Tx) error) error {
	tx, err := lock.conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("complete job: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if save != nil {
		if err := save(tx); err != nil {
			return err
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete job: %w", err)
	}
	if err := promoteNext(ctx, tx, job.Args); err != nil {
		return err
	}
	if err := lock.handOver(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("complete job: %w", err)
	}
	return nil
}

// jobError is what a job returns for err. A job cancelled by Stop is
// handed back as it was, to run again at once elsewhere or after a
// restart, without spending an attempt; anything else is retried with
// backoff by River.
func (s *Scheduler) jobError(ctx context.Context, logger *slog.Logger, err error) error {
	if ctx.Err() != nil && s.stopping.Load() {
		logger.Info("scan handed back: shutting down")
		return river.JobSnooze(0)
	}
	logger.Warn("scan failed; River retries it", "err", oneLine(err))
	return err
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
