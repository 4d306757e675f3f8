package store

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/internal/pgtest"
)

func TestNotifyPayloads(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	if p := notifyPayloads(1, time.Now(), nil); p != nil {
		t.Errorf("no students: %v, want no notification", p)
	}
	var ids []int64
	for i := range 3000 {
		ids = append(ids, 1_000_000_000_000+int64(i))
	}
	at := time.Date(2026, 4, 1, 9, 30, 15, 123456789, time.FixedZone("JST", 9*3600))
	payloads := notifyPayloads(42, at, ids)
	if len(payloads) < 2 {
		t.Fatalf("%d payloads for 3000 long ids, want them split", len(payloads))
	}
	var all []int64
	for _, p := range payloads {
		if len(p) > maxPayload {
			t.Errorf("payload of %d bytes", len(p))
		}
		var n Notification
		if err := json.Unmarshal([]byte(p), &n); err != nil || n.ClassID != 42 || !n.StoredAt.Equal(at) {
			t.Fatalf("payload %.40q…: %+v, %v", p, n, err)
		}
		all = append(all, n.StudentIDs...)
		// PostgreSQL checks the length when pg_notify is called.
		if _, err := s.db.Exec(ctx, "SELECT pg_notify($1, $2)", NotifyChannel, p); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(all, ids) {
		t.Errorf("payloads carry %d ids, want the %d given in order", len(all), len(ids))
	}
	if got := notifyPayloads(7, at, []int64{3, 5}); !slices.Equal(got, []string{`{"class_id":7,"stored_at":"2026-04-01T00:30:15.123456789Z","student_ids":[3,5]}`}) {
		t.Errorf("notifyPayloads(7, [3 5]) = %v", got)
	}
}

// A committed SaveScan is announced with the students whose results
// changed; an unchanged scan is not; and the listener survives its
// connection being killed.
func TestListen(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, true)
	pool := pgtest.NewPool(t, url)
	s := New(pool)
	bg := context.Background()
	c, students := mustImport(t, bg, s, "listen", 3)
	ids := studentIDs(t, bg, s, c.ID)

	got := make(chan Notification, 16)
	listening := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() {
		done <- Listen(ctx, url, func(n Notification) { got <- n }, ListenOptions{
			OnListen:   func() { listening <- struct{}{} },
			MinBackoff: 10 * time.Millisecond,
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Listen returned %v after cancel, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Listen did not return after cancel")
		}
	})
	wait(t, listening, "LISTEN")

	// When each save was called and when it returned: its notification
	// says it was stored in between.
	var saveCalled, saveReturned time.Time
	save := func(at time.Time, passing string) {
		t.Helper()
		saveCalled = time.Now()
		defer func() { saveReturned = time.Now() }()
		res := scanOf(students, at, func(login, _ string) grader.Status {
			if login == passing {
				return grader.StatusPass
			}
			return grader.StatusFail
		})
		if _, err := s.SaveScan(bg, c.ID, TriggerSchedule, res); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(want ...int64) {
		t.Helper()
		n := wait(t, got, "notification")
		if n.ClassID != c.ID || !slices.Equal(n.StudentIDs, want) {
			t.Errorf("notification %+v, want class %d students %v", n, c.ID, want)
		}
		if n.StoredAt.Before(saveCalled) || n.StoredAt.After(saveReturned) {
			t.Errorf("notification stored at %v, want within the save, %v to %v", n.StoredAt, saveCalled, saveReturned)
		}
	}

	save(testTime, "")
	expect(ids["user01"], ids["user02"], ids["user03"])
	// Unchanged: no notification. Notifications arrive in commit order, so
	// if this one sent any it would come before the next scan's.
	save(testTime.Add(time.Minute), "")
	save(testTime.Add(2*time.Minute), "user02")
	expect(ids["user02"])

	var killed int
	if err := pool.QueryRow(bg, `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, listenAppName).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listening sessions, want 1", killed)
	}
	wait(t, listening, "LISTEN again after the connection was killed")
	save(testTime.Add(3*time.Minute), "user03")
	expect(ids["user02"], ids["user03"])
	select {
	case n := <-got:
		t.Errorf("unexpected notification %+v", n)
	default:
	}
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		panic("unreachable")
	}
}
