package store

// The plan of a scan's writes: what changed since the stored results, by
// their fingerprints, and the policy of what is written for it. Nothing
// here talks to the database: scan.go sends the plan.

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"time"

	"labgrid/grader"
)

// previous is what is kept of the scanned students.
type previous struct {
	students map[string]*storedStudent // by lower(login)
}

type storedStudent struct {
	id        int64
	hasMemory bool
	// lost is whether the student's results are there but their
	// fingerprints are not (unreadable, or never written): SaveScan then
	// writes every result again and rebuilds the fingerprints from them.
	lost    bool
	memory  grader.Memory
	index   []byte        // encoded fingerprints, as stored
	results []fingerprint // decoded
}

// writes holds the rows to write, column by column, as the unnest()
// statements take them: one statement per kind of write, or a few for a
// big scan (see maxStatementBytes).
type writes struct {
	inserts resultRows // results never stored
	updates resultRows // stored results whose content changed
	// error only: judged results that labgrid could not look at this time
	errStudent             []int64
	errCheck, errJA, errEN []string
	errAt                  []time.Time
	// results of checks no longer in the rubric
	delStudent []int64
	delCheck   []string
	// the timeline
	chStudent              []int64
	chCheck                []string
	chFrom                 []*string
	chTo, chMsgJA, chMsgEN []string
	chAt                   []time.Time
	// what is kept of a student between scans, where it changed
	memory, newMemory memoryRows
	// the NOTIFY payloads, sent last
	notify []string
	// students whose fingerprints are rebuilt from their results, once
	// written (storedStudent.lost): neither cached nor planned here
	rebuild []int64

	changedResults  int
	changedStudents []int64
	unknown         []string
	// the students whose memory or fingerprints are written, as they
	// will be: see scanCache
	stored []stored

	buf  []byte        // scratch for digests and fingerprints
	next []fingerprint // scratch for a student's new fingerprints
}

// memoryRows are student_memory rows, one per scanned student.
type memoryRows struct {
	student []int64
	memory  [][]byte // JSON; nil: unchanged
	index   [][]byte // nil: unchanged
}

// resultRows are whole result rows.
type resultRows struct {
	student               []int64
	check, status         []string
	points, maxPoints     []int32
	required              []bool
	msgJA, msgEN, hintJA  []string
	hintEN                []string
	observed, firstPassed []*time.Time
	errJA, errEN          []*string
	errAt                 []*time.Time
	cost                  []float64
	// Each row's evidence as a text[] literal, end to end in evidence,
	// the row's ending at evEnd: unnest cannot take a ragged text[][], and
	// slicing one long text[] per row takes time quadratic in the rows
	// (minutes for a class of 5,000).
	evidence []byte
	evEnd    []int
}

// planWrites compares the scan with what is kept and keeps only the
// changes.
func planWrites(res *grader.ScanResult, prev previous) *writes {
	w := &writes{}
	for _, rep := range res.Reports {
		st := prev.students[strings.ToLower(rep.Student.Login)]
		if st == nil {
			if rep.Student.Login != "" {
				w.unknown = append(w.unknown, rep.Student.Login)
			}
			continue
		}
		changed := false
		next := st.results
		if len(rep.Results) > 0 {
			next = w.next[:0]
			for i, r := range rep.Results {
				if r.ObservedAt.IsZero() {
					r.ObservedAt = res.FinishedAt
				}
				old, had := findFingerprint(st.results, i, r.CheckID)
				fp, wrote := w.planResult(st.id, r, old, had)
				next = append(next, fp)
				if wrote {
					w.changedResults++
					changed = true
				}
			}
			// A check the rubric no longer has leaves the grid.
			for i, old := range st.results {
				if _, ok := findFingerprint(next, i, string(old.checkID)); !ok {
					w.delStudent = append(w.delStudent, st.id)
					w.delCheck = append(w.delCheck, string(old.checkID))
					w.changedResults++
					changed = true
				}
			}
		}
		if changed {
			w.changedStudents = append(w.changedStudents, st.id)
		}
		if len(rep.Results) > 0 {
			w.next = next // reuse its array for the next student
		}
		// Every scanned student's row is written, for the time of the scan;
		// the memory and fingerprints where they changed (nil: as they are).
		var memory, index []byte
		if !st.hasMemory || changed || !maps.Equal(st.memory, rep.Memory) {
			w.buf = encodeFingerprints(w.buf[:0], next)
			if !st.hasMemory || !maps.Equal(st.memory, rep.Memory) || !bytes.Equal(st.index, w.buf) {
				memory, index = []byte(encodeMemory(rep.Memory)), bytes.Clone(w.buf)
				if !st.lost {
					w.stored = append(w.stored, stored{st: st, memory: rep.Memory, index: index})
				}
			}
		}
		m := &w.memory
		if !st.hasMemory {
			m = &w.newMemory
		}
		m.student = append(m.student, st.id)
		m.memory = append(m.memory, memory)
		m.index = append(m.index, index)
		if st.lost {
			w.rebuild = append(w.rebuild, st.id)
		}
	}
	slices.Sort(w.changedStudents)
	return w
}

// planResult queues what one result needs written, reports whether
// anything was, and returns the result's fingerprint from now on: what is
// written of it, as the database keeps it (a first pass stays, an error
// keeps the judged status beside it).
func (w *writes) planResult(sid int64, r grader.Result, old fingerprint, had bool) (fingerprint, bool) {
	at := r.ObservedAt
	if r.Status == grader.StatusError {
		errFP := errorFingerprint(r.Message)
		switch {
		case had && old.status != grader.StatusError:
			// Keep the judged status; record the error beside it.
			if old.sameError(errFP) {
				return old, false
			}
			w.errStudent = append(w.errStudent, sid)
			w.errCheck = append(w.errCheck, r.CheckID)
			w.errJA = append(w.errJA, r.Message.JA)
			w.errEN = append(w.errEN, r.Message.EN)
			w.errAt = append(w.errAt, at)
			old.hasError, old.errFP = true, errFP
			old.errJA, old.errEN = []byte(r.Message.JA), []byte(r.Message.EN)
			// A stale digest stays unknown (0) until the next judgement.
			old.stale = false
			return old, true
		case had && old.sameError(errFP):
			return old, false // still never judged, for the same reason
		}
		// Nothing judged yet: the error is all there is to show. (A new
		// row's timeline entry comes with the insert: see queue.)
		fp := w.judged(&r, old, had)
		fp.hasError, fp.errFP = true, errFP
		fp.errJA, fp.errEN = []byte(r.Message.JA), []byte(r.Message.EN)
		w.upsert(sid, r, true, had)
		return fp, true
	}
	fp := w.judged(&r, old, had)
	if had && old.status == r.Status && old.sameDigest(fp.digest) && !old.hasError {
		return old, false
	}
	w.upsert(sid, r, false, had)
	if had && old.status != r.Status {
		w.change(sid, r, old.status)
	}
	return fp, true
}

// judged is the fingerprint of r once written over old (if had): its
// content, and the first pass already there or r's.
func (w *writes) judged(r *grader.Result, old fingerprint, had bool) fingerprint {
	fp := fingerprint{checkID: checkIDBytes(old, had, r), status: r.Status, digest: w.digest(r),
		points: int32(r.Points), cost: max(r.CostPerHour, 0)}
	switch {
	case had && old.passed:
		fp.passed, fp.firstPassed = true, old.firstPassed
	case r.Status.Passed():
		fp.passed, fp.firstPassed = true, pgMicros(r.ObservedAt)
	}
	return fp
}

// checkIDBytes is r's check id for its fingerprint, from the old one when
// there is one: a scan of a class digests thousands of results.
func checkIDBytes(old fingerprint, had bool, r *grader.Result) []byte {
	if had {
		return old.checkID
	}
	return []byte(r.CheckID)
}

// upsert queues a whole result row; withError records its message as the
// error too (an error result with nothing judged before it). r is taken by
// value so that only the changed results reach the heap.
func (w *writes) upsert(sid int64, r grader.Result, withError, had bool) {
	rows := &w.inserts
	if had {
		rows = &w.updates
	}
	at := r.ObservedAt
	var firstPassed *time.Time
	if r.Status.Passed() {
		firstPassed = &at
	}
	rows.student = append(rows.student, sid)
	rows.check = append(rows.check, r.CheckID)
	rows.status = append(rows.status, string(r.Status))
	rows.points = append(rows.points, int32(r.Points))
	rows.maxPoints = append(rows.maxPoints, int32(r.MaxPoints))
	rows.required = append(rows.required, r.Required)
	rows.msgJA = append(rows.msgJA, r.Message.JA)
	rows.msgEN = append(rows.msgEN, r.Message.EN)
	rows.hintJA = append(rows.hintJA, r.Hint.JA)
	rows.hintEN = append(rows.hintEN, r.Hint.EN)
	rows.evidence = appendTextArray(rows.evidence, r.Evidence)
	rows.evEnd = append(rows.evEnd, len(rows.evidence))
	rows.observed = append(rows.observed, &at)
	rows.firstPassed = append(rows.firstPassed, firstPassed)
	var (
		errJA, errEN *string
		errAt        *time.Time
	)
	if withError {
		errJA, errEN, errAt = &r.Message.JA, &r.Message.EN, &at
	}
	rows.errJA = append(rows.errJA, errJA)
	rows.errEN = append(rows.errEN, errEN)
	rows.errAt = append(rows.errAt, errAt)
	rows.cost = append(rows.cost, max(r.CostPerHour, 0))
}

// appendTextArray appends ev to b as a text[] literal, every element
// quoted so that none reads as NULL or loses its spaces.
func appendTextArray(b []byte, ev []string) []byte {
	b = append(b, '{')
	for i, e := range ev {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		for j := 0; j < len(e); j++ {
			// Neither byte occurs inside a multi-byte UTF-8 character.
			if e[j] == '"' || e[j] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, e[j])
		}
		b = append(b, '"')
	}
	return append(b, '}')
}

func (w *writes) change(sid int64, r grader.Result, from grader.Status) {
	var fromp *string
	if from != "" {
		s := string(from)
		fromp = &s
	}
	w.chStudent = append(w.chStudent, sid)
	w.chCheck = append(w.chCheck, r.CheckID)
	w.chFrom = append(w.chFrom, fromp)
	w.chTo = append(w.chTo, string(r.Status))
	w.chMsgJA = append(w.chMsgJA, r.Message.JA)
	w.chMsgEN = append(w.chMsgEN, r.Message.EN)
	w.chAt = append(w.chAt, r.ObservedAt)
}
