package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"labgrid/grader"
)

// checkSummaries fails t unless every student of the class has the summary
// their results make (read back whole with StudentResults), and no summary
// row is left of a student with no result. It returns the summaries.
func checkSummaries(t *testing.T, ctx context.Context, s *Store, classID int64, when string) []StudentSummary {
	t.Helper()
	got, err := s.ClassSummaries(ctx, classID)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	students, err := s.Students(ctx, classID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(students) {
		t.Fatalf("%s: %d summaries for %d students", when, len(got), len(students))
	}
	withResults := 0
	for i, st := range students {
		if got[i].Student != st {
			t.Errorf("%s: summary %d is of %+v, want %+v", when, i, got[i].Student, st)
		}
		results, err := s.StudentResults(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) > 0 {
			withResults++
		}
		if want := SummaryOf(results); !sameSummary(got[i].Summary, want) {
			t.Errorf("%s: summary of %s =\n%+v\nits results say\n%+v", when, st.Login, got[i].Summary, want)
		}
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM student_memory m JOIN students s ON s.id = m.student_id WHERE s.class_id = $1 AND length(m.result_index) > 1", classID); n != withResults {
		t.Errorf("%s: %d summaries, want %d (one per student with results)", when, n, withResults)
	}
	return got
}

func sameSummary(a, b Summary) bool {
	return slices.EqualFunc(a.Checks, b.Checks, func(x, y CheckSummary) bool {
		return x.CheckID == y.CheckID && x.Status == y.Status && x.Points == y.Points &&
			x.FirstPassedAt.Equal(y.FirstPassedAt) && x.CostPerHour == y.CostPerHour &&
			x.HasError == y.HasError && x.Error == y.Error
	})
}

func TestSummariesFollowSaveScan(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "summary-scan", 6)
	ids := checkIDs()
	checkSummaries(t, ctx, s, c.ID, "before any scan")

	// New: every result written.
	at := testTime
	res := scanOf(students, at, allStatus(grader.StatusFail))
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	sums := checkSummaries(t, ctx, s, c.ID, "first scan")
	if len(sums[0].Summary.Checks) != len(ids) || sums[0].Summary.Checks[0].Status != grader.StatusFail {
		t.Fatalf("first scan: summary %+v, want %d failed checks", sums[0].Summary, len(ids))
	}

	// Changed: user02 passes two checks, one with a cost.
	at = at.Add(time.Minute)
	res = scanOf(students, at, func(login, check string) grader.Status {
		if login == "user02" && (check == ids[0] || check == ids[3]) {
			return grader.StatusPass
		}
		return grader.StatusFail
	})
	res.Reports[1].Results[3].CostPerHour = 0.25
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	sums = checkSummaries(t, ctx, s, c.ID, "changed scan")
	if cs, ok := sums[1].Summary.Check(ids[3]); !ok || cs.Status != grader.StatusPass || cs.Points != 5 || !cs.FirstPassedAt.Equal(at) || cs.CostPerHour != 0.25 {
		t.Errorf("changed scan: user02's %s = %+v, %v", ids[3], cs, ok)
	}

	// Error: user03 cannot be looked at on a judged check; user02's first
	// pass stays when the check fails again.
	at = at.Add(time.Minute)
	res = scanOf(students, at, allStatus(grader.StatusFail))
	res.Reports[2].Results[1] = grader.Result{CheckID: ids[1], Status: grader.StatusError, Message: grader.Text{JA: "見られない", EN: "access denied"}, ObservedAt: at}
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	sums = checkSummaries(t, ctx, s, c.ID, "error scan")
	if cs, _ := sums[2].Summary.Check(ids[1]); !cs.HasError || cs.Error.EN != "access denied" || cs.Status != grader.StatusFail {
		t.Errorf("error scan: user03's %s = %+v, want fail with the error beside it", ids[1], cs)
	}
	if cs, _ := sums[1].Summary.Check(ids[3]); cs.Status != grader.StatusFail || cs.FirstPassedAt.IsZero() {
		t.Errorf("error scan: user02's %s = %+v, want fail, first pass kept", ids[3], cs)
	}

	// Unchanged: nothing written, the summaries stay.
	at = at.Add(time.Minute)
	res.FinishedAt = at
	for i := range res.Reports {
		for j := range res.Reports[i].Results {
			res.Reports[i].Results[j].ObservedAt = at
		}
	}
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 0 {
		t.Fatalf("unchanged scan wrote %d results", sum.ChangedResults)
	}
	checkSummaries(t, ctx, s, c.ID, "unchanged scan")

	// A first scan that cannot look at a check of user04: the error is all
	// there is. A check the rubric no longer has leaves user05's summary.
	other, more := mustImport(t, ctx, s, "summary-scan-2", 2)
	res = scanOfChecks(more, ids[:3], at, allStatus(grader.StatusPass))
	res.Reports[0].Results[2] = grader.Result{CheckID: ids[2], Status: grader.StatusError, Message: grader.Text{EN: "throttled"}, ObservedAt: at}
	if _, err := s.SaveScan(ctx, other.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	sums = checkSummaries(t, ctx, s, other.ID, "first scan with an error")
	if cs, _ := sums[0].Summary.Check(ids[2]); cs.Status != grader.StatusError || !cs.HasError {
		t.Errorf("first scan with an error: %+v", cs)
	}
	at = at.Add(time.Minute)
	res = scanOfChecks(more, ids[:2], at, allStatus(grader.StatusPass))
	if _, err := s.SaveScan(ctx, other.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	sums = checkSummaries(t, ctx, s, other.ID, "a check dropped from the rubric")
	if len(sums[1].Summary.Checks) != 2 {
		t.Errorf("a check dropped from the rubric: %+v, want 2 checks", sums[1].Summary)
	}
	// The first class is untouched by the second's scans.
	checkSummaries(t, ctx, s, c.ID, "after another class's scans")
}

func TestSummariesFollowRosterEdits(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "summary-roster", 4)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, allStatus(grader.StatusPass))); err != nil {
		t.Fatal(err)
	}
	checkSummaries(t, ctx, s, c.ID, "scanned")
	// user01 and user02 pruned, user03 renamed in letter case and
	// edited, a new student added.
	next := []grader.Student{students[2], students[3], {Login: "user99", AccountID: "999900001111"}}
	next[0].Login, next[0].DisplayName = "USER03", "renamed"
	gone := []int64{}
	for _, st := range checkSummaries(t, ctx, s, c.ID, "before the import")[:2] {
		gone = append(gone, st.Student.ID)
	}
	if _, err := s.ImportRoster(ctx, c.ID, next, true, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	sums := checkSummaries(t, ctx, s, c.ID, "after an import with prune")
	if n := count(t, ctx, s, "SELECT count(*) FROM student_memory WHERE student_id = ANY($1)", gone); n != 0 {
		t.Errorf("%d summaries left of pruned students", n)
	}
	for _, st := range sums {
		n := len(st.Summary.Checks)
		switch {
		case st.Student.Login == "user99" && n != 0:
			t.Errorf("the new student has a summary of %d checks", n)
		case st.Student.Login != "user99" && n != len(checkIDs()):
			t.Errorf("%s has a summary of %d checks after the import", st.Student.Login, n)
		}
	}
}

func TestSummariesFollowSetClassLabs(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "summary-labs", 3)
	ids := checkIDs()
	res := scanOf(students, testTime, allStatus(grader.StatusFail))
	// user03 has results of the dropped checks only.
	res.Reports[2].Results = res.Reports[2].Results[5:]
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	checkSummaries(t, ctx, s, c.ID, "scanned")
	if _, err := s.SetClassLabs(ctx, c.ID, defaultLabs, "", ids[:5]); err != nil {
		t.Fatal(err)
	}
	sums := checkSummaries(t, ctx, s, c.ID, "after SetClassLabs")
	if len(sums[0].Summary.Checks) != 5 || len(sums[2].Summary.Checks) != 0 {
		t.Errorf("after SetClassLabs: %d and %d checks, want 5 and none", len(sums[0].Summary.Checks), len(sums[2].Summary.Checks))
	}
	// The next scan brings the checks back.
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime.Add(time.Minute), allStatus(grader.StatusFail))); err != nil {
		t.Fatal(err)
	}
	if sums := checkSummaries(t, ctx, s, c.ID, "scanned again"); len(sums[2].Summary.Checks) != len(ids) {
		t.Errorf("scanned again: %d checks", len(sums[2].Summary.Checks))
	}
}

// A scan that changes several results of a student, of every kind at once
// (a first pass with a cost, an error beside a judged status, an error
// cleared, an error before any judgement replaced by another), keeps the
// summary what the results say.
func TestSummariesFollowSeveralChangesOfAStudent(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "summary-several", 3)
	ids := checkIDs()
	at := testTime
	res := scanOf(students, at, allStatus(grader.StatusFail))
	res.Reports[0].Results[4] = grader.Result{CheckID: ids[4], Status: grader.StatusError, Message: grader.Text{EN: "throttled"}, ObservedAt: at}
	res.Reports[0].Results[5] = grader.Result{CheckID: ids[5], Status: grader.StatusError, Message: grader.Text{JA: "拒否", EN: "denied"}, ObservedAt: at}
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
	checkSummaries(t, ctx, s, c.ID, "first scan")

	at = at.Add(time.Minute)
	res = scanOf(students, at, func(login, check string) grader.Status {
		if login == "user01" && (check == ids[0] || check == ids[16]) {
			return grader.StatusPass
		}
		return grader.StatusFail
	})
	u1 := res.Reports[0].Results
	u1[16].CostPerHour = 1.5
	u1[2] = grader.Result{CheckID: ids[2], Status: grader.StatusError, Message: grader.Text{JA: "見えない", EN: "access denied"}, ObservedAt: at}
	u1[5] = grader.Result{CheckID: ids[5], Status: grader.StatusError, Message: grader.Text{EN: "denied again"}, ObservedAt: at}
	// ids[4] is judged now: its error goes.
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 5 {
		t.Errorf("wrote %d results, want 5", sum.ChangedResults)
	}
	sums := checkSummaries(t, ctx, s, c.ID, "several changes")
	want := map[string]CheckSummary{
		ids[0]:  {Status: grader.StatusPass, Points: 5, FirstPassedAt: at},
		ids[16]: {Status: grader.StatusPass, Points: 5, FirstPassedAt: at, CostPerHour: 1.5},
		ids[2]:  {Status: grader.StatusFail, HasError: true, Error: grader.Text{JA: "見えない", EN: "access denied"}},
		ids[4]:  {Status: grader.StatusFail},
		ids[5]:  {Status: grader.StatusError, HasError: true, Error: grader.Text{EN: "denied again"}},
	}
	for id, w := range want {
		cs, _ := sums[0].Summary.Check(id)
		w.CheckID = id
		if !sameSummary(Summary{Checks: []CheckSummary{cs}}, Summary{Checks: []CheckSummary{w}}) {
			t.Errorf("user01's %s = %+v, want %+v", id, cs, w)
		}
	}

	// Failing again keeps the first passes.
	at = at.Add(time.Minute)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, at, allStatus(grader.StatusFail))); err != nil {
		t.Fatal(err)
	}
	sums = checkSummaries(t, ctx, s, c.ID, "failing again")
	if cs, _ := sums[0].Summary.Check(ids[16]); cs.Status != grader.StatusFail || !cs.FirstPassedAt.Equal(at.Add(-time.Minute)) {
		t.Errorf("failing again: %+v, want fail, first pass kept", cs)
	}
}

// A summary lost (its fingerprints unreadable) is rebuilt from the results
// by the next scan, which writes them all again; the scan after it, once
// more, as the rebuilt fingerprints know no digest; then nothing.
func TestLostSummaryRebuilt(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "summary-lost", 2)
	ids := checkIDs()
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, allStatus(grader.StatusPass))); err != nil {
		t.Fatal(err)
	}
	sums := checkSummaries(t, ctx, s, c.ID, "first scan")
	u2 := sums[1].Student.ID
	if _, err := s.db.Exec(ctx, `UPDATE student_memory SET result_index = '\x63' WHERE student_id = $1`, u2); err != nil {
		t.Fatal(err)
	}
	bumpScanVersion(t, ctx, s, c.ID)
	if got, err := s.ClassSummaries(ctx, c.ID); err != nil || len(got[1].Summary.Checks) != 0 || len(got[0].Summary.Checks) != len(ids) {
		t.Errorf("an unreadable summary reads as %d checks, the other as %d", len(got[1].Summary.Checks), len(got[0].Summary.Checks))
	}
	at := testTime.Add(time.Minute)
	res := scanOf(students, at, func(_, check string) grader.Status {
		if check == ids[3] {
			return grader.StatusFail
		}
		return grader.StatusPass
	})
	for i, want := range []int{1 + len(ids), len(ids), 0} {
		res.FinishedAt = at.Add(time.Duration(i) * time.Second)
		sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ChangedResults != want {
			t.Errorf("scan %d after the loss wrote %d results, want %d", i+1, sum.ChangedResults, want)
		}
		got := checkSummaries(t, ctx, s, c.ID, fmt.Sprintf("scan %d after the loss", i+1))
		if cs, _ := got[1].Summary.Check(ids[3]); cs.Status != grader.StatusFail || !cs.FirstPassedAt.Equal(testTime) {
			t.Errorf("scan %d: user02's %s = %+v, want fail, first passed at %v", i+1, ids[3], cs, testTime)
		}
	}
}
