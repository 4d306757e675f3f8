// Package pgtest gives tests a real PostgreSQL database, migrated by
// schema.Migrate: labgrid's tables and River's.
//
// A package with database tests calls Main from its TestMain. Main uses the
// server at LABGRID_TEST_DATABASE_URL when it is set, else starts a
// throwaway cluster (internal/devpg) for the test binary; either way it
// creates a database of its own with a random name, so the packages that
// `go test ./...` runs in parallel never see each other's rows, and drops
// it at the end. Tests then take Tx: a transaction rolled back at cleanup.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/internal/devpg"
	"labgrid/internal/schema"
)

// EnvURL names the variable holding the URL of a server to test against
// instead of a throwaway cluster. Its user must be allowed to create
// databases.
const EnvURL = "LABGRID_TEST_DATABASE_URL"

// env is the test binary's database. TestMain has no other way to hand it
// to the tests than package state.
var env struct {
	serverURL string // a database on the server, to create others from
	url       string // this test binary's database
	pool      *pgxpool.Pool
}

// Main runs the package's tests (and benchmarks) against a fresh migrated
// database and exits with their status:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	env.serverURL = os.Getenv(EnvURL)
	if env.serverURL == "" {
		startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		cluster, err := devpg.Start(startCtx, logger)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n(or set %s to a PostgreSQL server to test against)\n", err, EnvURL)
			return 1
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			}
		}()
		env.serverURL = cluster.URL()
	}

	name, url, err := newDatabase(ctx, true)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	defer dropDatabase(name)
	env.url = url
	env.pool, err = pgxpool.New(ctx, url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	defer env.pool.Close()
	return m.Run()
}

// URL is the test binary's database, migrated: for code that opens its
// own connections (the CLI). Rows committed there are seen by every test
// of the package, so such tests use names of their own.
func URL(t testing.TB) string {
	t.Helper()
	if env.url == "" {
		t.Fatal("pgtest: no database; call pgtest.Main from TestMain")
	}
	return env.url
}

// Pool is a pool on the test binary's database.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	if env.pool == nil {
		t.Fatal("pgtest: no database; call pgtest.Main from TestMain")
	}
	return env.pool
}

// Tx begins a transaction on the test binary's database and rolls it back
// when the test ends: whatever the test writes, no other test sees it.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	tx, err := Pool(t).Begin(context.Background())
	if err != nil {
		t.Fatalf("pgtest: begin: %v", err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(context.Background()); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			t.Errorf("pgtest: rollback: %v", err)
		}
	})
	return tx
}

// NewDatabase creates a database of the test's own, migrated when migrate
// is true, dropped when the test ends, and returns its URL. It is for
// tests that must commit: concurrency, LISTEN/NOTIFY, migrations.
func NewDatabase(t testing.TB, migrate bool) string {
	t.Helper()
	if env.serverURL == "" {
		t.Fatal("pgtest: no server; call pgtest.Main from TestMain")
	}
	name, url, err := newDatabase(context.Background(), migrate)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	return url
}

// NewPool is a pool on url closed when the test ends.
func NewPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func newDatabase(ctx context.Context, migrate bool) (name, url string, err error) {
	b := make([]byte, 6)
	rand.Read(b)
	name = "labgrid_test_" + hex.EncodeToString(b)
	url, err = devpg.CreateDatabase(ctx, env.serverURL, name)
	if err != nil {
		return "", "", err
	}
	if !migrate {
		return name, url, nil
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		dropDatabase(name)
		return "", "", fmt.Errorf("connect to %s: %w", name, err)
	}
	defer pool.Close()
	if _, err := schema.Migrate(ctx, pool, nil); err != nil {
		dropDatabase(name)
		return "", "", err
	}
	return name, url, nil
}

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := devpg.DropDatabase(ctx, env.serverURL, name); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
	}
}
