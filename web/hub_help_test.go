package web

import (
	"context"
	"testing"
	"time"

	"labgrid/internal/pgtest"
	"labgrid/store"
)

// A raised hand reaches the grids of its class and its student's page
// marked Help, through NOTIFY (so every replica hears it); an
// announcement reaches every grid and every student's page of its class,
// and no other class; on every replica.
func TestHubHelpAndAnnouncements(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, true) // commits: a database of its own
	pool := pgtest.NewPool(t, url)
	st := store.New(pool)
	ctx := context.Background()
	c, err := st.CreateClass(ctx, randomName("hub-help-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateClass(ctx, randomName("hub-help-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, c.ID, testRoster, false, testSecret); err != nil {
		t.Fatal(err)
	}
	sts, err := st.Students(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	h, listening, stop := startHub(t, url)
	defer stop()
	<-listening
	// A second replica's hub, on the same database.
	h2, listening2, stop2 := startHub(t, url)
	defer stop2()
	<-listening2
	replica, cancel0 := h2.Subscribe(c.ID)
	defer cancel0()
	grid, cancel1 := h.Subscribe(c.ID)
	defer cancel1()
	mine, cancel2 := h.SubscribeStudent(c.ID, sts[0].ID)
	defer cancel2()
	theirs, cancel3 := h.SubscribeStudent(c.ID, sts[1].ID)
	defer cancel3()
	elsewhere, cancel4 := h.Subscribe(other.ID)
	defer cancel4()

	next := func(ch <-chan HubEvent, who string) HubEvent {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(hubWait):
			t.Fatalf("%s: no event", who)
			return HubEvent{}
		}
	}
	if _, err := st.RaiseHand(ctx, sts[0].ID, "help", time.Now()); err != nil {
		t.Fatal(err)
	}
	if ev := next(grid, "grid"); !ev.Help || !ev.names(sts[0].ID) || ev.Announce {
		t.Errorf("grid got %+v", ev)
	}
	if ev := next(mine, "the student"); !ev.Help || !ev.names(sts[0].ID) {
		t.Errorf("the student got %+v", ev)
	}
	if ev := next(replica, "the other replica's grid"); !ev.Help || !ev.names(sts[0].ID) {
		t.Errorf("the other replica's grid got %+v", ev)
	}
	if _, err := st.Announce(ctx, c.ID, "休憩", time.Now()); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]<-chan HubEvent{"grid": grid, "the student": mine, "another student": theirs, "the other replica's grid": replica} {
		if ev := next(ch, name); !ev.Announce || ev.Help {
			t.Errorf("%s got %+v, want an announcement", name, ev)
		}
	}
	select {
	case ev := <-elsewhere:
		t.Errorf("another class got %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
	if m := (HubEvent{Help: true, StudentIDs: []int64{1}}).merge(HubEvent{Announce: true}); !m.Help || !m.Announce {
		t.Errorf("merge lost a kind: %+v", m)
	}
}
