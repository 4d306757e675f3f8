package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
)

// Class is one workshop class: a roster, its labs, a rubric and a scan
// interval.
type Class struct {
	ID   int64
	Name string
	// Labs are the labs the class is judged with, in order (at least
	// one).
	Labs []ClassLab
	// RubricYAML is the class's rubric file, applied to its labs (see
	// labs.ForClass); empty keeps the labs as they are.
	RubricYAML   string
	ScanInterval time.Duration
	CreatedAt    time.Time
	// StartedAt is when the class started, as set (SetClassSettings);
	// zero: not set, see Start.
	StartedAt time.Time
	// A check is the class's bottleneck when BottleneckPercent of the
	// students who reached it are stuck on it for BottleneckMinutes.
	BottleneckPercent int
	BottleneckMinutes int
}

// Start is when the class started: as set, else when it was made. The
// progress chart starts there, and a student with no pass yet has made no
// progress since then.
func (c Class) Start() time.Time {
	if !c.StartedAt.IsZero() {
		return c.StartedAt
	}
	return c.CreatedAt
}

// BottleneckAfter is how long students are stuck on a check before it
// can be the class's bottleneck.
func (c Class) BottleneckAfter() time.Duration {
	return time.Duration(c.BottleneckMinutes) * time.Minute
}

var classNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckClassName reports why name cannot name a class, or nil. Names are a
// path segment of the class's pages and an argument of shell commands,
// hence the narrow alphabet and the first character: "." and ".." are
// resolved away by browsers, and "-x" reads as a flag.
func CheckClassName(name string) error {
	if !classNameRE.MatchString(name) {
		return fmt.Errorf("class name %q: %w: want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name, ErrInvalid)
	}
	return nil
}

const classColumns = "id, name, rubric_yaml, scan_interval_seconds, created_at, started_at, bottleneck_percent, bottleneck_minutes"

// CreateClass adds a class judged with labs (1 to MaxClassLabs, see
// ClassLab). The labs and rubricYAML (may be empty) must have been checked
// together by the caller (labs.ForClass): the store knows no lab. A name
// already taken, in any letter case, is ErrConflict.
func (s *Store) CreateClass(ctx context.Context, name, rubricYAML string, labs []ClassLab) (Class, error) {
	if err := CheckClassName(name); err != nil {
		return Class{}, fmt.Errorf("create class: %w", err)
	}
	labs, err := checkClassLabs(labs)
	if err != nil {
		return Class{}, fmt.Errorf("create class %s: %w", name, err)
	}
	var c Class
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// DO NOTHING rather than a unique violation, which would abort the
		// caller's transaction.
		row := tx.QueryRow(ctx, `
			INSERT INTO classes (name, rubric_yaml) VALUES ($1, $2)
			ON CONFLICT (lower(name)) DO NOTHING
			RETURNING `+classColumns,
			name, rubricYAML)
		var err error
		if c, err = scanClass(row); err != nil {
			return err
		}
		c.Labs = labs
		return writeClassLabs(ctx, tx, c.ID, labs)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Class{}, fmt.Errorf("create class %s: %w", name, ErrConflict)
	}
	if err != nil {
		return Class{}, fmt.Errorf("create class %s: %w", name, err)
	}
	return c, nil
}

// ClassByName finds a class by name, in any letter case.
func (s *Store) ClassByName(ctx context.Context, name string) (Class, error) {
	row := s.db.QueryRow(ctx, "SELECT "+classColumns+" FROM classes WHERE lower(name) = lower($1)", name)
	c, err := scanClass(row)
	if err != nil {
		return Class{}, notFound(err, "class %q", name)
	}
	return s.withLabs(ctx, c)
}

// Class finds a class by id.
func (s *Store) Class(ctx context.Context, id int64) (Class, error) {
	row := s.db.QueryRow(ctx, "SELECT "+classColumns+" FROM classes WHERE id = $1", id)
	c, err := scanClass(row)
	if err != nil {
		return Class{}, notFound(err, "class %d", id)
	}
	return s.withLabs(ctx, c)
}

// Classes lists every class by name.
func (s *Store) Classes(ctx context.Context) ([]Class, error) {
	rows, err := s.db.Query(ctx, "SELECT "+classColumns+" FROM classes ORDER BY lower(name)")
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	defer rows.Close()
	var classes []Class
	for rows.Next() {
		c, err := scanClass(rows)
		if err != nil {
			return nil, fmt.Errorf("list classes: %w", err)
		}
		classes = append(classes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	rows.Close()
	if err := readClassLabs(ctx, s.db, classes); err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	return classes, nil
}

// withLabs is c with its labs read.
func (s *Store) withLabs(ctx context.Context, c Class) (Class, error) {
	classes := []Class{c}
	if err := readClassLabs(ctx, s.db, classes); err != nil {
		return Class{}, fmt.Errorf("class %s: %w", c.Name, err)
	}
	return classes[0], nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanClass(row rowScanner) (Class, error) {
	var (
		c       Class
		seconds int32
		started *time.Time
	)
	if err := row.Scan(&c.ID, &c.Name, &c.RubricYAML, &seconds, &c.CreatedAt, &started, &c.BottleneckPercent, &c.BottleneckMinutes); err != nil {
		return Class{}, err
	}
	c.ScanInterval = time.Duration(seconds) * time.Second
	if started != nil {
		c.StartedAt = *started
	}
	return c, nil
}
