package views

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// sampleReport is the report of a class of the sample labs whose
// students are rows, three hours in.
func sampleReport(lang i18n.Lang, rows []Row) *ReportPage {
	chart := sampleProgress(lang, len(rows), 3)
	checks := sampleSet(false).Checks()
	return &ReportPage{
		Page:   Page{Lang: lang, URL: "/classes/sample/report", Now: chart.Now, SignedIn: true},
		Class:  "sample",
		Chart:  chart,
		Labs:   grader.LabsOf(checks),
		Scores: rows,
	}
}

func TestProgressCheckMedian(t *testing.T) {
	t.Parallel()
	min := func(m int) time.Duration { return time.Duration(m) * time.Minute }
	for _, tc := range []struct {
		took []time.Duration
		want time.Duration
		ok   bool
	}{
		{nil, 0, false},
		{[]time.Duration{min(4)}, min(4), true},
		{[]time.Duration{min(1), min(2), min(9)}, min(2), true},
		{[]time.Duration{min(1), min(2), min(3), min(9)}, min(2), true}, // the lower middle
	} {
		got, ok := ProgressCheck{Took: tc.took}.Median()
		if got != tc.want || ok != tc.ok {
			t.Errorf("Median(%v) = %v, %v; want %v, %v", tc.took, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSlowestAndPassRate(t *testing.T) {
	t.Parallel()
	min := func(m int) time.Duration { return time.Duration(m) * time.Minute }
	c := ProgressChart{Students: 3, Checks: []ProgressCheck{
		{ID: "a", Took: []time.Duration{min(5)}, PassedAt: make([]time.Time, 1)},
		{ID: "never"},
		{ID: "b", Took: []time.Duration{min(1), min(20), min(30)}, PassedAt: make([]time.Time, 3)},
		{ID: "c", Took: []time.Duration{min(5), min(6)}, PassedAt: make([]time.Time, 2)},
		{ID: "d", Took: []time.Duration{min(1)}, PassedAt: make([]time.Time, 1)},
		{ID: "e", Took: []time.Duration{min(2)}, PassedAt: make([]time.Time, 1)},
		{ID: "f", Took: []time.Duration{min(3)}, PassedAt: make([]time.Time, 1)},
	}}
	var ids []string
	for _, s := range c.Slowest() {
		ids = append(ids, s.Check.ID)
		if m, _ := s.Check.Median(); m != s.Median {
			t.Errorf("%s: median %v, the check's is %v", s.Check.ID, s.Median, m)
		}
	}
	// b's median is 20 min; a and c tie at 5 min, in checklist order; a
	// check no one passed has no median; five at most.
	if got := strings.Join(ids, " "); got != "b a c f e" {
		t.Errorf("Slowest = %s, want b a c f e", got)
	}
	for i, want := range []int{33, 0, 100, 66} {
		if got := c.PassRate(c.Checks[i]); got != want {
			t.Errorf("PassRate(%s) = %d, want %d", c.Checks[i].ID, got, want)
		}
	}
	if got := (ProgressChart{}).PassRate(ProgressCheck{}); got != 0 {
		t.Errorf("PassRate of a class of no student = %d", got)
	}
}

// The report's sections, each in a section of the print's page breaks:
// the progress charts (the progress page's), a table of pass rates per
// lab, the slowest checks by title, a score row per student; no live
// stream.
func TestReportView(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.EN, 6, false)
	p := sampleReport(i18n.EN, g.Rows)
	out := render(t, ReportView(p))
	doc := parseDoc(t, out)
	if strings.Contains(out, "sse-connect") {
		t.Error("the report listens to a stream")
	}
	sections := all(doc, func(n *html.Node) bool { return n.Data == "section" && hasClass(n, "reportsection") })
	if len(sections) != 5 {
		t.Fatalf("%d report sections, want 5 (charts, rates, slowest, scores, help)", len(sections))
	}
	if byID(sections[0], ProgressEvent) == nil || len(all(sections[0], func(n *html.Node) bool { return n.Data == "svg" && hasClass(n, "progress") })) != 1 {
		t.Error("the first section is not the progress charts")
	}
	rp := i18n.ReportFor(i18n.EN)
	tables := all(sections[1], tag("table"))
	if len(tables) != len(p.Labs) {
		t.Fatalf("%d tables of pass rates, want one per lab (%d)", len(tables), len(p.Labs))
	}
	for i, l := range p.Labs {
		rows := all(tables[i], func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" })
		if len(rows) != l.End-l.First {
			t.Errorf("lab %s: %d rows, want %d", l.ID, len(rows), l.End-l.First)
			continue
		}
		for k, c := range p.Chart.Checks[l.First:l.End] {
			var cells []string
			for n := rows[k].FirstChild; n != nil; n = n.NextSibling {
				if n.Type == html.ElementNode {
					cells = append(cells, text(n))
				}
			}
			want := []string{c.Title.EN, i18n.CockpitFor(i18n.EN).PassedOf(len(c.PassedAt), p.Chart.Students), rp.Percent(p.Chart.PassRate(c))}
			if got := strings.Join(cells, " | "); got != strings.Join(want, " | ") {
				t.Errorf("lab %s row %d: %q, want %q", l.ID, k, got, want)
			}
		}
	}
	items := all(sections[2], tag("li"))
	slow := p.Chart.Slowest()
	if len(items) != len(slow) || len(slow) == 0 {
		t.Fatalf("%d slowest listed, want %d", len(items), len(slow))
	}
	for i, s := range slow {
		if got := text(items[i]); !strings.Contains(got, s.Check.Title.EN) || !strings.Contains(got, i18n.CockpitFor(i18n.EN).Median(s.Median)) {
			t.Errorf("slowest %d: %q", i, got)
		}
	}
	for _, r := range g.Rows {
		tr := byID(sections[3], ReportRowID(r.ID))
		if tr == nil || !strings.Contains(text(tr), i18n.For(i18n.EN).Score(r.Score, r.MaxScore)) || !strings.Contains(text(tr), r.Login) {
			t.Errorf("no score row of %s", r.Login)
		}
	}
}

func TestReportViewNoResults(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		out := render(t, ReportView(&ReportPage{Page: Page{Lang: lang, SignedIn: true}, Class: "x", NoResults: true}))
		if !strings.Contains(out, i18n.ReportFor(lang).NoResults) || strings.Contains(out, "reportsection") {
			t.Errorf("%s: a report of no result", lang)
		}
	}
}

func TestReportEscaping(t *testing.T) {
	t.Parallel()
	const evil = `<script>alert(1)</script>`
	g := sampleGrid(i18n.JA, 3, false)
	g.Rows[1].DisplayName = evil
	p := sampleReport(i18n.JA, g.Rows)
	p.Class = `c<b>&"x y`
	p.Chart.Checks[0].Title = grader.Text{JA: evil, EN: evil}
	out := render(t, ReportView(p))
	if strings.Contains(out, evil) || strings.Contains(out, "<b>") {
		t.Error("unescaped data in the report")
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the escaped data should be shown")
	}
}
