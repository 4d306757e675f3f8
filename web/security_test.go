package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"labgrid/internal/pgtest"
	"labgrid/metrics"
)

// Served at an https base URL, every answer tells the browser to keep to
// HTTPS; at an http one, none does (it would break the site).
func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *Options) { o.BaseURL = "https://labgrid.example.com"; o.Secure = true })
	for _, path := range []string{"/login", "/healthz", "/no-such-page", "/"} {
		resp, _ := e.get(path)
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("https: GET %s: Strict-Transport-Security %q", path, got)
		}
	}
	e = setup(t, func(o *Options) { o.BaseURL = "http://127.0.0.1:8080" })
	if resp, _ := e.get("/login"); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("http: Strict-Transport-Security %q", resp.Header.Get("Strict-Transport-Security"))
	}
}

// Whatever /login answers (the form, a redirect once signed in, the way
// back after signing in with its new cookie, a refusal) is never cached.
func TestLoginNoStore(t *testing.T) {
	t.Parallel()
	e := setup(t)
	check := func(what string, resp *http.Response) {
		t.Helper()
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: %d, Cache-Control %q, want no-store", what, resp.StatusCode, got)
		}
	}
	resp, _ := e.get("/login")
	check("GET /login", resp)
	resp, _ = e.do(e.client, "POST", "/login", url.Values{"password": {"wrong"}})
	check("wrong password", resp)
	resp, _ = e.do(e.client, "POST", "/login", url.Values{"password": {testPassword}})
	check("signing in", resp)
	resp, _ = e.get("/login?next=/classes/x")
	check("GET /login signed in", resp)
}

// The sessions table keeps a hash of each session's token, never the
// token: reading the database yields no live session.
func TestSessionTokenHashed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	u, _ := url.Parse(e.url)
	var token string
	for _, c := range e.client.Jar.Cookies(u) {
		if c.Name == "labgrid_session" {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie")
	}
	ctx := context.Background()
	var n int
	if err := pgtest.Pool(t).QueryRow(ctx, "SELECT count(*) FROM sessions WHERE token = $1 OR strpos(token, $1) > 0", token).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the session's token is in the sessions table")
	}
	if err := pgtest.Pool(t).QueryRow(ctx, "SELECT count(*) FROM sessions WHERE token = $1", sessionKeyOf(token)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d rows under the token's hash, want 1", n)
	}
	// The session still works, and signing out removes its row.
	if resp, _ := e.get("/classes/" + e.class.Name); resp.StatusCode != http.StatusOK {
		t.Errorf("signed in: grid %d", resp.StatusCode)
	}
	e.do(e.client, "POST", "/logout", nil)
	if err := pgtest.Pool(t).QueryRow(ctx, "SELECT count(*) FROM sessions WHERE token = $1", sessionKeyOf(token)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("signed out: %d rows left", n)
	}
}

// A student's token never reaches the log or the metrics, however the
// path that carries it is mangled.
func TestTokenRedactedFromLogs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var logs syncBuffer
	m := metrics.New()
	s, err := New(Options{
		Store: e.store, Judges: classJudge, Scheduler: e.sched, Hub: e.hub, Metrics: m, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.Routes()
	token := e.tokens["user01"]
	paths := []string{
		"/s/" + token, "/s/" + token + "/check", "//s/" + token, "/s//" + token, "/S/" + token,
		"/static/../s/" + token, "/s/" + token + "x", "/" + token, "/classes/" + token,
		"/s/" + token[:20] + "/" + token[20:], "/s/" + token + ".png", "/x/" + token + "/y",
	}
	for _, p := range paths {
		for _, method := range []string{"GET", "POST"} {
			req := httptest.NewRequest(method, p, nil)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	// A cross-origin refusal logs the path too.
	req := httptest.NewRequest("POST", "//s/"+token+"/check", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	h.ServeHTTP(httptest.NewRecorder(), req)

	// No metric is labelled by path today, so the metrics half guards a
	// label added later; it at least reads a real scrape, not a 404 page.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "# TYPE ") {
		t.Fatalf("GET /metrics = %d, not a scrape:\n%s", rec.Code, rec.Body.String())
	}
	for what, text := range map[string]string{"log": logs.String(), "metrics": rec.Body.String()} {
		for _, part := range []string{token, token[:20], token[20:]} {
			if strings.Contains(text, part) {
				t.Errorf("the token (%.6s…) is in the %s:\n%s", part, what, text)
			}
		}
	}
	if n := strings.Count(logs.String(), "msg=http "); n < 2*len(paths) {
		t.Errorf("%d request lines logged, want %d:\n%s", n, 2*len(paths), logs.String())
	}
	// What is not a token stays readable.
	for p, want := range map[string]string{
		"/classes/aws-handson-2024-spring-section-a/export.csv": "/classes/aws-handson-2024-spring-section-a/export.csv",
		"/static/app.3f2a9c1b.css":                              "/static/app.3f2a9c1b.css",
		"/S/" + token + "/check":                                "/S/…/check",
		"/s/short":                                              "/s/…",
	} {
		if got := logPath(p); got != want {
			t.Errorf("logPath(%q) = %q, want %q", p, got, want)
		}
	}
}
