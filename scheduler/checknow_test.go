package scheduler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"labgrid/grader/sim"
	"labgrid/store"
)

// Every student of a class pressing "check now" a few times within
// seconds, students sharing accounts: each target has at most one scan
// running and one queued at any moment, and every request is answered by
// a scan of its target that began after it.
func TestCheckNowStorm(t *testing.T) {
	t.Parallel()
	e := setup(t)
	const students, accounts, presses = 24, 6, 3
	class := sim.New(sim.Options{Students: students, Accounts: accounts})
	c := e.class(t, "storm", class)
	rec := newRecorder(class, 300*time.Millisecond) // scans long enough to be pressed during
	s := e.start(t, nil, rec, quickConfig(time.Hour))
	eventually(t, 15*time.Second, "the first scan of everyone", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })
	eventually(t, 10*time.Second, "the first scans done", func() bool { return e.unfinishedScans(t) == 0 })

	// River's job table, watched all along.
	watchCtx, stopWatch := context.WithCancel(e.ctx)
	var (
		watchDone  = make(chan struct{})
		violations []string
		samples    int
	)
	go func() {
		defer close(watchDone)
		for watchCtx.Err() == nil {
			rows, err := e.pool.Query(watchCtx, `SELECT args->>'account_id',
					count(*) FILTER (WHERE state = 'running'),
					count(*) FILTER (WHERE state IN ('available', 'pending', 'scheduled', 'retryable'))
				FROM river_job WHERE kind = 'labgrid_scan_target' AND state IN ('running', 'available', 'pending', 'scheduled', 'retryable')
				GROUP BY 1`)
			if err != nil {
				if watchCtx.Err() == nil {
					t.Errorf("watch: %v", err)
				}
				return
			}
			for rows.Next() {
				var account string
				var running, queued int
				if err := rows.Scan(&account, &running, &queued); err != nil {
					t.Errorf("watch: %v", err)
				}
				if running > 1 || queued > 1 {
					violations = append(violations, fmt.Sprintf("%s %s: %d running, %d queued", time.Now().Format("15:04:05.000"), account, running, queued))
				}
			}
			rows.Close()
			samples++
			time.Sleep(10 * time.Millisecond)
		}
	}()

	type request struct {
		login, target string
		at            time.Time
		job           int64
	}
	var (
		mu       sync.Mutex
		requests []request
		wg       sync.WaitGroup
	)
	for _, st := range class.Roster() {
		wg.Go(func() {
			for range presses {
				time.Sleep(rand.N(2 * time.Second / presses))
				at := time.Now()
				res, err := s.CheckNow(e.ctx, c.ID, st.Login)
				if err != nil {
					t.Errorf("CheckNow(%s): %v", st.Login, err)
					return
				}
				mu.Lock()
				requests = append(requests, request{st.Login, st.TargetOf("").String(), at, res.JobID})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	eventually(t, 30*time.Second, "every check-now answered", func() bool { return e.unfinishedScans(t) == 0 })
	stopWatch()
	<-watchDone

	if len(violations) > 0 {
		t.Errorf("%d of %d samples of the job table with more than one scan running or queued on a target: %v", len(violations), samples, violations)
	}
	jobs := map[int64]bool{}
	for _, r := range requests {
		jobs[r.job] = true
		answered := false
		for _, snap := range rec.snapshots(r.target) {
			answered = answered || snap.After(r.at)
		}
		if !answered {
			t.Errorf("%s's check-now at %s: no scan of %s began after it", r.login, r.at.Format("15:04:05.000"), r.target)
		}
	}
	for id := range jobs {
		job, err := s.client.JobGet(e.ctx, id)
		if err != nil || job.State != rivertype.JobStateCompleted {
			t.Errorf("job %d of a check-now: %v, err %v; want completed", id, job, err)
		}
	}
	rec.mu.Lock()
	overlaps := rec.overlaps
	rec.mu.Unlock()
	if len(overlaps) > 0 {
		t.Errorf("overlapping scans of one target: %v", overlaps)
	}
	t.Logf("%d check-nows of %d students on %d targets: %d scan jobs, %d snapshots in all; %d samples of the job table", len(requests), students, accounts, len(jobs), rec.total(), samples)
}

// unfinishedScans is how many scan jobs are not finished.
func (e *env) unfinishedScans(t *testing.T) int {
	return e.count(t, "SELECT count(*) FROM river_job WHERE kind = 'labgrid_scan_target' AND state NOT IN ('completed', 'cancelled', 'discarded')")
}

// A scheduled scan of the target waiting to start answers a "check now":
// it is moved ahead, not joined by a second queued scan.
func TestCheckNowMovesScheduledScanAhead(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2, Accounts: 1})
	c := e.class(t, "ahead", class)
	s := e.newScheduler(t, nil, newRecorder(class, 0), quickConfig(time.Hour)) // not started: jobs wait
	target := class.Roster()[0].TargetOf("")
	res, err := s.client.Insert(e.ctx, argsFor(c.ID, target, store.TriggerSchedule), s.scheduleOpts())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.CheckNow(e.ctx, c.ID, class.Roster()[1].Login)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != CheckAlreadyQueued || got.JobID != res.Job.ID {
		t.Errorf("CheckNow with a scheduled scan waiting = %+v, want job %d reported", got, res.Job.ID)
	}
	if job, err := s.client.JobGet(e.ctx, res.Job.ID); err != nil || job.Priority != priorityCheckNow || job.State != rivertype.JobStateAvailable {
		t.Errorf("the scheduled job after CheckNow: %+v, %v; want available at priority %d", job, err, priorityCheckNow)
	}
	if n := e.unfinishedScans(t); n != 1 {
		t.Errorf("%d scans queued for the target, want 1", n)
	}
}
