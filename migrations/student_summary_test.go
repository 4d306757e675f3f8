package migrations_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"labgrid/internal/pgtest"
)

// Results stored before the summaries existed are summarised by the
// migration: a row per student with results, the checks in byte order.
func TestStudentSummaryMigrationBackfills(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, false))
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("."), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO classes (id, name) VALUES (1, 'c');
		INSERT INTO students (id, class_id, login, account_id, token_hash, token_salt) SELECT i, 1, 'user0' || i, '111122223333', sha256(i::text::bytea), ''::bytea FROM generate_series(1, 3) AS i;
		INSERT INTO results (student_id, check_id, status, points, max_points, required, observed_at, first_passed_at, changed_at, error_ja, error_en, error_at, cost_per_hour) VALUES
			(1, 'b.two', 'fail', 0, 5, true, '2026-11-27 10:00Z', '2026-11-27 09:00Z', '2026-11-27 10:00Z', 'だめ', 'denied', '2026-11-27 10:00Z', 0.5),
			(1, 'B.one', 'pass', 5, 5, true, '2026-11-27 10:00Z', '2026-11-27 09:30Z', '2026-11-27 09:30Z', NULL, NULL, NULL, 0),
			(2, 'b.two', 'error', 0, 5, true, '2026-11-27 10:00Z', NULL, '2026-11-27 10:00Z', NULL, 'throttled', '2026-11-27 10:00Z', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	var got []string
	rows, err := pool.Query(ctx, `
		SELECT student_id || ' ' || check_ids::text || ' ' || statuses::text || ' ' || points::text || ' ' ||
			(SELECT array_agg(extract(epoch FROM t) ORDER BY n)::text FROM unnest(first_passed_at) WITH ORDINALITY AS u(t, n)) || ' ' ||
			cost_per_hour::text || ' ' || error_ja::text || ' ' || error_en::text
		FROM student_summary ORDER BY student_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`1 {B.one,b.two} {pass,fail} {5,0} {1795771800.000000,1795770000.000000} {0,0.5} {NULL,だめ} {NULL,denied}`,
		`2 {b.two} {error} {0} {NULL} {0} {""} {throttled}`,
	}
	if len(got) != len(want) {
		t.Fatalf("summaries after the migration:\n%q\nwant\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("summary after the migration:\n%s\nwant\n%s", got[i], want[i])
		}
	}
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("down: %v", err)
	}
}
