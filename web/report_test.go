package web

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"labgrid/store"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

var (
	gridScoreRE    = regexp.MustCompile(`<span class="score">([^<]*)</span>`)
	gridLabScoreRE = regexp.MustCompile(`>(\d+/\d+)</span>`)
	reportTotalRE  = regexp.MustCompile(`<td class="num total">([^<]*)</td>`)
	reportLabRE    = regexp.MustCompile(`<td class="num">(\d+/\d+)</td>`)
)

// reportRow is the report's row of the final scores of a student.
func reportRow(t *testing.T, page string, id int64) string {
	t.Helper()
	start := strings.Index(page, `<tr id="`+views.ReportRowID(id)+`"`)
	if start < 0 {
		t.Fatalf("no report row of student %d", id)
	}
	end := strings.Index(page[start:], "</tr>")
	return page[start : start+end]
}

// sameScores checks that the report of class shows each student's score,
// and score per lab, as the grid does.
func sameScores(t *testing.T, e *testEnv, class string, ids map[string]int64, lang string) {
	t.Helper()
	_, grid := e.get(views.ClassURL(class, nil), "Accept-Language", lang)
	resp, report := e.get(views.ReportURL(class), "Accept-Language", lang)
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d\n%s", resp.StatusCode, report)
	}
	for login, id := range ids {
		g, r := rowOf(t, grid, id), reportRow(t, report, id)
		gs, rs := gridScoreRE.FindStringSubmatch(g), reportTotalRE.FindStringSubmatch(r)
		if gs == nil || rs == nil || gs[1] != rs[1] {
			t.Errorf("%s: score %v on the grid, %v in the report", login, gs, rs)
		}
		var gl, rl []string
		if i := strings.Index(g, `class="labscores"`); i >= 0 {
			for _, m := range gridLabScoreRE.FindAllStringSubmatch(g[i:], -1) {
				gl = append(gl, m[1])
			}
		}
		for _, m := range reportLabRE.FindAllStringSubmatch(r, -1) {
			rl = append(rl, m[1])
		}
		if strings.Join(gl, " ") != strings.Join(rl, " ") {
			t.Errorf("%s: lab scores %v on the grid, %v in the report", login, gl, rl)
		}
	}
}

func TestReportPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	checks := defaultJudge(t).Checks()
	resp, body := e.get(views.ReportURL(e.class.Name)+"?lang=en", "Accept-Language", "ja")
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d\n%s", resp.StatusCode, body)
	}
	ck, rp := i18n.CockpitFor(i18n.EN), i18n.ReportFor(i18n.EN)
	for _, want := range []string{rp.Title(e.class.Name), ck.PassedOverTime, ck.TimeTaken, rp.PassRates, rp.Slowest, rp.Scores} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q (?lang=en)", want)
		}
	}
	if strings.Contains(body, rp.NoResults) {
		t.Error("a class with results says it has none")
	}
	// The progress chart, the progress page's: one line per check.
	if n := strings.Count(body, `class="series `); n != len(checks) {
		t.Errorf("%d lines, want one per check (%d)", n, len(checks))
	}
	// No live stream: the report is the class as it stands.
	if strings.Contains(body, "sse-connect") {
		t.Error("the report listens to a stream")
	}
	// user01 passed every check: one of three, 33 %, each named by title.
	rates := body[strings.Index(body, `id="report-rates"`):strings.Index(body, `id="report-slowest"`)]
	for _, c := range checks {
		want := "<th scope=\"row\">" + c.Title.EN + "</th><td class=\"num\">" + ck.PassedOf(1, 3) + "</td><td class=\"num\">" + rp.Percent(33) + "</td>"
		if !strings.Contains(rates, want) {
			t.Errorf("pass rate of %s: want %q", c.ID, want)
		}
		if strings.Contains(body, ">"+c.ID+"<") {
			t.Errorf("check %s named by its id", c.ID)
		}
	}
	// The slowest: those of the chart's medians, the longest first.
	slowest := body[strings.Index(body, `id="report-slowest"`):strings.Index(body, `id="report-scores"`)]
	if n := strings.Count(slowest, "<li>"); n != min(len(checks), 5) {
		t.Errorf("%d slowest checks, want %d", n, min(len(checks), 5))
	}
	// Escaped: user02's display name has quotes.
	if !strings.Contains(body, `Smith, &#34;Jo&#34;`) {
		t.Error("a display name is not escaped as text")
	}
	sameScores(t, e, e.class.Name, e.ids, "en")

	// The grid and the class list link the report.
	_, grid := e.get(views.ClassURL(e.class.Name, nil))
	if !strings.Contains(grid, `href="`+views.ReportURL(e.class.Name)+`"`) {
		t.Error("the grid does not link the report")
	}
	if _, err := e.store.CreateClass(context.Background(), randomName("other-"), "", defaultLabs); err != nil {
		t.Fatal(err)
	}
	_, list := e.get("/")
	if !strings.Contains(list, `href="`+views.ReportURL(e.class.Name)+`"`) {
		t.Error("the class list does not link the report")
	}
}

// The final scores of a class of two labs, per lab too, are the grid's.
func TestReportScoresTwoLabs(t *testing.T) {
	t.Parallel()
	e, c, _, ids := setupTwoLabs(t)
	for _, lang := range []string{"ja", "en"} {
		sameScores(t, e, c.Name, ids, lang)
	}
	_, body := e.get(views.ReportURL(c.Name), "Accept-Language", "en")
	if n := strings.Count(body, `<table class="took rates">`); n != 2 {
		t.Errorf("%d tables of pass rates, want one per lab (2)", n)
	}
}

// A class with no result says so, in each language; a class with no
// student too.
func TestReportNoResults(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	ctx := context.Background()
	withRoster, err := e.store.CreateClass(ctx, randomName("empty-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportRoster(ctx, withRoster.ID, testRoster, false, testSecret); err != nil {
		t.Fatal(err)
	}
	bare, err := e.store.CreateClass(ctx, randomName("bare-"), "", []store.ClassLab{{ID: "step-3"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []store.Class{withRoster, bare} {
		for _, lang := range i18n.Langs {
			resp, body := e.get(views.ReportURL(c.Name), "Accept-Language", lang.String())
			if resp.StatusCode != 200 || !strings.Contains(body, i18n.ReportFor(lang).NoResults) || strings.Contains(body, `class="series`) || strings.Contains(body, "report-scores") {
				t.Errorf("%s, %s: a class with no result: %d", c.Name, lang, resp.StatusCode)
			}
		}
	}
	if resp, _ := e.get(views.ReportURL("no-such-class")); resp.StatusCode != 404 {
		t.Errorf("the report of no class: %d", resp.StatusCode)
	}
}

// The report lists every help request of the class in the order the hands
// went up, with how long each waited (until "on my way", else until done
// or withdrawn, else until now) and how it ended; a message is text,
// shown escaped. A class where no one asked says so.
func TestReportHelpRequests(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	ctx := t.Context()
	rp := i18n.ReportFor(i18n.EN)
	if _, body := e.get(views.ReportURL(e.class.Name) + "?lang=en"); !strings.Contains(body, rp.NoHelp) {
		t.Error("a class where no one asked for help does not say so")
	}
	now := e.clock.Now()
	first, err := e.store.RaiseHand(ctx, e.ids["user02"], "<b>stuck</b> on the ALB", now.Add(-30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.HandOnMyWay(ctx, e.class.ID, first.ID, now.Add(-26*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.HandDone(ctx, e.class.ID, first.ID, now.Add(-20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	gone, err := e.store.RaiseHand(ctx, e.ids["user01"], "", now.Add(-15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.WithdrawHand(ctx, e.ids["user01"], gone.ID, now.Add(-13*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RaiseHand(ctx, e.ids["user02"], "again", now.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	resp, body := e.get(views.ReportURL(e.class.Name) + "?lang=en")
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d", resp.StatusCode)
	}
	i := strings.Index(body, `id="report-help"`)
	if i < 0 {
		t.Fatal("no help section")
	}
	section := body[i:]
	if strings.Contains(section, "<b>stuck") || !strings.Contains(section, "&lt;b&gt;stuck&lt;/b&gt; on the ALB") {
		t.Error("the message is not shown escaped")
	}
	ck := i18n.CockpitFor(i18n.EN)
	if !strings.Contains(section, rp.HelpCount(3, ck.Took(4*time.Minute))) {
		t.Errorf("want %q (waits 4, 2 and 5 min)", rp.HelpCount(3, ck.Took(4*time.Minute)))
	}
	var outcomes []string
	for _, row := range strings.Split(section, "<tr>")[2:] {
		for _, o := range []string{rp.OutcomeDone, rp.OutcomeGone, rp.OutcomeOpen} {
			if strings.Contains(row, "<td>"+o+"</td>") {
				outcomes = append(outcomes, o)
			}
		}
	}
	if want := []string{rp.OutcomeDone, rp.OutcomeGone, rp.OutcomeOpen}; strings.Join(outcomes, ",") != strings.Join(want, ",") {
		t.Errorf("outcomes %v, want %v in the order the hands went up", outcomes, want)
	}
	for _, took := range []time.Duration{4 * time.Minute, 2 * time.Minute, 5 * time.Minute} {
		if !strings.Contains(section, `<td class="num">`+ck.Took(took)+`</td>`) {
			t.Errorf("no wait of %s", ck.Took(took))
		}
	}
}
