package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/store"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

// liveWait bounds every wait of the live tests: generous, the machine is
// shared.
const liveWait = 30 * time.Second

// countingSummaries is the store with its class reads counted.
type countingSummaries struct {
	*store.Store
	reads atomic.Int64
}

func (c *countingSummaries) ClassSummaries(ctx context.Context, classID int64) ([]store.StudentSummary, error) {
	c.reads.Add(1)
	return c.Store.ClassSummaries(ctx, classID)
}

// liveEnv is a server on a database of its own, fed by a real Hub that
// LISTENs there: what SaveScan commits reaches the streams as in
// production.
type liveEnv struct {
	t      *testing.T
	url    string // the server's
	pool   *pgxpool.Pool
	store  *store.Store
	class  store.Class
	ids    map[string]int64 // by login
	hub    *Hub
	reads  *countingSummaries
	client *http.Client // signed in
	logs   *syncBuffer
}

// smallBuffers gives every accepted connection a small send buffer, so
// that a client that stops reading blocks the server's writes after a
// few events, not megabytes of them.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetWriteBuffer(4096); err != nil {
			return nil, err
		}
	}
	return c, err
}

func setupLive(t *testing.T, tweak ...func(*Options)) *liveEnv {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t, true)
	pool := pgtest.NewPool(t, dbURL)
	st := store.New(pool)
	c, err := st.CreateClass(ctx, randomName("fanout-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, c.ID, testRoster, false, testSecret); err != nil {
		t.Fatal(err)
	}
	students, err := st.Students(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := &liveEnv{t: t, pool: pool, store: st, class: c, ids: map[string]int64{}, reads: &countingSummaries{Store: st}, logs: &syncBuffer{}}
	for _, s := range students {
		e.ids[s.Login] = s.ID
	}
	// Streams subscribe once LISTEN is in place: the hub's first resync
	// reaches none of them.
	h, listening, _ := startHub(t, dbURL)
	recv(t, listening, "LISTEN")
	e.hub = h

	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Store: st, Judges: classJudge, Pool: pool, Scheduler: &fakeScheduler{}, Hub: h, AdminPasswordHash: hash,
		Logger:    slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		summaries: e.reads,
	}
	for _, f := range tweak {
		f(&opts)
	}
	server, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	srv := httptest.NewUnstartedServer(leavable(server.Routes()))
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	e.url = srv.URL

	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := e.client.PostForm(e.url+"/login", url.Values{"password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	return e
}

// leaving is how a test ends a request from inside its handler as its
// client leaving does (its context cancelled): the request's query,
// to tell which it was, and the cancel of its context.
type leaving struct {
	query string
	leave context.CancelFunc
}

type leavingKey struct{}

// leavable gives every request a leaving in its context.
func leavable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		h.ServeHTTP(w, r.WithContext(context.WithValue(ctx, leavingKey{}, leaving{r.URL.RawQuery, cancel})))
	})
}

// open opens the grid's stream, as a browser does (gzipped); query is
// its own ("?lang=en"), or "".
func (e *liveEnv) open(query string) *bufio.Reader {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+views.ClassEventsURL(e.class.Name)+query, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("grid stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !resp.Uncompressed {
		e.t.Fatal("the grid stream did not come gzipped")
	}
	return bufio.NewReader(resp.Body)
}

// openStalled opens the grid's stream on a connection that reads nothing
// until told to: its receive buffer is small, so the server's writes
// soon block. resume reads the answer from then on.
func (e *liveEnv) openStalled() (resume func() *bufio.Reader) {
	e.t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	req, _ := http.NewRequest("GET", e.url+views.ClassEventsURL(e.class.Name), nil)
	req.Header.Set("Accept", "text/event-stream")
	u, _ := url.Parse(e.url)
	for _, c := range e.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	if err := req.Write(conn); err != nil {
		e.t.Fatal(err)
	}
	return func() *bufio.Reader {
		e.t.Helper()
		if err := conn.SetReadDeadline(time.Now().Add(liveWait)); err != nil {
			e.t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			e.t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			e.t.Fatalf("stalled grid stream: %d", resp.StatusCode)
		}
		return bufio.NewReader(resp.Body)
	}
}

// waitSubscribers waits until the hub has n subscribers.
func (e *liveEnv) waitSubscribers(n int) {
	e.t.Helper()
	deadline := time.Now().Add(liveWait)
	for e.hub.Subscribers() != n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d subscribers after %s, want %d", e.hub.Subscribers(), liveWait, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// notifyAll announces a change of every student, as SaveScan does, without
// storing one: the rows sent are the same each time.
func (e *liveEnv) notifyAll() {
	e.t.Helper()
	n := store.Notification{ClassID: e.class.ID}
	for _, id := range e.ids {
		n.StudentIDs = append(n.StudentIDs, id)
	}
	payload, err := json.Marshal(n)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.pool.Exec(context.Background(), "SELECT pg_notify($1, $2)", store.NotifyChannel, string(payload)); err != nil {
		e.t.Fatal(err)
	}
}

// passAll stores a scan in which login passed everything.
func (e *liveEnv) passAll(login string, at time.Time) {
	e.t.Helper()
	var st grader.Student
	for _, s := range testRoster {
		if s.Login == login {
			st = s
		}
	}
	if _, err := e.store.SaveScan(context.Background(), e.class.ID, store.TriggerCLI, scanOf(defaultJudge(e.t), st, grader.StatusPass, at)); err != nil {
		e.t.Fatal(err)
	}
}

// batch reads events up to the summary row, which ends each batch,
// failing the test past liveWait.
func batch(t *testing.T, r *bufio.Reader, what string) map[string]string {
	t.Helper()
	type result struct {
		events map[string]string
		err    string
	}
	done := make(chan result, 1)
	go func() {
		events, err := readEventsErr(r, views.SummaryEvent)
		done <- result{events, err}
	}()
	select {
	case res := <-done:
		if res.err != "" {
			t.Fatalf("%s: %s", what, res.err)
		}
		return res.events
	case <-time.After(liveWait):
		t.Fatalf("%s: no batch of events within %s", what, liveWait)
		return nil
	}
}

// scanned says whether a row shows a last scan (user03 has none at first).
func scanned(row string) bool {
	return strings.Contains(row, `class="ago"`) && !strings.Contains(row, `class="never"`)
}

// Five grids of a class open: a scan reaches each with its row while the
// class is read once for them all. The bound is exactly one: the hub
// numbers the scan's notification, every stream asks for a read at least
// that fresh, the first starts it and the others find it (done or under
// way) and wait for it.
func TestGridStreamsShareOneRead(t *testing.T) {
	t.Parallel()
	e := setupLive(t)
	const grids = 5
	streams := make([]*bufio.Reader, grids)
	for i := range streams {
		streams[i] = e.open("")
	}
	e.waitSubscribers(grids)
	if n := e.reads.reads.Load(); n != 0 {
		t.Fatalf("%d class reads before any event, want none", n)
	}

	e.passAll("user03", e.class.CreatedAt.Add(time.Minute))
	row := views.StudentEvent(e.ids["user03"])
	for i, r := range streams {
		events := batch(t, r, "grid after the scan")
		if len(events) != 2 || !scanned(events[row]) {
			t.Errorf("grid %d after the scan: events %v, want user03's row, scanned, and the summary", i, keys(events))
		}
	}
	if n := e.reads.reads.Load(); n != 1 {
		t.Errorf("%d class reads for one scan seen by %d grids, want 1", n, grids)
	}
}

// pending is how many events wait in the fullest buffer of the class's
// subscribers: a stream whose handler is stuck lets them pile up.
func (e *liveEnv) pending() int {
	e.hub.mu.Lock()
	defer e.hub.mu.Unlock()
	n := 0
	if c := e.hub.classes[e.class.ID]; c != nil {
		for s := range c.all {
			n = max(n, len(s.ch))
		}
	}
	return n
}

// stall announces changes of every student until the stalled stream's
// handler is stuck writing to its client: the grid that reads gets every
// batch meanwhile. It returns how many changes it announced.
func (e *liveEnv) stall(reading *bufio.Reader) int {
	e.t.Helper()
	// Plain rows of three students are a few KB a batch: a few dozen fill
	// the small socket buffers.
	const most = 400
	sent, after := 0, -1
	for ; sent < most && after < 2*subscriberBuffer; sent++ {
		e.notifyAll()
		if events := batch(e.t, reading, "the grid that reads"); len(events) != len(e.ids)+1 {
			e.t.Fatalf("change %d: the grid that reads got events %v, want every row and the summary", sent+1, keys(events))
		}
		// The event is in every buffer once the reading grid has it.
		if after >= 0 {
			after++
		} else if e.pending() == subscriberBuffer {
			after = 0
		}
	}
	if after < 2*subscriberBuffer {
		e.t.Fatalf("after %d changes the stalled grid still takes its events: its writes never blocked", sent)
	}
	if e.pending() == 0 {
		e.t.Fatalf("the stalled grid took its events: its writes are not blocked")
	}
	return sent
}

// A grid whose client stops reading holds up neither the hub nor another
// grid of the class: that one gets a batch for every change. When the
// client reads again it gets what it missed, merged into fewer batches,
// up to the last change.
func TestStalledGridHoldsUpNoOne(t *testing.T) {
	t.Parallel()
	e := setupLive(t)
	reading := e.open("")
	resume := e.openStalled()
	e.waitSubscribers(2)
	sent := e.stall(reading)

	e.passAll("user03", e.class.CreatedAt.Add(time.Minute))
	sent++
	row := views.StudentEvent(e.ids["user03"])
	if events := batch(t, reading, "the grid that reads, after the scan"); !scanned(events[row]) {
		t.Errorf("the grid that reads, after the scan: %v, want user03's row scanned", keys(events))
	}
	if n := e.reads.reads.Load(); n > int64(sent) {
		t.Errorf("%d class reads for %d changes: the grids do not share them", n, sent)
	}

	r := resume()
	for batches := 1; ; batches++ {
		events := batch(t, r, "the stalled grid, reading again")
		if scanned(events[row]) {
			if batches >= sent {
				t.Errorf("the stalled grid got %d batches for %d changes, want them merged", batches, sent)
			}
			break
		}
		if batches > sent {
			t.Fatalf("the stalled grid got %d batches for %d changes, none with user03 scanned", batches, sent)
		}
	}
}

// A grid whose client takes no event for the stream's write timeout is
// dropped (its browser reconnects and catches up), and the others go
// on.
func TestStalledGridDropped(t *testing.T) {
	t.Parallel()
	e := setupLive(t, func(o *Options) { o.streamWrite = 5 * time.Second })
	reading := e.open("")
	resume := e.openStalled()
	e.waitSubscribers(2)
	e.stall(reading)
	e.waitSubscribers(1)

	e.notifyAll()
	if events := batch(t, reading, "the grid that reads, after the drop"); len(events) != len(e.ids)+1 {
		t.Errorf("the grid that reads, after the drop: events %v, want every row and the summary", keys(events))
	}
	r := resume()
	if _, err := io.Copy(io.Discard, r); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the dropped grid's connection: %v, want it closed by the server", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "client too slow") {
		t.Errorf("no log line of the drop:\n%s", logs)
	}
}

// A student's page subscribes to the events naming the student and hears
// of their scan through the hub.
func TestStudentStreamHearsItsOwn(t *testing.T) {
	t.Parallel()
	e := setupLive(t)
	links, err := e.store.StudentLinks(context.Background(), e.class.ID, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, l := range links {
		if l.Login == "user02" {
			token = l.Token
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+views.SelfEventsURL(token), nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("student stream: %d", resp.StatusCode)
	}
	self := bufio.NewReader(resp.Body)
	e.waitSubscribers(1)

	e.hub.mu.Lock()
	subscribed := len(e.hub.classes[e.class.ID].students[e.ids["user02"]])
	e.hub.mu.Unlock()
	if subscribed != 1 {
		t.Errorf("%d subscribers for user02's events, want their page's stream", subscribed)
	}

	e.passAll("user02", e.class.CreatedAt.Add(time.Minute))
	done := make(chan map[string]string, 1)
	go func() {
		events, _ := readEventsErr(self, views.ChecklistEvent)
		done <- events
	}()
	select {
	case events := <-done:
		if !strings.Contains(events[views.ChecklistEvent], `id="checklist"`) {
			t.Errorf("user02's stream after their scan: events %v, want the checklist", keys(events))
		}
	case <-time.After(liveWait):
		t.Fatalf("user02's stream: no checklist within %s of their scan", liveWait)
	}
}

// Grids of a class in two languages, sharing the class read, each get
// their rows in their own language.
func TestGridStreamsEachInTheirLanguage(t *testing.T) {
	t.Parallel()
	e := setupLive(t)
	langs := []i18n.Lang{i18n.EN, i18n.JA, i18n.EN, i18n.JA}
	streams := make([]*bufio.Reader, len(langs))
	for i, l := range langs {
		streams[i] = e.open("?" + i18n.Param + "=" + l.String())
	}
	e.waitSubscribers(len(langs))

	e.passAll("user03", e.class.CreatedAt.Add(time.Minute))
	row := views.StudentEvent(e.ids["user03"])
	for i, r := range streams {
		events := batch(t, r, "grid after the scan")
		want := html.EscapeString(i18n.For(langs[i]).RescanStudent("user03"))
		if !strings.Contains(events[row], want) {
			t.Errorf("grid %d (%s): user03's row does not say %q:\n%s", i, langs[i], want, events[row])
		}
		if want := i18n.For(langs[i]).PassingRow; !strings.Contains(events[views.SummaryEvent], html.EscapeString(want)) {
			t.Errorf("grid %d (%s): the summary row does not say %q", i, langs[i], want)
		}
	}
	if n := e.reads.reads.Load(); n != 1 {
		t.Errorf("%d class reads for one scan, want 1", n)
	}
}

// Grids of a two-lab class, some showing one lab, sharing the class read,
// each get their rows with their own cells.
func TestGridStreamsEachTheirLab(t *testing.T) {
	t.Parallel()
	judge := twoLabs(t)
	e := setupLive(t, func(o *Options) {
		o.Judges = func(store.Class) (grader.Judge, error) { return judge, nil }
	})
	queries := []string{"", "?lab=extra", "", "?lab=extra"}
	streams := make([]*bufio.Reader, len(queries))
	for i, q := range queries {
		streams[i] = e.open(q)
	}
	e.waitSubscribers(len(queries))

	if _, err := e.store.SaveScan(context.Background(), e.class.ID, store.TriggerCLI, scanOf(judge, testRoster[2], grader.StatusPass, e.class.CreatedAt.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	row := views.StudentEvent(e.ids["user03"])
	for i, r := range streams {
		events := batch(t, r, "grid after the scan")
		oneLab := queries[i] != ""
		if !strings.Contains(events[row], "#extra.vpc") || strings.Contains(events[row], "#alb.exists") != !oneLab {
			t.Errorf("grid %d (%q): user03's row has the wrong cells:\n%s", i, queries[i], events[row])
		}
		if cells := strings.Count(events[views.SummaryEvent], "<td"); (cells == 2) != oneLab {
			t.Errorf("grid %d (%q): the summary row has %d cells", i, queries[i], cells)
		}
	}
	if n := e.reads.reads.Load(); n != 1 {
		t.Errorf("%d class reads for one scan, want 1", n)
	}
}

// leaveOnQuery is a tracer of the server's queries: armed with a piece
// of SQL, it ends the first request that runs a query with it just as the
// query starts, as if its client had gone then, and says which request
// (its query string) it ended.
type leaveOnQuery struct {
	sql  atomic.Pointer[string]
	left chan string
}

func (l *leaveOnQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	sql := l.sql.Load()
	if sql == nil || !strings.Contains(data.SQL, *sql) {
		return ctx
	}
	if lv, ok := ctx.Value(leavingKey{}).(leaving); ok && l.sql.CompareAndSwap(sql, nil) {
		lv.leave()
		l.left <- lv.query
	}
	return ctx
}

func (*leaveOnQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Two grids of one shape share the rows and the help panel made of a
// read: the grid that makes them may be closed while it reads for them
// (its tab closed), and the other still gets them, not that grid's
// context.Canceled.
func TestGridFrameOutlivesTheGridThatMakesIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, sql string }{
		{"rows", "h.done_at IS NULL AND h.withdrawn_at IS NULL"}, // ClassHands, made with the rows
		{"help panel", "FROM announcements"},                     // the help panel's
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			trap := &leaveOnQuery{left: make(chan string, 1)}
			e := setupLive(t, func(o *Options) {
				// The server's queries are traced; the test's own (the
				// hand raised) and the class reads are not.
				cfg := o.Pool.Config()
				cfg.ConnConfig.Tracer = trap
				pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(pool.Close)
				o.Store = store.New(pool)
			})
			// One shape (?grid= is no parameter of the grid's): the
			// query tells the streams apart.
			streams := map[string]*bufio.Reader{"grid=a": e.open("?grid=a"), "grid=b": e.open("?grid=b")}
			e.waitSubscribers(len(streams))

			sql := tc.sql
			trap.sql.Store(&sql)
			if _, err := e.store.RaiseHand(context.Background(), e.ids["user02"], "help", e.class.CreatedAt.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			left := recv(t, trap.left, "a grid making the frame")
			var other string
			for q := range streams {
				if q != left {
					other = q
				}
			}
			events := batch(t, streams[other], "the grid left open, after the hand raised")
			row := views.StudentEvent(e.ids["user02"])
			if _, ok := events[row]; !ok || !strings.Contains(events[views.HelpQueueEvent], "user02") {
				t.Errorf("the grid left open: events %v, want user02's row and the help panel naming them", keys(events))
			}
			if logs := e.logs.String(); strings.Contains(logs, "level=ERROR") {
				t.Errorf("an error logged:\n%s", logs)
			}
		})
	}
}
