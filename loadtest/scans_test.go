package loadtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"labgrid/internal/pgtest"
	"labgrid/scheduler"
)

// Two scan jobs of one target (class, account, region, role; the trigger
// is no part of it) whose runs overlap are a double scan; runs that only
// touch, of other targets or classes, wholly outside the window, or not
// finished nor running (retryable: its attempt's start is overwritten) are
// not. A job still running runs until now.
func TestScanOverlaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, true))
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type job struct {
		kind            string
		class           int64
		account, region string
		role, trigger   string
		state           string
		from            time.Time
		to              *time.Time // nil: not finalized
		by              string
	}
	fin := func(s int) *time.Time { v := at(s); return &v }
	const a, b, c, tokyo, osaka = "111122223333", "111122223334", "111122223335", "ap-northeast-1", "ap-northeast-3"
	sk := scheduler.ScanKind
	jobs := []job{
		{sk, 1, a, tokyo, "", "schedule", "completed", at(0), fin(10), "p1"},
		{sk, 1, a, tokyo, "", "manual", "completed", at(5), fin(15), "p2"}, // overlaps the one before
		{sk, 1, a, tokyo, "", "schedule", "completed", at(15), fin(20), "p1"},
		{sk, 1, b, tokyo, "", "schedule", "completed", at(0), fin(10), "p1"},
		{sk, 1, b, tokyo, "", "schedule", "running", at(8), nil, "p2"}, // overlaps the one before
		{sk, 1, b, osaka, "", "schedule", "completed", at(0), fin(10), "p2"},
		{sk, 1, b, tokyo, "arn:aws:iam::111122223334:role/x", "schedule", "completed", at(2), fin(4), "p1"},
		{sk, 2, a, tokyo, "", "schedule", "completed", at(5), fin(15), "p3"}, // another class
		{sk, 1, c, tokyo, "", "schedule", "completed", at(-30), fin(-20), "p3"},
		{sk, 1, c, tokyo, "", "schedule", "completed", at(-25), fin(-15), "p3"}, // overlap before the window
		{sk, 1, c, tokyo, "", "schedule", "retryable", at(30), nil, "p3"},
		{sk, 1, c, tokyo, "", "schedule", "completed", at(31), fin(40), "p1"},
		{"labgrid_tick", 0, "", "", "", "", "completed", at(0), fin(59), "p1"},
		{"labgrid_tick", 0, "", "", "", "", "completed", at(1), fin(58), "p2"},
	}
	for _, j := range jobs {
		args := map[string]any{"class_id": j.class, "account_id": j.account, "region": j.region, "trigger": j.trigger}
		if j.role != "" {
			args["role_arn"] = j.role
		}
		if j.kind != sk {
			args = map[string]any{}
		}
		enc, err := json.Marshal(args)
		if err != nil {
			t.Fatal(err)
		}
		_, err = pool.Exec(ctx, `
			INSERT INTO river_job (kind, args, queue, priority, state, attempt, max_attempts, attempted_at, attempted_by, scheduled_at, finalized_at)
			VALUES ($1, $2, 'labgrid', 3, $3, 1, 3, $4, ARRAY['old-client', $5], $4, $6)`,
			j.kind, enc, j.state, j.from, j.by, j.to)
		if err != nil {
			t.Fatal(err)
		}
	}

	got, err := scanOverlaps(ctx, pool, 1, t0, at(60))
	if err != nil {
		t.Fatal(err)
	}
	want := ScanFigures{Jobs: 8, DoubleScans: 2, Processes: 2}
	if got != want {
		t.Errorf("scans %+v, want %+v", got, want)
	}
	// Before the window: the overlap of the two earlier scans of c only.
	if got, err := scanOverlaps(ctx, pool, 1, at(-40), at(-18)); err != nil || got != (ScanFigures{Jobs: 2, DoubleScans: 1, Processes: 1}) {
		t.Errorf("before the window: %+v (%v), want 2 jobs, 1 double scan, 1 process", got, err)
	}
}
