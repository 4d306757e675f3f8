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
				// As the database keeps them: nil is as they were.
				if m.index[i] != nil {
					if _, err := decodeFingerprints(m.index[i]); err != nil {
						p.t.Fatalf("planned fingerprints unreadable: %v", err)
					}
					st.hasMemory, st.index = true, m.index[i]
				}
				if m.memory[i] != nil {
					mem, err := decodeMemory(m.memory[i])
					if err != nil {
						p.t.Fatalf("planned memory unreadable: %v", err)
					}
					st.hasMemory, st.memory = true, mem
				}
			}
		}
	}
	return w
}

func (p *planner) fingerprint(check string) fingerprint {
	p.t.Helper()
	fp, ok := findFingerprint(p.prev.students[strings.ToLower(planStudent.Login)].fingerprints(nil), 0, check)
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
	// The memory did not change: it is not sent again (jsonb is parsed).
	if m := w.memory; len(m.student) != 1 || m.memory[0] != nil || m.index[0] == nil {
		t.Errorf("an error: memory rows %+v; want the fingerprints alone", m)
	}
	if w.errEN[0] != "access denied" || !w.errAt[0].Equal(at) {
		t.Errorf("an error: %q at %v", w.errEN[0], w.errAt[0])
	}
	if fp := p.fingerprint("a"); fp.status != grader.StatusFail || !fp.hasError {
		t.Errorf("an error: fingerprint %+v, want fail with an error", fp)
	}

	at = at.Add(time.Minute)
	w = p.plan(planScan(at, errorResult("a", "access denied"), result("b", grader.StatusPass, at)))
	p.expect("the same error again", w, written{})
	if m := w.memory; len(w.newMemory.student) != 0 || len(m.student) != 1 || m.memory[0] != nil || m.index[0] != nil {
		t.Errorf("the same error again: memory rows %+v, %+v; want the time of the scan alone", w.newMemory, m)
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
	if got := len(p.prev.students["user01"].fingerprints(nil)); got != 3 {
		t.Errorf("no results: %d fingerprints left, want 3", got)
	}

	// A login with no student (removed while the scan ran) is dropped.
	res := planScan(at, result("a", grader.StatusPass, at))
	res.Reports[0].Student.Login = "Gone01"
	w = p.plan(res)
	if scanned := len(w.memory.student) + len(w.newMemory.student); !slices.Equal(w.unknown, []string{"Gone01"}) || scanned != 0 || w.changedResults != 0 {
		t.Errorf("an unknown login: unknown %v, %d scanned, %d changed", w.unknown, scanned, w.changedResults)
	}
}

// The planned fingerprints keep what the grid shows of each result, as
// the database keeps it: a pass and its first pass, an error beside the
// judged status, a first pass that stays when the check fails again, and
// no more the checks the scan no longer has.
func TestPlanKeepsSummaries(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	first := testTime
	p.plan(planScan(first, result("c", grader.StatusFail, first), result("a", grader.StatusFail, first), result("b", grader.StatusPass, first)))
	if fp := p.fingerprint("b"); !fp.passed || fp.firstPassed != pgMicros(first) || fp.points != 5 || fp.hasError {
		t.Errorf("first scan: b = %+v, want passed at %v, 5 points", fp, first)
	}

	at := first.Add(time.Minute)
	p.plan(planScan(at, result("c", grader.StatusPass, at), errorResult("a", "throttled"), result("b", grader.StatusFail, at)))
	if fp := p.fingerprint("c"); fp.status != grader.StatusPass || fp.points != 5 || !fp.passed || fp.firstPassed != pgMicros(at) {
		t.Errorf("a pass: c = %+v, want passed at %v", fp, at)
	}
	if fp := p.fingerprint("a"); fp.status != grader.StatusFail || !fp.hasError || string(fp.errEN) != "throttled" || string(fp.errJA) != "見られない: throttled" {
		t.Errorf("an error beside a judged status: a = %+v", fp)
	}
	if fp := p.fingerprint("b"); fp.status != grader.StatusFail || fp.points != 0 || !fp.passed || fp.firstPassed != pgMicros(first) {
		t.Errorf("failing again: b = %+v, want fail, the first pass at %v kept", fp, first)
	}

	at = at.Add(time.Minute)
	p.plan(planScan(at, result("c", grader.StatusPass, at), result("a", grader.StatusFail, at), result("d", grader.StatusFail, at)))
	if fp := p.fingerprint("a"); fp.hasError || fp.errEN != nil {
		t.Errorf("judged again: a = %+v, want the error gone", fp)
	}
	if fp := p.fingerprint("c"); fp.firstPassed != pgMicros(at.Add(-time.Minute)) {
		t.Errorf("passing still: c = %+v, want the first pass kept", fp)
	}
	p.fingerprint("d")
	if _, ok := findFingerprint(p.prev.students[strings.ToLower(planStudent.Login)].fingerprints(nil), 0, "b"); ok {
		t.Error("b, no longer scanned, keeps a fingerprint")
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
