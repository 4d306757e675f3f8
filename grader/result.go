package grader

import "time"

// Status is the verdict of one check for one student.
type Status string

const (
	StatusPass    Status = "pass"
	StatusWarn    Status = "warn"    // holds, with a caveat; counts as passed
	StatusFail    Status = "fail"    // does not hold: the student has work to do
	StatusBlocked Status = "blocked" // a prerequisite fails, so this was not judged
	StatusError   Status = "error"   // the grader could not look; never the student's fault
	StatusPending Status = "pending" // never scanned yet
)

// Passed reports whether the status earns the check's points.
func (s Status) Passed() bool { return s == StatusPass || s == StatusWarn }

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusPass, StatusWarn, StatusFail, StatusBlocked, StatusError, StatusPending:
		return true
	}
	return false
}

// Text is a message in the two languages every reader of labgrid gets.
type Text struct {
	JA string
	EN string
}

// In returns the text in lang ("ja" or "en"); Japanese is the default.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.JA
}

// Result is one check's verdict for one student at one moment.
type Result struct {
	// Lab is the id of the lab the check belongs to.
	Lab      string
	CheckID  string
	Status   Status
	Required bool
	// Points is what the student earned: MaxPoints when the check is
	// required and passed, else 0.
	Points    int
	MaxPoints int
	Message   Text
	// Hint says what to do in the console; empty when the check passed.
	Hint     Text
	Evidence []string
	// CostPerHour is what the resources the check found are estimated to
	// cost per hour, in the lab's currency (a cleanup's leftovers); 0 for
	// checks that estimate nothing.
	CostPerHour float64
	ObservedAt  time.Time
}

// Memory is what the grader keeps of a student between two scans, so that a
// change seen across scans counts: each lab's memory values, keyed by
// "<lab>/<name>".
type Memory map[string]Memo

// Memo is one remembered value.
type Memo struct {
	Value string `json:"value"`
	// Changed stays true once a change of the value was seen between two
	// scans: a change that was later undone still happened.
	Changed bool `json:"changed"`
}

// Report is the whole verdict for one student after one scan.
type Report struct {
	Student  Student
	Score    int
	MaxScore int
	Results  []Result
	// Memory is what to pass as prev to the next Evaluate of this student.
	Memory Memory
}
