package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/scheduler"
	"labgrid/store"
)

const testPassword = "correct horse battery"

var testSecret = []byte(strings.Repeat("k", 40))

// syncBuffer is a log sink shared by the handlers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fakeScheduler struct {
	mu      sync.Mutex
	checks  []string
	rescans []int64
}

func (f *fakeScheduler) CheckNow(_ context.Context, classID int64, login string) (scheduler.CheckNowResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, login)
	return scheduler.CheckNowResult{State: scheduler.CheckQueued}, nil
}

func (f *fakeScheduler) RescanClass(_ context.Context, classID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rescans = append(f.rescans, classID)
	return nil
}

// fakeHub hands every subscriber the one channel the test drives.
type fakeHub struct {
	ch         chan HubEvent
	subscribed chan int64
}

func (h *fakeHub) Subscribe(classID int64) (<-chan HubEvent, func()) {
	h.subscribed <- classID
	return h.ch, func() {}
}

// SubscribeStudent hands the student's stream every event too: the
// stream picks those naming its student.
func (h *fakeHub) SubscribeStudent(classID, _ int64) (<-chan HubEvent, func()) {
	return h.Subscribe(classID)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testEnv struct {
	t        *testing.T
	url      string
	store    *store.Store
	class    store.Class
	ids      map[string]int64  // by login
	tokens   map[string]string // by login
	sched    *fakeScheduler
	hub      *fakeHub
	logs     *syncBuffer
	clock    *clock
	client   *http.Client
	scanTime time.Time
}

// The test class: user01 passed everything, user02 passed nothing and its
// last scan could not look (an AWS error), user03 was never scanned.
var testRoster = []grader.Student{
	{Login: "user01", DisplayName: "山田 太郎", AccountID: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/grader", ExternalID: "ext-secret-1", Email: "taro@example.jp", SISID: "S001", Section: "A"},
	{Login: "user02", DisplayName: `Smith, "Jo"`, AccountID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/grader", ExternalID: "ext-secret-2", Email: "jo@example.com", SISID: "S002", Section: "B"},
	{Login: "user03", DisplayName: "=HYPERLINK()", AccountID: "333333333333", RoleARN: "arn:aws:iam::333333333333:role/grader", ExternalID: "ext-secret-3", Email: "u3@example.com", SISID: "S003", Section: "B"},
}

func randomName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func setup(t *testing.T, tweak ...func(*Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	st := store.New(pgtest.Tx(t))
	c, err := st.CreateClass(ctx, randomName("web-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, c.ID, testRoster, false, testSecret); err != nil {
		t.Fatal(err)
	}
	links, err := st.StudentLinks(ctx, c.ID, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{
		t: t, store: st, class: c, ids: map[string]int64{}, tokens: map[string]string{},
		sched: &fakeScheduler{}, hub: &fakeHub{ch: make(chan HubEvent), subscribed: make(chan int64, 10)},
		logs: &syncBuffer{}, clock: &clock{t: c.CreatedAt.Add(time.Hour)},
		scanTime: c.CreatedAt.Add(20 * time.Minute).UTC().Truncate(time.Second),
	}
	for _, l := range links {
		e.ids[l.Login], e.tokens[l.Login] = l.StudentID, l.Token
	}
	e.scan(t, "user01", grader.StatusPass, e.scanTime)
	e.scan(t, "user02", grader.StatusFail, e.scanTime)
	e.scanError(t, "user02", e.scanTime.Add(time.Minute))

	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Store: st, Judges: classJudge, Pool: pgtest.Pool(t), Scheduler: e.sched, Hub: e.hub, AdminPasswordHash: hash,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.clock.Now,
	}
	for _, f := range tweak {
		f(&opts)
	}
	server, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	srv := httptest.NewServer(server.Routes())
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.client = e.newClient()
	t.Cleanup(func() { e.checkLogs() })
	return e
}

func (e *testEnv) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// scan stores a scan of one student with every check at status.
func (e *testEnv) scan(t *testing.T, login string, status grader.Status, at time.Time) {
	t.Helper()
	var st grader.Student
	for _, s := range testRoster {
		if s.Login == login {
			st = s
		}
	}
	e.saveScan(t, scanOf(defaultJudge(t), st, status, at))
}

// scanOf is a scan of one student with every check of judge at status.
func scanOf(judge grader.Judge, st grader.Student, status grader.Status, at time.Time) *grader.ScanResult {
	rep := grader.Report{Student: st, MaxScore: judge.MaxScore()}
	for _, c := range judge.Checks() {
		r := grader.Result{Lab: c.Lab, CheckID: c.ID, Status: status, Required: c.Required, MaxPoints: c.Points, ObservedAt: at,
			Message: grader.Text{JA: "見た: " + c.ID, EN: "saw " + c.ID}, Evidence: []string{"evidence-" + c.ID}}
		if !c.Required {
			r.MaxPoints = 0
		}
		if status.Passed() {
			r.Points = r.MaxPoints
		} else {
			r.Hint = grader.Text{JA: "ヒント", EN: "hint"}
		}
		rep.Results = append(rep.Results, r)
		rep.Score += r.Points
	}
	return &grader.ScanResult{StartedAt: at.Add(-time.Second), FinishedAt: at, Reports: []grader.Report{rep}}
}

// saveScan stores res as a scan of the test class.
func (e *testEnv) saveScan(t *testing.T, res *grader.ScanResult) {
	t.Helper()
	if _, err := e.store.SaveScan(context.Background(), e.class.ID, store.TriggerCLI, res); err != nil {
		t.Fatal(err)
	}
}

// scanError stores a scan of one student that could not look.
func (e *testEnv) scanError(t *testing.T, login string, at time.Time) {
	t.Helper()
	var st grader.Student
	for _, s := range testRoster {
		if s.Login == login {
			st = s
		}
	}
	rep := defaultJudge(t).ErrorReport(st, grader.Text{JA: "アクセス拒否", EN: "AccessDenied"}, at, grader.Memory{})
	res := &grader.ScanResult{StartedAt: at.Add(-time.Second), FinishedAt: at, Reports: []grader.Report{rep}}
	if _, err := e.store.SaveScan(context.Background(), e.class.ID, store.TriggerCLI, res); err != nil {
		t.Fatal(err)
	}
}

// do sends a request; headers are name, value pairs.
func (e *testEnv) do(c *http.Client, method, path string, form url.Values, headers ...string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *testEnv) get(path string, headers ...string) (*http.Response, string) {
	e.t.Helper()
	return e.do(e.client, "GET", path, nil, headers...)
}

func (e *testEnv) signIn() {
	e.t.Helper()
	resp, body := e.do(e.client, "POST", "/login", url.Values{"password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in: %d\n%s", resp.StatusCode, body)
	}
}

// checkLogs fails the test when a secret reached the log.
func (e *testEnv) checkLogs() {
	logs := e.logs.String()
	secrets := []string{testPassword, string(testSecret)}
	for _, tok := range e.tokens {
		secrets = append(secrets, tok)
	}
	for _, s := range testRoster {
		secrets = append(secrets, s.ExternalID)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			e.t.Errorf("a secret (%.6s…) is in the log:\n%s", s, logs)
		}
	}
}

// readEvents reads server-sent events until one named last arrives.
func readEvents(t *testing.T, r *bufio.Reader, last string) map[string]string {
	t.Helper()
	events := map[string]string{}
	var name string
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v (events so far: %d)", err, len(events))
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data.WriteString(strings.TrimPrefix(line, "data: "))
		case line == "" && name != "":
			events[name] = data.String()
			if name == last {
				return events
			}
			name = ""
			data.Reset()
		}
	}
}

type flushRecorder struct{ strings.Builder }

func (f *flushRecorder) Header() http.Header { return http.Header{} }
func (f *flushRecorder) WriteHeader(int)     {}
func (f *flushRecorder) Flush()              {}

type rawHTML string

func (h rawHTML) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, string(h))
	return err
}
