package migrations_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"labgrid/internal/pgtest"
	"labgrid/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestUpFromEmptyThenIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, false))

	applied, err := migrations.Up(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != "00001_init.sql" {
		t.Fatalf("first Up applied %v, want 00001_init.sql first", applied)
	}
	var tables []string
	rows, err := pool.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"classes", "students", "results", "result_changes", "scan_runs", "student_memory"} {
		if !slices.Contains(tables, want) {
			t.Errorf("table %s missing after Up; have %v", want, tables)
		}
	}

	again, err := migrations.Up(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("second Up applied %v, want nothing", again)
	}
	current, latest, err := migrations.Version(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if current != latest || current < 1 {
		t.Errorf("Version = %d, %d; want equal and at least 1", current, latest)
	}
}

// Two replicas starting at once both call Up: one migrates, the other
// waits on the lock and finds nothing to do.
func TestUpConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDatabase(t, false)
	errs := make(chan error, 3)
	total := make(chan int, 3)
	for range 3 {
		go func() {
			applied, err := migrations.Up(ctx, pgtest.NewPool(t, url), nil)
			total <- len(applied)
			errs <- err
		}()
	}
	sum := 0
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		sum += <-total
	}
	// Counted by file: the numbers may have gaps (each branch is given
	// its own).
	files, err := filepath.Glob("*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if sum != len(files) {
		t.Errorf("%d migrations applied in all, want each of the %d once", sum, len(files))
	}
}
