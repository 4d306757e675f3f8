package store

import (
	"context"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/internal/pgtest"
)

// Two Stores on one database (two replicas) take turns saving scans of a
// class and editing it: each save compares with what the database holds,
// not with what its own Store saved last.
func TestSaveScanTwoStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, true))
	a, b := New(pool), New(pool)
	c, students := mustImport(t, ctx, a, "replicas", 3)
	nChecks := len(checkIDs())
	at := testTime
	save := func(s *Store, name string, students []grader.Student, status func(login, check string) grader.Status, want int) SaveSummary {
		t.Helper()
		at = at.Add(time.Minute)
		sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, at, status))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sum.ChangedResults != want {
			t.Errorf("%s wrote %d results, want %d", name, sum.ChangedResults, want)
		}
		return sum
	}
	user01 := func(st grader.Status) func(string, string) grader.Status {
		return func(login, _ string) grader.Status {
			if login == "user01" {
				return st
			}
			return grader.StatusFail
		}
	}
	timeline := func() int { return count(t, ctx, a, "SELECT count(*) FROM result_changes") }

	save(a, "a's first scan", students, allStatus(grader.StatusFail), 3*nChecks)
	save(a, "a's scan again", students, allStatus(grader.StatusFail), 0)
	save(b, "b: user01 passes", students, user01(grader.StatusPass), nChecks)
	tl := timeline()
	save(a, "a: user01 passes, as b saved", students, user01(grader.StatusPass), 0)
	save(b, "b: the same", students, user01(grader.StatusPass), 0)
	save(a, "a: user01 fails", students, user01(grader.StatusFail), nChecks)
	save(b, "b: user01 fails, as a saved", students, user01(grader.StatusFail), 0)
	if got := timeline() - tl; got != nChecks {
		t.Errorf("%d timeline rows since user01 passed, want %d (one fail per check)", got, nChecks)
	}

	// b edits the roster after a's save: user03 leaves, user04 comes.
	save(a, "a's scan before the roster edit", students, user01(grader.StatusFail), 0)
	roster := append(students[:2:2], rosterOf(4)[3])
	if _, err := b.ImportRoster(ctx, c.ID, roster, true, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	sum := save(a, "a after the roster edit", append(roster, students[2]), allStatus(grader.StatusFail), nChecks)
	if len(sum.Unknown) != 1 || sum.Unknown[0] != "user03" {
		t.Errorf("unknown after the roster edit: %v, want user03", sum.Unknown)
	}

	// b drops a check from the class's labs after a's save: a's next scan
	// writes it again.
	save(a, "a's scan before the labs change", roster, allStatus(grader.StatusFail), 0)
	if _, err := b.SetClassLabs(ctx, c.ID, defaultLabs, "", checkIDs()[1:]); err != nil {
		t.Fatal(err)
	}
	save(a, "a after a check was dropped", roster, allStatus(grader.StatusFail), 3)
	save(b, "b after a's scan", roster, allStatus(grader.StatusFail), 0)
	save(a, "a after b's scan", roster, allStatus(grader.StatusFail), 0)

	// A save by a labgrid that knows no scan_version (a replica not yet
	// upgraded) is seen all the same, by its scan run.
	save(a, "a before the old replica's save", roster, allStatus(grader.StatusFail), 0)
	save(b, "the old replica: user01 passes", roster, user01(grader.StatusPass), nChecks)
	if _, err := pool.Exec(ctx, "UPDATE classes SET scan_version = scan_version - 1 WHERE id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	save(a, "a after the old replica's save", roster, user01(grader.StatusPass), 0)

	if n := count(t, ctx, a, "SELECT count(*) FROM results"); n != 3*nChecks {
		t.Errorf("%d results, want %d", n, 3*nChecks)
	}
}

// A Store over a caller's transaction (With, as the scheduler saves)
// shares its parent's cache: after a committed save, the next one trusts
// it and reads no fingerprints back; after a rolled-back save, the next
// one reads them again.
func TestSaveScanInCallersTransactionsSharesTheCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, true))
	s := New(pool)
	c, students := mustImport(t, ctx, s, "with-tx", 2)
	nChecks := len(checkIDs())
	at := testTime
	saveIn := func(name string, status grader.Status, commit bool, want int) {
		t.Helper()
		at = at.Add(time.Minute)
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		sum, err := s.With(tx).SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, at, allStatus(status)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sum.ChangedResults != want {
			t.Errorf("%s wrote %d results, want %d", name, sum.ChangedResults, want)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	saveIn("first scan", grader.StatusFail, true, 2*nChecks)
	// Unreadable fingerprints behind the cache's back (no scan_version
	// bump): a save that reads them back rewrites every result.
	if _, err := pool.Exec(ctx, `UPDATE student_memory SET result_index = '\x63'`); err != nil {
		t.Fatal(err)
	}
	saveIn("same scan, from the cache", grader.StatusFail, true, 0)
	saveIn("all pass, rolled back", grader.StatusPass, false, 2*nChecks)
	// The cache is a save ahead of the database: trusted, it would find
	// nothing changed; read again, the unreadable fingerprints make every
	// result written.
	saveIn("the rolled-back scan again", grader.StatusPass, true, 2*nChecks)
}
