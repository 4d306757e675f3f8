// Package schema is the one way labgrid's database is brought to its
// schema: labgrid's own tables (the goose migrations of package
// migrations) and those of River, its job queue, applied and versioned
// together by serve, `labgrid migrate` and the tests' setup.
package schema

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"labgrid/migrations"
)

// lockKey serialises whole migrations between processes that start
// together: goose locks its own part, River's migrator none.
const lockKey = 0x6c6162677269640a // "labgrid\n"

// Migrate applies labgrid's migrations, then River's, and returns the
// names of those it applied ("00006_student_summary.sql", "river 6"):
// none when the database is current. Processes that start at once take
// turns.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) ([]string, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// A session lock, not a transaction: each migration runs in a
	// transaction of its own (River adds an enum value in one version and
	// uses it in the next, which PostgreSQL refuses within one).
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(lockKey)); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", int64(lockKey)); err != nil {
			conn.Conn().Close(unlockCtx) // never back to the pool with the lock
		}
	}()

	applied, err := migrations.Up(ctx, pool, logger)
	if err != nil {
		return nil, err
	}
	migrator, err := riverMigrator(pool, logger)
	if err != nil {
		return nil, err
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	for _, v := range res.Versions {
		applied = append(applied, "river "+strconv.Itoa(v.Version))
	}
	return applied, nil
}

// State is the schema versions of a database and the latest this build
// knows, of labgrid's tables and of River's.
type State struct {
	Labgrid, LabgridLatest int64
	River, RiverLatest     int
}

// Current reports whether both schemas are at their latest version.
func (s State) Current() bool {
	return s.Labgrid == s.LabgridLatest && s.River == s.RiverLatest
}

func (s State) String() string {
	return fmt.Sprintf("schema version %d of %d, job queue version %d of %d", s.Labgrid, s.LabgridLatest, s.River, s.RiverLatest)
}

// Status reads the database's versions.
func Status(ctx context.Context, pool *pgxpool.Pool) (State, error) {
	var st State
	var err error
	st.Labgrid, st.LabgridLatest, err = migrations.Version(ctx, pool, nil)
	if err != nil {
		return State{}, err
	}
	migrator, err := riverMigrator(pool, nil)
	if err != nil {
		return State{}, err
	}
	existing, err := migrator.ExistingVersions(ctx)
	if err != nil {
		return State{}, fmt.Errorf("river migration version: %w", err)
	}
	if len(existing) > 0 {
		st.River = existing[len(existing)-1].Version
	}
	if all := migrator.AllVersions(); len(all) > 0 {
		st.RiverLatest = all[len(all)-1].Version
	}
	return st, nil
}

func riverMigrator(pool *pgxpool.Pool, logger *slog.Logger) (*rivermigrate.Migrator[pgx.Tx], error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	return m, nil
}
