package store

// The plan of a scan's writes: what changed since the stored results, by
// their fingerprints, and the policy of what is written for it. Nothing
// here talks to the database: scan.go sends the plan.

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

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
	lost   bool
	memory grader.Memory
	// index is the student's fingerprints, encoded as stored. The Store
	// keeps them so between saves, decoding them as it plans: decoded, the
	// 17,000 fingerprints of a class of 1,000 were as many structs of
	// pointers for the garbage collector to scan, and their decoding after
	// each save half a millisecond more.
	index []byte
}

// fingerprints appends st's decoded fingerprints to fps; unreadable ones
// are none (st.lost tells whether that lost any).
func (st *storedStudent) fingerprints(fps []fingerprint) []fingerprint {
	start := len(fps)
	fps, err := appendFingerprints(fps, st.index)
	if err != nil {
		return fps[:start]
	}
	return fps
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
	chFrom                 []pgtype.Text // NULL: none
	chTo, chMsgJA, chMsgEN []string
	chAt                   []time.Time
	// what is kept of a student between scans: every scanned student's
	// row, for the time of the scan, with what changed
	memory, newMemory memoryRows
	// students whose fingerprints are rebuilt from their results, once
	// written (storedStudent.lost): neither cached nor planned here
	rebuild []int64

	changedResults  int
	changedStudents []int64
	unknown         []string
	// the students whose memory or fingerprints are written, as they
	// will be: see scanCache
	stored []stored

	buf     []byte        // scratch for fingerprints
	old     []fingerprint // scratch for a student's stored fingerprints
	next    []fingerprint // scratch for a student's new fingerprints
	digests []uint64      // of the scan's results: see digestResults
}

// writesPool keeps the writes of past saves for their arrays: growing
// them again for each save made a fifth of the bytes a save allocated
// (in Go; pgx's buffers are most of the rest).
var writesPool = sync.Pool{New: func() any { return new(writes) }}

// release puts w back in writesPool, once its rows are sent and nothing
// of the plan is used any more but what SaveScan returns (changedStudents,
// unknown) and keeps (the memory rows and w.stored), which w forgets.
func (w *writes) release() {
	w.reset()
	writesPool.Put(w)
}

// reset empties w, keeping the arrays of its rows and scratch.
func (w *writes) reset() {
	rows := func(r *resultRows) resultRows {
		return resultRows{
			student: reuse(r.student), check: reuse(r.check), status: reuse(r.status),
			points: reuse(r.points), maxPoints: reuse(r.maxPoints), required: reuse(r.required),
			msgJA: reuse(r.msgJA), msgEN: reuse(r.msgEN), hintJA: reuse(r.hintJA), hintEN: reuse(r.hintEN),
			observed: reuse(r.observed), firstPassed: reuse(r.firstPassed),
			errJA: reuse(r.errJA), errEN: reuse(r.errEN), errAt: reuse(r.errAt),
			cost: reuse(r.cost), evidence: r.evidence[:0], evEnd: reuse(r.evEnd),
		}
	}
	*w = writes{
		inserts: rows(&w.inserts), updates: rows(&w.updates),
		errStudent: reuse(w.errStudent), errCheck: reuse(w.errCheck), errJA: reuse(w.errJA), errEN: reuse(w.errEN),
		errAt:      reuse(w.errAt),
		delStudent: reuse(w.delStudent), delCheck: reuse(w.delCheck),
		chStudent: reuse(w.chStudent), chCheck: reuse(w.chCheck), chFrom: reuse(w.chFrom), chTo: reuse(w.chTo),
		chMsgJA: reuse(w.chMsgJA), chMsgEN: reuse(w.chMsgEN), chAt: reuse(w.chAt),
		buf: w.buf[:0], old: reuse(w.old), next: reuse(w.next), digests: w.digests[:0],
	}
}

// reuse empties s for reuse, its elements zeroed: a pooled array keeps
// no scan's texts alive.
func reuse[S ~[]E, E any](s S) S {
	clear(s)
	return s[:0]
}

// memoryRows are student_memory rows, one per scanned student.
type memoryRows struct {
	student []int64
	memory  [][]byte // JSON; nil: unchanged
	index   [][]byte // nil: unchanged
}

// resultRows are whole result rows.
type resultRows struct {
	student              []int64
	check, status        []string
	points, maxPoints    []int32
	required             []bool
	msgJA, msgEN, hintJA []string
	hintEN               []string
	observed             []time.Time
	firstPassed          []pgtype.Timestamptz
	errJA, errEN         []pgtype.Text // NULL: no error
	errAt                []pgtype.Timestamptz
	cost                 []float64
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
	w := writesPool.Get().(*writes)
	w.digests = digestResults(res.Reports, w.digests)
	digests := w.digests
	for ri := range res.Reports {
		rep := &res.Reports[ri]
		ds := digests[:len(rep.Results)]
		digests = digests[len(rep.Results):]
		st := prev.students[strings.ToLower(rep.Student.Login)]
		if st == nil {
			if rep.Student.Login != "" {
				w.unknown = append(w.unknown, rep.Student.Login)
			}
			continue
		}
		changed := false
		w.old = st.fingerprints(w.old[:0])
		next := w.old
		if len(rep.Results) > 0 {
			next = w.next[:0]
			for i := range rep.Results {
				r := &rep.Results[i]
				at := r.ObservedAt
				if at.IsZero() {
					at = res.FinishedAt
				}
				old, had := findFingerprint(w.old, i, r.CheckID)
				fp, wrote := w.planResult(st.id, r, at, ds[i], old, had)
				next = append(next, fp)
				if wrote {
					w.changedResults++
					changed = true
				}
			}
			// A check the rubric no longer has leaves the grid.
			for i, old := range w.old {
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
		if !st.hasMemory || !maps.Equal(st.memory, rep.Memory) {
			memory = []byte(encodeMemory(rep.Memory))
		}
		if !st.hasMemory || changed || memory != nil {
			w.buf = encodeFingerprints(w.buf[:0], next)
			if !st.hasMemory || !bytes.Equal(st.index, w.buf) {
				index = bytes.Clone(w.buf)
			}
		}
		if (memory != nil || index != nil) && !st.lost {
			kept := stored{st: st, memory: rep.Memory, index: index}
			if index == nil {
				kept.index = st.index
			}
			w.stored = append(w.stored, kept)
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
// keeps the judged status beside it). at is when r was observed, d its
// digest.
func (w *writes) planResult(sid int64, r *grader.Result, at time.Time, d uint64, old fingerprint, had bool) (fingerprint, bool) {
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
		// row's timeline entry comes with the insert: see statements.)
		fp := judged(r, at, d, old, had)
		fp.hasError, fp.errFP = true, errFP
		fp.errJA, fp.errEN = []byte(r.Message.JA), []byte(r.Message.EN)
		w.upsert(sid, r, at, true, had)
		return fp, true
	}
	if had && old.status == r.Status && old.sameDigest(d) && !old.hasError {
		return old, false
	}
	w.upsert(sid, r, at, false, had)
	if had && old.status != r.Status {
		w.change(sid, r, at, old.status)
	}
	return judged(r, at, d, old, had), true
}

// judged is the fingerprint of r, observed at and digested d, once
// written over old (if had): its content, and the first pass already
// there or r's.
func judged(r *grader.Result, at time.Time, d uint64, old fingerprint, had bool) fingerprint {
	fp := fingerprint{checkID: checkIDBytes(old, had, r), status: r.Status, digest: d,
		points: int32(r.Points), cost: max(r.CostPerHour, 0)}
	switch {
	case had && old.passed:
		fp.passed, fp.firstPassed = true, old.firstPassed
	case r.Status.Passed():
		fp.passed, fp.firstPassed = true, pgMicros(at)
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

// upsert queues a whole result row, observed at; withError records its
// message as the error too (an error result with nothing judged before it).
func (w *writes) upsert(sid int64, r *grader.Result, at time.Time, withError, had bool) {
	rows := &w.inserts
	if had {
		rows = &w.updates
	}
	firstPassed := pgtype.Timestamptz{Time: at, Valid: r.Status.Passed()}
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
	rows.observed = append(rows.observed, at)
	rows.firstPassed = append(rows.firstPassed, firstPassed)
	rows.errJA = append(rows.errJA, pgtype.Text{String: r.Message.JA, Valid: withError})
	rows.errEN = append(rows.errEN, pgtype.Text{String: r.Message.EN, Valid: withError})
	rows.errAt = append(rows.errAt, pgtype.Timestamptz{Time: at, Valid: withError})
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

func (w *writes) change(sid int64, r *grader.Result, at time.Time, from grader.Status) {
	w.chStudent = append(w.chStudent, sid)
	w.chCheck = append(w.chCheck, r.CheckID)
	w.chFrom = append(w.chFrom, pgtype.Text{String: string(from), Valid: from != ""})
	w.chTo = append(w.chTo, string(r.Status))
	w.chMsgJA = append(w.chMsgJA, r.Message.JA)
	w.chMsgEN = append(w.chMsgEN, r.Message.EN)
	w.chAt = append(w.chAt, at)
}
