package grader

import "time"

// CheckInfo describes one check of a class's labs, for listings, column
// headers, exports and the student's checklist.
type CheckInfo struct {
	Lab      string
	LabTitle Text
	// LabShort is the lab's title where a few words fit (a gradebook's
	// column); LabTitle when the lab gives none.
	LabShort  Text
	ID        string
	Area      string
	AreaTitle Text
	Title     Text
	// Short is the title of a grid column: a word or two.
	Short    Text
	Required bool
	// Points is what the check is worth when required.
	Points int
	// Costs says the check estimates what it finds costs
	// (Result.CostPerHour): its lab reports costs even when nothing is
	// left.
	Costs bool
}

// LabInfo is one lab of a class, as its checks (CheckInfo) tell it.
type LabInfo struct {
	ID    string
	Title Text
	Short Text
	// MaxScore is what the lab's required checks are worth.
	MaxScore int
	// Costs says some check of the lab estimates costs (CheckInfo.Costs).
	Costs bool
	// First and End delimit the lab's checks in the list they came from:
	// checks[First:End].
	First, End int
}

// LabsOf groups checks (Judge.Checks, in checklist order) by lab, in
// order: a lab's checks are consecutive. A lab with no enabled check is
// not listed.
func LabsOf(checks []CheckInfo) []LabInfo {
	var out []LabInfo
	for i, c := range checks {
		if n := len(out); n > 0 && out[n-1].ID == c.Lab {
			out[n-1].End = i + 1
		} else {
			short := c.LabShort
			if short == (Text{}) {
				short = c.LabTitle
			}
			out = append(out, LabInfo{ID: c.Lab, Title: c.LabTitle, Short: short, First: i, End: i + 1})
		}
		if c.Required {
			out[len(out)-1].MaxScore += c.Points
		}
		if c.Costs {
			out[len(out)-1].Costs = true
		}
	}
	return out
}

// Judge is what a scan judges students with: the labs of a class (package
// lab). It is immutable and safe to share.
type Judge interface {
	// Title names what is graded (the labs), for a gradebook's column.
	Title() Text
	// Checks lists the enabled checks, in checklist order.
	Checks() []CheckInfo
	// MaxScore is what a student earns by passing every required check.
	MaxScore() int
	// Region is where a student whose roster row names no region works.
	Region() string
	// Collects is the data a scan must collect for the enabled checks.
	Collects() []Data
	// Prepare readies the judging of the students of one snapshot, which
	// must not change while the Judging is used.
	Prepare(snap *Snapshot) Judging
	// ErrorReport is the report of a student whose target could not be
	// looked at: every check is error, with the reason, and earns nothing.
	ErrorReport(st Student, reason Text, at time.Time, prev Memory) Report
}

// Judging judges the students of one snapshot; it is safe for concurrent
// use.
type Judging interface {
	// ProbeTargets lists the URLs the student's enabled checks want
	// probed.
	ProbeTargets(st Student) []ProbeTarget
	// Evaluate judges one student. prev is what the previous scan
	// remembered (nil on the first). It is pure.
	Evaluate(st Student, prev Memory) Report
}
