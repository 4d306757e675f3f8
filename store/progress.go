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

// Progress is how a class went through its checks since it started, from
// the stored status changes (result_changes): the same whenever it is
// read.
//
// A student "has passed" a check from their first pass of it (pass or
// warn) on, whatever came after, as results.first_passed_at: a student who
// passes, fails and passes again counts once, from the first pass. A pass
// before the start counts at the start.
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
// checklist's order) since start. One query: every student's first pass
// of each check.
func (s *Store) ClassProgress(ctx context.Context, classID int64, start time.Time, checks []string) (Progress, error) {
	p := Progress{Start: start, Checks: make([]CheckProgress, len(checks))}
	index := make(map[string]int, len(checks))
	for i, id := range checks {
		p.Checks[i].CheckID = id
		index[id] = i
	}
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM students WHERE class_id = $1", classID).Scan(&p.Students); err != nil {
		return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
	}
	rows, err := s.db.Query(ctx, `
		SELECT rc.student_id, rc.check_id, min(rc.at)
		FROM result_changes rc JOIN students st ON st.id = rc.student_id
		WHERE st.class_id = $1 AND rc.check_id = ANY($2) AND rc.to_status IN ('pass', 'warn')
		GROUP BY rc.student_id, rc.check_id`, classID, checks)
	if err != nil {
		return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
	}
	defer rows.Close()
	// firsts holds each student's first passes by index of checks (zero:
	// none).
	firsts := make(map[int64][]time.Time)
	var (
		student int64
		check   string
		at      time.Time
	)
	for rows.Next() {
		if err := rows.Scan(&student, &check, &at); err != nil {
			return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
		}
		f := firsts[student]
		if f == nil {
			f = make([]time.Time, len(checks))
			firsts[student] = f
		}
		if at.Before(start) {
			at = start
		}
		f[index[check]] = at
	}
	if err := rows.Err(); err != nil {
		return Progress{}, fmt.Errorf("class progress %d: %w", classID, err)
	}
	for _, f := range firsts {
		for k, passed := range f {
			if passed.IsZero() {
				continue
			}
			from := start
			for _, before := range f[:k] {
				if before.After(from) && !before.After(passed) {
					from = before
				}
			}
			c := &p.Checks[k]
			c.PassedAt = append(c.PassedAt, passed)
			c.Took = append(c.Took, passed.Sub(from))
		}
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
