package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/internal/pgtest"
)

func TestRescanQueuesJobs(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	common := []string{"--database-url", db}
	for _, args := range [][]string{
		append([]string{"migrate"}, common...), // the job queue's tables
		append([]string{"class", "create", "cli-rescan"}, common...),
		append([]string{"roster", "import", "--class", "cli-rescan", writeFile(t, "c.csv", cliRoster), "--secret", cliSecret}, common...),
	} {
		if _, errOut, code := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}

	first := time.Now()
	out, errOut, code := runCLI(t, append([]string{"rescan", "--class", "cli-rescan", "--student", "user03"}, common...)...)
	if code != 0 || !strings.Contains(out, "user03: scan of 444455556666/ap-northeast-1") || !strings.Contains(out, "queued") {
		t.Fatalf("rescan student: code %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "ext-0123456789") {
		t.Error("rescan printed the external id")
	}
	out, _, _ = runCLI(t, append([]string{"rescan", "--class", "cli-rescan", "--student", "user03"}, common...)...)
	// River's dedup windows are aligned to multiples of the window: two
	// calls astride a boundary make two scans, by design.
	const window = 5 * time.Second
	sameWindow := first.Truncate(window).Equal(time.Now().Truncate(window))
	if sameWindow && !strings.Contains(out, "already_queued") {
		t.Errorf("second rescan within the window: %q, want already_queued", out)
	}
	if out, errOut, code := runCLI(t, append([]string{"rescan", "--class", "cli-rescan"}, common...)...); code != 0 || !strings.Contains(out, "every target") {
		t.Fatalf("rescan class: code %d\n%s%s", code, out, errOut)
	}

	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var jobs int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE args->>'class_id' = (SELECT id::text FROM classes WHERE name = 'cli-rescan')`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs < 2 {
		t.Errorf("%d jobs queued for the class, want the check-now and the class's targets", jobs)
	}

	if _, errOut, code := runCLI(t, append([]string{"rescan", "--class", "nope"}, common...)...); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("unknown class: code %d, %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, append([]string{"rescan", "--class", "cli-rescan", "--student", "user99"}, common...)...); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("unknown student: code %d, %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "rescan", "--database-url", db); code != 2 || !strings.Contains(errOut, "--class is required") {
		t.Errorf("no class: code %d, %s", code, errOut)
	}
}
