package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
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
		out []StudentSummary
		d   summaryDecoder
	)
	for rows.Next() {
		var (
			st      StudentSummary
			scanned *time.Time
		)
		// The arrays are read from their binary form by d: pgx's generic
		// array scanning was most of the time of a big class's read.
		err := rows.Scan(&st.Student.ID, &st.Student.ClassID, &st.Student.Login, &st.Student.DisplayName, &st.Student.AccountID,
			&st.Student.RoleARN, &st.Student.ExternalID, &st.Student.Region, &st.Student.Email, &st.Student.SISID, &st.Student.Section,
			&st.Student.CreatedAt, &st.Student.UpdatedAt, &scanned, nil, nil, nil, nil, nil, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("class summaries: %w", err)
		}
		if scanned != nil {
			st.Student.LastScannedAt = *scanned
		}
		fields := rows.FieldDescriptions()
		for _, f := range fields[summaryColumn:] {
			if f.Format != pgx.BinaryFormatCode {
				return nil, fmt.Errorf("class summaries: column %s not in binary format", f.Name)
			}
		}
		if st.Summary, err = d.decode(rows.RawValues()[summaryColumn:]); err != nil {
			return nil, fmt.Errorf("class summaries: student %d: %w", st.Student.ID, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("class summaries: %w", err)
	}
	return out, nil
}

// summaryColumn is the first column of student_summary in ClassSummaries.
const summaryColumn = 14

// summaryDecoder decodes the arrays of student_summary rows (check_ids,
// statuses, points, first_passed_at, cost_per_hour, error_ja, error_en),
// in PostgreSQL's binary form, keeping one copy of each check id and
// status for all rows.
type summaryDecoder struct {
	strings map[string]string
	elems   [7][][]byte
}

func (d *summaryDecoder) decode(raw [][]byte) (Summary, error) {
	if raw[0] == nil {
		return Summary{}, nil // no summary row: no result
	}
	for k := range d.elems {
		var err error
		if d.elems[k], err = arrayElements(d.elems[k][:0], raw[k]); err != nil {
			return Summary{}, err
		}
		if len(d.elems[k]) != len(d.elems[0]) {
			return Summary{}, fmt.Errorf("arrays of unequal lengths")
		}
	}
	if d.strings == nil {
		d.strings = map[string]string{}
	}
	ids, statuses, points, passed, cost, errJA, errEN := d.elems[0], d.elems[1], d.elems[2], d.elems[3], d.elems[4], d.elems[5], d.elems[6]
	sum := Summary{Checks: make([]CheckSummary, len(ids))}
	for i := range ids {
		if ids[i] == nil || statuses[i] == nil || len(points[i]) != 4 || len(cost[i]) != 8 || (passed[i] != nil && len(passed[i]) != 8) {
			return Summary{}, fmt.Errorf("check %d: bad element", i)
		}
		c := CheckSummary{
			CheckID:     d.intern(ids[i]),
			Status:      grader.Status(d.intern(statuses[i])),
			Points:      int(int32(binary.BigEndian.Uint32(points[i]))),
			CostPerHour: math.Float64frombits(binary.BigEndian.Uint64(cost[i])),
		}
		if passed[i] != nil {
			c.FirstPassedAt = pgTime(int64(binary.BigEndian.Uint64(passed[i])))
		}
		if errEN[i] != nil {
			c.HasError, c.Error = true, grader.Text{JA: string(errJA[i]), EN: string(errEN[i])}
		}
		sum.Checks[i] = c
	}
	return sum, nil
}

func (d *summaryDecoder) intern(b []byte) string {
	if s, ok := d.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strings[s] = s
	return s
}

// pgEpoch is PostgreSQL's epoch in Unix seconds: 2000-01-01 UTC.
const pgEpoch = 946684800

// pgTime is a binary timestamptz (microseconds since 2000-01-01 UTC), in
// the local time zone as pgx reads them.
func pgTime(us int64) time.Time {
	sec, frac := us/1e6, us%1e6
	if frac < 0 {
		sec, frac = sec-1, frac+1e6
	}
	return time.Unix(pgEpoch+sec, frac*1e3)
}

// arrayElements appends the elements of a one-dimensional array in
// PostgreSQL's binary form to dst: nil for NULL, else a slice of src.
func arrayElements(dst [][]byte, src []byte) ([][]byte, error) {
	bad := fmt.Errorf("not a one-dimensional binary array")
	if len(src) < 12 {
		return dst, bad
	}
	ndim := int32(binary.BigEndian.Uint32(src))
	if ndim == 0 {
		return dst, nil
	}
	if ndim != 1 || len(src) < 20 {
		return dst, bad
	}
	n := int(int32(binary.BigEndian.Uint32(src[12:])))
	rest := src[20:]
	for range n {
		if len(rest) < 4 {
			return dst, bad
		}
		size := int(int32(binary.BigEndian.Uint32(rest)))
		rest = rest[4:]
		if size < 0 {
			dst = append(dst, nil)
			continue
		}
		if size > len(rest) {
			return dst, bad
		}
		dst = append(dst, rest[:size:size])
		rest = rest[size:]
	}
	return dst, nil
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
