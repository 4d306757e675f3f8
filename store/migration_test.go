package store

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"labgrid/grader"
	"labgrid/internal/pgtest"
)

// migrateTo brings a database of the test's own to version (0: the
// latest) and returns it with the provider, for more.
func migrateTo(t *testing.T, version int64) (*goose.Provider, *Store) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, false))
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("../migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return p, New(pool)
}

// Migration 00012 moves the summaries into the result fingerprints: what
// the grid reads after it is what the results say, errors, first passes,
// costs and checks in byte order included, and what it read before.
func TestResultIndexMigrationKeepsSummaries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, s := migrateTo(t, 11)
	if _, err := s.db.Exec(ctx, `
		INSERT INTO classes (id, name) VALUES (1, 'c');
		INSERT INTO students (id, class_id, login, account_id, token_hash, token_salt) SELECT i, 1, 'user0' || i, '111122223333', sha256(i::text::bytea), ''::bytea FROM generate_series(1, 3) AS i;
		INSERT INTO results (student_id, check_id, status, points, max_points, required, observed_at, first_passed_at, changed_at, error_ja, error_en, error_at, cost_per_hour) VALUES
			(1, 'b.two', 'fail', 0, 5, true, '2026-11-27 10:00Z', '2026-11-27 09:00:00.123456Z', '2026-11-27 10:00Z', 'だめ', 'denied', '2026-11-27 10:00Z', 0.5),
			(1, 'B.one', 'pass', 5, 5, true, '2026-11-27 10:00Z', '1999-12-31 23:59:59.5Z', '2026-11-27 09:30Z', NULL, NULL, NULL, 0),
			(1, 'c.three', 'warn', -2, 5, false, '2026-11-27 10:00Z', NULL, '2026-11-27 09:30Z', NULL, '', '2026-11-27 10:00Z', 1e-3),
			(2, 'b.two', 'error', 0, 5, true, '2026-11-27 10:00Z', NULL, '2026-11-27 10:00Z', NULL, 'throttled', '2026-11-27 10:00Z', 0);
		SELECT refresh_student_summary(array[1, 2, 3]::bigint[]);`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	sums, err := s.ClassSummaries(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 {
		t.Fatalf("%d students, want 3", len(sums))
	}
	for _, st := range sums {
		results, err := s.StudentResults(ctx, st.Student.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := SummaryOf(results); !sameSummary(st.Summary, want) {
			t.Errorf("%s after the migration:\n%+v\nits results say\n%+v", st.Student.Login, st.Summary, want)
		}
	}
	if got := sums[0].Summary.Checks; len(got) != 3 || got[0].CheckID != "B.one" || !got[1].HasError || got[1].Error.JA != "だめ" ||
		!got[2].HasError || got[2].Error != (grader.Text{}) || got[2].Points != -2 || got[2].CostPerHour != 1e-3 {
		t.Errorf("user01's summary = %+v", got)
	}
	if got := sums[1].Summary.Checks; len(got) != 1 || got[0].Status != grader.StatusError || got[0].Error.EN != "throttled" {
		t.Errorf("user02's summary = %+v", got)
	}
	if got := sums[2].Summary.Checks; len(got) != 0 {
		t.Errorf("user03, never scanned, has a summary of %+v", got)
	}
	if _, err := p.DownTo(ctx, 11); err != nil {
		t.Fatalf("down: %v", err)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM student_summary"); n != 2 {
		t.Errorf("down: %d summaries, want 2", n)
	}
}

// Migration 00013 moves each student's last scan beside their memory, and
// back.
func TestScannedAtMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, s := migrateTo(t, 12)
	if _, err := s.db.Exec(ctx, `
		INSERT INTO classes (id, name) VALUES (1, 'c');
		INSERT INTO students (id, class_id, login, account_id, token_hash, token_salt, last_scanned_at)
		SELECT i, 1, 'user0' || i, '111122223333', sha256(i::text::bytea), ''::bytea,
			CASE WHEN i < 3 THEN timestamptz '2026-11-27 10:00Z' + i * interval '1 second' END
		FROM generate_series(1, 3) AS i;
		INSERT INTO student_memory (student_id, memory) VALUES (1, '{"step-3/writer": {"value": "db-1", "changed": false}}');`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	students, err := s.Students(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range students {
		var want time.Time
		if i < 2 {
			want = testTime.Add(time.Duration(i+1) * time.Second)
		}
		if !st.LastScannedAt.Equal(want) {
			t.Errorf("%s last scanned at %v after the migration, want %v", st.Login, st.LastScannedAt, want)
		}
	}
	if m, err := s.Memory(ctx, 1); err != nil || m["user01"]["step-3/writer"].Value != "db-1" {
		t.Errorf("memory after the migration: %+v, %v", m, err)
	}
	if _, err := p.DownTo(ctx, 12); err != nil {
		t.Fatalf("down: %v", err)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM students WHERE last_scanned_at IS NOT NULL"); n != 2 {
		t.Errorf("down: %d students with a last scan, want 2", n)
	}
}
