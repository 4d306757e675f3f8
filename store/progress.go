package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
)

// Limits of a class's bottleneck settings (the classes table checks them
// too).
const (
	MaxBottleneckPercent = 100
	MaxBottleneckMinutes = 24 * 60
)

// ClassSettings are the settings of a class's cockpit; a zero field
// leaves the class's as it is.
type ClassSettings struct {
	StartedAt         *time.Time
	BottleneckPercent int // 1 to MaxBottleneckPercent
	BottleneckMinutes int // 1 to MaxBottleneckMinutes
}

// CheckClassSettings reports what is wrong with cs (ErrInvalid), or nil.
func CheckClassSettings(cs ClassSettings) error {
	var errs []error
	if cs.StartedAt != nil && cs.StartedAt.IsZero() {
		errs = append(errs, errors.New("start: no time given"))
	}
	if cs.BottleneckPercent < 0 || cs.BottleneckPercent > MaxBottleneckPercent {
		errs = append(errs, fmt.Errorf("bottleneck percent %d: want 1 to %d", cs.BottleneckPercent, MaxBottleneckPercent))
	}
	if cs.BottleneckMinutes < 0 || cs.BottleneckMinutes > MaxBottleneckMinutes {
		errs = append(errs, fmt.Errorf("bottleneck minutes %d: want 1 to %d (a day)", cs.BottleneckMinutes, MaxBottleneckMinutes))
	}
	if len(errs) > 0 {
		return invalid(errors.Join(errs...))
	}
	return nil
}

// SetClassSettings changes the settings cs gives of a class and returns
// the class as it is then (without its labs).
func (s *Store) SetClassSettings(ctx context.Context, classID int64, cs ClassSettings) (Class, error) {
	if err := CheckClassSettings(cs); err != nil {
		return Class{}, fmt.Errorf("set class %d: %w", classID, err)
	}
	row := s.db.QueryRow(ctx, `
		UPDATE classes SET
			started_at = coalesce($2, started_at),
			bottleneck_percent = coalesce(nullif($3, 0), bottleneck_percent),
			bottleneck_minutes = coalesce(nullif($4, 0), bottleneck_minutes)
		WHERE id = $1
		RETURNING `+classColumns,
		classID, cs.StartedAt, cs.BottleneckPercent, cs.BottleneckMinutes)
	c, err := scanClass(row)
	if err != nil {
		return Class{}, notFound(err, "set class %d", classID)
	}
	return c, nil
}

// Progress is how a class went through its checks since it started.
//
// A student "has passed" a check from their first pass of it (pass or
// warn) on, whatever came after: results.first_passed_at, kept in their
// summary. A student who passes, fails and passes again counts once, from
// the first pass. A pass before the start counts at the start. A check
// taken out of the class's labs takes its results, first passes with
// them: put back, it starts again (the timeline keeps the old passes).
type Progress struct {
	Start    time.Time
	Students int             // in the class
	Checks   []CheckProgress // in the order asked
}

// CheckProgress is how the students of a class passed one check.
type CheckProgress struct {
	CheckID string
	// PassedAt are the students' first passes, in order: from
	// PassedAt[i] on, i+1 students had passed the check.
	PassedAt []time.Time
	// Took is how long each student who passed took, shortest first: from
	// their latest first pass, before this one, of a check that comes
	// before it in the order asked, or from the start.
	Took []time.Duration
}

// ClassProgress reads how a class went through checks (ids, in the
// checklist's order) since start: one row per student, their summary,
// however long the class's history. (It read every pass of the timeline,
// whose index for it cost every scan a second index insert per pass.)
func (s *Store) ClassProgress(ctx context.Context, classID int64, start time.Time, checks []string) (Progress, error) {
	p := Progress{Start: start, Checks: make([]CheckProgress, len(checks))}
	index := make(map[string]int, len(checks))
	for i, id := range checks {
		p.Checks[i].CheckID = id
		index[id] = i
	}
	rows, err := s.db.Query(ctx, `
		SELECT scan.result_index FROM `+studentTables+` WHERE class_id = $1`, classID)
	if err != nil {
		return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
	}
	defer rows.Close()
	var d summaryDecoder
	firsts := make([]time.Time, len(checks)) // a student's, by index of checks; zero: none
	for rows.Next() {
		p.Students++
		// Read in place: the decoder copies what it keeps.
		if err := binaryColumn(rows, 0); err != nil {
			return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
		}
		clear(firsts)
		for _, c := range d.decode(rows.RawValues()[0]).Checks {
			k, asked := index[c.CheckID]
			if !asked || c.FirstPassedAt.IsZero() {
				continue
			}
			firsts[k] = c.FirstPassedAt
			if firsts[k].Before(start) {
				firsts[k] = start
			}
		}
		for k, passed := range firsts {
			if passed.IsZero() {
				continue
			}
			from := start
			for _, before := range firsts[:k] {
				if before.After(from) && !before.After(passed) {
					from = before
				}
			}
			c := &p.Checks[k]
			c.PassedAt = append(c.PassedAt, passed)
			c.Took = append(c.Took, passed.Sub(from))
		}
	}
	if err := rows.Err(); err != nil {
		return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
	}
	for i := range p.Checks {
		slices.SortFunc(p.Checks[i].PassedAt, time.Time.Compare)
		slices.Sort(p.Checks[i].Took)
	}
	return p, nil
}

// CommonHint is the hint the given students' results of a check give
// most often (the bottleneck's hint to read out); empty when none gives
// one. Ties go to the hint in byte order, so that it does not flicker.
func (s *Store) CommonHint(ctx context.Context, checkID string, students []int64) (grader.Text, error) {
	var h grader.Text
	err := s.db.QueryRow(ctx, `
		SELECT hint_ja, hint_en FROM results
		WHERE student_id = ANY($1) AND check_id = $2 AND (hint_ja <> '' OR hint_en <> '')
		GROUP BY hint_ja, hint_en
		ORDER BY count(*) DESC, hint_en COLLATE "C", hint_ja COLLATE "C"
		LIMIT 1`, students, checkID).Scan(&h.JA, &h.EN)
	if errors.Is(err, pgx.ErrNoRows) {
		return grader.Text{}, nil
	}
	if err != nil {
		return grader.Text{}, fmt.Errorf("hint of %s: %w", checkID, err)
	}
	return h, nil
}
