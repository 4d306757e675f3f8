package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"labgrid/store"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

// hubSubscriber is what the streams need of the hub (*Hub).
type hubSubscriber interface {
	Subscribe(classID int64) (events <-chan HubEvent, cancel func())
	SubscribeStudent(classID, studentID int64) (events <-chan HubEvent, cancel func())
}

// sharedReads shares the grid streams' reads of a class, so that an
// event costs one read of the class however many grids show it. A stream
// asks for a read at least as fresh as its event (HubEvent.Seq): the
// first to ask reads, the others wait for that read and take its result;
// one that asks late, for an older event, takes the newest read, which
// shows the same students or later (rows are idempotent). What the grids
// make of a read, rows and rendered events, is made once too for the
// grids of one shape (gridFrame).
//
// No lock is held while reading or writing: a stream stuck on its client
// holds up no other stream, nor the hub.
type sharedReads struct {
	summaries summaryReader
	timeout   time.Duration

	mu      sync.Mutex
	classes map[int64]*classReads // the classes with a grid stream open
}

// classReads is the latest read of a class and how many streams may ask
// for it: the read is let go with the last of them.
type classReads struct {
	streams int
	latest  *summaryRead
}

// summaryRead is one read of a class; done is closed once students and
// err are set.
type summaryRead struct {
	seq      uint64
	done     chan struct{}
	students []store.StudentSummary // shared: read only
	err      error

	mu     sync.Mutex
	frames map[gridShape]*gridFrame
}

// gridShape is what a grid's rows depend on besides the read: the grids
// of one shape send the same rows, made once per read (gridFrame).
type gridShape struct {
	class string // classDigest
	lab   string // the lab shown; "" every lab
	lang  i18n.Lang
}

// classDigest stands for what the rows of a class are made with: the
// class as judged (its labs and rubric) and as shown (its name).
func classDigest(c store.Class) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d %q %s %q", c.ID, c.Name, c.CreatedAt.Format(time.RFC3339Nano), c.RubricYAML)
	for _, l := range c.Labs {
		// SHA256 stands for Source; a shipped lab has neither.
		fmt.Fprintf(h, " %q %q", l.ID, l.SHA256)
	}
	return string(h.Sum(nil))
}

// gridFrame is what the grids of one shape make of one read: the rows,
// made by the first grid (once), and the events rendered, each by the
// first grid that sends it. Shared: read only once made.
type gridFrame struct {
	once    sync.Once
	now     time.Time
	all     []gridRow // every lab's cells (costs)
	rows    []gridRow // the shape's lab's
	anyCost bool
	// hands are the class's open hands, read with the rows (on them).
	hands    []store.HelpRequest
	handsErr error
	// help is the instructor's help panel, made once for the grids of the
	// shape when an event asks for it (its announcements are read then).
	helpOnce sync.Once
	help     views.HelpQueue
	helpErr  error

	mu   sync.Mutex
	data map[string][]byte // eventData, by event name
}

// frame is the read's frame for the grids of shape.
func (r *summaryRead) frame(shape gridShape) *gridFrame {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.frames[shape]
	if f == nil {
		if r.frames == nil {
			r.frames = make(map[gridShape]*gridFrame)
		}
		f = &gridFrame{data: make(map[string][]byte)}
		r.frames[shape] = f
	}
	return f
}

// render is the data of the event named name, rendered from c() by the
// first grid that asks. Rendering is outside the lock: two grids may
// both render an event, one keeps its copy.
func (f *gridFrame) render(ctx context.Context, name string, c func() templ.Component) ([]byte, error) {
	f.mu.Lock()
	data, ok := f.data[name]
	f.mu.Unlock()
	if ok {
		return data, nil
	}
	data, err := eventData(ctx, c())
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if kept, ok := f.data[name]; ok {
		return kept, nil
	}
	f.data[name] = data
	return data, nil
}

func newSharedReads(summaries summaryReader, timeout time.Duration) *sharedReads {
	return &sharedReads{summaries: summaries, timeout: timeout, classes: make(map[int64]*classReads)}
}

// open keeps the class's latest read while a stream of it is open; call
// release when it ends.
func (sr *sharedReads) open(classID int64) (release func()) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	c := sr.classes[classID]
	if c == nil {
		c = &classReads{}
		sr.classes[classID] = c
	}
	c.streams++
	return func() {
		sr.mu.Lock()
		defer sr.mu.Unlock()
		if c.streams--; c.streams == 0 {
			delete(sr.classes, classID)
		}
	}
}

// get is a read of every student of the class started after the event
// of seq was published. seq 0 (no hub event: a reconnecting browser) is
// a read of its own. The class must be open.
func (sr *sharedReads) get(ctx context.Context, classID int64, seq uint64) (*summaryRead, error) {
	if seq == 0 {
		students, err := sr.summaries.ClassSummaries(ctx, classID)
		if err != nil {
			return nil, err
		}
		return &summaryRead{students: students}, nil
	}
	sr.mu.Lock()
	c := sr.classes[classID]
	r := c.latest
	if r == nil || r.seq < seq {
		r = &summaryRead{seq: seq, done: make(chan struct{})}
		c.latest = r
		sr.mu.Unlock()
		sr.read(ctx, classID, c, r)
	} else {
		sr.mu.Unlock()
	}
	select {
	case <-r.done:
		if r.err != nil {
			return nil, r.err
		}
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// shared is the context of a read done by the stream of ctx for other
// streams too: the stream's end does not cut it short (the others would
// get its context.Canceled), the timeout bounds it.
func (sr *sharedReads) shared(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), sr.timeout)
}

// read does r for every stream waiting on it: the asking stream's end
// does not cut it short. A failed read is not kept: the next event reads
// again.
func (sr *sharedReads) read(ctx context.Context, classID int64, c *classReads, r *summaryRead) {
	ctx, cancel := sr.shared(ctx)
	defer cancel()
	r.students, r.err = sr.summaries.ClassSummaries(ctx, classID)
	if r.err != nil {
		r.err = fmt.Errorf("class read: %w", r.err)
		sr.mu.Lock()
		if c.latest == r {
			c.latest = nil
		}
		sr.mu.Unlock()
	}
	close(r.done)
}

// sseRetry is how long a browser waits before reconnecting a dropped
// stream (the EventSource "retry" field).
const sseRetry = 2 * time.Second

// eventStream writes server-sent events.
type eventStream struct {
	ctx context.Context // the request's
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
	seq int64
	// timeout bounds each write to the client; 0: none.
	timeout time.Duration
}

// startStream answers with an event stream and flushes its head.
func startStream(ctx context.Context, w http.ResponseWriter, timeout time.Duration) (*eventStream, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)
	es := &eventStream{ctx: ctx, w: w, rc: http.NewResponseController(w), seq: time.Now().UnixMilli(), timeout: timeout}
	return es, es.write([]byte("retry: " + strconv.FormatInt(sseRetry.Milliseconds(), 10) + "\n\n"))
}

// write sends b at once, within the timeout. The deadline goes once the
// write is done: an idle stream has none (HTTP/2 would reset the stream
// at a deadline passed even with nothing to write).
func (es *eventStream) write(b []byte) error {
	deadline := time.Now().Add(es.timeout)
	if es.timeout > 0 {
		if err := es.rc.SetWriteDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return fmt.Errorf("write deadline: %w", err)
		}
		defer es.rc.SetWriteDeadline(time.Time{})
	}
	if _, err := es.w.Write(b); err != nil {
		return err
	}
	if err := es.rc.Flush(); err != nil {
		return err
	}
	// scs's and gzhttp's writers drop a flush's error; net/http ends the
	// request when a write fails, so a write that ended past the deadline
	// with the request is one that timed out.
	if es.timeout > 0 && es.ctx.Err() != nil && !time.Now().Before(deadline) {
		return fmt.Errorf("client took no event for %s: %w", es.timeout, os.ErrDeadlineExceeded)
	}
	return nil
}

// event queues one event with c rendered as its data: one "data:" line
// per line of the HTML (a line break in the data would otherwise end the
// field), and an id, so that a reconnecting browser sends Last-Event-ID
// and gets everything again.
func (es *eventStream) event(ctx context.Context, name string, c templ.Component) error {
	data, err := eventData(ctx, c)
	if err != nil {
		return err
	}
	es.queue(name, data)
	return nil
}

// queue queues one event of data made by eventData.
func (es *eventStream) queue(name string, data []byte) {
	es.seq++
	es.buf.WriteString("event: " + name + "\nid: " + strconv.FormatInt(es.seq, 10) + "\n")
	es.buf.Write(data)
}

// eventData is c rendered as the data of an event, up to the blank line
// that ends it.
func eventData(ctx context.Context, c templ.Component) ([]byte, error) {
	var html bytes.Buffer
	if err := c.Render(ctx, &html); err != nil {
		return nil, err
	}
	data := bytes.ReplaceAll(html.Bytes(), []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var out bytes.Buffer
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		out.WriteString("data: ")
		out.Write(line)
		out.WriteByte('\n')
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// flush sends the queued events.
func (es *eventStream) flush() error {
	if es.buf.Len() == 0 {
		return nil
	}
	defer es.buf.Reset()
	return es.write(es.buf.Bytes())
}

// heartbeat is a comment line: it keeps proxies from closing an idle
// stream and shows a gone client.
func (es *eventStream) heartbeat() error {
	return es.write([]byte(": ping\n\n"))
}

// subscribe is the hub's events of a class, or of one student of it
// (studentID not 0); with no hub, none.
func (s *Server) subscribe(classID, studentID int64) (<-chan HubEvent, func()) {
	switch {
	case s.hub == nil:
		return nil, func() {}
	case studentID != 0:
		return s.hub.SubscribeStudent(classID, studentID)
	default:
		return s.hub.Subscribe(classID)
	}
}

// stream runs a stream: send(nil, true) at once when the browser
// reconnects (Last-Event-ID: it may have missed events), then send on each
// event of the class (of the student, studentID not 0), heartbeats when
// idle, until the client goes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, classID, studentID int64, send func(es *eventStream, ev HubEvent) error) {
	ctx := r.Context()
	events, cancel := s.subscribe(classID, studentID)
	defer cancel()
	es, err := startStream(ctx, w, s.streamWrite)
	if err != nil {
		s.streamError(r, err)
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
				s.streamError(r, err)
				return
			}
		}
	}
}

// streamError logs why a stream ended, unless its client left: a client
// too slow to take an event in time is no fault of the server's.
func (s *Server) streamError(r *http.Request, err error) {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.logger.InfoContext(r.Context(), "event stream: client too slow, dropped", "path", logPath(r.URL.Path), "timeout", s.streamWrite)
	case r.Context().Err() == nil:
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
	shape := gridShape{class: classDigest(cv.class), lang: lang}
	if lab != nil {
		shape.lab = lab.ID
	}
	defer s.reads.open(cv.class.ID)()
	s.stream(w, r, cv.class.ID, 0, func(es *eventStream, ev HubEvent) error {
		read, err := s.reads.get(ctx, cv.class.ID, ev.Seq)
		if err != nil {
			return err
		}
		// The rows and their events are made once for the grids of the
		// shape: each sends those its event names and its search finds.
		f := read.frame(shape)
		// What is read for them, by whichever grid comes first, is read
		// with a shared context: that grid closed meanwhile fails none of
		// the others; an error of the database's is for all.
		f.once.Do(func() {
			ctx, cancel := s.reads.shared(ctx)
			defer cancel()
			f.now = s.now()
			f.all, f.anyCost, f.hands, f.handsErr = s.handRows(ctx, cv, read.students, cv.standings(read.students), f.now, stuckAfter)
			f.rows = onlyLab(f.all, lab, cv.labIndex(lab))
		})
		if f.handsErr != nil {
			return f.handsErr
		}
		gc := views.GridContext{Lang: lang, Now: f.now, Class: cv.class.Name, Fresh: true, LabScores: len(cv.labs) > 1 && lab == nil}
		send := func(name string, c func() templ.Component) error {
			data, err := f.render(ctx, name, c)
			if err != nil {
				return err
			}
			es.queue(name, data)
			return nil
		}
		for _, row := range f.rows {
			if ev.names(row.ID) && q.Matches(row.Login, row.DisplayName) {
				if err := send(row.EventName(), func() templ.Component { return views.GridRow(gc, row.Row) }); err != nil {
					return err
				}
			}
		}
		// The costs summary when the class has costs, or had them at the
		// last event (it goes back to an empty placeholder); the summary
		// row ends every batch.
		if f.anyCost || hadCosts {
			if err := send(views.CostsEvent, func() templ.Component { return views.GridCosts(gc, costs(f.all, f.anyCost)) }); err != nil {
				return err
			}
		}
		hadCosts = f.anyCost
		if ev.Help || ev.Announce || ev.Resync {
			f.helpOnce.Do(func() {
				ctx, cancel := s.reads.shared(ctx)
				defer cancel()
				f.help, f.helpErr = s.helpQueue(ctx, cv, lang, f.now, f.all, f.hands)
			})
			if f.helpErr != nil {
				return f.helpErr
			}
			if err := send(views.HelpQueueEvent, func() templ.Component { return views.HelpQueuePanel(f.help) }); err != nil {
				return err
			}
		}
		if err := send(views.SummaryEvent, func() templ.Component {
			return views.GridSummary(gc, cols, views.Summarize(cols, plainRows(f.rows)))
		}); err != nil {
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
	s.stream(w, r, st.ClassID, st.ID, func(es *eventStream, ev HubEvent) error {
		if !ev.names(st.ID) && !ev.Announce {
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
		if ev.names(st.ID) {
			if err := es.event(ctx, views.ChecklistEvent, views.SelfCheckBody(v)); err != nil {
				return err
			}
		}
		if ev.Help || ev.Resync {
			if err := es.event(ctx, views.HelpEvent, views.HelpPanel(lang, token, v.Help)); err != nil {
				return err
			}
		}
		if ev.Announce || ev.Resync {
			if err := es.event(ctx, views.AnnouncementsEvent, views.AnnouncementList(lang, v.Announcements)); err != nil {
				return err
			}
		}
		return es.flush()
	})
}
