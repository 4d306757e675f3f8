package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"labgrid/grader/sim"
	"labgrid/internal/devpg"
	"labgrid/internal/schema"
	"labgrid/store"
)

// PostgreSQL going away pauses scanning without a crash; once it is back,
// scanning resumes on its own and the results are stored.
func TestDatabaseRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// A cluster of the test's own: the package's is shared.
	cluster, err := devpg.Start(startCtx, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop(context.Background()) })
	pool := newPool(t, cluster.URL())
	if _, err := schema.Migrate(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, url: cluster.URL(), pool: pool, store: store.New(pool)}
	class := sim.New(sim.Options{Students: 4, Accounts: 2})
	c := e.class(t, "restart", class)
	rec := newRecorder(class, 0)
	e.start(t, nil, rec, quickConfig(300*time.Millisecond))
	eventually(t, 10*time.Second, "a first scan", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })

	if err := cluster.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	// Long enough for scans to fail on the way: jobs, ticks, the lock.
	time.Sleep(1500 * time.Millisecond)
	if err := cluster.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	snapsBefore := rec.total()
	eventually(t, 30*time.Second, "every student scanned and stored after the restart", func() bool {
		return e.allScannedSince(t, c.ID, resumed)
	})
	if rec.total() <= snapsBefore {
		t.Error("no snapshot after the restart")
	}
	if n := e.count(t, "SELECT count(*) FROM scan_runs WHERE class_id = $1 AND started_at > $2", c.ID, resumed); n == 0 {
		t.Error("no scan run stored after the restart")
	}
}

// Stop with a deadline cancels the scan still running, which is handed
// back to the queue, not failed; a new scheduler runs it.
func TestStopHandsBackRunningJobs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2})
	c := e.class(t, "handback", class)
	rec := newRecorder(class, 0)
	rec.block = make(chan struct{}) // every Snapshot waits, until cancelled
	s := e.newScheduler(t, nil, rec, quickConfig(time.Hour))
	if err := s.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a scan running", func() bool {
		return e.count(t, "SELECT count(*) FROM river_job WHERE kind = 'labgrid_scan_target' AND state = 'running'") == 1
	})

	stopCtx, cancel := context.WithTimeout(e.ctx, 300*time.Millisecond)
	defer cancel()
	begun := time.Now()
	if err := s.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if took := time.Since(begun); took > 2*time.Second {
		t.Errorf("Stop took %s with a 300ms deadline", took)
	}
	var state string
	var attempt int
	if err := e.pool.QueryRow(e.ctx, "SELECT state, attempt FROM river_job WHERE kind = 'labgrid_scan_target'").Scan(&state, &attempt); err != nil {
		t.Fatal(err)
	}
	if state != string(rivertype.JobStateAvailable) && state != string(rivertype.JobStateScheduled) {
		t.Errorf("the cancelled job is %s, want it handed back (available)", state)
	}
	if n := e.count(t, "SELECT count(*) FROM scan_runs"); n != 0 {
		t.Errorf("%d scan runs stored by a cancelled scan, want none", n)
	}

	rec.mu.Lock()
	rec.block = nil
	rec.mu.Unlock()
	e.start(t, nil, rec, quickConfig(time.Hour))
	eventually(t, 10*time.Second, "the handed-back scan done by the new scheduler", func() bool {
		return e.allScannedSince(t, c.ID, time.Time{})
	})
}

// A scan that ignores cancellation cannot hold Stop past its deadline and
// grace; its job, left running, is finished by the next scheduler.
func TestStopWithStuckJob(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2})
	c := e.class(t, "stuck", class)
	rec := newRecorder(class, 0)
	release := make(chan struct{})
	rec.block, rec.ignore = release, true
	cfg := quickConfig(time.Hour)
	cfg.StopGrace = 300 * time.Millisecond
	s := e.newScheduler(t, nil, rec, cfg)
	if err := s.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a scan running", func() bool {
		return e.count(t, "SELECT count(*) FROM river_job WHERE kind = 'labgrid_scan_target' AND state = 'running'") == 1
	})
	stopCtx, cancel := context.WithTimeout(e.ctx, 300*time.Millisecond)
	defer cancel()
	begun := time.Now()
	if err := s.Stop(stopCtx); err == nil {
		t.Error("Stop with a job that ignores cancellation: no error")
	}
	if took := time.Since(begun); took > 2*time.Second {
		t.Errorf("Stop took %s with a 300ms deadline and 300ms grace", took)
	}
	// The scan returns at last, into a stopped client.
	rec.mu.Lock()
	rec.block = nil
	rec.mu.Unlock()
	close(release)

	cfg = quickConfig(time.Hour)
	cfg.JobTimeout, cfg.RescueAfter = time.Second, 1500*time.Millisecond
	time.Sleep(cfg.RescueAfter) // a job still running is then rescued at once
	e.start(t, nil, rec, cfg)
	eventually(t, 20*time.Second, "the student scanned and no job left running", func() bool {
		return e.allScannedSince(t, c.ID, time.Time{}) &&
			e.count(t, "SELECT count(*) FROM river_job WHERE state = 'running'") == 0
	})
}

// The job of a process that died mid-scan stays running in the database;
// it is given back (its target lock being free, at once; else by River's
// rescuer after RescueAfter) and it is done.
func TestRescueDeadProcessJob(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2})
	c := e.class(t, "rescue", class)
	// What a killed process leaves: its job running, attempted long ago.
	_, err := e.pool.Exec(e.ctx, `
		INSERT INTO river_job (kind, args, queue, priority, state, attempt, max_attempts, attempted_at, attempted_by, scheduled_at)
		VALUES ('labgrid_scan_target', $1, 'labgrid', 3, 'running', 1, 3, now() - interval '1 hour', '{dead-client}', now() - interval '1 hour')`,
		fmt.Sprintf(`{"class_id": %d, "account_id": "111122223333", "region": "ap-northeast-1", "trigger": "schedule"}`, c.ID))
	if err != nil {
		t.Fatal(err)
	}
	cfg := quickConfig(time.Hour)
	cfg.JobTimeout, cfg.RescueAfter = time.Second, 2*time.Second
	// The schedule's own first scan is that job's twin: uniqueness is keyed
	// on the args, and this forged row has no unique key, so both may run;
	// what matters is that the dead job ends.
	e.start(t, nil, newRecorder(class, 0), cfg)
	eventually(t, 20*time.Second, "the dead job rescued and finished", func() bool {
		return e.count(t, "SELECT count(*) FROM river_job WHERE 'dead-client' = ANY(attempted_by) AND state = 'completed'") == 1
	})
	// The twins meet at the target's lock: one scans, the other skips.
	eventually(t, 10*time.Second, "the students scanned", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })
}

// forgeDead inserts a job as River would and makes it what a process
// killed while running it leaves: running, attempted by a client that is
// gone, a moment ago (River's rescuer waits RescueAfter from then).
func (e *env) forgeDead(t *testing.T, s *Scheduler, args river.JobArgs, opts *river.InsertOpts) int64 {
	t.Helper()
	res, err := s.client.Insert(e.ctx, args, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.pool.Exec(e.ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '2 seconds',
		attempted_by = '{dead-client}' WHERE id = $1`, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return res.Job.ID
}

// A tick left running by a dead process does not stop the ticks after it:
// every class's schedule would stall until River's rescuer took it.
func TestDeadTickDoesNotStallSchedule(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2})
	c := e.class(t, "deadtick", class)
	cfg := quickConfig(time.Hour)
	s := e.newScheduler(t, nil, newRecorder(class, 0), cfg)
	e.forgeDead(t, s, tickArgs{}, s.tickOpts())
	e.start(t, nil, newRecorder(class, 0), cfg)
	// River would rescue the tick after RescueAfter (25 s here).
	eventually(t, 5*time.Second, "the students scanned", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })
}

// The scan job of a process that died mid-scan holds its target's unique
// slot; its target lock, though, died with the process. It is handed back
// at once, not after RescueAfter: it runs again, and the target is scanned.
func TestDeadScanHandedBackAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2})
	c := e.class(t, "deadscan", class)
	cfg := quickConfig(time.Hour)
	s := e.newScheduler(t, nil, newRecorder(class, 0), cfg)
	id := e.forgeDead(t, s, argsFor(c.ID, class.Target(), store.TriggerSchedule), s.scheduleOpts())
	e.start(t, nil, newRecorder(class, 0), cfg)
	eventually(t, 5*time.Second, "the students scanned and the dead job done", func() bool {
		return e.allScannedSince(t, c.ID, time.Time{}) &&
			e.count(t, "SELECT count(*) FROM river_job WHERE id = $1 AND state = 'completed'", id) == 1
	})
}

// A live scan, however long, holds its target's lock: it is never taken
// for a dead process's, by its own scheduler or another.
func TestLiveScanNotHandedBack(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 4, Accounts: 2})
	c := e.class(t, "live", class)
	rec := newRecorder(class, 3*time.Second)
	cfg := quickConfig(500 * time.Millisecond)
	e.start(t, newPool(t, e.url), rec, cfg)
	e.start(t, newPool(t, e.url), rec, cfg)
	eventually(t, 15*time.Second, "every student scanned twice over", func() bool {
		return e.count(t, "SELECT count(*) FROM scan_runs WHERE class_id = $1", c.ID) >= 4
	})
	if n := e.count(t, "SELECT count(*) FROM river_job WHERE metadata ? 'river:rescue_count'"); n != 0 {
		t.Errorf("%d live jobs handed back", n)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.overlaps) > 0 {
		t.Errorf("%d overlapping scans of one target: %v", len(rec.overlaps), rec.overlaps)
	}
}

// A target's lock handed to the transaction that completes its scan is
// free the instant that transaction commits, not after: the check-now
// promoted in it, taken at once by another worker, finds the target free.
func TestTargetLockEndsWithTheCompletingCommit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.newScheduler(t, nil, nil, quickConfig(time.Hour))
	const key = 4242
	lock, err := s.tryLock(e.ctx, key)
	if err != nil || lock == nil {
		t.Fatalf("tryLock = %v, %v", lock, err)
	}
	released := false
	t.Cleanup(func() { // a failure must not leave the pool waiting for it
		if !released {
			lock.release(testLogger(t))
		}
	})
	free := func() bool {
		t.Helper()
		other, err := s.tryLock(e.ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if other == nil {
			return false
		}
		other.release(testLogger(t))
		return true
	}
	tx, err := lock.conn.Begin(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.handOver(e.ctx, tx); err != nil {
		t.Fatal(err)
	}
	if free() {
		t.Fatal("the target is free before the completing transaction commits")
	}
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	if !free() {
		t.Fatal("the target is still locked after the completing transaction committed")
	}
	lock.release(testLogger(t))
	released = true
	if !free() {
		t.Fatal("the target is locked after the release")
	}
}
