package views

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"labgrid/grader"
)

// ReportPage is a class's one-page report, read (and printed) after the
// day: the progress charts, each check's pass rate by lab, the slowest
// checks and the final scores.
type ReportPage struct {
	Page
	Class string
	// NoResults says no student of the class has a result: the page says
	// so instead of its sections.
	NoResults bool
	// Chart is every check of the class, in checklist order (Labs index
	// it).
	Chart ProgressChart
	Labs  []grader.LabInfo
	// Scores are the students' rows as the grid has them, by login.
	Scores []Row
}

// ReportURL is a class's report.
func ReportURL(class string) string { return "/classes/" + segment(class) + "/report" }

// ReportRowID is the id of a student's row of the final scores.
func ReportRowID(studentID int64) string { return "score-" + strconv.FormatInt(studentID, 10) }

// slowestShown is how many of the slowest checks the report lists.
const slowestShown = 5

// SlowCheck is a check and its median time to pass.
type SlowCheck struct {
	Check  ProgressCheck
	Median time.Duration
}

// Slowest are the checks with the longest median time to pass, the
// longest first (ties in checklist order), at most slowestShown; checks
// no one passed have no median and are left out.
func (c ProgressChart) Slowest() []SlowCheck {
	var out []SlowCheck
	for _, ch := range c.Checks {
		if m, ok := ch.Median(); ok {
			out = append(out, SlowCheck{Check: ch, Median: m})
		}
	}
	slices.SortStableFunc(out, func(a, b SlowCheck) int { return cmp.Compare(b.Median, a.Median) })
	return out[:min(len(out), slowestShown)]
}

// LabChecks are the chart's checks of lab l.
func (p *ReportPage) LabChecks(l grader.LabInfo) []ProgressCheck {
	return p.Chart.Checks[l.First:l.End]
}
