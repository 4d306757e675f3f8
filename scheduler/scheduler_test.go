package scheduler

import (
	"context"
	"errors"
	"labgrid/labs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/store"
)

// Every target is scanned on schedule, once per interval, and every
// student's results are stored.
func TestPeriodicScans(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 6, Accounts: 3})
	c := e.class(t, "periodic", class)
	rec := newRecorder(class, 0)
	const interval = time.Second
	started := time.Now()
	e.start(t, nil, rec, quickConfig(interval))

	eventually(t, 10*time.Second, "every student scanned", func() bool { return e.allScannedSince(t, c.ID, started) })
	targets := class.Targets()
	eventually(t, 15*time.Second, "four scans of every target", func() bool {
		for _, tg := range targets {
			if len(rec.snapshots(tg.String())) < 4 {
				return false
			}
		}
		return true
	})
	for _, tg := range targets {
		snaps := rec.snapshots(tg.String())
		// The first comes at once (never scanned); then one per interval,
		// started up to a tick early, never a tick-and-some late.
		if first := snaps[0].Sub(started); first > 3*time.Second {
			t.Errorf("%s: first scan %s after the start", tg, first)
		}
		for i := 1; i < 4; i++ {
			gap := snaps[i].Sub(snaps[i-1])
			if gap < interval-200*time.Millisecond || gap > interval+1500*time.Millisecond {
				t.Errorf("%s: scans %d and %d %s apart, want about %s", tg, i, i+1, gap, interval)
			}
		}
	}
	runs, err := e.store.ScanRuns(e.ctx, c.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Trigger != store.TriggerSchedule || r.Targets != 1 || r.FailedTargets != 0 {
			t.Errorf("scan run %+v: want one scheduled target, none failed", r)
		}
	}
	grid, err := e.store.ClassSummaries(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	set, err := labs.ForClass(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	checks := len(set.Checks()) // the enabled checks: the active probes are off by default
	for _, row := range grid {
		if len(row.Summary.Checks) != checks {
			t.Errorf("%s: %d results, want %d", row.Student.Login, len(row.Summary.Checks), checks)
		}
	}
}

// "Check now" queues one high-priority job for the student's target,
// whose args hold no secret. A request while it waits joins it; one while
// it runs queues the next, pending until it ends; one more joins that.
func TestCheckNow(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 4, Accounts: 2})
	roster := class.Roster()
	for i := range roster {
		roster[i].RoleARN = "arn:aws:iam::" + roster[i].AccountID + ":role/labgrid-grader"
		roster[i].ExternalID = "ext-SECRET-" + roster[i].AccountID
	}
	c := mustClass(t, e.ctx, e.store, "checknow", roster)
	rec := newRecorder(class, 0)
	// The schedule scans everyone once at the start, then leaves the
	// targets alone for an hour.
	s := e.start(t, nil, rec, quickConfig(time.Hour))
	eventually(t, 10*time.Second, "the first scan of everyone", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })
	eventually(t, 5*time.Second, "the first scans done", func() bool { return e.unfinishedScans(t) == 0 })

	// Scans wait until released.
	release := make(chan struct{})
	rec.mu.Lock()
	rec.block = release
	rec.mu.Unlock()
	target := roster[1].TargetOf("").String() // user02, second account
	before := len(rec.snapshots(target))
	first, err := s.CheckNow(e.ctx, c.ID, "USER02")
	if err != nil {
		t.Fatal(err)
	}
	if first.State != CheckQueued || !first.Queued() || first.Target != target || first.Students != 2 || first.JobID == 0 {
		t.Errorf("CheckNow = %+v, want a new job for the 2 students of %s", first, target)
	}
	if strings.Contains(first.Target, "SECRET") {
		t.Errorf("CheckNow names the target %q, with its external id", first.Target)
	}
	job, err := s.client.JobGet(e.ctx, first.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Priority != priorityCheckNow || job.Kind != "labgrid_scan_target" {
		t.Errorf("job priority %d kind %s, want %d labgrid_scan_target", job.Priority, job.Kind, priorityCheckNow)
	}
	if n := e.count(t, "SELECT count(*) FROM river_job WHERE args::text LIKE '%SECRET%'"); n != 0 {
		t.Errorf("%d job rows hold an external id", n)
	}

	eventually(t, 10*time.Second, "the first scan under way", func() bool { return len(rec.snapshots(target)) > before })
	second, err := s.CheckNow(e.ctx, c.ID, "user04") // same account, while it runs
	if err != nil {
		t.Fatal(err)
	}
	if !second.Queued() || second.JobID == first.JobID {
		t.Errorf("CheckNow while the scan runs = %+v, want a new job after job %d", second, first.JobID)
	}
	third, err := s.CheckNow(e.ctx, c.ID, "user02")
	if err != nil {
		t.Fatal(err)
	}
	if third.State != CheckAlreadyQueued || third.JobID != second.JobID {
		t.Errorf("CheckNow while one waits = %+v, want job %d reported", third, second.JobID)
	}
	if job, err := s.client.JobGet(e.ctx, second.JobID); err != nil || job.State != rivertype.JobStatePending {
		t.Errorf("the job queued behind a running one: %v, err %v; want pending", job, err)
	}

	close(release)
	for _, id := range []int64{first.JobID, second.JobID} {
		eventually(t, 10*time.Second, "the manual scans stored and their jobs done", func() bool {
			job, err := s.client.JobGet(e.ctx, id)
			return err == nil && job.State == rivertype.JobStateCompleted
		})
	}
	if n := e.count(t, "SELECT count(*) FROM scan_runs WHERE class_id = $1 AND trigger = 'manual'", c.ID); n != 2 {
		t.Errorf("%d manual scan runs stored, want 2", n)
	}
	if got := len(rec.snapshots(target)) - before; got != 2 {
		t.Errorf("%d snapshots of %s after three check-nows, want 2", got, target)
	}

	if _, err := s.CheckNow(e.ctx, c.ID, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CheckNow(nobody): err = %v, want ErrNotFound", err)
	}
	if _, err := s.CheckNow(e.ctx, c.ID+1000, "user01"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CheckNow in no class: err = %v, want ErrNotFound", err)
	}

	// RescanClass: a manual job per target, joining those queued.
	rec.mu.Lock()
	held := make(chan struct{}) // scans wait until the end
	rec.block = held
	rec.mu.Unlock()
	snaps := rec.total()
	if err := s.RescanClass(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "both targets' scans under way", func() bool { return rec.total() == snaps+2 })
	for range 2 { // the first queues one behind each scan; the second joins them
		if err := s.RescanClass(e.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	manual := "SELECT count(*) FROM river_job WHERE kind = 'labgrid_scan_target' AND args->>'trigger' = 'manual' AND state = $1"
	if running, pending := e.count(t, manual, "running"), e.count(t, manual, "pending"); running != 2 || pending != 2 {
		t.Errorf("after three rescans during two scans: %d running, %d pending; want 2 and 2", running, pending)
	}
	close(held)
	eventually(t, 10*time.Second, "the rescans done", func() bool { return e.unfinishedScans(t) == 0 })
	if got := rec.total() - snaps; got != 4 {
		t.Errorf("%d snapshots for three rescans, want 4", got)
	}
}

// Two schedulers (two labgrid processes) on one database, scanning every
// 500 ms while students press "check now" on both: no target is ever
// scanned twice at once, and every one is scanned.
func TestTwoSchedulersNeverOverlap(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 20, Accounts: 10})
	c := e.class(t, "two", class)
	// Each Snapshot takes 150 ms, so that scans of one target would meet
	// if anything let them.
	rec := newRecorder(class, 150*time.Millisecond)
	cfg := quickConfig(500 * time.Millisecond)
	a := e.start(t, newPool(t, e.url), rec, cfg)
	b := e.start(t, newPool(t, e.url), rec, cfg)

	ctx, cancel := context.WithTimeout(e.ctx, 4*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i, s := range []*Scheduler{a, b} {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				login := class.Roster()[(n*7+i)%20].Login
				if _, err := s.CheckNow(ctx, c.ID, login); err != nil && ctx.Err() == nil {
					t.Errorf("CheckNow(%s): %v", login, err)
				}
				time.Sleep(30 * time.Millisecond)
			}
		})
	}
	wg.Wait()

	// Every target keeps being scanned: three scans each, however slow
	// the machine (the schedule runs every 500 ms; a loaded CI machine
	// may need longer than the storm's 4 s).
	deadline := time.Now().Add(30 * time.Second)
	for _, tg := range class.Targets() {
		for len(rec.snapshots(tg.String())) < 3 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if n := len(rec.snapshots(tg.String())); n < 3 {
			t.Errorf("%s scanned %d times in 34 s, want 3 or more", tg, n)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.overlaps) > 0 {
		t.Errorf("%d overlapping scans of one target: %v", len(rec.overlaps), rec.overlaps)
	}
	t.Logf("%d snapshots of 10 targets", func() int {
		n := 0
		for _, c := range rec.calls {
			n += len(c)
		}
		return n
	}())
}

// An AWS error keeps every student's last judged status and shows the
// error beside it; the next good scan clears it.
func TestSourceFailsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 4, Accounts: 2})
	c := e.class(t, "fails", class)
	rec := newRecorder(class, 0)
	e.start(t, nil, rec, quickConfig(300*time.Millisecond))
	eventually(t, 10*time.Second, "a first scan", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })

	failing := class.Targets()[0]
	rec.mu.Lock()
	rec.failNext[failing.AccountID] = &sim.APIError{Code: "Throttling", Message: "Rate exceeded"}
	rec.mu.Unlock()

	students, err := e.store.Students(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var failed, fine store.Student
	for _, st := range students {
		if st.AccountID == failing.AccountID {
			failed = st
		} else {
			fine = st
		}
	}
	var sawError bool
	eventually(t, 10*time.Second, "the error recorded, then cleared", func() bool {
		results, err := e.store.StudentResults(e.ctx, failed.ID)
		if err != nil || len(results) == 0 {
			return false
		}
		errs := 0
		for _, r := range results {
			if r.HasError() {
				errs++
				if r.Status == grader.StatusError || !strings.Contains(r.Error.EN, "Throttling") {
					t.Fatalf("%s during the error: status %s, error %q; want the judged status and the reason", r.CheckID, r.Status, r.Error.EN)
				}
			}
		}
		if errs == len(results) {
			sawError = true
		}
		return sawError && errs == 0
	})
	results, err := e.store.StudentResults(e.ctx, fine.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.HasError() || r.Status == grader.StatusError {
			t.Errorf("%s of the other account: %s, error %q", r.CheckID, r.Status, r.Error.EN)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM scan_runs WHERE class_id = $1 AND failed_targets = 1 AND error_summary LIKE '%Throttling%'", c.ID); n != 1 {
		t.Errorf("%d scan runs record the failure, want 1", n)
	}
}

func TestDueTargets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	due := now.Add(-15 * time.Second)
	st := func(login, account, region, role, ext string, scanned time.Time) store.Student {
		return store.Student{Student: grader.Student{Login: login, AccountID: account, Region: region, RoleARN: role, ExternalID: ext}, LastScannedAt: scanned}
	}
	students := []store.Student{
		st("a1", "111", "", "", "", now.Add(-20*time.Second)),                  // due
		st("a2", "111", "ap-northeast-1", "", "", now.Add(-5*time.Second)),     // same target as a1
		st("b1", "222", "", "", "", now.Add(-5*time.Second)),                   // fresh
		st("c1", "333", "", "arn:r", "x1", now.Add(-5*time.Second)),            // fresh…
		st("c2", "333", "", "arn:r", "x2", time.Time{}),                        // …but this one never scanned
		st("d1", "444", "us-east-1", "", "", now.Add(-15*time.Second)),         // exactly due
		st("e1", "555", "", "", "", now.Add(-15*time.Second+time.Millisecond)), // not yet
	}
	got := dueTargets(7, students, "ap-northeast-1", due)
	want := []scanArgs{
		{ClassID: 7, AccountID: "111", Region: "ap-northeast-1", Trigger: "schedule", Due: due},
		{ClassID: 7, AccountID: "333", Region: "ap-northeast-1", RoleARN: "arn:r", Trigger: "schedule", Due: due},
		{ClassID: 7, AccountID: "444", Region: "us-east-1", Trigger: "schedule", Due: due},
	}
	if len(got) != len(want) {
		t.Fatalf("dueTargets = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("dueTargets[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}

	// The job looks again: a target whose students were scanned since the
	// tick read them is no longer due.
	for _, a := range got {
		if !stillDue(a, students, "ap-northeast-1") {
			t.Errorf("%s: not still due from the students it was found due by", a.targetName())
		}
	}
	students[0].LastScannedAt = now
	students[4].LastScannedAt = now
	for _, a := range got[:2] {
		if stillDue(a, students, "ap-northeast-1") {
			t.Errorf("%s: still due once its students were scanned", a.targetName())
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	e := setup(t)
	src := func(store.Class) (grader.Source, error) { return nil, errors.New("unused") }
	for name, cfg := range map[string]Config{
		"rescue before timeout": {JobTimeout: time.Minute, RescueAfter: time.Second},
		"negative interval":     {Interval: -time.Second},
		"pool too small":        {Workers: 100},
	} {
		if _, err := New(e.pool, e.store, src, cfg, nil); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	p := retryPolicy{base: 2 * time.Second, max: 30 * time.Second}
	for attempt, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 10: 30 * time.Second} {
		got := time.Until(p.NextRetry(&rivertype.JobRow{Attempt: attempt}))
		if got < want-time.Second || got > want {
			t.Errorf("attempt %d: retry in %s, want %s", attempt, got, want)
		}
	}
	var _ river.ClientRetryPolicy = p
}
