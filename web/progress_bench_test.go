package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/store"
)

// BenchmarkProgressHandler200 is the figure for the progress
// page (issue 13: under 50 ms and 60 KB): the whole server side of GET
// /classes/{name}/progress (session check, the read of the class's first
// passes, rendering) for 200 students who all passed the shipped lab's 17
// checks over a 6-hour day. It reports the HTML size, plain and gzipped.
func BenchmarkProgressHandler200(b *testing.B) {
	ctx := context.Background()
	tx := pgtest.Tx(b)
	st := store.New(tx)
	class, err := st.CreateClass(ctx, randomName("bench-progress-"), "", defaultLabs)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if class, err = st.SetClassSettings(ctx, class.ID, store.ClassSettings{StartedAt: &start}); err != nil {
		b.Fatal(err)
	}
	roster := make([]grader.Student, 200)
	for i := range roster {
		roster[i] = grader.Student{Login: "user" + string(rune('a'+i/26)) + string(rune('a'+i%26)), AccountID: "123456789012"}
	}
	if _, err := st.ImportRoster(ctx, class.ID, roster, false, testSecret); err != nil {
		b.Fatal(err)
	}
	var checks []string
	for _, c := range defaultJudge(b).Checks() {
		checks = append(checks, c.ID)
	}
	// Check k is passed around k×20 minutes in, each student at their own
	// pace; the summaries are built from the results, as the migration
	// that brought them did.
	tag, err := tx.Exec(ctx, `
		INSERT INTO results (student_id, check_id, status, points, max_points, required, observed_at, first_passed_at, changed_at)
		SELECT s.id, c.id, 'pass', 5, 5, true, x.at, x.at, x.at
		FROM students s, unnest($3::text[]) WITH ORDINALITY AS c(id, pos),
			LATERAL (SELECT $2::timestamptz + make_interval(secs => c.pos * 1200 + (s.id % 97) * 11)) AS x(at)
		WHERE s.class_id = $1`, class.ID, start, checks)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT build_result_index(array(SELECT id FROM students WHERE class_id = $1))", class.ID); err != nil {
		b.Fatal(err)
	}
	if tag.RowsAffected() != int64(200*len(checks)) {
		b.Fatalf("%d passes, want %d", tag.RowsAffected(), 200*len(checks))
	}
	if p, err := st.ClassProgress(ctx, class.ID, start, checks); err != nil || len(p.Checks[len(checks)-1].PassedAt) != 200 {
		b.Fatalf("progress read back: %v, %+v", err, p)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	server, err := New(Options{Store: st, Judges: classJudge, Pool: pgtest.Pool(b), Scheduler: &fakeScheduler{}, Hub: &fakeHub{ch: make(chan HubEvent)},
		AdminPasswordHash: hash, Now: func() time.Time { return start.Add(6 * time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(server.Close)
	routes := server.Routes()
	login := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"password": {testPassword}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	routes.ServeHTTP(rec, login)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) == 0 {
		b.Fatalf("sign in: %d", rec.Code)
	}
	get := func(gzip bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/classes/"+class.Name+"/progress", nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("progress: %d", rec.Code)
		}
		return rec
	}
	if body := get(false).Body.String(); strings.Count(body, `class="series `) != len(checks) {
		b.Fatal("the chart does not have a line per check")
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		size = get(false).Body.Len()
	}
	b.ReportMetric(float64(size), "html-bytes")
	b.ReportMetric(float64(get(true).Body.Len()), "gzip-bytes")
}
