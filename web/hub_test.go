package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/labs"
	"labgrid/store"
)

// hubWait bounds every wait of these tests.
const hubWait = 10 * time.Second

// startHub runs a Hub on store.Listen against url until the test ends,
// when it checks that Run returns nil, in time. listening receives a value
// each time LISTEN is in place (after the Hub's own resync).
func startHub(t *testing.T, url string) (h *Hub, listening <-chan struct{}, stop func()) {
	t.Helper()
	h = NewHub(nil)
	listening, stop = runHub(t, h, url)
	return h, listening, stop
}

// runHub runs h as startHub does.
func runHub(t *testing.T, h *Hub, url string) (listening <-chan struct{}, stop func()) {
	t.Helper()
	ch := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- h.Run(ctx, func(ctx context.Context, fn func(store.Notification), onListen func()) error {
			return store.Listen(ctx, url, fn, store.ListenOptions{
				OnListen:   func() { onListen(); ch <- struct{}{} },
				MinBackoff: 10 * time.Millisecond,
			})
		})
	}()
	var stopped bool
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after its context ended, want nil", err)
			}
		case <-time.After(hubWait):
			t.Errorf("Run did not return within %s of its context ending", hubWait)
		}
	}
	t.Cleanup(stop)
	return ch, stop
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-time.After(hubWait):
		t.Fatalf("no %s within %s", what, hubWait)
		panic("unreachable")
	}
}

// quiet checks that nothing arrives on ch for a moment.
func quiet(t *testing.T, ch <-chan HubEvent, what string) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		t.Errorf("%s: got %+v (open %v), want nothing", what, ev, ok)
	case <-time.After(200 * time.Millisecond):
	}
}

func notify(t *testing.T, url string, classID int64, ids ...int64) {
	t.Helper()
	payload, err := json.Marshal(store.Notification{ClassID: classID, StudentIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t, url)
	if _, err := pool.Exec(context.Background(), "SELECT pg_notify($1, $2)", store.NotifyChannel, string(payload)); err != nil {
		t.Fatal(err)
	}
}

// hubScan judges every student on every check of the shipped labs: pass
// for the logins in passing, fail for the others.
func hubScan(students []grader.Student, at time.Time, passing ...string) *grader.ScanResult {
	set, err := labs.ForClass(nil, "")
	if err != nil {
		panic(err)
	}
	res := &grader.ScanResult{StartedAt: at.Add(-time.Second), FinishedAt: at}
	for _, st := range students {
		rep := grader.Report{Student: st}
		status := grader.StatusFail
		if slices.Contains(passing, st.Login) {
			status = grader.StatusPass
		}
		for _, c := range set.Checks() {
			r := grader.Result{Lab: c.Lab, CheckID: c.ID, Status: status, Required: true, MaxPoints: 5, ObservedAt: at,
				Message: grader.Text{JA: c.ID, EN: c.ID}}
			if status.Passed() {
				r.Points = 5
			}
			rep.Results = append(rep.Results, r)
		}
		res.Reports = append(res.Reports, rep)
	}
	return res
}

// A committed SaveScan reaches the subscribers of its class, and those of
// another class hear nothing.
func TestHubDeliversToItsClass(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, true)
	st := store.New(pgtest.NewPool(t, url))
	ctx := context.Background()
	const secret = "hub-test-secret-0123456789abcdefghijkl"
	var (
		classes  [2]store.Class
		students []grader.Student
	)
	for i := range classes {
		c, err := st.CreateClass(ctx, fmt.Sprintf("hub-%d", i), "", defaultLabs)
		if err != nil {
			t.Fatal(err)
		}
		classes[i] = c
	}
	for i := range 3 {
		students = append(students, grader.Student{Login: fmt.Sprintf("user%02d", i+1), AccountID: fmt.Sprintf("%012d", 111122220000+i), Dedicated: true})
	}
	for _, c := range classes {
		if _, err := st.ImportRoster(ctx, c.ID, students, false, []byte(secret)); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := st.Students(ctx, classes[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, r := range rows {
		ids[r.Login] = r.ID
	}

	h, listening, _ := startHub(t, url)
	recv(t, listening, "LISTEN")
	a1, cancelA1 := h.Subscribe(classes[0].ID)
	defer cancelA1()
	a2, cancelA2 := h.Subscribe(classes[0].ID)
	defer cancelA2()
	b, cancelB := h.Subscribe(classes[1].ID)
	defer cancelB()

	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if _, err := st.SaveScan(ctx, classes[0].ID, store.TriggerSchedule, hubScan(students, at)); err != nil {
		t.Fatal(err)
	}
	all := []int64{ids["user01"], ids["user02"], ids["user03"]}
	for i, ch := range []<-chan HubEvent{a1, a2} {
		if ev := recv(t, ch, "event of the first scan"); ev.Resync || !slices.Equal(ev.StudentIDs, all) {
			t.Errorf("subscriber %d of the class: %+v, want students %v", i, ev, all)
		}
	}
	if _, err := st.SaveScan(ctx, classes[0].ID, store.TriggerSchedule, hubScan(students, at.Add(time.Minute), "user02")); err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, a1, "event of the second scan"); ev.Resync || !slices.Equal(ev.StudentIDs, []int64{ids["user02"]}) {
		t.Errorf("second scan: %+v, want student %d only", ev, ids["user02"])
	}
	recv(t, a2, "event of the second scan")
	quiet(t, b, "the other class's subscriber")
}

// A subscriber that does not read gets the events merged once its buffer
// is full, loses none, and never holds up the others.
func TestHubSlowSubscriberCoalesces(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, false)
	h, listening, _ := startHub(t, url)
	recv(t, listening, "LISTEN")
	const class = 7
	slow, cancelSlow := h.Subscribe(class)
	defer cancelSlow()
	fast, cancelFast := h.Subscribe(class)
	defer cancelFast()

	const n = 3*subscriberBuffer + 1
	var want []int64
	for i := range n {
		id := int64(100 + i)
		want = append(want, id)
		notify(t, url, class, id)
		if ev := recv(t, fast, "event of the reading subscriber"); !slices.Equal(ev.StudentIDs, []int64{id}) {
			t.Fatalf("reading subscriber: %+v, want student %d", ev, id)
		}
	}
	// Every publish is done once it releases the lock.
	h.mu.Lock()
	h.mu.Unlock()
	var got []int64
	events := 0
	for len(slow) > 0 {
		ev := <-slow
		events++
		if ev.Resync || !slices.IsSorted(ev.StudentIDs) {
			t.Errorf("merged event %+v, want sorted students", ev)
		}
		got = append(got, ev.StudentIDs...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("slow subscriber got students %v, want each of %v once", got, want)
	}
	if events == 0 || events > subscriberBuffer {
		t.Errorf("slow subscriber got %d events for %d notifications, want them merged into at most %d", events, n, subscriberBuffer)
	}
}

func TestHubEventMerge(t *testing.T) {
	t.Parallel()
	h := NewHub(nil)
	ch, cancel := h.Subscribe(1)
	defer cancel()
	for i := range subscriberBuffer {
		h.publish(store.Notification{ClassID: 1, StudentIDs: []int64{int64(10 - i), 3}})
	}
	h.publish(store.Notification{ClassID: 1, StudentIDs: []int64{3, 1}})
	if len(ch) != 1 {
		t.Fatalf("%d events waiting, want the full buffer merged into 1", len(ch))
	}
	if ev := <-ch; ev.Resync || !slices.Equal(ev.StudentIDs, []int64{1, 3, 7, 8, 9, 10}) {
		t.Errorf("merged %+v, want students [1 3 7 8 9 10]", ev)
	}
	h.publish(store.Notification{ClassID: 1}) // no students: nothing to send
	for range subscriberBuffer {
		h.publish(store.Notification{ClassID: 1, StudentIDs: []int64{5}})
	}
	h.resync()
	if ev := <-ch; !ev.Resync || ev.StudentIDs != nil || len(ch) != 0 {
		t.Errorf("a resync into a full buffer: %+v then %d more, want one Resync alone", ev, len(ch))
	}
	h.publish(store.Notification{ClassID: 2, StudentIDs: []int64{5}})
	if len(ch) != 0 {
		t.Errorf("another class's notification was delivered")
	}
}

// When the listener's connection is killed it reconnects, and every
// subscriber, of every class, is told to resync.
func TestHubResyncAfterReconnect(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, false)
	h, listening, _ := startHub(t, url)
	recv(t, listening, "LISTEN")
	a, cancelA := h.Subscribe(1)
	defer cancelA()
	b, cancelB := h.Subscribe(2)
	defer cancelB()

	pool := pgtest.NewPool(t, url)
	var killed int
	if err := pool.QueryRow(context.Background(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'labgrid-listen' AND datname = current_database()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listening sessions, want 1", killed)
	}
	recv(t, listening, "LISTEN again")
	for i, ch := range []<-chan HubEvent{a, b} {
		if ev := recv(t, ch, "resync"); !ev.Resync {
			t.Errorf("subscriber %d after the reconnection: %+v, want Resync", i, ev)
		}
	}
	notify(t, url, 1, 42)
	if ev := recv(t, a, "event after the reconnection"); ev.Resync || !slices.Equal(ev.StudentIDs, []int64{42}) {
		t.Errorf("after the reconnection: %+v, want student 42", ev)
	}
}

// cancel unsubscribes and closes the channel; when Run's context ends, Run
// returns (its listener gone) and every remaining channel is closed.
func TestHubCancelAndStop(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, false)
	h := NewHub(nil)
	early, cancelEarly := h.Subscribe(3)
	defer cancelEarly()
	listening, stop := runHub(t, h, url)
	recv(t, listening, "LISTEN")
	if ev := recv(t, early, "resync of a subscriber older than LISTEN"); !ev.Resync {
		t.Errorf("subscribed before LISTEN: %+v, want Resync", ev)
	}

	gone, cancelGone := h.Subscribe(3)
	cancelGone()
	cancelGone() // twice is fine
	if _, ok := <-gone; ok {
		t.Error("channel still open after cancel")
	}
	notify(t, url, 3, 9)
	if ev := recv(t, early, "event"); !slices.Equal(ev.StudentIDs, []int64{9}) {
		t.Errorf("got %+v, want student 9", ev)
	}
	h.mu.Lock()
	n := h.classes[3].len()
	h.mu.Unlock()
	if n != 1 {
		t.Errorf("%d subscribers left in the class, want 1", n)
	}

	stop() // fails the test unless Run returns nil in time
	select {
	case _, ok := <-early:
		if ok {
			t.Error("an event after Run returned, want the channel closed")
		}
	case <-time.After(hubWait):
		t.Error("channel still open after Run returned")
	}
	cancelEarly() // after stop: nothing to do, no panic
	late, cancelLate := h.Subscribe(3)
	defer cancelLate()
	if _, ok := <-late; ok {
		t.Error("Subscribe after Run returned gave an open channel")
	}
}

// A student's subscriber hears only the events naming them, each naming
// them alone, and every resync; the class's subscribers hear everything.
// The events' students are one sorted slice shared by the class's
// subscribers: a merge in a slow one changes no other's.
func TestHubStudentSubscribers(t *testing.T) {
	t.Parallel()
	h := NewHub(nil)
	grid, cancelGrid := h.Subscribe(1)
	defer cancelGrid()
	s5, cancel5 := h.SubscribeStudent(1, 5)
	defer cancel5()
	s7, cancel7 := h.SubscribeStudent(1, 7)
	defer cancel7()
	other, cancelOther := h.SubscribeStudent(2, 5)
	defer cancelOther()
	if n := h.Subscribers(); n != 4 {
		t.Errorf("%d subscribers, want 4", n)
	}

	h.publish(store.Notification{ClassID: 1, StudentIDs: []int64{9, 5, 3, 5}})
	first := <-grid
	if !slices.Equal(first.StudentIDs, []int64{3, 5, 9}) || first.Seq == 0 {
		t.Errorf("the class's subscriber: %+v, want students [3 5 9] and a Seq", first)
	}
	if ev := <-s5; ev.Resync || !slices.Equal(ev.StudentIDs, []int64{5}) || ev.Seq != first.Seq {
		t.Errorf("student 5: %+v, want student 5 alone, Seq %d", ev, first.Seq)
	}
	if len(s7) != 0 || len(other) != 0 {
		t.Errorf("student 7 (%d events) or student 5 of another class (%d) heard of it", len(s7), len(other))
	}

	// The class's subscriber is slow: its buffer fills and merges.
	for i := range subscriberBuffer + 1 {
		h.publish(store.Notification{ClassID: 1, StudentIDs: []int64{int64(20 + i), 7}})
	}
	if !slices.Equal(first.StudentIDs, []int64{3, 5, 9}) {
		t.Errorf("the first event's students became %v", first.StudentIDs)
	}
	var seq uint64
	for range len(s7) {
		ev := <-s7
		if !slices.Equal(ev.StudentIDs, []int64{7}) || ev.Seq <= seq {
			t.Errorf("student 7: %+v after Seq %d, want student 7 alone, a later Seq", ev, seq)
		}
		seq = ev.Seq
	}
	if ev := <-grid; len(grid) != 0 || !slices.Equal(ev.StudentIDs, []int64{7, 20, 21, 22, 23, 24}) || ev.Seq != seq {
		t.Errorf("the slow class subscriber: %+v then %d more, want one event of [7 20 21 22 23 24], Seq %d", ev, len(grid), seq)
	}

	h.resync()
	for i, ch := range []<-chan HubEvent{grid, s5, s7, other} {
		if ev := <-ch; !ev.Resync || ev.Seq <= seq {
			t.Errorf("subscriber %d after a resync: %+v, want Resync after Seq %d", i, ev, seq)
		}
	}
	cancel5()
	if _, ok := <-s5; ok {
		t.Error("student 5's channel open after cancel")
	}
	h.publish(store.Notification{ClassID: 1, StudentIDs: []int64{5}})
	if n := h.Subscribers(); n != 3 || len(grid) != 1 {
		t.Errorf("after a cancel: %d subscribers, the class's has %d events; want 3 and 1", n, len(grid))
	}
}

func TestHubEventNames(t *testing.T) {
	t.Parallel()
	ev := HubEvent{StudentIDs: []int64{3, 5, 9}}
	for id, want := range map[int64]bool{3: true, 5: true, 9: true, 1: false, 4: false, 10: false} {
		if got := ev.names(id); got != want {
			t.Errorf("%v names %d: %v, want %v", ev.StudentIDs, id, got, want)
		}
	}
	if !(HubEvent{Resync: true}).names(4) {
		t.Error("a Resync does not name student 4, want everyone named")
	}
}
