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
	StudentIDs []int64 // students whose results changed
	Resync     bool    // the listener reconnected: notifications may have been lost, re-send everything
}

// merge is the one event that stands for a then b: the union of their
// students, sorted, or a Resync, which covers everything.
func (a HubEvent) merge(b HubEvent) HubEvent {
	if a.Resync || b.Resync {
		return HubEvent{Resync: true}
	}
	ids := make([]int64, 0, len(a.StudentIDs)+len(b.StudentIDs))
	ids = append(append(ids, a.StudentIDs...), b.StudentIDs...)
	slices.Sort(ids)
	return HubEvent{StudentIDs: slices.Compact(ids)}
}

// Hub fans the store's notifications out to the open pages: one LISTEN
// connection for the whole process (Run), any number of subscribers per
// class (Subscribe).
//
// Delivery never waits for a subscriber: each has a small buffer, and when
// it is full the waiting events are merged into one (their students'
// union; a Resync absorbs everything), so a slow page gets fewer, larger
// events and never loses one, and the listener and the other pages go on.
type Hub struct {
	logger *slog.Logger

	mu      sync.Mutex
	classes map[int64]map[*subscriber]struct{}
	stopped bool // Run returned: every channel is closed
}

type subscriber struct {
	ch chan HubEvent
}

// NewHub makes a Hub; it delivers nothing until Run.
func NewHub(logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{logger: logger, classes: make(map[int64]map[*subscriber]struct{})}
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
	s := &subscriber{ch: make(chan HubEvent, subscriberBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		close(s.ch)
		return s.ch, func() {}
	}
	subs := h.classes[classID]
	if subs == nil {
		subs = make(map[*subscriber]struct{})
		h.classes[classID] = subs
	}
	subs[s] = struct{}{}
	return s.ch, func() { h.unsubscribe(classID, s) }
}

func (h *Hub) unsubscribe(classID int64, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs := h.classes[classID]
	if _, ok := subs[s]; !ok {
		return // cancelled before, or closed by stop
	}
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.classes, classID)
	}
	close(s.ch)
}

// publish hands a notification to the subscribers of its class. It runs
// on the listener's goroutine and never blocks.
func (h *Hub) publish(n store.Notification) {
	if len(n.StudentIDs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.classes[n.ClassID] {
		// Each subscriber owns its slice: a merge never touches another's.
		h.deliver(s, HubEvent{StudentIDs: slices.Clone(n.StudentIDs)})
	}
}

// resync tells every subscriber to re-send everything.
func (h *Hub) resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.classes {
		for s := range subs {
			h.deliver(s, HubEvent{Resync: true})
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
	for id, subs := range h.classes {
		for s := range subs {
			close(s.ch)
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
	for _, subs := range h.classes {
		n += len(subs)
	}
	return n
}
