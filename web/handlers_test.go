package web

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/internal/pgtest"
	"labgrid/store"
	"labgrid/web/views"
)

// Every instructor route needs the session: a browser's GET goes to the
// sign-in page and back, anything else gets 401; signed in, each answers.
func TestAuthorizationEveryRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := views.ClassURL(e.class.Name, nil)
	student := views.StudentURL(e.class.Name, "user01")
	routes := []struct {
		method, path string
		headers      []string
		anon         int // without a session
		signed       int // with one
	}{
		{"GET", "/", nil, http.StatusSeeOther, http.StatusSeeOther},
		{"GET", class, nil, http.StatusSeeOther, http.StatusOK},
		{"GET", class + "?sort=progress&failing=aurora.replica", nil, http.StatusSeeOther, http.StatusOK},
		{"GET", class, []string{"HX-Request", "true"}, http.StatusUnauthorized, http.StatusOK},
		{"GET", class + "/events", []string{"Accept", "text/event-stream"}, http.StatusUnauthorized, http.StatusOK},
		{"GET", student, nil, http.StatusSeeOther, http.StatusOK},
		{"POST", class + "/rescan", nil, http.StatusUnauthorized, http.StatusSeeOther},
		{"POST", class + "/rescan", []string{"HX-Request", "true"}, http.StatusUnauthorized, http.StatusAccepted},
		{"POST", student + "/rescan", nil, http.StatusUnauthorized, http.StatusSeeOther},
		{"GET", class + "/export.csv", nil, http.StatusSeeOther, http.StatusOK},
		{"GET", class + "/progress?lab=step-3", nil, http.StatusSeeOther, http.StatusOK},
		{"GET", class + "/progress/events", []string{"Accept", "text/event-stream"}, http.StatusUnauthorized, http.StatusOK},
		{"GET", class + "/bottleneck", []string{"HX-Request", "true"}, http.StatusUnauthorized, http.StatusOK},
		{"GET", class + "/report", nil, http.StatusSeeOther, http.StatusOK},
		{"GET", class + "/report?lang=en", nil, http.StatusSeeOther, http.StatusOK},
		{"GET", "/classes/no-such-class/report", nil, http.StatusSeeOther, http.StatusNotFound},
		{"GET", "/classes/no-such-class/progress", nil, http.StatusSeeOther, http.StatusNotFound},
		{"GET", class + "/export.csv?excel=1&format=lms", nil, http.StatusSeeOther, http.StatusOK},
		{"GET", "/classes/no-such-class", nil, http.StatusSeeOther, http.StatusNotFound},
		{"GET", views.StudentURL(e.class.Name, "nobody"), nil, http.StatusSeeOther, http.StatusNotFound},
	}
	check := func(signed bool) {
		for _, rt := range routes {
			want := rt.anon
			if signed {
				want = rt.signed
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req, _ := http.NewRequestWithContext(ctx, rt.method, e.url+rt.path, nil)
			for i := 0; i+1 < len(rt.headers); i += 2 {
				req.Header.Set(rt.headers[i], rt.headers[i+1])
			}
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close() // ends an event stream
			cancel()
			if resp.StatusCode != want {
				t.Errorf("signed in %v: %s %s %v: %d, want %d", signed, rt.method, rt.path, rt.headers, resp.StatusCode, want)
			}
			if !signed && want == http.StatusSeeOther {
				loc := resp.Header.Get("Location")
				if !strings.HasPrefix(loc, "/login") {
					t.Errorf("%s %s: redirect to %q, want the sign-in page", rt.method, rt.path, loc)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "base-uri 'self'") {
				t.Errorf("%s %s: CSP %q", rt.method, rt.path, csp)
			}
		}
	}
	check(false)
	if len(e.sched.rescans)+len(e.sched.checks) != 0 {
		t.Fatalf("scans asked for without a session: %v %v", e.sched.rescans, e.sched.checks)
	}
	e.signIn()
	check(true)
	if len(e.sched.rescans) != 2 || len(e.sched.checks) != 1 || e.sched.checks[0] != "user01" {
		t.Errorf("scans asked for: class %v, students %v", e.sched.rescans, e.sched.checks)
	}
	// The way back after signing in.
	resp, _ := e.do(e.newClient(), "GET", class+"?sort=stuck", nil)
	if loc := resp.Header.Get("Location"); loc != "/login?next="+url.QueryEscape(class+"?sort=stuck") {
		t.Errorf("redirect to %q", loc)
	}
}

// A state-changing request from another site is refused, session or not.
func TestCrossOriginRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	for _, path := range []string{views.ClassRescanURL(e.class.Name), "/login", "/logout", views.SelfCheckURL(e.tokens["user01"])} {
		resp, _ := e.do(e.client, "POST", path, url.Values{"password": {testPassword}}, "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", logPath(path), resp.StatusCode)
		}
		resp, _ = e.do(e.client, "POST", path, nil, "Origin", "https://evil.example")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s from another origin: %d, want 403", logPath(path), resp.StatusCode)
		}
	}
	if len(e.sched.rescans)+len(e.sched.checks) != 0 {
		t.Errorf("a refused request scanned: %v %v", e.sched.rescans, e.sched.checks)
	}
	// Same origin passes.
	resp, _ := e.do(e.client, "POST", views.ClassRescanURL(e.class.Name), nil, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST: %d", resp.StatusCode)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	resp, body := e.get("/login?next=/classes/x&lang=en")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="next" value="/classes/x"`) || !strings.Contains(body, "Sign in") {
		t.Errorf("GET /login: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.do(e.client, "POST", "/login", url.Values{"password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `id="login-error"`) {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = e.do(e.client, "POST", "/login", url.Values{"password": {testPassword}, "next": {"/classes/" + e.class.Name + "?sort=stuck"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/classes/"+e.class.Name+"?sort=stuck" {
		t.Errorf("sign in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "labgrid_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie: %+v", cookie)
	}
	if resp, _ := e.get(views.ClassURL(e.class.Name, nil)); resp.StatusCode != 200 {
		t.Errorf("grid after sign-in: %d", resp.StatusCode)
	}
	resp, _ = e.do(e.client, "POST", "/logout", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := e.get(views.ClassURL(e.class.Name, nil)); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("grid after sign-out: %d", resp.StatusCode)
	}
}

// Served over HTTPS (serve's --base-url https://…), the session cookie
// never travels in clear.
func TestLoginSecureCookie(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *Options) { o.Secure = true })
	resp, _ := e.do(e.client, "POST", "/login", url.Values{"password": {testPassword}})
	var secure bool
	for _, c := range resp.Cookies() {
		if c.Name == "labgrid_session" {
			secure = c.Secure
		}
	}
	if resp.StatusCode != http.StatusSeeOther || !secure {
		t.Errorf("sign in: %d, Secure cookie %v", resp.StatusCode, secure)
	}
}

// Only local paths are followed after signing in.
func TestLoginNextOpenRedirect(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`, "/\t/evil.example", "javascript:alert(1)", "evil.example", "/login"} {
		resp, _ := e.do(e.newClient(), "POST", "/login", url.Values{"password": {testPassword}, "next": {next}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("next=%q: %d to %q, want /", next, resp.StatusCode, loc)
		}
		e.clock.Advance(time.Minute) // past the rate limit
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/"} {
		_, body := e.do(e.newClient(), "GET", "/login?next="+url.QueryEscape(next), nil)
		if strings.Contains(body, `name="next"`) {
			t.Errorf("GET /login?next=%q keeps it in the form", next)
		}
	}
}

func TestGrid(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	class := views.ClassURL(e.class.Name, nil)
	_, body := e.get(class, "Accept-Language", "en")
	for _, login := range []string{"user01", "user02", "user03"} {
		if n := strings.Count(body, `id="student-`+strconv.FormatInt(e.ids[login], 10)+`"`); n != 1 {
			t.Errorf("row of %s: %d times", login, n)
		}
	}
	if !strings.Contains(body, "山田 太郎") || !strings.Contains(body, `<base href="/classes/`+e.class.Name+`/students/">`) {
		t.Error("grid lacks a name or its <base>")
	}
	row := func(body, login string) string {
		i := strings.Index(body, `id="student-`+strconv.FormatInt(e.ids[login], 10)+`"`)
		if i < 0 {
			return ""
		}
		j := strings.Index(body[i:], "</tr>")
		return body[i : i+j]
	}
	if r := row(body, "user01"); strings.Contains(r, `class="fail`) || !strings.Contains(r, `class="pass`) {
		t.Errorf("user01's row is not all passed:\n%s", r)
	}
	if r := row(body, "user02"); !strings.Contains(r, `class="flag"`) || !strings.Contains(r, " err") {
		t.Errorf("user02's row lacks its error marker:\n%s", r)
	}
	if r := row(body, "user03"); !strings.Contains(r, `class="pending`) {
		t.Errorf("user03's row is not pending:\n%s", r)
	}
	order := func(body string, logins ...string) bool {
		last := -1
		for _, l := range logins {
			i := strings.Index(body, `id="student-`+strconv.FormatInt(e.ids[l], 10)+`"`)
			if i < last {
				return false
			}
			last = i
		}
		return true
	}
	if !order(body, "user01", "user02", "user03") {
		t.Error("default order is not by login")
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"sort=progress", []string{"user02", "user03", "user01"}},
		{"failing=aurora.replica", []string{"user02", "user03"}},
		{"error=1", []string{"user02"}},
		{"stuck=30", []string{"user02", "user03"}},
		{"stuck=90", nil},
		// The search, by login or display name, alone or with the others.
		{"q=user0", []string{"user01", "user02", "user03"}},
		{"q=USER02", []string{"user02"}},
		{"q=%E5%B1%B1%E7%94%B0%E5%A4%AA%E9%83%8E", []string{"user01"}}, // 山田太郎 finds "山田 太郎"
		{"q=smith", []string{"user02"}},
		{"q=user0&failing=aurora.replica&sort=progress", []string{"user02", "user03"}},
		{"q=nobody", nil},
	} {
		_, body := e.get(class + "?" + tc.query)
		n := strings.Count(body, `<tr id="student-`)
		if n != len(tc.want) || !order(body, tc.want...) {
			t.Errorf("?%s: %d rows, want %v", tc.query, n, tc.want)
		}
		for _, l := range tc.want {
			if row(body, l) == "" {
				t.Errorf("?%s: no row for %s", tc.query, l)
			}
		}
		// The summary counts the whole class whatever the filter.
		if !strings.Contains(body, `id="summary"`) {
			t.Errorf("?%s: no summary", tc.query)
		}
	}
}

func TestStudentDetail(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	_, body := e.get(views.StudentURL(e.class.Name, "USER02"), "Accept-Language", "en")
	for _, want := range []string{"jo@example.com", "222222222222", "evidence-aurora.replica", "saw aurora.replica", "AccessDenied", `class="timeline"`} {
		if !strings.Contains(body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if strings.Contains(body, "ext-secret") {
		t.Error("detail shows the external id")
	}
	if strings.Count(body, "<tr>")-1 < 10 {
		t.Errorf("timeline has %d rows", strings.Count(body, "<tr>")-1)
	}
}

func TestSelfCheck(t *testing.T) {
	t.Parallel()
	e := setup(t)
	resp, body := e.get(views.SelfURL(e.tokens["user02"]), "Accept-Language", "en")
	if resp.StatusCode != 200 {
		t.Fatalf("self-check: %d", resp.StatusCode)
	}
	if !strings.Contains(body, "user02") || !strings.Contains(body, "hint") || !strings.Contains(body, "saw aurora.replica") {
		t.Error("self-check lacks the student's own results")
	}
	for _, other := range []string{"user01", "user03", "山田", "jo@example.com", "222222222222", "evidence-", "ext-secret", e.tokens["user01"]} {
		if strings.Contains(body, other) {
			t.Errorf("self-check of user02 shows %q", other)
		}
	}
	_, body = e.get(views.SelfURL(e.tokens["user01"]))
	if !strings.Contains(body, "user01") || strings.Contains(body, "user02") || !strings.Contains(body, `lang="ja"`) {
		t.Error("user01's token does not show user01's page in Japanese")
	}
	// The toggle sticks.
	resp, _ = e.get(views.SelfURL(e.tokens["user01"]) + "?lang=en")
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "lang=en") {
		t.Errorf("?lang=en sets no cookie: %q", c)
	}
	_, body = e.get(views.SelfURL(e.tokens["user01"]))
	if !strings.Contains(body, `<html lang="en"`) {
		t.Error("the language cookie is not followed")
	}
	tok := e.tokens["user01"]
	for _, bad := range []string{"x", tok[:42] + "A", strings.Repeat("A", 43), tok + "A", tok[:20]} {
		if bad == tok {
			continue
		}
		for _, path := range []string{views.SelfURL(bad), views.SelfEventsURL(bad)} {
			if resp, _ := e.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", logPath(path), resp.StatusCode)
			}
		}
		if resp, _ := e.do(e.client, "POST", views.SelfCheckURL(bad), nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST check with a bad token: %d", resp.StatusCode)
		}
	}
	if len(e.sched.checks) != 0 {
		t.Errorf("a bad token asked for a scan: %v", e.sched.checks)
	}
}

// "Check now": once per 15 s per student, the seconds left on the button.
func TestCheckNowRateLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := views.SelfCheckURL(e.tokens["user01"])
	resp, body := e.do(e.client, "POST", path, nil, "HX-Request", "true")
	if resp.StatusCode != 200 || !strings.Contains(body, `class="queued"`) || !strings.Contains(body, `data-wait="15"`) {
		t.Fatalf("first press: %d\n%s", resp.StatusCode, body)
	}
	e.clock.Advance(5 * time.Second)
	resp, body = e.do(e.client, "POST", path, nil, "HX-Request", "true")
	if resp.StatusCode != 200 || strings.Contains(body, `class="queued"`) || !strings.Contains(body, `data-wait="10"`) || resp.Header.Get("Retry-After") != "10" {
		t.Errorf("second press 5 s later: %d %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	_, page := e.get(views.SelfURL(e.tokens["user01"]))
	if !strings.Contains(page, `data-wait="10"`) {
		t.Error("the page does not show the wait")
	}
	// Another student is not held back.
	if resp, _ := e.do(e.client, "POST", views.SelfCheckURL(e.tokens["user02"]), nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("user02's press (no htmx): %d, want 303", resp.StatusCode)
	}
	e.clock.Advance(10 * time.Second)
	if _, body := e.do(e.client, "POST", path, nil, "HX-Request", "true"); !strings.Contains(body, `class="queued"`) {
		t.Error("no check after 15 s")
	}
	if got := strings.Join(e.sched.checks, ","); got != "user01,user02,user01" {
		t.Errorf("checks asked for: %s", got)
	}
}

// stream opens an event stream and waits until it subscribed.
func (e *testEnv) stream(path string, headers ...string) (*bufio.Reader, func()) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("%s: %d %s", logPath(path), resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	select {
	case id := <-e.hub.subscribed:
		if id != e.class.ID {
			e.t.Fatalf("subscribed to class %d, want %d", id, e.class.ID)
		}
	case <-time.After(5 * time.Second):
		e.t.Fatal("the stream did not subscribe")
	}
	return bufio.NewReader(resp.Body), func() { cancel(); resp.Body.Close() }
}

func (e *testEnv) send(ev HubEvent) {
	select {
	case e.hub.ch <- ev:
	case <-time.After(5 * time.Second):
		e.t.Fatal("the stream does not read the hub")
	}
}

func TestClassEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	r, stop := e.stream(views.ClassEventsURL(e.class.Name))
	defer stop()
	ev1 := views.StudentEvent(e.ids["user01"])

	e.send(HubEvent{StudentIDs: []int64{e.ids["user01"], 999999}})
	events := readEvents(t, r, views.SummaryEvent)
	if len(events) != 2 || !strings.Contains(events[ev1], `class="fresh"`) || !strings.Contains(events[ev1], `id="`+ev1+`"`) {
		t.Errorf("one change: events %v", keys(events))
	}
	if !strings.Contains(events[views.SummaryEvent], `id="summary"`) {
		t.Error("no summary row")
	}
	if n := len(events[ev1]); n > 4096 {
		t.Errorf("one row is %d bytes, over 4 KB", n)
	}
	e.send(HubEvent{Resync: true})
	if events := readEvents(t, r, views.SummaryEvent); len(events) != 5 || events[views.HelpQueueEvent] == "" {
		t.Errorf("resync: events %v, want every row, the help queue and the summary", keys(events))
	}
	stop()

	// A reconnection (Last-Event-ID) catches up at once.
	r, stop2 := e.stream(views.ClassEventsURL(e.class.Name), "Last-Event-ID", "42")
	defer stop2()
	if events := readEvents(t, r, views.SummaryEvent); len(events) != 5 || events[views.HelpQueueEvent] == "" {
		t.Errorf("reconnect: events %v, want every row, the help queue and the summary", keys(events))
	}
}

// The grid's stream with a search sends the rows of the students it
// finds only: a resync of the class is user02's row and the summary.
func TestClassEventsSearch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	r, stop := e.stream(views.ClassEventsURL(e.class.Name) + "?q=smith")
	defer stop()
	e.send(HubEvent{Resync: true})
	events := readEvents(t, r, views.SummaryEvent)
	if _, ok := events[views.StudentEvent(e.ids["user02"])]; !ok || len(events) != 3 || events[views.HelpQueueEvent] == "" {
		t.Errorf("resync with ?q=smith: events %v, want user02's row, the help queue and the summary", keys(events))
	}
	e.send(HubEvent{StudentIDs: []int64{e.ids["user01"]}})
	if events := readEvents(t, r, views.SummaryEvent); len(events) != 1 {
		t.Errorf("a change of user01 with ?q=smith: events %v, want the summary only", keys(events))
	}
}

func TestSelfEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r, stop := e.stream(views.SelfEventsURL(e.tokens["user02"]))
	defer stop()
	e.send(HubEvent{StudentIDs: []int64{e.ids["user01"]}}) // someone else: nothing
	e.send(HubEvent{StudentIDs: []int64{e.ids["user02"]}})
	events := readEvents(t, r, views.ChecklistEvent)
	if len(events) != 1 || !strings.Contains(events[views.ChecklistEvent], `id="checklist"`) {
		t.Errorf("events %v", keys(events))
	}
	if body := events[views.ChecklistEvent]; strings.Contains(body, "evidence-") || strings.Contains(body, "user01") {
		t.Error("the checklist event shows what it must not")
	}
}

func TestDataFraming(t *testing.T) {
	t.Parallel()
	w := &flushRecorder{}
	es := &eventStream{w: w, rc: http.NewResponseController(w)}
	if err := es.event(context.Background(), "x", rawHTML("a\nb\r\nc")); err != nil {
		t.Fatal(err)
	}
	es.flush()
	if got := w.String(); !strings.HasSuffix(got, "data: a\ndata: b\ndata: c\n\n") || !strings.HasPrefix(got, "event: x\nid: ") {
		t.Errorf("framing: %q", got)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// GET / is the only class's grid, the list of classes, or with none, how
// to make one; without a session, the sign-in page.
func TestHome(t *testing.T) {
	t.Parallel()
	anon := func(e *testEnv) {
		t.Helper()
		resp, _ := e.get("/")
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("GET / without a session: %d to %q, want 303 to the sign-in page", resp.StatusCode, loc)
		}
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		// A store of its own, with no class at all.
		e := setup(t, func(o *Options) { o.Store = store.New(pgtest.Tx(t)) })
		anon(e)
		e.signIn()
		for lang, want := range map[string][]string{
			"ja": {"まだクラスがありません", "labgrid class create クラス名", "labgrid roster import --class クラス名 名簿.csv"},
			"en": {"There is no class yet", "labgrid class create NAME", "labgrid roster import --class NAME roster.csv"},
		} {
			resp, body := e.get("/?lang=" + lang)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET / (%s): %d\n%s", lang, resp.StatusCode, body)
			}
			for _, s := range want {
				if !strings.Contains(body, s) {
					t.Errorf("GET / (%s): no %q in\n%s", lang, s, body)
				}
			}
			if strings.Contains(body, "<table") {
				t.Errorf("GET / (%s): a table with no class", lang)
			}
		}
	})
	t.Run("one", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		anon(e)
		e.signIn()
		resp, _ := e.get("/")
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != views.ClassURL(e.class.Name, nil) {
			t.Errorf("GET / with one class: %d to %q, want 303 to its grid", resp.StatusCode, loc)
		}
	})
	t.Run("two", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		other, err := e.store.CreateClass(context.Background(), randomName("zz-"), "", defaultLabs)
		if err != nil {
			t.Fatal(err)
		}
		anon(e)
		e.signIn()
		resp, body := e.get("/?lang=en")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / with two classes: %d\n%s", resp.StatusCode, body)
		}
		first := strings.Index(body, `<a href="`+views.ClassURL(e.class.Name, nil)+`">`+e.class.Name+`</a>`)
		second := strings.Index(body, `<a href="`+views.ClassURL(other.Name, nil)+`">`+other.Name+`</a>`)
		if first < 0 || second < first {
			t.Errorf("the classes should be linked, by name: %d %d\n%s", first, second, body)
		}
		for _, s := range []string{"<h1>Classes</h1>", "2 classes", `<td class="when">3</td>`, `<td class="when">0</td>`, `<span class="never">never</span>`} {
			if !strings.Contains(body, s) {
				t.Errorf("GET /: no %q in\n%s", s, body)
			}
		}
		if n := strings.Count(body, `<time class="ago"`); n != 1 {
			t.Errorf("GET /: %d last scan times, want 1 (the other class was never scanned)", n)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
		}
	})
}
