package web

import (
	"bufio"
	"context"
	"net/http"
	"net/http/cookiejar"
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
	"labgrid/web/views"
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

// BenchmarkFanout is the fan-out figure: 1,000 students' pages
// and 10 grids of one class open, each on its own connection, and a
// change announced to the hub (as its listener does). An op lasts until
// every grid has its rows and summary and every student named has their
// checklist. "One" names one student (what the fan-out itself costs),
// "All" the whole class (a scan of everyone: each student page reads its
// own results). It reports the class reads per event: one, however many
// grids.
func BenchmarkFanout(b *testing.B) {
	const students, grids = 1000, 10
	ctx := context.Background()
	pool := pgtest.NewPool(b, pgtest.NewDatabase(b, true))
	st := store.New(pool)
	class, err := st.CreateClass(ctx, randomName("fanout-"), "", defaultLabs)
	if err != nil {
		b.Fatal(err)
	}
	demo := sim.New(sim.Options{Students: students, Accounts: students / 20, Start: time.Now().Add(-30 * time.Minute), Seed: 3})
	if _, err := st.ImportRoster(ctx, class.ID, demo.Roster(), false, testSecret); err != nil {
		b.Fatal(err)
	}
	scanner := &grader.Scanner{Source: demo, Judge: defaultJudge(b), Concurrency: 4}
	if _, err := st.SaveScan(ctx, class.ID, store.TriggerCLI, scanner.Scan(ctx, demo.Roster(), nil)); err != nil {
		b.Fatal(err)
	}
	links, err := st.StudentLinks(ctx, class.ID, testSecret)
	if err != nil {
		b.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	hub := NewHub(nil)
	reads := &countingSummaries{Store: st}
	server, err := New(Options{Store: st, Judges: classJudge, Pool: pool, Scheduler: &fakeScheduler{}, Hub: hub, AdminPasswordHash: hash, summaries: reads})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(server.Close)
	srv := httptest.NewServer(server.Routes())
	b.Cleanup(srv.Close)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: students + grids}}
	resp, err := client.PostForm(srv.URL+"/login", url.Values{"password": {testPassword}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()

	// Each stream signals each batch it reads: a grid's ends with the
	// summary, a student's is the checklist.
	streamCtx, cancel := context.WithCancel(ctx)
	b.Cleanup(cancel)
	gridDone := make(chan struct{}, grids)
	studentDone := make(chan struct{}, students)
	open := func(path, last string, done chan<- struct{}) {
		req, _ := http.NewRequestWithContext(streamCtx, "GET", srv.URL+path, nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", logPath(path), resp.StatusCode)
		}
		go func() {
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			for {
				if _, err := readEventsErr(r, last); err != "" {
					return
				}
				done <- struct{}{}
			}
		}()
	}
	for range grids {
		open(views.ClassEventsURL(class.Name), views.SummaryEvent, gridDone)
	}
	ids := make([]int64, len(links))
	for i, l := range links {
		ids[i] = l.StudentID
		open(views.SelfEventsURL(l.Token), views.ChecklistEvent, studentDone)
	}
	for hub.Subscribers() != students+grids {
		time.Sleep(10 * time.Millisecond)
	}

	for _, bc := range []struct {
		name string
		ids  []int64
	}{{"One", ids[:1]}, {"All", ids}} {
		b.Run(bc.name, func(b *testing.B) {
			before := reads.reads.Load()
			events := 0
			for b.Loop() {
				events++
				hub.publish(store.Notification{ClassID: class.ID, StudentIDs: bc.ids})
				for range grids {
					<-gridDone
				}
				for range bc.ids {
					<-studentDone
				}
			}
			b.ReportMetric(float64(reads.reads.Load()-before)/float64(events), "class-reads/event")
		})
	}
}
