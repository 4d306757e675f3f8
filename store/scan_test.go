package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/internal/pgtest"
)

// rowVersions is the xmin of every result and memory row of the class and
// the number of timeline rows: unchanged versions mean nothing was written.
func rowVersions(t *testing.T, ctx context.Context, s *Store, classID int64) (results, memory []string, timeline int) {
	t.Helper()
	read := func(query string) []string {
		rows, err := s.db.Query(ctx, query, classID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	results = read("SELECT r.student_id || '/' || r.check_id || '@' || r.xmin::text FROM results r JOIN students s ON s.id = r.student_id WHERE s.class_id = $1 ORDER BY 1")
	// Every scan writes every scanned student's row (scanned_at): what
	// counts is whether their memory or fingerprints changed.
	memory = read("SELECT m.student_id || '@' || md5(m.memory::text || encode(m.result_index, 'hex')) FROM student_memory m JOIN students s ON s.id = m.student_id WHERE s.class_id = $1 ORDER BY 1")
	timeline = count(t, ctx, s, "SELECT count(*) FROM result_changes c JOIN students s ON s.id = c.student_id WHERE s.class_id = $1", classID)
	return results, memory, timeline
}

func TestSaveScanWritesOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "scan", 3)
	nChecks := len(checkIDs())

	first := scanOf(students, testTime, allStatus(grader.StatusFail))
	first.Reports[0].Memory = writerMemory("db-1", false)
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, first)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 3*nChecks || len(sum.ChangedStudents) != 3 || sum.ScanRunID == 0 {
		t.Errorf("first scan: %+v, want %d results of 3 students", sum, 3*nChecks)
	}
	res1, mem1, tl1 := rowVersions(t, ctx, s, c.ID)
	if len(res1) != 3*nChecks || len(mem1) != 3 || tl1 != 3*nChecks {
		t.Fatalf("first scan stored %d results, %d memories, %d timeline rows", len(res1), len(mem1), tl1)
	}

	// The same verdicts a scan later: nothing to write but the scan run and
	// the time of the scan.
	second := scanOf(students, testTime.Add(15*time.Second), allStatus(grader.StatusFail))
	second.Reports[0].Memory = writerMemory("db-1", false)
	sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, second)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 0 || len(sum.ChangedStudents) != 0 {
		t.Errorf("identical scan: %+v, want no change", sum)
	}
	res2, mem2, tl2 := rowVersions(t, ctx, s, c.ID)
	if !slices.Equal(res1, res2) || !slices.Equal(mem1, mem2) || tl1 != tl2 {
		t.Errorf("identical scan rewrote rows: results %v, memory %v, timeline %d → %d",
			!slices.Equal(res1, res2), !slices.Equal(mem1, mem2), tl1, tl2)
	}

	// One check of one student changes: one result row, one timeline row.
	ids := studentIDs(t, ctx, s, c.ID)
	third := scanOf(students, testTime.Add(30*time.Second), func(login, check string) grader.Status {
		if login == "user02" && check == "aurora.replica" {
			return grader.StatusPass
		}
		return grader.StatusFail
	})
	third.Reports[0].Memory = writerMemory("db-1", false)
	sum, err = s.SaveScan(ctx, c.ID, TriggerManual, third)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 1 || !slices.Equal(sum.ChangedStudents, []int64{ids["user02"]}) {
		t.Errorf("one change: %+v, want 1 result of user02 (%d)", sum, ids["user02"])
	}
	res3, mem3, tl3 := rowVersions(t, ctx, s, c.ID)
	// user02's memory row holds the fingerprints of their results.
	if diff, memDiff := countDiff(res2, res3), countDiff(mem2, mem3); diff != 1 || memDiff != 1 || tl3 != tl2+1 {
		t.Errorf("one change rewrote %d results, %d memory rows, timeline %d → %d", diff, memDiff, tl2, tl3)
	}
	timeline, err := s.Timeline(ctx, ids["user02"])
	if err != nil {
		t.Fatal(err)
	}
	last := timeline[len(timeline)-1]
	if last.CheckID != "aurora.replica" || last.From != grader.StatusFail || last.To != grader.StatusPass ||
		!last.At.Equal(third.FinishedAt) || last.Message.EN != "aurora.replica is pass" {
		t.Errorf("timeline entry = %+v", last)
	}

	// Every scanned student's last scan moves, changed or not.
	for login, id := range ids {
		st, err := s.Student(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !st.LastScannedAt.Equal(third.FinishedAt) {
			t.Errorf("%s last scanned at %v, want %v", login, st.LastScannedAt, third.FinishedAt)
		}
	}
	runs, err := s.ScanRuns(ctx, c.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].Trigger != TriggerManual || runs[0].Targets != 1 || runs[0].AWSCalls != 13 ||
		!runs[0].FinishedAt.Equal(third.FinishedAt) || runs[0].ID != sum.ScanRunID {
		t.Errorf("ScanRuns = %+v", runs)
	}
}

func TestSaveScanChangedContent(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "content", 1)
	id := studentIDs(t, ctx, s, c.ID)["user01"]
	save := func(at time.Time, edit func(r *grader.Result)) SaveSummary {
		t.Helper()
		res := scanOf(students, at, allStatus(grader.StatusFail))
		for i := range res.Reports[0].Results {
			if res.Reports[0].Results[i].CheckID == "web.ami" {
				edit(&res.Reports[0].Results[i])
			}
		}
		sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	save(testTime, func(*grader.Result) {})
	// Same status, other evidence: the result is rewritten, the timeline
	// is not (it records status changes).
	for i, edit := range []func(r *grader.Result){
		func(r *grader.Result) { r.Evidence = append(r.Evidence, "ami-0123") },
		func(r *grader.Result) { r.Evidence = []string{"ami-0123"}; r.Message.JA = "別のメッセージ" },
		func(r *grader.Result) {
			r.Evidence = []string{"ami-0123"}
			r.Message.JA = "別のメッセージ"
			r.Hint.EN = "other hint"
		},
		func(r *grader.Result) { // a cost alone is a change too
			r.Evidence = []string{"ami-0123"}
			r.Message.JA = "別のメッセージ"
			r.Hint.EN = "other hint"
			r.CostPerHour = 0.0152
		},
	} {
		if sum := save(testTime.Add(time.Duration(i+1)*time.Minute), edit); sum.ChangedResults != 1 {
			t.Errorf("edit %d: %d results written, want 1", i, sum.ChangedResults)
		}
	}
	results, err := s.StudentResults(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(results, func(r Result) bool { return r.CheckID == "web.ami" })
	got := results[i]
	if got.Message.JA != "別のメッセージ" || got.Hint.EN != "other hint" || !slices.Equal(got.Evidence, []string{"ami-0123"}) ||
		!got.ObservedAt.Equal(testTime.Add(4*time.Minute)) || !got.ChangedAt.Equal(testTime) || got.CostPerHour != 0.0152 {
		t.Errorf("web.ami = %+v", got)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM result_changes WHERE student_id = $1 AND check_id = 'web.ami'", id); n != 1 {
		t.Errorf("%d timeline rows for web.ami, want 1", n)
	}
}

func TestSaveScanError(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "errors", 2)
	ids := studentIDs(t, ctx, s, c.ID)
	reason := grader.ErrorReason(errors.New("AccessDenied: not authorized"))

	// user01 was judged before the error; user02 never was.
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students[:1], testTime, allStatus(grader.StatusPass))); err != nil {
		t.Fatal(err)
	}
	failing := func(at time.Time, reason grader.Text) *grader.ScanResult {
		res := &grader.ScanResult{StartedAt: at, FinishedAt: at, Targets: []grader.TargetScan{{
			Target: grader.Target{AccountID: "111122223333", Region: "ap-northeast-1", RoleARN: "arn:aws:iam::111122223333:role/r", ExternalID: "very-secret"},
			Err:    errors.New("AccessDenied: not authorized"),
		}}}
		for _, st := range students {
			res.Reports = append(res.Reports, defaultSet().ErrorReport(st, reason, at, grader.Memory{}))
		}
		return res
	}
	errAt := testTime.Add(time.Minute)
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, failing(errAt, reason))
	if err != nil {
		t.Fatal(err)
	}
	nChecks := len(checkIDs())
	if sum.ChangedResults != 2*nChecks {
		t.Errorf("error scan wrote %d results, want %d", sum.ChangedResults, 2*nChecks)
	}
	for _, r := range mustResults(t, ctx, s, ids["user01"]) {
		if r.Status != grader.StatusPass || r.Points != 5 || !r.HasError() || r.Error != reason || !r.ErrorAt.Equal(errAt) ||
			!r.ChangedAt.Equal(testTime) {
			t.Fatalf("user01 %s after the error = %+v, want pass kept with the error beside it", r.CheckID, r)
		}
	}
	for _, r := range mustResults(t, ctx, s, ids["user02"]) {
		if r.Status != grader.StatusError || !r.HasError() || r.Error != reason || r.Message != reason {
			t.Fatalf("user02 %s, never judged = %+v, want status error", r.CheckID, r)
		}
	}
	tl := count(t, ctx, s, "SELECT count(*) FROM result_changes WHERE student_id = $1", ids["user01"])
	if tl != nChecks {
		t.Errorf("user01 has %d timeline rows, want %d: an error is not a status change", tl, nChecks)
	}
	runs, err := s.ScanRuns(ctx, c.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].FailedTargets != 1 || !strings.Contains(runs[0].ErrorSummary, "AccessDenied") || strings.Contains(runs[0].ErrorSummary, "very-secret") {
		t.Errorf("scan run = %+v: want 1 failed target, the reason and never the external id", runs[0])
	}

	// The same error again writes nothing; its start time stays.
	res1, _, tl1 := rowVersions(t, ctx, s, c.ID)
	sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, failing(errAt.Add(time.Minute), reason))
	if err != nil {
		t.Fatal(err)
	}
	res2, _, tl2 := rowVersions(t, ctx, s, c.ID)
	if sum.ChangedResults != 0 || !slices.Equal(res1, res2) || tl1 != tl2 {
		t.Errorf("same error again: %+v, rows rewritten %v", sum, !slices.Equal(res1, res2))
	}
	// Another reason is shown; the error keeps its start time.
	other := grader.ErrorReason(context.DeadlineExceeded)
	if sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, failing(errAt.Add(2*time.Minute), other)); err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 2*nChecks {
		t.Errorf("new reason: %d results written, want %d", sum.ChangedResults, 2*nChecks)
	}
	for _, id := range ids {
		for _, r := range mustResults(t, ctx, s, id) {
			if r.Error != other || !r.ErrorAt.Equal(errAt) {
				t.Fatalf("%s after a new reason: error %v since %v", r.CheckID, r.Error, r.ErrorAt)
			}
		}
	}

	// Judged again: the error clears; user02's status changes error → fail.
	back := testTime.Add(10 * time.Minute)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, back, allStatus(grader.StatusFail))); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		for _, r := range mustResults(t, ctx, s, id) {
			if r.HasError() || r.Status != grader.StatusFail || !r.ChangedAt.Equal(back) {
				t.Fatalf("%s judged again = %+v", r.CheckID, r)
			}
		}
	}
	timeline, err := s.Timeline(ctx, ids["user02"])
	if err != nil {
		t.Fatal(err)
	}
	if len(timeline) != 2*nChecks || timeline[0].From != "" || timeline[0].To != grader.StatusError ||
		timeline[len(timeline)-1].From != grader.StatusError || timeline[len(timeline)-1].To != grader.StatusFail {
		t.Errorf("user02's timeline: %d rows, first %+v, last %+v", len(timeline), timeline[0], timeline[len(timeline)-1])
	}
}

func TestSaveScanFirstPassedKept(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "first-pass", 1)
	id := studentIDs(t, ctx, s, c.ID)["user01"]
	steps := []grader.Status{grader.StatusFail, grader.StatusWarn, grader.StatusFail, grader.StatusPass}
	for i, st := range steps {
		if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime.Add(time.Duration(i)*time.Minute), allStatus(st))); err != nil {
			t.Fatal(err)
		}
		for _, r := range mustResults(t, ctx, s, id) {
			want := time.Time{}
			if i > 0 {
				want = testTime.Add(time.Minute) // the warn: a pass with a caveat
			}
			if !r.FirstPassedAt.Equal(want) || r.Status != st || !r.ChangedAt.Equal(testTime.Add(time.Duration(i)*time.Minute)) {
				t.Fatalf("step %d (%s): %s = status %s, first passed %v, changed %v", i, st, r.CheckID, r.Status, r.FirstPassedAt, r.ChangedAt)
			}
		}
	}
	timeline, err := s.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var ami []string
	for _, ch := range timeline {
		if ch.CheckID == "web.ami" {
			ami = append(ami, fmt.Sprintf("%s→%s", ch.From, ch.To))
		}
	}
	if want := []string{"→fail", "fail→warn", "warn→fail", "fail→pass"}; !slices.Equal(ami, want) {
		t.Errorf("web.ami timeline = %v, want %v", ami, want)
	}
}

func TestSaveScanMemory(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "memory", 2)
	mem, err := s.Memory(ctx, c.ID)
	if err != nil || len(mem) != 0 {
		t.Fatalf("Memory before any scan = %v, %v", mem, err)
	}
	res := scanOf(students, testTime, allStatus(grader.StatusPass))
	res.Reports[0].Memory = writerMemory("lab-db-instance-1", false)
	res.Reports[1].Memory = writerMemory("lab-db-instance-2", true)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	mem, err = s.Memory(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]grader.Memory{
		"user01": writerMemory("lab-db-instance-1", false),
		"user02": writerMemory("lab-db-instance-2", true),
	}
	if len(mem) != 2 || !maps.Equal(mem["user01"], want["user01"]) || !maps.Equal(mem["user02"], want["user02"]) {
		t.Errorf("Memory = %v, want %v", mem, want)
	}
	// A changed memory alone is stored, and is not a result change.
	res = scanOf(students, testTime.Add(time.Minute), allStatus(grader.StatusPass))
	res.Reports[0].Memory = writerMemory("lab-db-instance-2", true)
	res.Reports[1].Memory = want["user02"]
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
	if err != nil {
		t.Fatal(err)
	}
	if mem, _ = s.Memory(ctx, c.ID); !maps.Equal(mem["user01"], res.Reports[0].Memory) || sum.ChangedResults != 0 {
		t.Errorf("after failover: Memory = %v, summary %+v", mem, sum)
	}
}

func TestSaveScanEdges(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "edges", 2)
	ids := studentIDs(t, ctx, s, c.ID)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, allStatus(grader.StatusFail))); err != nil {
		t.Fatal(err)
	}

	// A check the rubric no longer has leaves; a login no longer in the
	// class is reported, not stored.
	res := scanOf(append(students, grader.Student{Login: "gone"}), testTime.Add(time.Minute), allStatus(grader.StatusFail))
	res.Reports[0].Results = slices.DeleteFunc(res.Reports[0].Results, func(r grader.Result) bool { return r.CheckID == "aurora.failover" })
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 1 || !slices.Equal(sum.ChangedStudents, []int64{ids["user01"]}) || !slices.Equal(sum.Unknown, []string{"gone"}) {
		t.Errorf("summary = %+v", sum)
	}
	if n := len(mustResults(t, ctx, s, ids["user01"])); n != len(checkIDs())-1 {
		t.Errorf("user01 has %d results, want %d", n, len(checkIDs())-1)
	}

	// The login matches in any case.
	upper := scanOf(students, testTime.Add(2*time.Minute), allStatus(grader.StatusPass))
	upper.Reports[1].Student.Login = "USER02"
	if sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, upper); err != nil || len(sum.Unknown) != 0 || len(sum.ChangedStudents) != 2 {
		t.Errorf("logins in another case: %+v, %v", sum, err)
	}

	if _, err := s.SaveScan(ctx, -1, TriggerSchedule, res); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown class: err = %v, want ErrNotFound", err)
	}
	if _, err := s.SaveScan(ctx, c.ID, "cron", res); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown trigger: err = %v, want ErrInvalid", err)
	}
	empty := &grader.ScanResult{StartedAt: testTime, FinishedAt: testTime}
	if sum, err := s.SaveScan(ctx, c.ID, TriggerCLI, empty); err != nil || sum.ChangedResults != 0 || sum.ScanRunID == 0 {
		t.Errorf("empty scan: %+v, %v", sum, err)
	}
}

func TestClassSummaries(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "grid", 3)
	mustClass(t, ctx, s, "grid-empty")
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students[:2], testTime, func(login, check string) grader.Status {
		if login == "user02" {
			return grader.StatusPass
		}
		return grader.StatusBlocked
	})); err != nil {
		t.Fatal(err)
	}
	grid, err := s.ClassSummaries(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(grid) != 3 {
		t.Fatalf("%d rows, want 3", len(grid))
	}
	nChecks := len(checkIDs())
	for i, want := range []struct {
		login  string
		n      int
		status grader.Status
	}{{"user01", nChecks, grader.StatusBlocked}, {"user02", nChecks, grader.StatusPass}, {"user03", 0, ""}} {
		row := grid[i]
		if row.Student.Login != want.login || len(row.Summary.Checks) != want.n {
			t.Errorf("row %d: %s with %d results, want %s with %d", i, row.Student.Login, len(row.Summary.Checks), want.login, want.n)
			continue
		}
		if !slices.IsSortedFunc(row.Summary.Checks, func(a, b CheckSummary) int { return strings.Compare(a.CheckID, b.CheckID) }) {
			t.Errorf("%s's results not by check id", want.login)
		}
		for _, r := range row.Summary.Checks {
			if r.Status != want.status || r.HasError {
				t.Errorf("%s %s = %+v", want.login, r.CheckID, r)
			}
			if want.status == grader.StatusPass && (!r.FirstPassedAt.Equal(testTime) || r.Points != 5) {
				t.Errorf("%s %s passed = %+v", want.login, r.CheckID, r)
			}
		}
	}
	if other, err := s.ClassByName(ctx, "grid-empty"); err != nil {
		t.Fatal(err)
	} else if grid, err := s.ClassSummaries(ctx, other.ID); err != nil || len(grid) != 0 {
		t.Errorf("empty class: %v, %v", grid, err)
	}
}

// Several scans of one class saved at once, as two replicas might, leave
// the results and the timeline agreeing with each other.
func TestSaveScanConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, true))
	s := New(pool)
	c, students := mustImport(t, ctx, s, "concurrent", 10)

	const workers, rounds = 4, 8
	statuses := []grader.Status{grader.StatusPass, grader.StatusFail, grader.StatusWarn, grader.StatusBlocked}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range rounds {
				res := scanOf(students, testTime.Add(time.Duration(i*workers+w)*time.Second), func(string, string) grader.Status {
					return statuses[rng.IntN(len(statuses))]
				})
				if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	if n := count(t, ctx, s, "SELECT count(*) FROM scan_runs WHERE class_id = $1", c.ID); n != workers*rounds {
		t.Errorf("%d scan runs, want %d", n, workers*rounds)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM results"); n != len(students)*len(checkIDs()) {
		t.Errorf("%d results, want %d", n, len(students)*len(checkIDs()))
	}
	// Each timeline row starts where the one before it ended, and the last
	// one ends at the current status.
	rows, err := pool.Query(ctx, `
		SELECT c.student_id, c.check_id, coalesce(c.from_status, ''), c.to_status, r.status
		FROM result_changes c JOIN results r USING (student_id, check_id)
		ORDER BY c.student_id, c.check_id, c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type key struct {
		id    int64
		check string
	}
	last := map[key]string{}
	current := map[key]string{}
	for rows.Next() {
		var (
			k                  key
			from, to, existing string
		)
		if err := rows.Scan(&k.id, &k.check, &from, &to, &existing); err != nil {
			t.Fatal(err)
		}
		if from != last[k] || from == to {
			t.Errorf("%v: change %q→%q follows one that ended at %q", k, from, to, last[k])
		}
		last[k], current[k] = to, existing
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for k, to := range last {
		if current[k] != to {
			t.Errorf("%v: timeline ends at %s, result is %s", k, to, current[k])
		}
	}
}

func studentIDs(t testing.TB, ctx context.Context, s *Store, classID int64) map[string]int64 {
	t.Helper()
	students, err := s.Students(ctx, classID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, st := range students {
		ids[st.Login] = st.ID
	}
	return ids
}

func mustResults(t testing.TB, ctx context.Context, s *Store, studentID int64) []Result {
	t.Helper()
	results, err := s.StudentResults(ctx, studentID)
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// countDiff counts the entries of a that b does not have.
func countDiff(a, b []string) int {
	n := 0
	for _, v := range a {
		if !slices.Contains(b, v) {
			n++
		}
	}
	return n
}

// writerMemory is a lab's memory of one value.
func writerMemory(writer string, changed bool) grader.Memory {
	return grader.Memory{"step-3/writer": {Value: writer, Changed: changed}}
}

// ClassLeftovers gives the evidence of the checks asked for that a
// student of the class has not passed, and nothing of passed checks,
// other checks or other classes.
func TestClassLeftovers(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "leftovers", 3)
	ids := checkIDs()
	asked, other := ids[0], ids[1]
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, func(login, check string) grader.Status {
		if login == "user02" {
			return grader.StatusPass
		}
		return grader.StatusFail
	})); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClassLeftovers(ctx, c.ID, []string{asked})
	if err != nil {
		t.Fatal(err)
	}
	byLogin := map[string]map[string][]string{}
	all, err := s.Students(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if ev, ok := got[st.ID]; ok {
			byLogin[st.Login] = ev
		}
	}
	want := []string{asked + ": fail"}
	if len(byLogin) != 2 || !slices.Equal(byLogin["user01"][asked], want) || !slices.Equal(byLogin["user03"][asked], want) {
		t.Errorf("leftovers %v, want user01 and user03 with %q", byLogin, want)
	}
	for login, ev := range byLogin {
		if _, ok := ev[other]; ok {
			t.Errorf("%s: a check not asked for is listed", login)
		}
	}
	if none, err := s.ClassLeftovers(ctx, c.ID, nil); err != nil || len(none) != 0 {
		t.Errorf("no checks: %v, %v", none, err)
	}
}

// A student's results, timeline and memory go with them, whether the
// roster drops them or the class is deleted: nothing is left that names no
// student (no foreign key sees to it: a trigger on students does).
func TestRemovedStudentLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "leavers", 3)
	for i, st := range []grader.Status{grader.StatusFail, grader.StatusPass} {
		if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime.Add(time.Duration(i)*time.Minute), allStatus(st))); err != nil {
			t.Fatal(err)
		}
	}
	orphans := func() int {
		return count(t, ctx, s, `SELECT (SELECT count(*) FROM result_changes c WHERE NOT EXISTS (SELECT FROM students s WHERE s.id = c.student_id))
			+ (SELECT count(*) FROM results r WHERE NOT EXISTS (SELECT FROM students s WHERE s.id = r.student_id))
			+ (SELECT count(*) FROM student_memory m WHERE NOT EXISTS (SELECT FROM students s WHERE s.id = m.student_id))`)
	}
	ids := studentIDs(t, ctx, s, c.ID)
	if _, err := s.ImportRoster(ctx, c.ID, students[:2], true, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	if n := orphans(); n != 0 {
		t.Errorf("after user03 left the roster: %d rows of no student", n)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM result_changes WHERE student_id = $1", ids["user01"]); n != 2*len(checkIDs()) {
		t.Errorf("user01 has %d timeline rows after user03 left, want %d", n, 2*len(checkIDs()))
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM results WHERE student_id = $1", ids["user01"]); n != len(checkIDs()) {
		t.Errorf("user01 has %d results after user03 left, want %d", n, len(checkIDs()))
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM classes WHERE id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	if n := orphans(); n != 0 {
		t.Errorf("after the class was deleted: %d rows of no student", n)
	}
}
