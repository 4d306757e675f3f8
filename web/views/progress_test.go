package views

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"labgrid/grader"
	"labgrid/web/i18n"
)

var progressStart = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// sampleProgress is a class of n students over a day of hours: each
// student passes the checks of the sample labs in order, some never
// get to the end.
func sampleProgress(lang i18n.Lang, n int, hours float64) ProgressChart {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	checks := sampleSet(false).Checks()
	c := ProgressChart{Lang: lang, Start: progressStart, Now: progressStart.Add(time.Duration(hours * float64(time.Hour))), Students: n}
	c.Checks = make([]ProgressCheck, len(checks))
	for i, ch := range checks {
		c.Checks[i] = ProgressCheck{ID: ch.ID, Title: ch.Title}
	}
	per := time.Duration(hours * float64(time.Hour) / float64(len(checks)+2))
	for range n {
		at := progressStart
		for i := range checks {
			took := time.Duration(rng.Float64() * 2 * float64(per))
			if at.Add(took).After(c.Now) {
				break
			}
			at = at.Add(took)
			c.Checks[i].PassedAt = append(c.Checks[i].PassedAt, at)
			c.Checks[i].Took = append(c.Checks[i].Took, took)
		}
	}
	for i := range c.Checks {
		slices.SortFunc(c.Checks[i].PassedAt, time.Time.Compare)
		slices.Sort(c.Checks[i].Took)
	}
	return c
}

func TestProgressChartGeometry(t *testing.T) {
	t.Parallel()
	min := func(m int) time.Time { return progressStart.Add(time.Duration(m) * time.Minute) }
	c := ProgressChart{Start: progressStart, Now: min(120), Students: 4, Checks: []ProgressCheck{
		// Two passes at the same moment are one step of two.
		{ID: "a", PassedAt: []time.Time{min(30), min(30), min(60)}},
		{ID: "b"},
	}}
	if !c.End().Equal(min(120)) {
		t.Errorf("End = %v, want now", c.End())
	}
	lines := c.Lines()
	// x: 56 + 600*t/120 min; y: 24 + 240 - 240*n/4.
	if want := "M56 264H206V144H356V84H656"; lines[0].Path != want {
		t.Errorf("line a = %q, want %q", lines[0].Path, want)
	}
	if want := "M56 264H656"; lines[1].Path != want {
		t.Errorf("line b (never passed) = %q, want %q", lines[1].Path, want)
	}
	if lines[0].Passed != 3 || lines[1].Passed != 0 {
		t.Errorf("passed = %d, %d; want 3, 0", lines[0].Passed, lines[1].Passed)
	}
	if lines[0].Series == lines[1].Series {
		t.Errorf("two lines drawn alike: %q", lines[0].Series)
	}

	// A class that ended: the axis stops two hours after the last pass,
	// whenever it is drawn.
	c.Now = min(24 * 60)
	if !c.End().Equal(min(180)) {
		t.Errorf("End a day later = %v, want two hours after the last pass", c.End().Sub(progressStart))
	}
	ticks := c.TimeTicks(i18n.CockpitFor(i18n.EN))
	if len(ticks) < 2 || len(ticks) > 9 || ticks[0].Label != "0:00" || ticks[1].Label != "0:30" {
		t.Errorf("time ticks %+v", ticks)
	}
	if st := c.StudentTicks(); len(st) != 5 || st[4].Label != "4" || st[0].At != 264 {
		t.Errorf("student ticks %+v", st)
	}
}

func TestProgressLabelsApart(t *testing.T) {
	t.Parallel()
	c := sampleProgress(i18n.EN, 40, 6)
	lines := c.Lines()
	ys := make([]int, len(lines))
	for i, l := range lines {
		ys[i] = l.LabelY
		if l.LabelY < plotTop || l.LabelY > c.Height() {
			t.Errorf("label %d at %d, outside the chart (0-%d)", i, l.LabelY, c.Height())
		}
	}
	slices.Sort(ys)
	for i := 1; i < len(ys); i++ {
		if ys[i]-ys[i-1] < labelSpacing {
			t.Errorf("labels %d apart at %d, want %d", ys[i]-ys[i-1], ys[i], labelSpacing)
		}
	}
}

func TestHistograms(t *testing.T) {
	t.Parallel()
	c := ProgressChart{Start: progressStart, Students: 5, Checks: []ProgressCheck{
		{ID: "a", PassedAt: make([]time.Time, 4), Took: []time.Duration{2 * time.Minute, 3 * time.Minute, 9 * time.Minute, 40 * time.Minute}},
		{ID: "b"},
	}}
	s := c.Scale()
	if s.Bin != 2*time.Minute || s.Bins != 21 {
		t.Errorf("scale = %+v, want 2 min bins, 21 of them", s)
	}
	h := c.Histograms(s)
	if !h[0].HasMedian || h[0].Median != 3*time.Minute || h[1].HasMedian || h[1].Path != "" {
		t.Errorf("histograms %+v", h)
	}
	if bars := strings.Count(h[0].Path, "M"); bars != 3 {
		t.Errorf("%d bars, want 3 (2-4 min twice, 8-10, 40-42)", bars)
	}
}

func TestProgressBody(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		c := sampleProgress(lang, 30, 6)
		c.Checks[0].Title = grader.Text{JA: `<script>alert("x")</script>`, EN: `<script>alert("x")</script>`}
		out := render(t, ProgressBody(c))
		if strings.Contains(out, "<script>") {
			t.Errorf("%s: a title is not escaped", lang)
		}
		doc := parseDoc(t, out)
		body := byID(doc, ProgressEvent)
		if body == nil || attrOr(body, "sse-swap") != ProgressEvent {
			t.Fatalf("%s: no element swapped by the %q event", lang, ProgressEvent)
		}
		// Every line is named in text beside it (never colour alone).
		series := all(doc, func(n *html.Node) bool { return hasClass(n, "series") })
		if len(series) != len(c.Checks) {
			t.Fatalf("%s: %d series, want %d", lang, len(series), len(c.Checks))
		}
		for i, g := range series {
			texts := children(g, "text")
			want := i18n.For(lang).Text(c.Checks[i].Title)
			if len(texts) != 1 || !strings.Contains(text(texts[0]), want) {
				t.Errorf("%s: line %d labelled %q, want its check %q", lang, i, text(g), want)
			}
			if strings.Contains(text(g), c.Checks[i].ID) {
				t.Errorf("%s: line %d named by its id %s", lang, i, c.Checks[i].ID)
			}
		}
		rows := all(doc, func(n *html.Node) bool { return n.Data == "tr" && len(children(n, "th")) == 1 })
		if len(rows) != len(c.Checks) {
			t.Errorf("%s: %d distribution rows, want %d", lang, len(rows), len(c.Checks))
		}
		ck := i18n.CockpitFor(lang)
		if !strings.Contains(out, ck.PassedOverTime) || strings.Contains(out, ck.NoResults) {
			t.Errorf("%s: headings", lang)
		}
		if strings.Contains(out, "style=") {
			t.Errorf("%s: an inline style, which the CSP refuses", lang)
		}
	}
}

func TestProgressBodyEmpty(t *testing.T) {
	t.Parallel()
	c := ProgressChart{Lang: i18n.EN, Start: progressStart, Now: progressStart.Add(time.Hour), Students: 3, Checks: []ProgressCheck{{ID: "a"}}}
	out := render(t, ProgressBody(c))
	if !strings.Contains(out, i18n.CockpitFor(i18n.EN).NoResults) || strings.Contains(out, "<svg") {
		t.Errorf("a class with no pass: %s", out)
	}
}

func TestProgressPageLinks(t *testing.T) {
	t.Parallel()
	chart := sampleProgress(i18n.JA, 5, 2)
	p := &ProgressPage{Page: Page{Lang: i18n.JA, URL: "/classes/c%201/progress", Now: progressStart, SignedIn: true},
		Class: "c 1", Lab: "step-3", Labs: []grader.LabInfo{{ID: "steps-1-2", Short: grader.Text{JA: "前半", EN: "First"}}, {ID: "step-3", Short: grader.Text{JA: "後半", EN: "Second"}}},
		Chart: chart}
	doc := parseDoc(t, render(t, ProgressView(p)))
	live := all(doc, func(n *html.Node) bool { _, ok := attr(n, "sse-connect"); return ok })
	if len(live) != 1 || attrOr(live[0], "sse-connect") != "/classes/c%201/progress/events?lab=step-3" {
		t.Errorf("live stream: %v", live)
	}
	var hrefs []string
	for _, a := range all(doc, tag("a")) {
		hrefs = append(hrefs, attrOr(a, "href"))
	}
	for _, want := range []string{"/classes/c%201?lab=step-3", "/classes/c%201/progress", "/classes/c%201/progress?lab=steps-1-2"} {
		if !slices.Contains(hrefs, want) {
			t.Errorf("no link to %s in %v", want, hrefs)
		}
	}
}

func TestBottleneckBanner(t *testing.T) {
	t.Parallel()
	b := &Bottleneck{CheckID: "network.sg-web", Title: grader.Text{JA: "Web の SG <80>", EN: "Web SG <80>"}, Stuck: 4, Reached: 10, Minutes: 12,
		Hint: grader.Text{JA: "80 番を開けてください", EN: "Open port 80"}}
	for _, lang := range i18n.Langs {
		out := render(t, BottleneckBanner(lang, "c 1", "step-3", b))
		doc := parseDoc(t, out)
		banner := byID(doc, "bottleneck")
		if banner == nil || attrOr(banner, "hx-get") != "/classes/c%201/bottleneck?lab=step-3" || attrOr(banner, "hx-trigger") == "" {
			t.Fatalf("%s: banner %s", lang, out)
		}
		m := i18n.For(lang)
		got := text(banner)
		if !strings.Contains(got, m.Text(b.Title)) || strings.Contains(got, b.CheckID) {
			t.Errorf("%s: banner names %q, want the title %q and never the id", lang, got, m.Text(b.Title))
		}
		if !strings.Contains(got, i18n.CockpitFor(lang).BottleneckDetail(4, 10, 40, 12)) {
			t.Errorf("%s: banner says %q", lang, got)
		}
		links := all(banner, tag("a"))
		if len(links) != 1 || attrOr(links[0], "href") != "/classes/c%201?failing=network.sg-web&lab=step-3&sort=stuck" {
			t.Errorf("%s: links %v", lang, links)
		}
		details := all(banner, tag("details"))
		if len(details) != 1 || !strings.Contains(text(details[0]), m.Text(b.Hint)) {
			t.Errorf("%s: no hint to read out", lang)
		}
	}
	// No bottleneck: a placeholder that keeps asking.
	out := render(t, BottleneckBanner(i18n.EN, "c", "", nil))
	if !strings.Contains(out, `hx-get="/classes/c/bottleneck"`) || strings.Contains(out, "alert") {
		t.Errorf("no bottleneck: %s", out)
	}
}

// Target (issue 13): the progress charts of a 200-student class over a
// 6-hour day render in under 50 ms and under 60 KB.
const progressBudget = 60 << 10

// BenchmarkProgressBody200 renders the charts of 200 students through
// the sample labs' 17 checks over 6 hours; html-bytes is their size.
func BenchmarkProgressBody200(b *testing.B) {
	for _, lang := range i18n.Langs {
		c := sampleProgress(lang, 200, 6)
		b.Run(string(lang), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := ProgressBody(c).Render(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "html-bytes")
		})
	}
}

func TestProgressSizeBudget(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		var buf bytes.Buffer
		if err := ProgressBody(sampleProgress(lang, 200, 6)).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		if buf.Len() >= progressBudget {
			t.Errorf("%s: the charts of 200 students are %d bytes, want < %d", lang, buf.Len(), progressBudget)
		}
	}
}
