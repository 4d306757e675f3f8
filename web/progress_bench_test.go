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
// /classes/{name}/progress (session check, the read of the class's
// history, rendering) for 200 students through the shipped lab's 17
// checks over a 6-hour day, 20,400 status changes (each check failing and
// passing three times). It reports the HTML size, plain and gzipped.
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
	// Check k is worked on around k×20 minutes in, each student at their
	// own pace; six changes each, fail and pass in turn. (Not vacuumed:
	// the read visits the table, as it does for a class that is running.)
	tag, err := tx.Exec(ctx, `
		INSERT INTO result_changes (student_id, check_id, from_status, to_status, at)
		SELECT s.id, c.id, CASE WHEN n % 2 = 0 THEN 'fail' ELSE 'pass' END, CASE WHEN n % 2 = 0 THEN 'pass' ELSE 'fail' END,
			$2::timestamptz + make_interval(secs => c.pos * 1200 + (s.id % 97) * 11 + n * 200)
		FROM students s, unnest($3::text[]) WITH ORDINALITY AS c(id, pos), generate_series(1, 6) AS n
		WHERE s.class_id = $1
		ORDER BY 5 -- stored as scans store them: in time order`, class.ID, start, checks)
	if err != nil {
		b.Fatal(err)
	}
	if tag.RowsAffected() < 20000 {
		b.Fatalf("%d status changes, want about 20,000", tag.RowsAffected())
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
