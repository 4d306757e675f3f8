package web

import (
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/store"
)

// A student's standing counts the class's enabled checks only, takes the
// first error in checklist order and dates progress from the latest first
// pass.
func TestStanding(t *testing.T) {
	t.Parallel()
	began := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	cv, err := (&Server{judges: classJudge}).classViewOf(store.Class{Name: "c", CreatedAt: began, Labs: defaultLabs})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(cv.checks))
	for i, c := range cv.checks {
		ids[i] = c.ID
	}
	sum := store.SummaryOf([]store.Result{
		{Result: grader.Result{CheckID: ids[4], Status: grader.StatusFail}, ErrorAt: began, Error: grader.Text{EN: "fourth"}},
		{Result: grader.Result{CheckID: ids[0], Status: grader.StatusPass, Points: 5, CostPerHour: 0.5}, FirstPassedAt: began.Add(10 * time.Minute)},
		{Result: grader.Result{CheckID: ids[2], Status: grader.StatusFail}, FirstPassedAt: began.Add(5 * time.Minute), ErrorAt: began, Error: grader.Text{EN: "second"}},
		// A check the class no longer enables counts nowhere.
		{Result: grader.Result{CheckID: "gone", Status: grader.StatusPass, Points: 100, CostPerHour: 3}, FirstPassedAt: began.Add(50 * time.Minute)},
	})
	st := cv.standing(sum)
	if st.score != 5 || st.costPerHour != 0.5 || st.firstError.EN != "second" {
		t.Errorf("score %d, cost %v, first error %q; want 5, 0.5, second", st.score, st.costPerHour, st.firstError.EN)
	}
	if len(st.checks) != len(ids) || st.checks[1].Status != grader.StatusPending || st.checks[0].Points != 5 || !st.checks[4].HasError {
		t.Errorf("checks %+v", st.checks)
	}
	if lab := cv.labOf[0]; st.labScores[lab] != 5 {
		t.Errorf("lab scores %v", st.labScores)
	}
	if got := st.sinceProgress(began.Add(time.Hour)); got != 50*time.Minute {
		t.Errorf("since progress = %v, want 50m (from the latest first pass of an enabled check)", got)
	}
	if got := cv.standing(store.Summary{}).sinceProgress(began.Add(time.Hour)); got != time.Hour {
		t.Errorf("never scanned: since progress = %v, want 1h (since the class began)", got)
	}

	var all []store.Result
	for _, id := range ids {
		all = append(all, store.Result{Result: grader.Result{CheckID: id, Status: grader.StatusPass}, FirstPassedAt: began})
	}
	if got := cv.standing(store.SummaryOf(all)).sinceProgress(began.Add(time.Hour)); got != 0 {
		t.Errorf("every check passed: since progress = %v, want 0", got)
	}
}
