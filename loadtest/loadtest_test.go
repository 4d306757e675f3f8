package loadtest

import (
	"slices"
	"testing"
	"time"

	"labgrid/store"
)

// Each update in the window is owed to its student's stream and to every
// grid; the first event naming the student at or after its stored time
// delivers it, an earlier one does not, and a status change no
// notification announced is owed too.
func TestEvaluate(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	s1 := &stream{student: 1, events: []received{{1, at(900)}, {1, at(1100)}, {1, at(1300)}}}
	s2 := &stream{student: 2, events: []received{{2, at(500)}}} // before its update: not it
	grid := &stream{events: []received{{1, at(1200)}, {2, at(1250)}, {0, at(1250)}}}
	notes := []notification{
		{store.Notification{StoredAt: at(1000), StudentIDs: []int64{1, 2}}, at(1050)},
		{store.Notification{StoredAt: at(-5000), StudentIDs: []int64{1}}, at(-4900)}, // before the window
		{store.Notification{StoredAt: at(1_000_000), StudentIDs: []int64{1}}, at(0)}, // after it
	}
	changes := []change{
		{1, at(990)},  // announced at 1000
		{3, at(2000)}, // announced by none: owed to the grid (no stream of student 3)
	}
	f := evaluate([]*stream{s1, s2, grid}, notes, changes, t0, at(10_000))

	if f.StudentStreams != 2 || f.GridStreams != 1 {
		t.Errorf("streams %d students, %d grids; want 2, 1", f.StudentStreams, f.GridStreams)
	}
	if f.Updates != 2 || f.Deliveries != 5 {
		t.Errorf("%d updates, %d deliveries; want 2 (students 1 and 2 at 1000 ms), 5 (2 streams, 2 on the grid, 1 unannounced)", f.Updates, f.Deliveries)
	}
	if f.Unannounced != 1 {
		t.Errorf("%d unannounced changes, want 1", f.Unannounced)
	}
	// Lost: student 2's own stream (its only event came earlier), student
	// 3's change on the grid.
	if f.Lost != 2 || f.LostStudent != 1 || f.LostGrid != 1 {
		t.Errorf("lost %d (students %d, grids %d); want 2 (1, 1)", f.Lost, f.LostStudent, f.LostGrid)
	}
	ms := func(ds []time.Duration) []int {
		var out []int
		for _, d := range ds {
			out = append(out, int(d/time.Millisecond))
		}
		slices.Sort(out)
		return out
	}
	if got := ms(f.StudentLatencies); !slices.Equal(got, []int{100}) {
		t.Errorf("student latencies %v ms, want [100]", got)
	}
	if got := ms(f.GridLatencies); !slices.Equal(got, []int{200, 250}) {
		t.Errorf("grid latencies %v ms, want [200 250]", got)
	}
	if got := ms(f.FanoutLatencies); !slices.Equal(got, []int{50, 150, 200}) {
		t.Errorf("fan-out latencies %v ms, want [50 150 200] (from the notification heard at 1050)", got)
	}
	if got := ms(f.StoreLatencies); !slices.Equal(got, []int{50}) {
		t.Errorf("store latencies %v ms, want [50]", got)
	}
}

func TestQuantile(t *testing.T) {
	var ds []time.Duration
	for i := range 100 {
		ds = append(ds, time.Duration(100-i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := quantile(ds, c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := quantile(nil, 0.99); got != 0 {
		t.Errorf("quantile of none = %v, want 0", got)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://127.1.2.3:1/", "http://[::1]:80", "http://localhost:8080"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://192.168.1.2:8080", "http://example.com", "https://127.0.0.1", "ftp://127.0.0.1", "127.0.0.1:8080"} {
		if err := CheckLoopback(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}
