package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
)

// Result is a student's current result on one check.
type Result struct {
	grader.Result
	StudentID int64
	// FirstPassedAt is when the check first passed (pass or warn); it
	// stays set when the check fails later. Zero: never passed.
	FirstPassedAt time.Time
	// ChangedAt is when the status last changed.
	ChangedAt time.Time
	// Error, when set, is why labgrid could not look at the last scans
	// (an AWS error). Status is still the last judged one, or
	// grader.StatusError when nothing was ever judged.
	Error   grader.Text
	ErrorAt time.Time // when the error began; zero with no error
}

// HasError reports whether the last scans could not look at this check.
func (r Result) HasError() bool { return !r.ErrorAt.IsZero() }

const resultColumns = `student_id, check_id, status, points, max_points, required,
	message_ja, message_en, hint_ja, hint_en, evidence, observed_at, first_passed_at, changed_at,
	error_ja, error_en, error_at, cost_per_hour`

func scanResult(row rowScanner) (Result, error) {
	var (
		r                  Result
		status             string
		points, maxPoints  int32
		firstPassed, errAt *time.Time
		errJA, errEN       *string
	)
	err := row.Scan(&r.StudentID, &r.CheckID, &status, &points, &maxPoints, &r.Required,
		&r.Message.JA, &r.Message.EN, &r.Hint.JA, &r.Hint.EN, &r.Evidence, &r.ObservedAt, &firstPassed, &r.ChangedAt,
		&errJA, &errEN, &errAt, &r.CostPerHour)
	if err != nil {
		return Result{}, err
	}
	r.Status, r.Points, r.MaxPoints = grader.Status(status), int(points), int(maxPoints)
	if firstPassed != nil {
		r.FirstPassedAt = *firstPassed
	}
	if errAt != nil {
		r.ErrorAt = *errAt
		r.Error = grader.Text{JA: deref(errJA), EN: deref(errEN)}
	}
	return r, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// StudentResults is a student's current results, by check id (the page
// orders them by the rubric). A student never scanned has none.
func (s *Store) StudentResults(ctx context.Context, studentID int64) ([]Result, error) {
	rows, err := s.db.Query(ctx, "SELECT "+resultColumns+" FROM results WHERE student_id = $1 ORDER BY check_id", studentID)
	if err != nil {
		return nil, fmt.Errorf("student results: %w", err)
	}
	results, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Result, error) { return scanResult(row) })
	if err != nil {
		return nil, fmt.Errorf("student results: %w", err)
	}
	return results, nil
}

// ClassLeftovers is the evidence of the given checks that a student of
// the class has not passed (any status but pass and warn), by student id
// then check id: what an end-of-day lab found left, which ClassSummaries leaves
// out. Results with no evidence are not listed.
func (s *Store) ClassLeftovers(ctx context.Context, classID int64, checkIDs []string) (map[int64]map[string][]string, error) {
	out := map[int64]map[string][]string{}
	if len(checkIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `
		SELECT student_id, check_id, evidence FROM results
		WHERE student_id IN (SELECT id FROM students WHERE class_id = $1)
		  AND check_id = ANY($2) AND status NOT IN ('pass', 'warn') AND cardinality(evidence) > 0`,
		classID, checkIDs)
	if err != nil {
		return nil, fmt.Errorf("class leftovers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id       int64
			check    string
			evidence []string
		)
		if err := rows.Scan(&id, &check, &evidence); err != nil {
			return nil, fmt.Errorf("class leftovers: %w", err)
		}
		if out[id] == nil {
			out[id] = map[string][]string{}
		}
		out[id][check] = evidence
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("class leftovers: %w", err)
	}
	return out, nil
}

// Change is one entry of a student's timeline: a check's status changed.
type Change struct {
	ID        int64
	StudentID int64
	CheckID   string
	From      grader.Status // "" for the first result of the check
	To        grader.Status
	Message   grader.Text // the message of the new status
	At        time.Time
}

// Timeline is every status change of a student, oldest first.
func (s *Store) Timeline(ctx context.Context, studentID int64) ([]Change, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, student_id, check_id, coalesce(from_status, ''), to_status, message_ja, message_en, at
		FROM result_changes WHERE student_id = $1 ORDER BY at, id`, studentID)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	changes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Change, error) {
		var c Change
		var from, to string
		err := row.Scan(&c.ID, &c.StudentID, &c.CheckID, &from, &to, &c.Message.JA, &c.Message.EN, &c.At)
		c.From, c.To = grader.Status(from), grader.Status(to)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return changes, nil
}

// Memory is what the grader remembered of each student of the class at
// the last scan, by login: pass it to the next grader.Scanner.Scan.
func (s *Store) Memory(ctx context.Context, classID int64) (map[string]grader.Memory, error) {
	rows, err := s.db.Query(ctx, `
		SELECT s.login, m.memory
		FROM student_memory m JOIN students s ON s.id = m.student_id
		WHERE s.class_id = $1`, classID)
	if err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	defer rows.Close()
	memory := map[string]grader.Memory{}
	for rows.Next() {
		var (
			login string
			raw   []byte
		)
		if err := rows.Scan(&login, &raw); err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
		m, err := decodeMemory(raw)
		if err != nil {
			return nil, fmt.Errorf("memory of %s: %w", login, err)
		}
		memory[login] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	return memory, nil
}
