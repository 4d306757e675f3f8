package web

import (
	"time"

	"labgrid/grader"
	"labgrid/store"
)

// standing is where a student stands in their class, worked out once from
// the summary of their results and the checks the class enables: what the
// grid's row, the student's page header and the export show of them.
type standing struct {
	// checks are the class's enabled checks (classView.checks), in
	// checklist order: the stored summary, or grader.StatusPending for a
	// check never judged. A stored result of a check the class no longer
	// enables counts nowhere.
	checks []store.CheckSummary
	// score sums the points of checks; labScores by lab (classView.labs).
	score     int
	labScores []int
	// costPerHour sums the checks' estimated costs.
	costPerHour float64
	// firstError is the error of the first check, in checklist order,
	// the last scans could not look at; empty when none.
	firstError grader.Text
	// progressAt is the student's latest first pass, or when the class
	// began; passedAll says every check passed (no progress is due).
	progressAt time.Time
	passedAll  bool
}

// standing works out a student's standing from their summary.
func (cv *classView) standing(sum store.Summary) standing {
	st := standing{
		checks:     make([]store.CheckSummary, len(cv.checks)),
		labScores:  make([]int, len(cv.labs)),
		progressAt: cv.class.Start(),
		passedAll:  true,
	}
	for i, info := range cv.checks {
		st.checks[i] = store.CheckSummary{CheckID: info.ID, Status: grader.StatusPending}
	}
	for _, c := range sum.Checks {
		i, ok := cv.column[c.CheckID]
		if !ok {
			continue
		}
		st.checks[i] = c
		st.score += c.Points
		if lab := cv.labOf[i]; lab >= 0 {
			st.labScores[lab] += c.Points
		}
		st.costPerHour += c.CostPerHour
		if c.FirstPassedAt.After(st.progressAt) {
			st.progressAt = c.FirstPassedAt
		}
	}
	for _, c := range st.checks {
		if !c.Status.Passed() {
			st.passedAll = false
		}
		if c.HasError && st.firstError == (grader.Text{}) {
			st.firstError = c.Error
		}
	}
	return st
}

// sinceProgress is the time since the student's latest first pass (or
// since the class began) at now; zero when every check passed.
func (st standing) sinceProgress(now time.Time) time.Duration {
	if st.passedAll || !now.After(st.progressAt) {
		return 0
	}
	return now.Sub(st.progressAt)
}
