package web

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/store"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

func TestProgressPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	checks := defaultJudge(t).Checks()
	resp, body := e.get(views.ProgressURL(e.class.Name, ""), "Accept-Language", "en")
	if resp.StatusCode != 200 {
		t.Fatalf("progress: %d\n%s", resp.StatusCode, body)
	}
	ck := i18n.CockpitFor(i18n.EN)
	if !strings.Contains(body, ck.PassedOverTime) || strings.Contains(body, ck.NoResults) {
		t.Error("the chart is not drawn")
	}
	if n := strings.Count(body, `class="series `); n != len(checks) {
		t.Errorf("%d lines, want one per check (%d)", n, len(checks))
	}
	// user01 passed every check: one of three students on each line.
	for _, c := range checks {
		if !strings.Contains(body, ">"+ck.ChartLabel(1, 3, c.Title.EN)+"<") {
			t.Errorf("no label %q", ck.ChartLabel(1, 3, c.Title.EN))
		}
	}
	if !strings.Contains(body, views.ProgressEventsURL(e.class.Name, "")) {
		t.Error("the page does not listen to its stream")
	}

	// A lab the class has not is said, and every lab is shown.
	_, body = e.get(views.ProgressURL(e.class.Name, "no-such-lab"), "Accept-Language", "en")
	if !strings.Contains(body, i18n.For(i18n.EN).UnknownLab("no-such-lab")) || strings.Count(body, `class="series `) != len(checks) {
		t.Error("?lab= of a lab the class has not")
	}

	// The grid links the page.
	_, body = e.get(views.ClassURL(e.class.Name, nil))
	if !strings.Contains(body, `href="`+views.ProgressURL(e.class.Name, "")+`"`) {
		t.Error("the grid does not link the progress page")
	}
}

// A class with no result says so instead of drawing nothing.
func TestProgressPageNoResults(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	ctx := context.Background()
	c, err := e.store.CreateClass(ctx, randomName("empty-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportRoster(ctx, c.ID, testRoster, false, testSecret); err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		resp, body := e.get(views.ProgressURL(c.Name, ""), "Accept-Language", lang.String())
		if resp.StatusCode != 200 || !strings.Contains(body, i18n.CockpitFor(lang).NoResults) || strings.Contains(body, `class="series`) {
			t.Errorf("%s: a class with no result: %d", lang, resp.StatusCode)
		}
	}
}

// The stream redraws on a change, and at most once per
// progressRedrawEvery however often results change.
func TestProgressEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	r, stop := e.stream(views.ProgressEventsURL(e.class.Name, ""))
	defer stop()
	e.send(HubEvent{StudentIDs: []int64{e.ids["user02"]}})
	first := readEvents(t, r, views.ProgressEvent)[views.ProgressEvent]
	if !strings.Contains(first, `id="`+views.ProgressEvent+`"`) || !strings.Contains(first, "<svg") {
		t.Fatalf("first redraw: %.300s", first)
	}
	drawn := time.Now()

	// user02 passes everything: the next redraw counts two of three, and
	// it waits for the pace.
	e.scan(t, "user02", grader.StatusPass, e.scanTime.Add(10*time.Minute))
	e.send(HubEvent{StudentIDs: []int64{e.ids["user02"]}})
	second := readEvents(t, r, views.ProgressEvent)[views.ProgressEvent]
	if gap := time.Since(drawn); gap < progressRedrawEvery-500*time.Millisecond {
		t.Errorf("two redraws %v apart, want at least %v", gap, progressRedrawEvery)
	}
	if want := ">" + i18n.CockpitFor(i18n.JA).ChartLabel(2, 3, defaultJudge(t).Checks()[0].Title.JA) + "<"; !strings.Contains(second, want) {
		t.Errorf("second redraw lacks %q", want)
	}
}

func TestGridBottleneck(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	first := defaultJudge(t).Checks()[0]
	ck := i18n.CockpitFor(i18n.EN)
	// user02 (failing) has made no progress for an hour: one of the two
	// who reached the first check; user03, never scanned, reached
	// nothing.
	for _, path := range []string{views.ClassURL(e.class.Name, nil), views.BottleneckURL(e.class.Name, "")} {
		_, body := e.get(path, "Accept-Language", "en")
		i := strings.Index(body, `id="bottleneck"`)
		if i < 0 {
			t.Fatalf("%s: no bottleneck banner", path)
		}
		banner := body[i:]
		banner = banner[:strings.Index(banner, "</section>")]
		for _, want := range []string{ck.Bottleneck(first.Title.EN), ck.BottleneckDetail(1, 2, 50, 10), "hint",
			`href="` + views.ClassURL(e.class.Name, views.GridQuery{Failing: first.ID, Sort: views.SortStuck}.Values()) + `"`} {
			if !strings.Contains(banner, strings.ReplaceAll(want, "&", "&amp;")) {
				t.Errorf("%s: the banner lacks %q:\n%s", path, want, banner)
			}
		}
		if strings.Contains(banner, ">"+first.ID) {
			t.Errorf("%s: the banner names the check by its id", path)
		}
	}
	_, fragment := e.get(views.BottleneckURL(e.class.Name, ""))
	if strings.Contains(fragment, "<html") {
		t.Error("the banner's own URL answers a whole page")
	}
	// Stricter settings: no bottleneck, the placeholder keeps asking.
	if _, err := e.store.SetClassSettings(context.Background(), e.class.ID, store.ClassSettings{BottleneckPercent: 70}); err != nil {
		t.Fatal(err)
	}
	_, body := e.get(views.ClassURL(e.class.Name, nil))
	if !strings.Contains(body, `<div id="bottleneck" hx-get="`+views.BottleneckURL(e.class.Name, "")+`"`) || strings.Contains(body, "alert bottleneck") {
		t.Error("a bottleneck shown under 70% stuck")
	}
}

// The bottleneck of constructed standings: a student reaches a check
// once every required check before it in its lab passed; optional checks
// do not hold them back.
func TestBottleneckReached(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	s := &Server{judges: classJudge}
	class := store.Class{Name: "c", Labs: defaultLabs, CreatedAt: t0, BottleneckPercent: 30, BottleneckMinutes: 10}
	checks := defaultJudge(t).Checks()
	// checks 0-2 are optional, 3 (the Aurora cluster) and after required.
	if checks[2].Required || !checks[3].Required || !checks[4].Required {
		t.Fatalf("the shipped lab changed: %s, %s, %s", checks[2].ID, checks[3].ID, checks[4].ID)
	}
	student := func(id int64, passedAt map[int]time.Duration) store.StudentSummary {
		var sum store.Summary
		for i, c := range checks {
			cs := store.CheckSummary{CheckID: c.ID, Status: grader.StatusFail}
			if d, ok := passedAt[i]; ok {
				cs.Status, cs.FirstPassedAt = grader.StatusPass, t0.Add(d)
			}
			sum.Checks = append(sum.Checks, cs)
		}
		slices.SortFunc(sum.Checks, func(a, b store.CheckSummary) int { return strings.Compare(a.CheckID, b.CheckID) })
		return store.StudentSummary{Student: store.Student{ID: id}, Summary: sum}
	}
	upTo := func(last int, at time.Duration) map[int]time.Duration {
		m := map[int]time.Duration{}
		for i := 0; i <= last; i++ {
			m[i] = at
		}
		return m
	}
	min := time.Minute
	students := []store.StudentSummary{
		student(1, upTo(3, 5*min)),  // reached 4 at 5 min: stuck on it
		student(2, upTo(3, 55*min)), // reached 4 at 55 min: not yet stuck
		student(3, upTo(2, 5*min)),  // stuck on 3 since the start
		student(4, upTo(4, 5*min)),  // stuck on 5
		student(5, upTo(4, 5*min)),  // stuck on 5
		// Never scanned: labgrid knows nothing of them, they reach nothing.
		{Student: store.Student{ID: 6}},
	}
	now := t0.Add(60 * min)
	find := func(c store.Class) (*views.Bottleneck, []int64) {
		t.Helper()
		cv, err := s.classViewOf(c)
		if err != nil {
			t.Fatal(err)
		}
		return cv.bottleneck(students, cv.standings(students), nil, now)
	}
	// Check 5: both who reached it are stuck; check 4: one of four (25%);
	// check 3: one of five (all reached it: 0-2 are optional).
	b, stuck := find(class)
	if b == nil || b.CheckID != checks[5].ID || b.Stuck != 2 || b.Reached != 2 || !slices.Equal(stuck, []int64{4, 5}) {
		t.Fatalf("bottleneck = %+v, stuck %v; want %s, 2 of 2, students 4 and 5", b, stuck, checks[5].ID)
	}
	if b.Title != checks[5].Title || b.Minutes != 10 {
		t.Errorf("bottleneck %+v", b)
	}
	// An hour: only student 3, on check 3, is stuck that long: 20%.
	class.BottleneckMinutes = 60
	if b, _ := find(class); b != nil {
		t.Errorf("at 30%% for an hour: %+v, want none", b)
	}
	class.BottleneckPercent = 20
	if b, _ := find(class); b == nil || b.CheckID != checks[3].ID || b.Stuck != 1 || b.Reached != 5 {
		t.Errorf("at 20%% for an hour: %+v, want %s, 1 of 5", b, checks[3].ID)
	}
	// The class's start is where a student with no pass starts waiting.
	class.StartedAt = t0.Add(30 * min)
	if b, _ := find(class); b != nil {
		t.Errorf("started 30 minutes ago, stuck for an hour: %+v", b)
	}
}
