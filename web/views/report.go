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
	// Help are the class's help requests, oldest first.
	Help []HelpRecord
}

// HelpRecord is one help request as the report lists it.
type HelpRecord struct {
	Login, DisplayName string
	Message            string
	RaisedAt           time.Time
	// AnsweredAt ends the wait: the instructor on their way, else the
	// request done or withdrawn; zero while it is still waiting.
	AnsweredAt time.Time
	Done       bool // marked done by the instructor
	Withdrawn  bool // taken back by the student
}

// Waited is how long the student waited, until now for an open one.
func (h HelpRecord) Waited(now time.Time) time.Duration {
	if h.AnsweredAt.IsZero() {
		return now.Sub(h.RaisedAt)
	}
	return h.AnsweredAt.Sub(h.RaisedAt)
}

// MedianWait is the median of the requests' waits (zero for none).
func (p *ReportPage) MedianWait() time.Duration {
	waits := make([]time.Duration, len(p.Help))
	for i, h := range p.Help {
		waits[i] = h.Waited(p.Now)
	}
	slices.Sort(waits)
	m, _ := medianOf(waits)
	return m
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
