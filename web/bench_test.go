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
	"labgrid/grader/sim"
	"labgrid/internal/pgtest"
	"labgrid/store"
)

// BenchmarkGridHandler200 is the figure for the grid: the whole
// server side of GET /classes/{name} (session check, the database read of
// 200 students × 17 results, rendering) for a class half-way through the
// workshop. It reports the HTML size too, plain and gzipped (as a browser
// gets it).
func BenchmarkGridHandler200(b *testing.B) { benchmarkGridHandler(b, 200) }

// BenchmarkGridHandler1000 is the same for a thousand students.
func BenchmarkGridHandler1000(b *testing.B) { benchmarkGridHandler(b, 1000) }

func benchmarkGridHandler(b *testing.B, students int) {
	ctx := context.Background()
	st := store.New(pgtest.Tx(b))
	class, err := st.CreateClass(ctx, randomName("bench-"), "", defaultLabs)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-30 * time.Minute)
	demo := sim.New(sim.Options{Students: students, Accounts: max(students/20, 1), Start: start, Seed: 3})
	if _, err := st.ImportRoster(ctx, class.ID, demo.Roster(), false, testSecret); err != nil {
		b.Fatal(err)
	}
	scanner := &grader.Scanner{Source: demo, Judge: defaultJudge(b), Concurrency: 4}
	if _, err := st.SaveScan(ctx, class.ID, store.TriggerCLI, scanner.Scan(ctx, demo.Roster(), nil)); err != nil {
		b.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	server, err := New(Options{Store: st, Judges: classJudge, Pool: pgtest.Pool(b), Scheduler: &fakeScheduler{}, Hub: &fakeHub{ch: make(chan HubEvent)}, AdminPasswordHash: hash})
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

	var size int
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/classes/"+class.Name, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("grid: %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "html-bytes")

	// Once more as a browser asks for it: the bytes on the wire.
	req := httptest.NewRequest("GET", "/classes/"+class.Name, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	routes.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		b.Fatalf("grid gzipped: %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	b.ReportMetric(float64(rec.Body.Len()), "gzip-bytes")
}
