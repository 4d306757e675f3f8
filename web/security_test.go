package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"labgrid/internal/pgtest"
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
