package web

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"labgrid/web/views"
)

// hubSubscriber is what the streams need of the hub (*Hub).
type hubSubscriber interface {
	Subscribe(classID int64) (events <-chan HubEvent, cancel func())
}

// sseRetry is how long a browser waits before reconnecting a dropped
// stream (the EventSource "retry" field).
const sseRetry = 2 * time.Second

// eventStream writes server-sent events.
type eventStream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
	seq int64
}

// startStream answers with an event stream and flushes its head.
func startStream(w http.ResponseWriter) (*eventStream, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)
	es := &eventStream{w: w, rc: http.NewResponseController(w), seq: time.Now().UnixMilli()}
	if _, err := w.Write([]byte("retry: " + strconv.FormatInt(sseRetry.Milliseconds(), 10) + "\n\n")); err != nil {
		return nil, err
	}
	return es, es.rc.Flush()
}

// event queues one event with c rendered as its data: one "data:" line
// per line of the HTML (a line break in the data would otherwise end the
// field), and an id, so that a reconnecting browser sends Last-Event-ID
// and gets everything again.
func (es *eventStream) event(ctx context.Context, name string, c templ.Component) error {
	var html bytes.Buffer
	if err := c.Render(ctx, &html); err != nil {
		return err
	}
	es.seq++
	es.buf.WriteString("event: " + name + "\nid: " + strconv.FormatInt(es.seq, 10) + "\n")
	data := bytes.ReplaceAll(html.Bytes(), []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		es.buf.WriteString("data: ")
		es.buf.Write(line)
		es.buf.WriteByte('\n')
	}
	es.buf.WriteByte('\n')
	return nil
}

// flush sends the queued events.
func (es *eventStream) flush() error {
	if es.buf.Len() == 0 {
		return nil
	}
	_, err := es.w.Write(es.buf.Bytes())
	es.buf.Reset()
	if err != nil {
		return err
	}
	return es.rc.Flush()
}

// heartbeat is a comment line: it keeps proxies from closing an idle
// stream and shows a gone client.
func (es *eventStream) heartbeat() error {
	if _, err := es.w.Write([]byte(": ping\n\n")); err != nil {
		return err
	}
	return es.rc.Flush()
}

// subscribe is the hub's events of a class; with no hub, none.
func (s *Server) subscribe(classID int64) (<-chan HubEvent, func()) {
	if s.hub == nil {
		return nil, func() {}
	}
	return s.hub.Subscribe(classID)
}

// stream runs a stream: send(nil, true) at once when the browser
// reconnects (Last-Event-ID: it may have missed events), then send on each
// event of the class, heartbeats when idle, until the client goes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, classID int64, send func(es *eventStream, ev HubEvent) error) {
	ctx := r.Context()
	events, cancel := s.subscribe(classID)
	defer cancel()
	es, err := startStream(w)
	if err != nil {
		return
	}
	if r.Header.Get("Last-Event-ID") != "" {
		if err := send(es, HubEvent{Resync: true}); err != nil {
			s.streamError(r, err)
			return
		}
	}
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return // the hub stopped: the browser reconnects to another process
			}
			if err := send(es, ev); err != nil {
				s.streamError(r, err)
				return
			}
		case <-tick.C:
			if err := es.heartbeat(); err != nil {
				return
			}
		}
	}
}

func (s *Server) streamError(r *http.Request, err error) {
	if r.Context().Err() == nil {
		s.logger.ErrorContext(r.Context(), "event stream", "path", logPath(r.URL.Path), "err", err)
	}
}

// classEvents is GET /classes/{name}/events: the grid's live stream. On
// each change it sends the changed students' rows ("student-<id>") and the
// summary row; on a resync or a reconnection, every row.
func (s *Server) classEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.lang(nil, r)
	// ?lab= is the grid's: its rows have only that lab's cells. A lab the
	// class has not is every lab, as on the grid. ?q= is its search: only
	// the rows of the students it finds are sent.
	q := views.ParseGridQuery(r.URL.Query())
	lab := cv.lab(q.Lab)
	cols := cv.columnsOf(lab)
	// hadCosts is whether the page shows costs as the last event left it;
	// at first, whether a lab says it reports costs (the page may also
	// show costs found in results: the first event with costs refreshes
	// them).
	hadCosts := false
	for _, l := range cv.labs {
		hadCosts = hadCosts || l.Costs
	}
	s.stream(w, r, cv.class.ID, func(es *eventStream, ev HubEvent) error {
		students, err := s.store.ClassSummaries(ctx, cv.class.ID)
		if err != nil {
			return err
		}
		now := s.now()
		gc := views.GridContext{Lang: lang, Now: now, Class: cv.class.Name, Fresh: true, LabScores: len(cv.labs) > 1 && lab == nil}
		all, anyCost := cv.rows(students, now, stuckAfter)
		rows := onlyLab(all, lab, cv.labIndex(lab))
		for _, row := range rows {
			if (ev.Resync || slices.Contains(ev.StudentIDs, row.ID)) && q.Matches(row.Login, row.DisplayName) {
				if err := es.event(ctx, row.EventName(), views.GridRow(gc, row.Row)); err != nil {
					return err
				}
			}
		}
		// The costs summary when the class has costs, or had them at the
		// last event (it goes back to an empty placeholder); the summary
		// row ends every batch.
		if anyCost || hadCosts {
			if err := es.event(ctx, views.CostsEvent, views.GridCosts(gc, costs(all, anyCost))); err != nil {
				return err
			}
		}
		hadCosts = anyCost
		if err := es.event(ctx, views.SummaryEvent, views.GridSummary(gc, cols, views.Summarize(cols, plainRows(rows)))); err != nil {
			return err
		}
		return es.flush()
	})
}

// selfEvents is GET /s/{token}/events: the student's own live stream,
// the checklist again ("checklist") when their results change.
func (s *Server) selfEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	st, err := s.studentByToken(ctx, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.lang(nil, r)
	s.stream(w, r, st.ClassID, func(es *eventStream, ev HubEvent) error {
		if !ev.Resync && !slices.Contains(ev.StudentIDs, st.ID) {
			return nil
		}
		// Read the student again: fresh last-scanned time, and a link
		// rotated meanwhile stops here.
		cur, err := s.studentByToken(ctx, token)
		if err != nil {
			return err
		}
		v, err := s.selfCheckView(ctx, views.Page{Lang: lang, Now: s.now(), URL: views.SelfURL(token)}, token, cur)
		if err != nil {
			return err
		}
		if err := es.event(ctx, views.ChecklistEvent, views.SelfCheckBody(v)); err != nil {
			return err
		}
		return es.flush()
	})
}
