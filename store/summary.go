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
// has (the summary is kept in the student's result fingerprints, written
// by SaveScan and SetClassLabs with the results).
func (s *Store) ClassSummaries(ctx context.Context, classID int64) ([]StudentSummary, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+studentColumns+`, scan.result_index
		FROM `+studentTables+`
		WHERE class_id = $1 ORDER BY lower(login), students.id`, classID)
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
		err := rows.Scan(&st.Student.ID, &st.Student.ClassID, &st.Student.Login, &st.Student.DisplayName, &st.Student.AccountID,
			&st.Student.RoleARN, &st.Student.ExternalID, &st.Student.Region, &st.Student.Email, &st.Student.SISID, &st.Student.Section,
			&st.Student.CreatedAt, &st.Student.UpdatedAt, &scanned, nil)
		if err != nil {
			return nil, fmt.Errorf("class summaries: %w", err)
		}
		if scanned != nil {
			st.Student.LastScannedAt = *scanned
		}
		// Read in place: the decoder copies what it keeps.
		if err := binaryColumn(rows, summaryColumn); err != nil {
			return nil, fmt.Errorf("class summaries: %w", err)
		}
		st.Summary = d.decode(rows.RawValues()[summaryColumn])
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("class summaries: %w", err)
	}
	return out, nil
}

// binaryColumn makes sure column i of rows comes in binary form: a bytea
// read in place is then its very bytes.
func binaryColumn(rows pgx.Rows, i int) error {
	if f := rows.FieldDescriptions()[i]; f.Format != pgx.BinaryFormatCode {
		return fmt.Errorf("column %s not in binary format", f.Name)
	}
	return nil
}

// summaryColumn is the column of result_index in ClassSummaries.
const summaryColumn = 14

// summaryDecoder decodes the summaries in students' result indexes,
// keeping one copy of each check id for all of them.
type summaryDecoder struct {
	strings map[string]string
	fps     []fingerprint
}

// decode is the summary in a result index. An unreadable index (lost, or
// written by an older labgrid) reads as no result: the next scan writes
// every result of the student again, and the index with them.
func (d *summaryDecoder) decode(index []byte) Summary {
	var err error
	if d.fps, err = appendFingerprints(d.fps[:0], index); err != nil || len(d.fps) == 0 {
		return Summary{}
	}
	if d.strings == nil {
		d.strings = map[string]string{}
	}
	sum := Summary{Checks: make([]CheckSummary, len(d.fps))}
	for i, fp := range d.fps {
		sum.Checks[i] = fp.summary(d.intern(fp.checkID))
	}
	// SaveScan keeps a student's results in the order of the scan.
	slices.SortFunc(sum.Checks, func(a, b CheckSummary) int { return strings.Compare(a.CheckID, b.CheckID) })
	return sum
}

func (d *summaryDecoder) intern(b []byte) string {
	if s, ok := d.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strings[s] = s
	return s
}

// summary is what the grid shows of fp's result, of check id.
func (fp fingerprint) summary(id string) CheckSummary {
	c := CheckSummary{CheckID: id, Status: fp.status, Points: int(fp.points), CostPerHour: fp.cost}
	if fp.passed {
		c.FirstPassedAt = pgTime(fp.firstPassed)
	}
	if fp.hasError {
		c.HasError, c.Error = true, grader.Text{JA: string(fp.errJA), EN: string(fp.errEN)}
	}
	return c
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

// pgMicros is t as a binary timestamptz: microseconds since 2000-01-01
// UTC, as PostgreSQL keeps it.
func pgMicros(t time.Time) int64 { return t.Sub(time.Unix(pgEpoch, 0)).Microseconds() }

// buildResultIndex is the statement that writes the result indexes of the
// students $1 from their results (a function of the schema, which its
// migration also built every index with), their digests unknown.
const buildResultIndex = "SELECT build_result_index($1::bigint[])"
