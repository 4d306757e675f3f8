package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
)

// CheckSummary is what a summary keeps of one current result: what the
// grid, the export and the metrics show of it, without its message, hint
// or evidence.
type CheckSummary struct {
	CheckID       string
	Status        grader.Status // the last judged one, as Result.Status
	Points        int
	FirstPassedAt time.Time // zero: never passed
	CostPerHour   float64
	// HasError is whether the last scans could not look at the check,
	// Error why (Result.Error).
	HasError bool
	Error    grader.Text
}

// Summary is a student's current results, one CheckSummary per stored
// result, ordered by check id (byte order). A student never scanned has an
// empty one.
type Summary struct {
	Checks []CheckSummary
}

// Check is the summary of the check of that id, if one is stored.
func (s Summary) Check(id string) (CheckSummary, bool) {
	i, ok := slices.BinarySearchFunc(s.Checks, id, func(c CheckSummary, id string) int { return strings.Compare(c.CheckID, id) })
	if !ok {
		return CheckSummary{}, false
	}
	return s.Checks[i], true
}

// SummaryOf is the summary of a student's results (StudentResults): what
// ClassSummaries reads of them, kept by the database.
func SummaryOf(results []Result) Summary {
	sum := Summary{Checks: make([]CheckSummary, len(results))}
	for i, r := range results {
		c := CheckSummary{CheckID: r.CheckID, Status: r.Status, Points: r.Points, FirstPassedAt: r.FirstPassedAt, CostPerHour: r.CostPerHour}
		if r.HasError() {
			c.HasError, c.Error = true, r.Error
		}
		sum.Checks[i] = c
	}
	slices.SortFunc(sum.Checks, func(a, b CheckSummary) int { return strings.Compare(a.CheckID, b.CheckID) })
	return sum
}

// StudentSummary is a student of the class with the summary of their
// results.
type StudentSummary struct {
	Student Student
	Summary Summary
}

// ClassSummaries is every student of a class, by login, with the summary
// of their results: one row per student, however many checks the class
// has (student_summary, kept by SaveScan and SetClassLabs with the
// results).
func (s *Store) ClassSummaries(ctx context.Context, classID int64) ([]StudentSummary, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+studentColumns+`, check_ids, statuses, points, first_passed_at, cost_per_hour, error_ja, error_en
		FROM students LEFT JOIN student_summary ON student_id = id
		WHERE class_id = $1 ORDER BY lower(login), id`, classID)
	if err != nil {
		return nil, fmt.Errorf("class summaries: %w", err)
	}
	defer rows.Close()
	var (
		out      []StudentSummary
		ids      []string
		statuses []string
		points   []int32
		passed   []*time.Time
		cost     []float64
		errJA    []*string
		errEN    []*string
	)
	for rows.Next() {
		var (
			st      StudentSummary
			scanned *time.Time
		)
		ids, statuses, points, passed, cost, errJA, errEN = ids[:0], statuses[:0], points[:0], passed[:0], cost[:0], errJA[:0], errEN[:0]
		err := rows.Scan(&st.Student.ID, &st.Student.ClassID, &st.Student.Login, &st.Student.DisplayName, &st.Student.AccountID,
			&st.Student.RoleARN, &st.Student.ExternalID, &st.Student.Region, &st.Student.Email, &st.Student.SISID, &st.Student.Section,
			&st.Student.CreatedAt, &st.Student.UpdatedAt, &scanned,
			&ids, &statuses, &points, &passed, &cost, &errJA, &errEN)
		if err != nil {
			return nil, fmt.Errorf("class summaries: %w", err)
		}
		if scanned != nil {
			st.Student.LastScannedAt = *scanned
		}
		n := len(ids)
		if len(statuses) != n || len(points) != n || len(passed) != n || len(cost) != n || len(errJA) != n || len(errEN) != n {
			return nil, fmt.Errorf("class summaries: student %d: arrays of unequal lengths", st.Student.ID)
		}
		if n > 0 {
			st.Summary.Checks = make([]CheckSummary, n)
		}
		for i := range n {
			c := CheckSummary{CheckID: ids[i], Status: grader.Status(statuses[i]), Points: int(points[i]), CostPerHour: cost[i]}
			if passed[i] != nil {
				c.FirstPassedAt = *passed[i]
			}
			if errEN[i] != nil {
				c.HasError, c.Error = true, grader.Text{JA: deref(errJA[i]), EN: *errEN[i]}
			}
			st.Summary.Checks[i] = c
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("class summaries: %w", err)
	}
	return out, nil
}

// refreshSummaries is the statement that makes the summaries of the
// students $1 those of their results (a function of the schema, which
// its migration also backfilled with).
const refreshSummaries = "SELECT refresh_student_summary($1::bigint[])"

// refreshSummariesIn runs refreshSummaries for students in tx.
func refreshSummariesIn(ctx context.Context, tx pgx.Tx, students []int64) error {
	if len(students) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, refreshSummaries, students); err != nil {
		return fmt.Errorf("refresh summaries: %w", err)
	}
	return nil
}
