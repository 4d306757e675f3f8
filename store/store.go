// Package store keeps labgrid's classes, students and results in
// PostgreSQL. It knows nothing of AWS or HTML: it stores what the grader
// judged and reads it back for the pages.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var (
	// ErrNotFound is returned when the asked-for row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when a row with the same name already exists.
	ErrConflict = errors.New("already exists")
	// ErrInvalid is returned for input the store refuses (a bad class
	// name, an invalid rubric, a short secret).
	ErrInvalid = errors.New("invalid")
)

// DBTX is what the store runs its queries on: a *pgxpool.Pool in the
// program, a pgx.Tx in the tests (so each test rolls its writes back).
// Begin on a pgx.Tx opens a savepoint, so the store's own transactions nest.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store reads and writes labgrid's data.
type Store struct {
	db DBTX
	// MaxClassSize is how many students ImportRoster lets a class have;
	// 0 means roster.DefaultMaxClassSize.
	MaxClassSize int

	scans *scanCache // what SaveScan wrote of each class's students
}

// New returns a Store over db.
func New(db DBTX) *Store {
	return &Store{db: db, scans: &scanCache{}}
}

// With returns a Store over tx that shares this one's cache of what
// SaveScan wrote: a save in a caller's transaction (the scheduler's, which
// completes the scan's job with it) then skips reading back the class's
// fingerprints as a save over the pool does. A transaction rolled back
// leaves the cache ahead of the database's scan_version, which makes the
// next save read again.
func (s *Store) With(tx DBTX) *Store {
	return &Store{db: tx, MaxClassSize: s.MaxClassSize, scans: s.scans}
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db, fn)
}

// invalid marks err as ErrInvalid without adding the word to its message.
func invalid(err error) error { return invalidError{err} }

type invalidError struct{ err error }

func (e invalidError) Error() string   { return e.err.Error() }
func (e invalidError) Unwrap() []error { return []error{ErrInvalid, e.err} }

// notFound turns pgx.ErrNoRows into ErrNotFound, wrapped with what was
// looked for.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf(format+": %w", append(args, ErrNotFound)...)
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
