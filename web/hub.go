package web

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"labgrid/store"
)

// subscriberBuffer is how many events wait for a subscriber before the
// pending ones are merged into one.
const subscriberBuffer = 4

// HubEvent tells a subscriber what to re-send.
type HubEvent struct {
	// StudentIDs are the students whose results changed, sorted. The
	// slice is shared by every subscriber of the event: read it only.
	StudentIDs []int64
	// Resync: the listener reconnected: notifications may have been lost,
	// re-send everything.
	Resync bool
	// Seq numbers the hub's events, every class together, in the order
	// they were published; what they announce was committed before. So a
	// read that starts once an event of Seq is received shows it, and so
	// does any read started after an event of a higher Seq (sharedReads).
	// 0: an event not from the hub.
	Seq uint64
	// Help: the raised hands of StudentIDs changed. Announce: the class's
	// announcements changed (an event for every page of the class).
	Help, Announce bool
}

// names says whether the event asks to re-send the student's: a Resync
// names everyone.
func (ev HubEvent) names(studentID int64) bool {
	if ev.Resync {
		return true
	}
	_, ok := slices.BinarySearch(ev.StudentIDs, studentID)
	return ok
}

// merge is the one event that stands for a then b: the union of their
// students, sorted, or a Resync, which covers everything; the later Seq.
func (a HubEvent) merge(b HubEvent) HubEvent {
	seq := max(a.Seq, b.Seq)
	help, announce := a.Help || b.Help, a.Announce || b.Announce
	if a.Resync || b.Resync {
		return HubEvent{Resync: true, Seq: seq}
	}
	ids := make([]int64, 0, len(a.StudentIDs)+len(b.StudentIDs))
	ids = append(append(ids, a.StudentIDs...), b.StudentIDs...)
	slices.Sort(ids)
	return HubEvent{StudentIDs: slices.Compact(ids), Seq: seq, Help: help, Announce: announce}
}

// Hub fans the store's notifications out to the open pages: one LISTEN
// connection for the whole process (Run), any number of subscribers per
// class (Subscribe) or per student (SubscribeStudent). A notification
// costs a send to each subscriber of its class and a map look-up per
// student it names, however many students' pages are open.
//
// Delivery never waits for a subscriber: each has a small buffer, and when
// it is full the waiting events are merged into one (their students'
// union; a Resync absorbs everything), so a slow page gets fewer, larger
// events and never loses one, and the listener and the other pages go on.
type Hub struct {
	logger *slog.Logger

	mu      sync.Mutex
	classes map[int64]*classSubscribers
	seq     uint64 // the last event's HubEvent.Seq
	stopped bool   // Run returned: every channel is closed
}

// classSubscribers are the subscribers of one class.
type classSubscribers struct {
	all      map[*subscriber]struct{}           // every event of the class (the grids)
	students map[int64]map[*subscriber]struct{} // the events naming the student, by student id
}

func (c *classSubscribers) len() int {
	n := len(c.all)
	for _, subs := range c.students {
		n += len(subs)
	}
	return n
}

type subscriber struct {
	ch      chan HubEvent
	student int64 // 0: every event of the class
}

// NewHub makes a Hub; it delivers nothing until Run.
func NewHub(logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{logger: logger, classes: make(map[int64]*classSubscribers)}
}

// Run LISTENs through listen (store.Listen bound to the database URL) and fans
// notifications out until ctx ends.
//
// listen must call fn with each notification and onListen each time
// LISTEN is in place (store.ListenOptions.OnListen). Every onListen sends
// Resync to every subscriber there is then: after a reconnection,
// notifications committed while disconnected are lost; at the first one,
// whoever subscribed earlier may have missed some too (usually no one has).
//
// When listen returns, Run closes every subscriber's channel (the server
// is stopping: the streams end) and returns listen's error; the Hub is
// then spent and Subscribe gives closed channels. Call Run once.
func (h *Hub) Run(ctx context.Context, listen func(ctx context.Context, fn func(store.Notification), onListen func()) error) error {
	defer h.stop()
	listens := 0
	return listen(ctx, h.publish, func() {
		listens++
		if listens > 1 {
			h.logger.Info("live updates: listening again, pages resync")
		}
		h.resync()
	})
}

// Subscribe returns the events of one class until cancel is called.
//
// events is closed after cancel, or when Run returns: a stream ends then.
// cancel may be called more than once, from any goroutine.
func (h *Hub) Subscribe(classID int64) (events <-chan HubEvent, cancel func()) {
	return h.subscribe(classID, 0)
}

// SubscribeStudent is Subscribe for the events of one class that name
// the student (each names them alone), and every Resync.
func (h *Hub) SubscribeStudent(classID, studentID int64) (events <-chan HubEvent, cancel func()) {
	return h.subscribe(classID, studentID)
}

func (h *Hub) subscribe(classID, studentID int64) (<-chan HubEvent, func()) {
	s := &subscriber{ch: make(chan HubEvent, subscriberBuffer), student: studentID}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		close(s.ch)
		return s.ch, func() {}
	}
	c := h.classes[classID]
	if c == nil {
		c = &classSubscribers{all: make(map[*subscriber]struct{}), students: make(map[int64]map[*subscriber]struct{})}
		h.classes[classID] = c
	}
	subs := c.all
	if studentID != 0 {
		subs = c.students[studentID]
		if subs == nil {
			subs = make(map[*subscriber]struct{})
			c.students[studentID] = subs
		}
	}
	subs[s] = struct{}{}
	return s.ch, func() { h.unsubscribe(classID, s) }
}

func (h *Hub) unsubscribe(classID int64, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.classes[classID]
	if c == nil {
		return // closed by stop
	}
	subs := c.all
	if s.student != 0 {
		subs = c.students[s.student]
	}
	if _, ok := subs[s]; !ok {
		return // cancelled before
	}
	delete(subs, s)
	if s.student != 0 && len(subs) == 0 {
		delete(c.students, s.student)
	}
	if len(c.all) == 0 && len(c.students) == 0 {
		delete(h.classes, classID)
	}
	close(s.ch)
}

// publish hands a notification to the subscribers of its class. It runs
// on the listener's goroutine and never blocks.
func (h *Hub) publish(n store.Notification) {
	help, announce := n.Kind == store.NotifyHelp, n.Kind == store.NotifyAnnouncement
	if len(n.StudentIDs) == 0 && !announce {
		return
	}
	// One copy, sorted, shared by every subscriber: a merge makes a new
	// slice and never changes one it merges.
	ids := slices.Clone(n.StudentIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	c := h.classes[n.ClassID]
	if c == nil {
		return
	}
	for s := range c.all {
		h.deliver(s, HubEvent{StudentIDs: ids, Seq: h.seq, Help: help, Announce: announce})
	}
	if announce {
		// For every student's page of the class.
		for _, subs := range c.students {
			for s := range subs {
				h.deliver(s, HubEvent{Seq: h.seq, Announce: true})
			}
		}
		return
	}
	if len(c.students) == 0 {
		return
	}
	for i, id := range ids {
		for s := range c.students[id] {
			// Capped: an append to it cannot reach the next student.
			h.deliver(s, HubEvent{StudentIDs: ids[i : i+1 : i+1], Seq: h.seq, Help: help})
		}
	}
}

// resync tells every subscriber to re-send everything.
func (h *Hub) resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	ev := HubEvent{Resync: true, Seq: h.seq}
	for _, c := range h.classes {
		for s := range c.all {
			h.deliver(s, ev)
		}
		for _, subs := range c.students {
			for s := range subs {
				h.deliver(s, ev)
			}
		}
	}
}

// deliver puts ev in s's buffer; a full buffer is emptied and its events
// merged with ev into one. Only deliver sends on s.ch, always with h.mu
// held, so once the buffer is emptied the send cannot block; the
// subscriber may take events meanwhile, which only leaves more room. The
// merged event goes last: the students it names are re-read when it is
// handled, so handling them later than first announced shows the same.
// h.mu must be held.
func (h *Hub) deliver(s *subscriber, ev HubEvent) {
	select {
	case s.ch <- ev:
		return
	default:
	}
	merged := 0
	for done := false; !done; {
		select {
		case old := <-s.ch:
			ev = old.merge(ev)
			merged++
		default:
			done = true
		}
	}
	h.logger.Debug("live updates: slow subscriber, events merged", "events", merged+1)
	s.ch <- ev
}

// stop closes every subscriber's channel; later subscribers get closed
// ones.
func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for id, c := range h.classes {
		for s := range c.all {
			close(s.ch)
		}
		for _, subs := range c.students {
			for s := range subs {
				close(s.ch)
			}
		}
		delete(h.classes, id)
	}
}

// Subscribers is how many streams are subscribed now, every class
// together (labgrid_sse_clients).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.classes {
		n += c.len()
	}
	return n
}
