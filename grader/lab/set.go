package lab

import (
	"fmt"
	"slices"
	"time"

	"labgrid/grader"
)

// Set is the labs a class is judged against, in checklist order: the
// grader.Judge of a scan. It is immutable and safe to share.
type Set struct {
	labs   []*Lab
	region string
	checks []grader.CheckInfo
}

var _ grader.Judge = (*Set)(nil)

// NewSet combines labs. Their lab ids and check ids must be distinct
// (results are stored by check id), and the labs that set a region must
// agree on it: a student is scanned in one region.
func NewSet(labs ...*Lab) (*Set, error) {
	if len(labs) == 0 {
		return nil, fmt.Errorf("lab set: no lab")
	}
	s := &Set{labs: labs}
	labOf := map[string]string{}
	regionFrom := ""
	for i, l := range labs {
		for _, other := range labs[:i] {
			if other.ID == l.ID {
				return nil, fmt.Errorf("lab set: the lab %s is given twice", l.ID)
			}
		}
		for _, c := range l.Checks {
			if first, dup := labOf[c.ID]; dup {
				return nil, fmt.Errorf("lab set: the check %s is in both %s and %s", c.ID, first, l.ID)
			}
			labOf[c.ID] = l.ID
		}
		if r := l.Region(); r != "" {
			if s.region != "" && r != s.region {
				return nil, fmt.Errorf("lab set: the lab %s is in region %s but %s is in %s", l.ID, r, regionFrom, s.region)
			}
			s.region, regionFrom = r, l.ID
		}
		s.checks = append(s.checks, l.checkInfos()...)
	}
	return s, nil
}

// Labs are the set's labs, in order.
func (s *Set) Labs() []*Lab { return slices.Clone(s.labs) }

// Checks lists the enabled checks of every lab, in order.
func (s *Set) Checks() []grader.CheckInfo { return slices.Clone(s.checks) }

// Title names what the set grades: its labs' short titles.
func (s *Set) Title() grader.Text {
	var parts []grader.Text
	for _, l := range s.labs {
		parts = append(parts, l.Short)
	}
	return joinTexts(parts, "、", ", ")
}

// MaxScore is what a student earns by passing every required check.
func (s *Set) MaxScore() int {
	total := 0
	for _, l := range s.labs {
		total += l.MaxScore()
	}
	return total
}

// Region is the labs' settings.region, or "" when none sets one.
func (s *Set) Region() string { return s.region }

// Collects is the data the enabled checks of every lab need collected.
func (s *Set) Collects() []grader.Data {
	var out []grader.Data
	for _, l := range s.labs {
		for _, d := range l.Collects() {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// Prepare builds the World of snap, once for every lab and student.
func (s *Set) Prepare(snap *grader.Snapshot) grader.Judging {
	return &judging{set: s, world: NewWorld(snap)}
}

// ErrorReport makes every enabled check error with reason.
func (s *Set) ErrorReport(st grader.Student, reason grader.Text, at time.Time, prev grader.Memory) grader.Report {
	rep := grader.Report{Student: st, MaxScore: s.MaxScore(), Memory: prev}
	for _, c := range s.checks {
		maxPoints := 0
		if c.Required {
			maxPoints = c.Points
		}
		rep.Results = append(rep.Results, grader.Result{
			Lab: c.Lab, CheckID: c.ID, Status: grader.StatusError, Required: c.Required, MaxPoints: maxPoints,
			Message: reason, Hint: errorHint, ObservedAt: at,
		})
	}
	return rep
}

type judging struct {
	set   *Set
	world *World
}

func (j *judging) ProbeTargets(st grader.Student) []grader.ProbeTarget {
	var out []grader.ProbeTarget
	for _, l := range j.set.labs {
		out = append(out, l.ProbeTargets(j.world, st)...)
	}
	return out
}

// Evaluate judges st against every lab: the results one after the other,
// the scores added up, the memories merged.
func (j *judging) Evaluate(st grader.Student, prev grader.Memory) grader.Report {
	if len(j.set.labs) == 1 {
		return j.set.labs[0].Evaluate(j.world, st, prev)
	}
	rep := grader.Report{Student: st, Memory: grader.Memory{}}
	for _, l := range j.set.labs {
		r := l.Evaluate(j.world, st, prev)
		rep.Score += r.Score
		rep.MaxScore += r.MaxScore
		rep.Results = append(rep.Results, r.Results...)
		for k, m := range r.Memory {
			rep.Memory[k] = m
		}
	}
	return rep
}
