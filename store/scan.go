package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
)

// Trigger is what started a scan.
type Trigger string

const (
	TriggerSchedule Trigger = "schedule" // the class's periodic scan
	TriggerManual   Trigger = "manual"   // someone pressed "check now"
	TriggerCLI      Trigger = "cli"      // a command-line scan
)

// SaveSummary says what SaveScan wrote.
type SaveSummary struct {
	ScanRunID int64
	// ChangedResults counts the (student, check) results written: those
	// whose status, points, messages, hint, evidence or error changed.
	ChangedResults int
	// ChangedStudents are the students with a changed result, ascending:
	// the ones announced on labgrid_results.
	ChangedStudents []int64
	// Unknown are logins of reports with no student in the class (removed
	// while the scan ran); their reports were dropped.
	Unknown []string
}

// maxStatementBytes bounds the parameters of one statement of SaveScan,
// roughly: the rows of a big scan are written by several statements of the
// same transaction. PostgreSQL takes no message over 1 GB, which the new
// results of a 100,000-student class passed in a single statement; a
// scan's size grows with the class, the rubric and the evidence alike.
const maxStatementBytes = 1 << 20

// rowOverhead is what a row costs in a statement's parameters besides its
// strings, at most: a length before each array element, and the numbers,
// times and flags.
const rowOverhead = 128

// planPart is how many reports of a scan are planned and sent at a time,
// at most. The first parts are smaller (firstPart, then twice as many
// each time): PostgreSQL waits for the first part's plan, and starts
// sooner on a small one.
const (
	firstPart = 64
	planPart  = 256
)

// planParts cuts reports into the parts SaveScan plans and sends in turn.
func planParts(reports []grader.Report) iter.Seq[[]grader.Report] {
	return func(yield func([]grader.Report) bool) {
		for n := firstPart; len(reports) > 0; n = min(2*n, planPart) {
			part := reports[:min(n, len(reports))]
			reports = reports[len(part):]
			if !yield(part) {
				return
			}
		}
	}
}

// maxErrorSummary bounds scan_runs.error_summary: a class-wide outage
// repeats one reason per target.
const maxErrorSummary = 4000

// SaveScan stores one scan of students of the class, in one transaction:
// a scan_runs row; the results that changed and nothing else (a scan that
// changes nothing writes no result row); a timeline row per status change;
// one student_memory row per scanned student: the time of the scan, and
// where they changed the grader's memory and the student's fingerprints,
// which hold their summary; and, when something changed, a NOTIFY on
// labgrid_results naming the students.
//
// An error result (labgrid could not look) keeps the student's last judged
// status and records the error beside it; the next judged result clears it.
// A check's first pass (pass or warn) is remembered for good. What changed
// is found from the fingerprints kept in student_memory, one row per
// student, not by reading every result back; the Store keeps those it
// wrote for its next save of the class, and reads them again only when the
// class's scan_version says someone else wrote since (another process, a
// roster or labs change). Scans of one class are serialised on the class
// row, so concurrent saves cannot interleave their reads and writes.
func (s *Store) SaveScan(ctx context.Context, classID int64, trigger Trigger, res *grader.ScanResult) (SaveSummary, error) {
	var sum SaveSummary
	switch trigger {
	case TriggerSchedule, TriggerManual, TriggerCLI:
	default:
		return sum, fmt.Errorf("save scan: %w: trigger %q", ErrInvalid, trigger)
	}
	logins := make([]string, 0, len(res.Reports))
	for _, rep := range res.Reports {
		logins = append(logins, strings.ToLower(rep.Student.Login))
	}

	var (
		parts []*writes
		next  *classStudents
	)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// The scan run and the class's next version go with the reads, in
		// their round trip.
		run := func(batch *pgx.Batch) {
			batch.Queue(`
				INSERT INTO scan_runs (class_id, trigger, started_at, finished_at, targets, failed_targets, aws_calls, error_summary)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				classID, string(trigger), res.StartedAt, res.FinishedAt,
				len(res.Targets), res.Failed(), res.AWSCalls, errorSummary(res),
			).QueryRow(func(row pgx.Row) error { return row.Scan(&sum.ScanRunID) })
			// Under the class lock, taken first in the batch.
			batch.Queue("UPDATE classes SET scan_version = scan_version + 1 WHERE id = $1", classID)
		}
		// The first part is planned from the cache while the reads
		// travel, and kept if the cache turns out current: PostgreSQL then
		// gets its first writes a round trip sooner.
		reportParts := slices.Collect(planParts(res.Reports))
		plan := func(reports []grader.Report, prev previous) *writes {
			return planWrites(&grader.ScanResult{FinishedAt: res.FinishedAt, Reports: reports}, prev)
		}
		var early *writes // of reportParts[0]
		prev, version, fromCache, err := readPrevious(ctx, tx, classID, logins, s.scans.take(classID), run, func(cached previous) {
			if len(reportParts) > 0 && cached.knowsAll(logins[:len(reportParts[0])]) {
				early = plan(reportParts[0], cached)
			}
		})
		if err != nil {
			return err
		}
		if early != nil && !fromCache {
			early.release()
			early = nil
		}
		next = &classStudents{version: version + 1, students: prev.students}

		// A big scan is planned and sent a part at a time: PostgreSQL
		// writes one part while the next is planned, and runs each
		// statement while the next is encoded.
		pl, err := startPipeline(ctx, tx, saveStatements)
		if err != nil {
			return err
		}
		defer pl.abandon()
		for i, reports := range reportParts {
			w := early
			if i > 0 || w == nil {
				w = plan(reports, prev)
			}
			parts = append(parts, w)
			sum.ChangedResults += w.changedResults
			sum.ChangedStudents = append(sum.ChangedStudents, w.changedStudents...)
			sum.Unknown = append(sum.Unknown, w.unknown...)
			for _, st := range w.statements(res.FinishedAt) {
				if err := pl.send(st.sql, st.args...); err != nil {
					return err
				}
			}
		}
		// The writes are all sent: the time they are stored at, a commit
		// later.
		slices.Sort(sum.ChangedStudents)
		for _, payload := range notifyPayloads(classID, time.Now(), sum.ChangedStudents) {
			if err := pl.send(sqlNotify, NotifyChannel, payload); err != nil {
				return err
			}
		}
		return pl.finish()
	})
	if err != nil {
		return SaveSummary{}, fmt.Errorf("save scan: %w", err)
	}
	rebuilt := false
	for _, w := range parts {
		apply(w.stored)
		rebuilt = rebuilt || len(w.rebuild) > 0
		w.release()
	}
	if rebuilt {
		// Their fingerprints are the database's now: read them again.
		maps.DeleteFunc(next.students, func(_ string, st *storedStudent) bool { return st != nil && st.lost })
	}
	next.lastRun = sum.ScanRunID
	s.scans.put(classID, next)
	return sum, nil
}

// readPrevious locks the class and reads what is kept of the scanned
// students, or takes it from cached, what this Store wrote at the last
// save, if the class's scan_version is still the one it wrote and no scan
// run came since. The statements then queues go in its first round trip,
// after the reads; meanwhile is given what cached holds while that round
// trip travels (not called without a cache). It returns the version read
// and whether the students came from cached.
func readPrevious(ctx context.Context, tx pgx.Tx, classID int64, logins []string, cached *classStudents,
	then func(*pgx.Batch), meanwhile func(previous)) (previous, int64, bool, error) {
	var version int64
	prev := previous{students: make(map[string]*storedStudent, len(logins))}
	batch := &pgx.Batch{}
	// Scans and imports of one class take turns on the class row; FOR NO
	// KEY UPDATE leaves inserts of students (a foreign key share lock) free.
	batch.Queue("SELECT scan_version FROM classes WHERE id = $1 FOR NO KEY UPDATE", classID).
		QueryRow(func(row pgx.Row) error {
			if err := row.Scan(&version); err != nil {
				return notFound(err, "class %d", classID)
			}
			return nil
		})
	newer := false
	if cached != nil {
		// A labgrid that knows no scan_version (a replica not yet
		// upgraded) still adds a scan run when it saves; runs of a class
		// are added under its lock, in the order of their ids.
		batch.Queue("SELECT EXISTS (SELECT FROM scan_runs WHERE id > $2 AND class_id = $1)", classID, cached.lastRun).
			QueryRow(func(row pgx.Row) error { return row.Scan(&newer) })
	}
	missing := logins
	if cached == nil {
		queueStudentReads(batch, classID, logins, prev.students)
		missing = nil // read in the same round trip
	}
	then(batch)
	sent := tx.SendBatch(ctx, batch)
	if cached != nil {
		meanwhile(previous{students: cached.students})
	}
	if err := sent.Close(); err != nil {
		if errors.Is(err, ErrNotFound) {
			return prev, 0, false, err // already says which class
		}
		return prev, 0, false, fmt.Errorf("read previous results: %w", err)
	}
	fromCache := cached != nil && cached.version == version && !newer
	if fromCache {
		prev.students = cached.students
		missing = slices.DeleteFunc(slices.Clone(logins), prev.knows)
	}
	if len(missing) > 0 {
		batch = &pgx.Batch{}
		queueStudentReads(batch, classID, missing, prev.students)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return prev, 0, false, fmt.Errorf("read previous results: %w", err)
		}
	}
	// A login read and not found is no student of the class, until the
	// roster changes (and with it the version).
	for _, login := range logins {
		if !prev.knows(login) {
			prev.students[login] = nil
		}
	}
	return prev, version, fromCache, nil
}

// knows tells whether prev holds login, as a student or as none: planned
// from prev, it needs no read.
func (prev previous) knows(login string) bool {
	_, ok := prev.students[login]
	return ok
}

// knowsAll tells whether prev knows every one of logins.
func (prev previous) knowsAll(logins []string) bool {
	return !slices.ContainsFunc(logins, func(login string) bool { return !prev.knows(login) })
}

// queueStudentReads queues the reads of what is kept of the students of
// logins into students.
func queueStudentReads(batch *pgx.Batch, classID int64, logins []string, students map[string]*storedStudent) {
	// The fingerprints stand for the stored results: 200 rows to read
	// instead of 3,400.
	var fps []fingerprint // scratch: a student's, to tell whether they read
	read := func(rows pgx.Rows) error {
		for rows.Next() {
			st := &storedStudent{}
			var login string
			var memory []byte
			var hasResults bool
			if err := rows.Scan(&st.id, &login, &st.hasMemory, &memory, &st.index, &hasResults); err != nil {
				return err
			}
			// Unreadable memory counts as none: it is then written again.
			st.memory, _ = decodeMemory(memory)
			// Unreadable fingerprints count as none: every result is
			// then written again, which repairs them.
			var err error
			fps, err = appendFingerprints(fps[:0], st.index)
			st.lost = err != nil || (len(fps) == 0 && hasResults)
			students[login] = st
		}
		return rows.Err()
	}
	for sp := range spans(len(logins), func(i int) int { return rowOverhead + len(logins[i]) }) {
		batch.Queue(`
			SELECT s.id, lower(s.login), m.student_id IS NOT NULL,
				coalesce(m.memory, '{}'::jsonb), coalesce(m.result_index, ''::bytea),
				-- results with no fingerprint for them (see storedStudent.lost)
				coalesce(length(m.result_index), 0) <= 1 AND EXISTS (SELECT FROM results r WHERE r.student_id = s.id)
			FROM students s LEFT JOIN student_memory m ON m.student_id = s.id
			WHERE s.class_id = $1 AND lower(s.login) = ANY($2)`, classID, logins[sp.from:sp.to]).
			Query(read)
	}
}

// evStart is where row i's evidence begins in rows.evidence.
func (rows *resultRows) evStart(i int) int {
	if i == 0 {
		return 0
	}
	return rows.evEnd[i-1]
}

// size is what row i weighs in a statement's parameters.
func (rows *resultRows) size(i int) int {
	n := rowOverhead + len(rows.check[i]) + len(rows.status[i]) + len(rows.msgJA[i]) + len(rows.msgEN[i]) +
		len(rows.hintJA[i]) + len(rows.hintEN[i]) + rows.evEnd[i] - rows.evStart(i)
	n += len(rows.errJA[i].String) + len(rows.errEN[i].String)
	return n
}

// args are the rows from…to-1 as the parameters $1… of resultUnnest.
func (rows *resultRows) args(from, to int) []any {
	base := rows.evStart(from)
	all := string(rows.evidence[base:rows.evEnd[to-1]]) // one copy for the lot
	evidence := make([]string, to-from)
	for i := range evidence {
		evidence[i] = all[rows.evStart(from+i)-base : rows.evEnd[from+i]-base]
	}
	return []any{int8Array(rows.student[from:to]), textArray(rows.check[from:to]), textArray(rows.status[from:to]),
		rows.points[from:to], rows.maxPoints[from:to], rows.required[from:to],
		textArray(rows.msgJA[from:to]), textArray(rows.msgEN[from:to]), textArray(rows.hintJA[from:to]), textArray(rows.hintEN[from:to]),
		timeArray(rows.observed[from:to]), nullTimeArray(rows.firstPassed[from:to]),
		nullTextArray(rows.errJA[from:to]), nullTextArray(rows.errEN[from:to]), nullTimeArray(rows.errAt[from:to]),
		textArray(evidence), float8Array(rows.cost[from:to])}
}

// resultUnnest turns the parameters of resultRows.args into rows u.
//
// Every statement of SaveScan unnests its arrays in a select list, where
// they are read in step, a row at a time: unnest(a, b, …) in FROM first
// copies each array into a tuplestore of its own, which cost a save of
// 1,000 students a tenth of its time in PostgreSQL.
const resultUnnest = `(SELECT unnest($1::bigint[]) AS student_id, unnest($2::text[]) AS check_id,
		unnest($3::text[]) AS status, unnest($4::int[]) AS points, unnest($5::int[]) AS max_points,
		unnest($6::bool[]) AS required, unnest($7::text[]) AS message_ja, unnest($8::text[]) AS message_en,
		unnest($9::text[]) AS hint_ja, unnest($10::text[]) AS hint_en, unnest($11::timestamptz[]) AS observed_at,
		unnest($12::timestamptz[]) AS first_passed_at, unnest($13::text[]) AS error_ja,
		unnest($14::text[]) AS error_en, unnest($15::timestamptz[]) AS error_at,
		unnest($16::text[]) AS evidence, unnest($17::float8[]) AS cost_per_hour) AS u`

// statements are the planned writes: one statement per kind, or one per
// span of maxStatementBytes for a big scan, to be sent in order, in one
// transaction. Each is one of saveStatements.
func (w *writes) statements(scannedAt time.Time) []statement {
	b := &statements{}
	ins := &w.inserts
	for sp := range spans(len(ins.student), ins.size) {
		b.add(sqlInsertNewChanges,
			int8Array(ins.student[sp.from:sp.to]), textArray(ins.check[sp.from:sp.to]), textArray(ins.status[sp.from:sp.to]),
			textArray(ins.msgJA[sp.from:sp.to]), textArray(ins.msgEN[sp.from:sp.to]), timeArray(ins.observed[sp.from:sp.to]))
		b.add(sqlUpsertResults,
			ins.args(sp.from, sp.to)...)
	}
	for sp := range spans(len(w.updates.student), w.updates.size) {
		b.add(sqlUpdateResults,
			w.updates.args(sp.from, sp.to)...)
	}
	errSize := func(i int) int { return rowOverhead + len(w.errCheck[i]) + len(w.errJA[i]) + len(w.errEN[i]) }
	for sp := range spans(len(w.errStudent), errSize) {
		b.add(sqlErrorsOnly,
			int8Array(w.errStudent[sp.from:sp.to]), textArray(w.errCheck[sp.from:sp.to]),
			textArray(w.errJA[sp.from:sp.to]), textArray(w.errEN[sp.from:sp.to]), timeArray(w.errAt[sp.from:sp.to]))
	}
	for sp := range spans(len(w.delStudent), func(i int) int { return rowOverhead + len(w.delCheck[i]) }) {
		b.add(sqlDeleteResults,
			int8Array(w.delStudent[sp.from:sp.to]), textArray(w.delCheck[sp.from:sp.to]))
	}
	chSize := func(i int) int {
		return rowOverhead + len(w.chCheck[i]) + len(w.chTo[i]) + len(w.chMsgJA[i]) + len(w.chMsgEN[i])
	}
	for sp := range spans(len(w.chStudent), chSize) {
		b.add(sqlInsertChanges,
			int8Array(w.chStudent[sp.from:sp.to]), textArray(w.chCheck[sp.from:sp.to]), nullTextArray(w.chFrom[sp.from:sp.to]),
			textArray(w.chTo[sp.from:sp.to]), textArray(w.chMsgJA[sp.from:sp.to]), textArray(w.chMsgEN[sp.from:sp.to]),
			timeArray(w.chAt[sp.from:sp.to]))
	}
	for _, m := range []*memoryRows{&w.newMemory, &w.memory} {
		// A plain UPDATE of the rows known to exist is cheaper than an
		// upsert.
		sql := sqlUpdateMemory
		if m == &w.newMemory {
			sql = sqlInsertMemory
		}
		for sp := range spans(len(m.student), func(i int) int { return rowOverhead + len(m.memory[i]) + len(m.index[i]) }) {
			b.add(sql, int8Array(m.student[sp.from:sp.to]), m.memory[sp.from:sp.to], m.index[sp.from:sp.to], scannedAt)
		}
	}
	// The fingerprints of the students who had lost them, from the
	// results just written.
	for sp := range spans(len(w.rebuild), func(int) int { return rowOverhead }) {
		b.add(buildResultIndex, int8Array(w.rebuild[sp.from:sp.to]))
	}
	return b.all
}

// A statement is one of saveStatements with its arguments.
type statement struct {
	sql  string
	args []any
}

type statements struct{ all []statement }

func (b *statements) add(sql string, args ...any) {
	b.all = append(b.all, statement{sql: sql, args: args})
}

// saveStatements are the statements SaveScan writes with, prepared on a
// connection at its first save.
var saveStatements = []string{sqlInsertNewChanges, sqlUpsertResults, sqlUpdateResults, sqlErrorsOnly,
	sqlDeleteResults, sqlInsertChanges, sqlUpdateMemory, sqlInsertMemory, buildResultIndex, sqlNotify}

const (
	// The timeline entries of the results the fingerprints do not know,
	// before they are written: the status they replace is none, unless
	// fingerprints were lost and the row is there.
	sqlInsertNewChanges = `
		INSERT INTO result_changes (student_id, check_id, from_status, to_status, message_ja, message_en, at)
		SELECT u.student_id, u.check_id, r.status, u.status, u.message_ja, u.message_en, u.at
		FROM (SELECT unnest($1::bigint[]) AS student_id, unnest($2::text[]) AS check_id,
			unnest($3::text[]) AS status, unnest($4::text[]) AS message_ja, unnest($5::text[]) AS message_en,
			unnest($6::timestamptz[]) AS at) AS u
		LEFT JOIN results r ON r.student_id = u.student_id AND r.check_id = u.check_id
		WHERE r.status IS DISTINCT FROM u.status`
	// Results the fingerprints do not know. ON CONFLICT only matters when
	// fingerprints were lost: the row is then rewritten.
	sqlUpsertResults = `
		INSERT INTO results AS r (student_id, check_id, status, points, max_points, required,
			message_ja, message_en, hint_ja, hint_en, evidence,
			observed_at, first_passed_at, changed_at, error_ja, error_en, error_at, cost_per_hour)
		SELECT u.student_id, u.check_id, u.status, u.points, u.max_points, u.required,
			u.message_ja, u.message_en, u.hint_ja, u.hint_en, u.evidence::text[],
			u.observed_at, u.first_passed_at, u.observed_at, u.error_ja, u.error_en, u.error_at, u.cost_per_hour
		FROM ` + resultUnnest + `
		ON CONFLICT (student_id, check_id) DO UPDATE SET
			status = EXCLUDED.status, points = EXCLUDED.points, max_points = EXCLUDED.max_points,
			required = EXCLUDED.required, message_ja = EXCLUDED.message_ja, message_en = EXCLUDED.message_en,
			hint_ja = EXCLUDED.hint_ja, hint_en = EXCLUDED.hint_en, evidence = EXCLUDED.evidence,
			observed_at = EXCLUDED.observed_at, cost_per_hour = EXCLUDED.cost_per_hour,
			first_passed_at = coalesce(r.first_passed_at, EXCLUDED.first_passed_at),
			changed_at = CASE WHEN r.status IS DISTINCT FROM EXCLUDED.status THEN EXCLUDED.changed_at ELSE r.changed_at END,
			error_ja = EXCLUDED.error_ja, error_en = EXCLUDED.error_en,
			error_at = CASE WHEN EXCLUDED.error_at IS NULL THEN NULL ELSE coalesce(r.error_at, EXCLUDED.error_at) END`
	// Stored results whose content changed. In SET, r.* are the old values.
	sqlUpdateResults = `
		UPDATE results AS r SET
			status = u.status, points = u.points, max_points = u.max_points, required = u.required,
			message_ja = u.message_ja, message_en = u.message_en, hint_ja = u.hint_ja, hint_en = u.hint_en,
			evidence = u.evidence::text[], observed_at = u.observed_at, cost_per_hour = u.cost_per_hour,
			first_passed_at = coalesce(r.first_passed_at, u.first_passed_at),
			changed_at = CASE WHEN r.status IS DISTINCT FROM u.status THEN u.observed_at ELSE r.changed_at END,
			error_ja = u.error_ja, error_en = u.error_en,
			error_at = CASE WHEN u.error_at IS NULL THEN NULL ELSE coalesce(r.error_at, u.error_at) END
		FROM ` + resultUnnest + `
		WHERE r.student_id = u.student_id AND r.check_id = u.check_id`
	// An error beside a judged status.
	sqlErrorsOnly = `
		UPDATE results AS r SET error_ja = u.error_ja, error_en = u.error_en, error_at = coalesce(r.error_at, u.at)
		FROM (SELECT unnest($1::bigint[]) AS student_id, unnest($2::text[]) AS check_id,
			unnest($3::text[]) AS error_ja, unnest($4::text[]) AS error_en, unnest($5::timestamptz[]) AS at) AS u
		WHERE r.student_id = u.student_id AND r.check_id = u.check_id`
	// Results of checks no longer in the rubric.
	sqlDeleteResults = `
		DELETE FROM results AS r USING (SELECT unnest($1::bigint[]) AS student_id, unnest($2::text[]) AS check_id) AS u
		WHERE r.student_id = u.student_id AND r.check_id = u.check_id`
	sqlInsertChanges = `
		INSERT INTO result_changes (student_id, check_id, from_status, to_status, message_ja, message_en, at)
		SELECT unnest($1::bigint[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
			unnest($5::text[]), unnest($6::text[]), unnest($7::timestamptz[])`
	// Every scanned student's row: the time of the scan; memory and
	// fingerprints where given (NULL: as they are).
	sqlUpdateMemory = `
		UPDATE student_memory AS m SET scanned_at = $4,
			memory = coalesce(u.memory, m.memory), result_index = coalesce(u.result_index, m.result_index)
		FROM (SELECT unnest($1::bigint[]) AS student_id, unnest($2::jsonb[]) AS memory,
			unnest($3::bytea[]) AS result_index) AS u
		WHERE m.student_id = u.student_id`
	// The rows of students scanned for the first time. ON CONFLICT covers
	// a row added since (never, under the class lock, but harmless).
	sqlInsertMemory = `
		INSERT INTO student_memory (student_id, memory, result_index, scanned_at)
		SELECT unnest($1::bigint[]), unnest($2::jsonb[]), unnest($3::bytea[]), $4
		ON CONFLICT (student_id) DO UPDATE SET
			memory = EXCLUDED.memory, result_index = EXCLUDED.result_index, scanned_at = EXCLUDED.scanned_at`
	sqlNotify = "SELECT pg_notify($1, $2)"
)

// span is the rows from…to-1 of a statement, weighing bytes.
type span struct{ from, to, bytes int }

// spans cuts n rows into spans of at most maxStatementBytes; a row bigger
// than that goes alone.
func spans(n int, size func(i int) int) iter.Seq[span] {
	return func(yield func(span) bool) {
		sp := span{}
		for i := range n {
			s := size(i)
			if i > sp.from && sp.bytes+s > maxStatementBytes {
				sp.to = i
				if !yield(sp) {
					return
				}
				sp = span{from: i}
			}
			sp.bytes += s
		}
		if n > sp.from {
			sp.to = n
			yield(sp)
		}
	}
}

// errorSummary names each target that could not be scanned, with why.
func errorSummary(res *grader.ScanResult) string {
	var b strings.Builder
	for _, t := range res.Targets {
		if t.Err == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		// Target.String never includes the external id.
		fmt.Fprintf(&b, "%s: %v", t.Target, t.Err)
		if b.Len() > maxErrorSummary {
			break
		}
	}
	s := b.String()
	if len(s) > maxErrorSummary {
		s = strings.ToValidUTF8(s[:maxErrorSummary], "") + "…"
	}
	return s
}

// ScanRun is one stored scan.
type ScanRun struct {
	ID            int64
	ClassID       int64
	Trigger       Trigger
	StartedAt     time.Time
	FinishedAt    time.Time
	Targets       int
	FailedTargets int
	AWSCalls      int
	ErrorSummary  string
}

// ScanRuns is the class's latest scans, newest first, at most limit.
func (s *Store) ScanRuns(ctx context.Context, classID int64, limit int) ([]ScanRun, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, class_id, trigger, started_at, finished_at, targets, failed_targets, aws_calls, error_summary
		FROM scan_runs WHERE class_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, classID, limit)
	if err != nil {
		return nil, fmt.Errorf("scan runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ScanRun, error) {
		var (
			r                         ScanRun
			trigger                   string
			targets, failed, awsCalls int32
		)
		err := row.Scan(&r.ID, &r.ClassID, &trigger, &r.StartedAt, &r.FinishedAt, &targets, &failed, &awsCalls, &r.ErrorSummary)
		r.Trigger, r.Targets, r.FailedTargets, r.AWSCalls = Trigger(trigger), int(targets), int(failed), int(awsCalls)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan runs: %w", err)
	}
	return runs, nil
}
