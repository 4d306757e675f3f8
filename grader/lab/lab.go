package lab

import (
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"labgrid/grader"
)

// Lab is a loaded, compiled lab file. It is immutable and safe to share.
type Lab struct {
	ID    string
	Title grader.Text
	// Short is the title where a few words fit (a gradebook's column);
	// the title when the lab gives none.
	Short     grader.Text
	Areas     []Area
	Settings  []Setting
	Resources []*Resource
	Variables []*Variable
	Memory    []*Variable
	// Checks are in the file's order, which is the order of the student's
	// checklist and of the grid's columns.
	Checks []*Check
	// RubricKeys maps the keys of a class's rubric file (the override
	// format of the Go checks, e.g. "names.web_server_1") to what they set
	// here ("names.web1", "settings.vpc_cidr"; "" accepts and ignores the
	// key), so that the files classes already have keep working.
	RubricKeys map[string]string
	// memoryCollects is the data the memory values read: collected
	// whatever checks are enabled, so that a change is seen while the
	// check reading it is off.
	memoryCollects []grader.Data
	// scope numbers the names the expressions read and orders the checks
	// for evaluation; built once per lab (and per override).
	scope *scope
	// adapter makes CEL values of Go ones, with the kinds' types.
	adapter types.Adapter
}

// Area groups checks on the checklist.
type Area struct {
	ID    string
	Title grader.Text
}

// Setting is a value of the handout (a region, an AZ, a CIDR) that rules and
// texts read as settings.<name>.
type Setting struct {
	Name string
	// Value is a string, int64, float64, bool, a []string, []int64,
	// []float64, []bool, or a map[string]float64 (names to numbers: a
	// price table).
	Value any
	Type  *cel.Type
}

// Resource is what a lab finds per student: the records of one kind whose
// name matches a template.
type Resource struct {
	Name string // the CEL variable: vpc, web1, …
	Kind *Kind
	// Template is the name with {user} for the login; * matches any run of
	// characters. Names match after trimming and case-folding.
	Template string
	// Many binds a list of every match; otherwise the best match or null.
	Many bool
	// In names the ec2.vpc resource the matches must belong to ("": the
	// whole account).
	In string
	// Where filters the matches (it is the candidate record).
	Where *Expr
	// Fallback allows, for a student with an account of their own and no
	// match, the lone candidate of the kind (renamed.<name> is then true).
	Fallback bool
	// FallbackWhere narrows the fallback's candidates.
	FallbackWhere *Expr
	// DedicatedAll (only with Many): for a student with an account of
	// their own, every record of the kind in scope and kept by where
	// counts, whatever its name, but the exempt ones (a default VPC, the
	// security groups named default).
	DedicatedAll bool
}

// Variable is a named CEL expression: a lab's or a check's variables.<name>,
// or a memory.<name> value kept between scans.
type Variable struct {
	Name string
	Expr *Expr
}

// Severity says what a rule that does not hold does to its check.
type Severity string

const (
	SeverityFail  Severity = "fail"  // the check fails
	SeverityWarn  Severity = "warn"  // the check passes with a caveat
	SeverityBlock Severity = "block" // the check is not judged (blocked)
	// SeverityPending: what the rule waits for (a probe's answer) is not
	// there yet; the check is pending.
	SeverityPending Severity = "pending"
	// SeverityError: the grader could not look (a rule tests unreadable);
	// the check is error, never the student's fault.
	SeverityError Severity = "error"
)

// Check is one line of a lab's checklist.
type Check struct {
	ID    string
	Area  string
	Title grader.Text
	// Short is the title in a grid's column header, a word or two; the
	// title when the lab gives none.
	Short grader.Text
	// Description says in plain words what the check needs, for the lab's
	// reference (`labgrid lab doc`, which fills in settings and names);
	// optional.
	Description Message
	Points      int
	Required    bool
	Enabled     bool
	// Needs are checks that must pass before this one is judged; otherwise
	// it is blocked.
	Needs     []string
	Variables []*Variable
	// Rules are judged in order; see Rule.
	Rules []*Rule
	// Pass is the message when every rule holds; a warning appends the
	// warn rules' messages to it.
	Pass Message
	// Hint is what to do when the check does not pass and no failing rule
	// has a hint of its own.
	Hint     Message
	Evidence []*Expr
	// ProbeURLs, when set, lists the URLs the prober must GET for this
	// check (a list of strings).
	ProbeURLs *Expr
	// CostPerHour, when set, is a double: what the resources the check
	// found are estimated to cost per hour (what is left running),
	// evaluated after the rules whatever they decided (not when the check
	// is blocked or cannot read its data: then 0); never below 0.
	CostPerHour *Expr
	// ProbeTimeout is how long the prober waits for those URLs' answers,
	// in seconds (an int); 5 when not given.
	ProbeTimeout *Expr
	// Resources are the lab's resources the check reads, directly or
	// through variables; Reads the Snapshot data behind them.
	Resources []string
	Reads     []grader.Data
	// Collects is Reads and the data the check's rules judge the absence
	// of themselves (RDS events): what a scan must collect for it.
	Collects []grader.Data
}

// Rule is one condition of a check: Expr (a bool) must hold, else the
// rule's severity applies with its message and hint. Stop ends the check's
// rules when this one does not hold, so later rules may assume it.
type Rule struct {
	Expr     *Expr
	Severity Severity
	Stop     bool
	Message  Message
	Hint     *Message
}

// Message is a text in both languages whose {{ … }} parts are CEL
// expressions, filled in with what was found.
type Message struct {
	JA, EN Template
}

// Template is a text with {{ expression }} parts.
type Template struct {
	Source string
	Parts  []Part
}

// Part is a literal text or an expression of a Template.
type Part struct {
	Literal string
	Expr    *Expr
}

// Expr is one compiled CEL expression and where it was written.
type Expr struct {
	Source    string
	Line, Col int
	ast       *cel.Ast
	prg       cel.Program
}

// OutputType is the expression's CEL type as the checker inferred it.
func (e *Expr) OutputType() *cel.Type { return e.ast.OutputType() }

// Check returns the check with id, or nil.
func (l *Lab) Check(id string) *Check {
	for _, c := range l.Checks {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// MaxScore is what a student earns by passing every enabled required check.
func (l *Lab) MaxScore() int {
	total := 0
	for _, c := range l.Checks {
		if c.Enabled && c.Required {
			total += c.Points
		}
	}
	return total
}

// Reads is the Snapshot data the lab's enabled checks read.
func (l *Lab) Reads() []grader.Data { return l.data(func(c *Check) []grader.Data { return c.Reads }) }

// Collects is the Snapshot data a scan for this lab must collect: Reads,
// the RDS events and what the memory values read.
func (l *Lab) Collects() []grader.Data {
	out := l.data(func(c *Check) []grader.Data { return c.Collects })
	for _, d := range l.memoryCollects {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func (l *Lab) data(of func(*Check) []grader.Data) []grader.Data {
	var out []grader.Data
	for _, c := range l.Checks {
		if !c.Enabled {
			continue
		}
		for _, d := range of(c) {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// Region is the lab's settings.region: where the students whose roster row
// names no region are looked at. "" when the lab has no such setting.
func (l *Lab) Region() string {
	for _, s := range l.Settings {
		if r, ok := s.Value.(string); ok && s.Name == "region" {
			return r
		}
	}
	return ""
}

// checkInfos describes the enabled checks, in order.
func (l *Lab) checkInfos() []grader.CheckInfo {
	areas := map[string]grader.Text{}
	for _, a := range l.Areas {
		areas[a.ID] = a.Title
	}
	var out []grader.CheckInfo
	for _, c := range l.Checks {
		if !c.Enabled {
			continue
		}
		out = append(out, grader.CheckInfo{
			Lab: l.ID, LabTitle: l.Title, LabShort: l.Short, ID: c.ID, Area: c.Area, AreaTitle: areas[c.Area],
			Title: c.Title, Short: c.Short, Required: c.Required, Points: c.Points, Costs: c.CostPerHour != nil,
		})
	}
	return out
}
