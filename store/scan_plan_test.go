package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"labgrid/grader"
)

// The plan is tested here without a database: what planWrites decides to
// write for a scan, given the fingerprints kept of the one before.

// planStudent is the student the plan tests scan.
var planStudent = grader.Student{Login: "User01"}

const planStudentID = 7

// planScan is one scan of planStudent with results, at at.
func planScan(at time.Time, results ...grader.Result) *grader.ScanResult {
	return &grader.ScanResult{FinishedAt: at, Reports: []grader.Report{{Student: planStudent, Results: results}}}
}

func errorResult(check, why string) grader.Result {
	return grader.Result{CheckID: check, Status: grader.StatusError, Message: grader.Text{JA: "見られない: " + why, EN: why}}
}

// planner keeps what SaveScan would have stored between planned scans.
type planner struct {
	t    *testing.T
	prev previous
}

func newPlanner(t *testing.T) *planner {
	return &planner{t: t, prev: previous{students: map[string]*storedStudent{
		strings.ToLower(planStudent.Login): {id: planStudentID},
	}}}
}

// plan plans res and keeps the fingerprints and memory it would store.
func (p *planner) plan(res *grader.ScanResult) *writes {
	p.t.Helper()
	w := planWrites(res, p.prev)
	for _, m := range []memoryRows{w.newMemory, w.memory} {
		for i, id := range m.student {
			for _, st := range p.prev.students {
				if st.id != id {
					continue
				}
				fps, err := decodeFingerprints(m.index[i])
				if err != nil {
					p.t.Fatalf("planned fingerprints unreadable: %v", err)
				}
				mem, err := decodeMemory([]byte(m.memory[i]))
				if err != nil {
					p.t.Fatalf("planned memory unreadable: %v", err)
				}
				st.hasMemory, st.index, st.results, st.memory = true, m.index[i], fps, mem
			}
		}
	}
	return w
}

func (p *planner) fingerprint(check string) fingerprint {
	p.t.Helper()
	fp, ok := findFingerprint(p.prev.students[strings.ToLower(planStudent.Login)].results, 0, check)
	if !ok {
		p.t.Fatalf("no fingerprint of %s", check)
	}
	return fp
}

// written is what a plan writes, in short, to compare with want.
type written struct {
	inserts, updates, errorsOnly, deletes, timeline []string // check ids
	changedResults                                  int
}

func writtenBy(w *writes) written {
	return written{
		inserts: w.inserts.check, updates: w.updates.check, errorsOnly: w.errCheck, deletes: w.delCheck,
		timeline: w.chCheck, changedResults: w.changedResults,
	}
}

func (p *planner) expect(when string, w *writes, want written) {
	p.t.Helper()
	got := writtenBy(w)
	eq := func(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b)) }
	if !eq(got.inserts, want.inserts) || !eq(got.updates, want.updates) || !eq(got.errorsOnly, want.errorsOnly) ||
		!eq(got.deletes, want.deletes) || !eq(got.timeline, want.timeline) || got.changedResults != want.changedResults {
		p.t.Errorf("%s: planned %+v, want %+v", when, got, want)
	}
	wantStudents := []int64{}
	if want.changedResults > 0 {
		wantStudents = []int64{planStudentID}
	}
	if len(w.changedStudents) != len(wantStudents) || (len(wantStudents) > 0 && w.changedStudents[0] != planStudentID) {
		p.t.Errorf("%s: changed students %v, want %v", when, w.changedStudents, wantStudents)
	}
}

func TestPlanFirstScan(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	at := testTime
	w := p.plan(planScan(at, result("a", grader.StatusPass, time.Time{}), result("b", grader.StatusFail, at), errorResult("c", "throttled")))
	p.expect("first scan", w, written{inserts: []string{"a", "b", "c"}, changedResults: 3})
	if len(w.newMemory.student) != 1 || len(w.memory.student) != 0 {
		t.Errorf("first scan: %d new and %d updated memory rows, want one new", len(w.newMemory.student), len(w.memory.student))
	}
	ins := w.inserts
	// A result with no time of its own was observed when the scan finished.
	if !ins.observed[0].Equal(at) || !ins.firstPassed[0].Valid || !ins.firstPassed[0].Time.Equal(at) {
		t.Errorf("first pass: observed %v, first passed %v, want both %v", ins.observed[0], ins.firstPassed[0], at)
	}
	if ins.firstPassed[1].Valid || ins.errJA[1].Valid {
		t.Errorf("a fail: first passed %v, error %v, want neither", ins.firstPassed[1], ins.errJA[1])
	}
	// Nothing judged yet: the error is all there is, as status and error.
	if ins.status[2] != string(grader.StatusError) || ins.errEN[2] != (pgtype.Text{String: "throttled", Valid: true}) {
		t.Errorf("an error first: status %s, error %v", ins.status[2], ins.errEN[2])
	}
	if fp := p.fingerprint("c"); fp.status != grader.StatusError || !fp.hasError {
		t.Errorf("an error first: fingerprint %+v", fp)
	}
}

// An error result (labgrid could not look) keeps the last judged status
// and records the error beside it; the next judged result clears it.
func TestPlanErrorKeepsJudgedStatus(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	at := testTime
	p.plan(planScan(at, result("a", grader.StatusFail, at), result("b", grader.StatusPass, at)))

	at = at.Add(time.Minute)
	w := p.plan(planScan(at, errorResult("a", "access denied"), result("b", grader.StatusPass, at)))
	p.expect("an error", w, written{errorsOnly: []string{"a"}, changedResults: 1})
	if w.errEN[0] != "access denied" || !w.errAt[0].Equal(at) {
		t.Errorf("an error: %q at %v", w.errEN[0], w.errAt[0])
	}
	if fp := p.fingerprint("a"); fp.status != grader.StatusFail || !fp.hasError {
		t.Errorf("an error: fingerprint %+v, want fail with an error", fp)
	}

	at = at.Add(time.Minute)
	w = p.plan(planScan(at, errorResult("a", "access denied"), result("b", grader.StatusPass, at)))
	p.expect("the same error again", w, written{})
	if len(w.memory.student)+len(w.newMemory.student) != 0 {
		t.Error("the same error again: memory rewritten")
	}

	at = at.Add(time.Minute)
	w = p.plan(planScan(at, errorResult("a", "throttled"), result("b", grader.StatusPass, at)))
	p.expect("another error", w, written{errorsOnly: []string{"a"}, changedResults: 1})

	// Judged again, as before the errors: the row is rewritten without
	// the error, and the timeline has nothing new.
	at = at.Add(time.Minute)
	w = p.plan(planScan(at, result("a", grader.StatusFail, at), result("b", grader.StatusPass, at)))
	p.expect("judged again", w, written{updates: []string{"a"}, changedResults: 1})
	if w.updates.errJA[0].Valid || w.updates.errEN[0].Valid || w.updates.errAt[0].Valid {
		t.Errorf("judged again: the error is kept: %v", w.updates.errEN[0])
	}
	if fp := p.fingerprint("a"); fp.status != grader.StatusFail || fp.hasError {
		t.Errorf("judged again: fingerprint %+v", fp)
	}

	// A pass after a fail: a timeline entry.
	at = at.Add(time.Minute)
	w = p.plan(planScan(at, result("a", grader.StatusPass, at), result("b", grader.StatusPass, at)))
	p.expect("passed", w, written{updates: []string{"a"}, timeline: []string{"a"}, changedResults: 1})
	if w.chFrom[0] != (pgtype.Text{String: string(grader.StatusFail), Valid: true}) || w.chTo[0] != string(grader.StatusPass) || !w.chAt[0].Equal(at) {
		t.Errorf("passed: timeline %v → %s at %v", w.chFrom[0], w.chTo[0], w.chAt[0])
	}
	if !w.updates.firstPassed[0].Valid || !w.updates.firstPassed[0].Time.Equal(at) {
		t.Errorf("passed: first passed %v, want %v", w.updates.firstPassed[0], at)
	}
}

// An error on a check never judged is its result until one is.
func TestPlanErrorBeforeAnyJudgement(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	at := testTime
	p.plan(planScan(at, errorResult("a", "throttled")))

	at = at.Add(time.Minute)
	p.expect("the same error", p.plan(planScan(at, errorResult("a", "throttled"))), written{})

	at = at.Add(time.Minute)
	w := p.plan(planScan(at, errorResult("a", "access denied")))
	p.expect("another error", w, written{updates: []string{"a"}, changedResults: 1})
	if w.updates.status[0] != string(grader.StatusError) || w.updates.errEN[0] != (pgtype.Text{String: "access denied", Valid: true}) {
		t.Errorf("another error: status %s, error %v", w.updates.status[0], w.updates.errEN[0])
	}

	at = at.Add(time.Minute)
	w = p.plan(planScan(at, result("a", grader.StatusFail, at)))
	p.expect("judged", w, written{updates: []string{"a"}, timeline: []string{"a"}, changedResults: 1})
	if w.chFrom[0] != (pgtype.Text{String: string(grader.StatusError), Valid: true}) || w.updates.errEN[0].Valid {
		t.Errorf("judged: timeline from %v, error %v", w.chFrom[0], w.updates.errEN[0])
	}
}

func TestPlanContentRubricAndRoster(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	at := testTime
	p.plan(planScan(at, result("a", grader.StatusFail, at), result("b", grader.StatusFail, at), result("c", grader.StatusFail, at)))

	// The same status with another message: rewritten, no timeline entry.
	at = at.Add(time.Minute)
	b := result("b", grader.StatusFail, at)
	b.Message.EN = "still failing, differently"
	w := p.plan(planScan(at, result("a", grader.StatusFail, at), b, result("c", grader.StatusFail, at)))
	p.expect("a new message", w, written{updates: []string{"b"}, changedResults: 1})

	// Only the time moved: nothing written.
	at = at.Add(time.Minute)
	b.ObservedAt = at
	p.expect("a later scan", p.plan(planScan(at, result("a", grader.StatusFail, at), b, result("c", grader.StatusFail, at))), written{})

	// A check no longer in the rubric leaves; a new one comes.
	at = at.Add(time.Minute)
	w = p.plan(planScan(at, result("a", grader.StatusFail, at), b, result("d", grader.StatusFail, at)))
	p.expect("the rubric changed", w, written{inserts: []string{"d"}, deletes: []string{"c"}, changedResults: 2})

	// A report with no result (the student's target could not be
	// scanned) keeps everything.
	at = at.Add(time.Minute)
	p.expect("no results", p.plan(planScan(at)), written{})
	if got := len(p.prev.students["user01"].results); got != 3 {
		t.Errorf("no results: %d fingerprints left, want 3", got)
	}

	// A login with no student (removed while the scan ran) is dropped.
	res := planScan(at, result("a", grader.StatusPass, at))
	res.Reports[0].Student.Login = "Gone01"
	w = p.plan(res)
	if !slices.Equal(w.unknown, []string{"Gone01"}) || len(w.scanned) != 0 || w.changedResults != 0 {
		t.Errorf("an unknown login: unknown %v, scanned %v, %d changed", w.unknown, w.scanned, w.changedResults)
	}
}

// A student whose checks stay the same has the changed elements of their
// summary patched, placed in the order of the check ids, a patch per
// round; one with a result added or deleted has their summary rebuilt.
func TestPlanSummaryPatches(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	at := testTime
	w := p.plan(planScan(at, result("c", grader.StatusFail, at), result("a", grader.StatusFail, at), result("b", grader.StatusFail, at)))
	if !slices.Equal(w.refresh, []int64{planStudentID}) || len(w.patches) != 0 {
		t.Errorf("first scan: refresh %v, patches %+v, want a rebuild", w.refresh, w.patches)
	}

	at = at.Add(time.Minute)
	w = p.plan(planScan(at, result("c", grader.StatusPass, at), errorResult("a", "throttled"), result("b", grader.StatusFail, at)))
	if len(w.refresh) != 0 || len(w.patches) != 2 || len(w.patches[0]) != 1 || len(w.patches[1]) != 1 {
		t.Fatalf("two changes: refresh %v, patches %+v, want two rounds of one patch", w.refresh, w.patches)
	}
	pass, errOnly := w.patches[0][0], w.patches[1][0]
	if pass.check != "c" || pass.index != 3 || !pass.judged || pass.status != string(grader.StatusPass) || pass.points != 5 ||
		pass.firstPassed == nil || !pass.firstPassed.Equal(at) || pass.errEN != nil {
		t.Errorf("a pass: %+v", pass)
	}
	if errOnly.check != "a" || errOnly.index != 1 || errOnly.judged || errOnly.errEN == nil || *errOnly.errEN != "throttled" {
		t.Errorf("an error beside a judged status: %+v", errOnly)
	}

	at = at.Add(time.Minute)
	w = p.plan(planScan(at, result("c", grader.StatusPass, at), result("a", grader.StatusFail, at), result("d", grader.StatusFail, at)))
	if !slices.Equal(w.refresh, []int64{planStudentID}) || len(w.patches) != 0 {
		t.Errorf("a check replaced: refresh %v, patches %+v, want a rebuild", w.refresh, w.patches)
	}
}

// A writes reset for the next save keeps nothing of its plan but empty
// arrays: no row, and no text or pointer of the scan in them.
func TestPlanWritesReset(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	p.plan(planScan(testTime, result("a", grader.StatusFail, testTime), result("b", grader.StatusPass, testTime), errorResult("c", "throttled")))
	at := testTime.Add(time.Minute)
	res := planScan(at, errorResult("a", "denied"), result("b", grader.StatusFail, at), result("d", grader.StatusPass, at))
	res.Reports = append(res.Reports, grader.Report{Student: grader.Student{Login: "Gone01"}})
	w := p.plan(res)
	// What SaveScan returns is the caller's from then on.
	changed, unknown := w.changedStudents, w.unknown
	w.reset()
	if !slices.Equal(changed, []int64{planStudentID}) || !slices.Equal(unknown, []string{"Gone01"}) {
		t.Errorf("after reset: changed students %v, unknown %v; want [%d], [Gone01]", changed, unknown, planStudentID)
	}
	var check func(path string, v reflect.Value)
	check = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				check(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice:
			if v.Len() != 0 {
				t.Errorf("%s: %d elements after reset", path, v.Len())
			}
			if v.Type().Elem().Kind() == reflect.Uint8 || v.Type().Elem().Kind() == reflect.Uint64 {
				return // bytes and digests: nothing kept alive
			}
			all := v.Slice(0, v.Cap())
			for i := range all.Len() {
				if !all.Index(i).IsZero() {
					t.Errorf("%s[%d] = %v after reset, want zero", path, i, all.Index(i))
					break
				}
			}
		default:
			if !v.IsZero() {
				t.Errorf("%s = %v after reset, want zero", path, v)
			}
		}
	}
	check("writes", reflect.ValueOf(w).Elem())
}
