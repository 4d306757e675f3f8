package grader

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// check is one rubric line: a pure function over a student's view of the
// snapshot. The checks of each area live in that area's file.
type check struct {
	id    string
	area  string
	title Text
	// hint is what to do when the check does not pass; a verdict may give a
	// more precise one.
	hint Text
	// needs are checks that must pass before this one is judged; otherwise
	// it is blocked.
	needs []string
	// reads are the data the check looks at; when any is unavailable the
	// check is error, not fail: the grader could not look.
	reads []Data
	// collects are data the check needs collected besides reads: data whose
	// unavailability its judge handles itself (the RDS events).
	collects []Data
	judge    func(v *view) verdict
}

// verdict is what a judge function decides.
type verdict struct {
	status   Status
	msg      Text
	hint     *Text // overrides the check's hint
	evidence []string
}

func passed(msg Text, evidence ...string) verdict {
	return verdict{status: StatusPass, msg: msg, evidence: evidence}
}

func warned(msg Text, evidence ...string) verdict {
	return verdict{status: StatusWarn, msg: msg, evidence: evidence}
}

func failed(msg Text, evidence ...string) verdict {
	return verdict{status: StatusFail, msg: msg, evidence: evidence}
}

// withHint replaces the check's generic hint by one fitted to what was found.
func (vd verdict) withHint(h Text) verdict {
	vd.hint = &h
	return vd
}

// catalog is every check in handout order: the order of the student's
// checklist and of the grid's columns.
var catalog = concatChecks(networkChecks, auroraChecks, webChecks, albChecks, ingressChecks, probeChecks)

func concatChecks(groups ...[]check) []check {
	var all []check
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// CheckInfo describes a check for listings and column headers.
type CheckInfo struct {
	ID    string
	Area  string
	Title Text
}

// Catalog lists every known check in handout order.
func Catalog() []CheckInfo {
	out := make([]CheckInfo, len(catalog))
	for i, c := range catalog {
		out[i] = CheckInfo{ID: c.id, Area: c.area, Title: c.title}
	}
	return out
}

// memoryReads are the data remember reads whatever the rubric enables: the
// writer it keeps comes from the DB clusters and instances, and a scan
// that did not look would lose a failover seen while aurora.failover was
// disabled.
var memoryReads = []Data{DataDBClusters, DataDBInstances}

// Collects is the data a scan must collect for the rubric: the reads and
// collects of its enabled checks and what Memory needs, in the order of
// AllData (then the probes). Nothing else in Evaluate reads a kind of data
// outside the checks that read it (the attribution in newView is used by
// checks only), so the other kinds can stay uncollected.
func (r *Rubric) Collects() []Data {
	need := map[Data]bool{}
	for _, d := range memoryReads {
		need[d] = true
	}
	for _, c := range catalog {
		if setting, _ := r.Setting(c.id); !setting.Enabled {
			continue
		}
		for _, d := range c.reads {
			need[d] = true
		}
		for _, d := range c.collects {
			need[d] = true
		}
	}
	var out []Data
	for _, d := range append(AllData(), DataProbes) {
		if need[d] {
			out = append(out, d)
		}
	}
	return out
}

// Evaluate judges one student's resources in snap against the rubric. prev
// is what the previous scan remembered of the student (zero on the first).
// It is pure: the same inputs give the same report.
func Evaluate(r *Rubric, snap *Snapshot, st Student, prev Memory) Report {
	v := newView(r, snap, st, prev)
	rep := Report{Student: st, MaxScore: r.MaxScore()}
	var personal func(Text) Text // built on the first hint: a passing student needs none
	for _, c := range catalog {
		setting, _ := r.Setting(c.id)
		if !setting.Enabled {
			continue
		}
		vd := v.unreadable(c.reads)
		if vd == nil {
			vd = v.blockedBy(c.needs)
		}
		if vd == nil {
			judged := c.judge(v)
			vd = &judged
		}
		res := Result{
			CheckID:    c.id,
			Status:     vd.status,
			Required:   setting.Required,
			MaxPoints:  setting.Points,
			Message:    vd.msg,
			Evidence:   vd.evidence,
			ObservedAt: snap.TakenAt,
		}
		if !setting.Required {
			res.MaxPoints = 0
		}
		if res.Status.Passed() {
			res.Points = res.MaxPoints
		} else {
			if personal == nil {
				personal = personalizer(st.Login, r)
			}
			res.Hint = personal(c.hint)
			if vd.hint != nil {
				res.Hint = personal(*vd.hint)
			}
		}
		v.results[c.id] = res
		rep.Score += res.Points
		rep.Results = append(rep.Results, res)
	}
	rep.Memory = v.remember()
	return rep
}

// remember is what the next scan needs of this one. A writer that cannot be
// seen now (cluster gone for a moment) does not erase the one remembered.
func (v *view) remember() Memory {
	m := v.prev
	if w := v.writerID(); w != "" {
		m.WriterChanged = m.WriterChanged || v.writerChangedSincePrev()
		m.Writer = w
	}
	return m
}

// writerChangedSincePrev reports whether the writer differs from the one the
// previous scan saw.
func (v *view) writerChangedSincePrev() bool {
	w := v.writerID()
	return v.prev.Writer != "" && w != "" && norm(v.prev.Writer) != norm(w)
}

// personalize puts the student's own names where a hint, written once for
// the whole class with the handout's names, says "ユーザ名" or "<user>":
// the student reads the exact names to type, and a rubric that renames
// resources renames them in the hints too.
func personalize(hint Text, login string, r *Rubric) Text {
	return personalizer(login, r)(hint)
}

// personalizer builds personalize's replacements once, for every hint of
// one student.
func personalizer(login string, r *Rubric) func(Text) Text {
	var ja, en []string
	handout := defaultRubricNames()
	for _, pair := range [][2]string{
		{handout.VPC, r.Names.VPC}, {handout.WebServer1, r.Names.WebServer1}, {handout.WebServer2, r.Names.WebServer2},
		{handout.AMI, r.Names.AMI}, {handout.WebSG, r.Names.WebSG}, {handout.ALBSG, r.Names.ALBSG},
		{handout.LoadBalancer, r.Names.LoadBalancer}, {handout.TargetGroup, r.Names.TargetGroup},
		{handout.DBCluster, r.Names.DBCluster}, {handout.DBWriter, r.Names.DBWriter}, {handout.DBReplica, r.Names.DBReplica},
		{handout.KeyPair, r.Names.KeyPair},
	} {
		own := strings.ReplaceAll(pair[1], "{user}", login)
		ja = append(ja, strings.ReplaceAll(pair[0], "{user}", "ユーザ名"), own)
		en = append(en, strings.ReplaceAll(pair[0], "{user}", "<user>"), own)
	}
	// Longer names first: tg-elb-<user> must not be read as elb-<user>.
	ja = append(byLongestOld(ja), "ユーザ名", login)
	en = append(byLongestOld(en), "<user>", login)
	jaR, enR := strings.NewReplacer(ja...), strings.NewReplacer(en...)
	return func(hint Text) Text { return Text{JA: jaR.Replace(hint.JA), EN: enR.Replace(hint.EN)} }
}

// byLongestOld orders old/new pairs so that longer old strings come first,
// which strings.Replacer prefers at a position where several match.
func byLongestOld(pairs []string) []string {
	type pair struct{ old, new string }
	ps := make([]pair, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.old) - len(a.old) })
	out := make([]string, 0, len(pairs))
	for _, p := range ps {
		out = append(out, p.old, p.new)
	}
	return out
}

// blockedBy returns a blocked verdict naming the first prerequisite that was
// judged and did not pass, or nil. A disabled prerequisite blocks nothing.
func (v *view) blockedBy(needs []string) *verdict {
	for _, id := range needs {
		res, judged := v.results[id]
		if !judged || res.Status.Passed() {
			continue
		}
		vd := verdict{
			status: StatusBlocked,
			msg: Text{
				JA: fmt.Sprintf("前提のチェック %s が未達成のため、判定していません", id),
				EN: fmt.Sprintf("Not judged: the prerequisite %s has not passed", id),
			},
			hint: &Text{
				JA: fmt.Sprintf("先に %s を完了してください", id),
				EN: fmt.Sprintf("Complete %s first", id),
			},
		}
		return &vd
	}
	return nil
}

// unreadable returns an error verdict when data the check reads could not
// be read, or nil.
func (v *view) unreadable(reads []Data) *verdict {
	for _, d := range reads {
		if err := v.snap.Unavailable[d]; err != nil {
			vd := unreadableVerdict(d, err)
			return &vd
		}
	}
	return nil
}

func unreadableVerdict(d Data, err error) verdict {
	code := cmp.Or(ErrorCode(err), "Error")
	return verdict{
		status: StatusError,
		msg: Text{
			JA: fmt.Sprintf("%s を読めませんでした(%s): %v", d, code, err),
			EN: fmt.Sprintf("Could not read the %s (%s): %v", d, code, err),
		},
		hint: &errorHint,
	}
}

var errorHint = Text{JA: "講師に連絡してください(受講者の作業の問題ではありません)", EN: "Tell the instructor (this is not a problem with your work)"}

// ErrorReport is the report of a student whose target could not be looked
// at: every check is error, with the reason, and earns nothing.
func ErrorReport(r *Rubric, st Student, reason Text, at time.Time, prev Memory) Report {
	rep := Report{Student: st, MaxScore: r.MaxScore(), Memory: prev}
	for _, c := range catalog {
		setting, _ := r.Setting(c.id)
		if !setting.Enabled {
			continue
		}
		maxPoints := setting.Points
		if !setting.Required {
			maxPoints = 0
		}
		rep.Results = append(rep.Results, Result{
			CheckID:    c.id,
			Status:     StatusError,
			Required:   setting.Required,
			MaxPoints:  maxPoints,
			Message:    reason,
			Hint:       errorHint,
			ObservedAt: at,
		})
	}
	return rep
}
