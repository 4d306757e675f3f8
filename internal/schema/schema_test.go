package schema_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"labgrid/internal/pgtest"
	"labgrid/internal/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// A fresh database migrated once has labgrid's tables and River's, both
// at their latest version; migrating again applies nothing.
func TestMigrateFreshDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, false))

	before, err := schema.Status(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if before.Current() || before.Labgrid != 0 || before.River != 0 {
		t.Errorf("an empty database: %s, want version 0 of both", before)
	}
	applied, err := schema.Migrate(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ours, river int
	for _, name := range applied {
		if strings.HasPrefix(name, "river ") {
			river++
		} else if strings.HasSuffix(name, ".sql") {
			ours++
		}
	}
	if ours == 0 || river == 0 || ours+river != len(applied) {
		t.Errorf("applied %v, want labgrid's migrations then River's", applied)
	}
	st, err := schema.Status(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Current() || st.Labgrid == 0 || st.River == 0 || st.LabgridLatest != before.LabgridLatest || st.RiverLatest != before.RiverLatest {
		t.Errorf("after Migrate: %s, want both at their latest", st)
	}
	for _, table := range []string{"classes", "students", "river_job", "river_leader", "river_migration"} {
		var exists bool
		if err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if !exists {
			t.Errorf("no table %s", table)
		}
	}

	again, err := schema.Migrate(ctx, pool, nil)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate: applied %v, err %v; want nothing", again, err)
	}
	if st2, err := schema.Status(ctx, pool); err != nil || st2 != st {
		t.Errorf("after the second Migrate: %s (err %v), want %s", st2, err, st)
	}
}

// Replicas that start together migrate one at a time: every one
// succeeds, and each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDatabase(t, false)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied []string
	)
	for range 3 {
		pool := pgtest.NewPool(t, url)
		wg.Go(func() {
			names, err := schema.Migrate(ctx, pool, nil)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			applied = append(applied, names...)
			mu.Unlock()
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, name := range applied {
		if seen[name] {
			t.Errorf("%s applied twice", name)
		}
		seen[name] = true
	}
	st, err := schema.Status(ctx, pgtest.NewPool(t, url))
	if err != nil || !st.Current() {
		t.Errorf("after three concurrent Migrates: %s (err %v), want current", st, err)
	}
}
