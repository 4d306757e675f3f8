package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/store"
	"labgrid/web/views"
)

// A class's rubric decides its checks: a check it disables has no column
// on the grid, no row on the instructor's or the student's page, and earns
// nothing, though results stored before the rubric changed remain (the
// timeline shows them by id). Areas and columns carry the lab's titles, in
// either language.
func TestRubricDisablesCheck(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	ctx := context.Background()
	const off = "aurora.failover"
	c, err := e.store.CreateClass(ctx, randomName("web-off-"), "checks:\n  "+off+": {enabled: false}\n", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportRoster(ctx, c.ID, testRoster[:1], false, testSecret); err != nil {
		t.Fatal(err)
	}
	links, err := e.store.StudentLinks(ctx, c.ID, testSecret)
	if err != nil || len(links) != 1 {
		t.Fatalf("links %v: %v", links, err)
	}
	judge, err := classJudge(c)
	if err != nil {
		t.Fatal(err)
	}
	full := defaultJudge(t)
	if len(judge.Checks()) != len(full.Checks())-1 || judge.MaxScore() >= full.MaxScore() {
		t.Fatalf("the rubric should leave %d checks worth less than %d: %d worth %d", len(full.Checks())-1, full.MaxScore(), len(judge.Checks()), judge.MaxScore())
	}
	// Every check of the shipped labs passed, the disabled one included.
	if _, err := e.store.SaveScan(ctx, c.ID, store.TriggerCLI, scanOf(full, testRoster[0], grader.StatusPass, e.scanTime)); err != nil {
		t.Fatal(err)
	}

	score := map[string]string{"ja": fmt.Sprintf("%d / %d 点", judge.MaxScore(), judge.MaxScore()), "en": fmt.Sprintf("%d / %d pts", judge.MaxScore(), judge.MaxScore())}
	areas := map[string][]string{"ja": {"ネットワーク", "Webサーバ", "ロードバランサー", "アクセス制御"}, "en": {"Network", "Web servers", "Load balancer", "Access control"}}
	// The disabled check's column header, and another check's of its area.
	offHead := map[string]string{"ja": ">FO</a>", "en": ">failover</a>"}
	onHead := map[string]string{"ja": ">レプリカ</a>", "en": ">replica</a>"}
	for _, lang := range []string{"ja", "en"} {
		_, grid := e.get(views.ClassURL(c.Name, nil) + "?lang=" + lang)
		if strings.Contains(grid, "failing="+off) || strings.Contains(grid, `value="`+off+`"`) || strings.Contains(grid, offHead[lang]) {
			t.Errorf("%s: the grid has a column or filter for the disabled check", lang)
		}
		if n := strings.Count(grid, `<th scope="col" `) + strings.Count(grid, `<th scope="col">`) - 3; n != len(judge.Checks()) {
			t.Errorf("%s: %d column headers, want %d", lang, n, len(judge.Checks()))
		}
		if !strings.Contains(grid, onHead[lang]) || !strings.Contains(grid, "failing=aurora.replica") {
			t.Errorf("%s: the grid lacks the column of an enabled check", lang)
		}
		for _, a := range areas[lang] {
			if !strings.Contains(grid, ">"+a+"</th>") {
				t.Errorf("%s: the grid lacks the area header %q", lang, a)
			}
		}
		if !strings.Contains(grid, score[lang]) {
			t.Errorf("%s: the grid's score is not %q", lang, score[lang])
		}

		_, detail := e.get(views.StudentURL(c.Name, "user01") + "?lang=" + lang)
		if strings.Contains(detail, `id="`+off+`"`) {
			t.Errorf("%s: the instructor's page has a row for the disabled check", lang)
		}
		if !strings.Contains(detail, `id="aurora.replica"`) || !strings.Contains(detail, score[lang]) {
			t.Errorf("%s: the instructor's page lacks an enabled check or the score %q", lang, score[lang])
		}
		for _, a := range areas[lang] {
			if !strings.Contains(detail, ">"+a+"</h3>") {
				t.Errorf("%s: the instructor's page lacks the area heading %q", lang, a)
			}
		}
		// Its past change stays in the timeline, named by its id.
		if !strings.Contains(detail, `href="#`+off+`">`+off+`</a>`) {
			t.Errorf("%s: the timeline does not show the disabled check's change by id", lang)
		}

		_, self := e.get(views.SelfURL(links[0].Token) + "?lang=" + lang)
		if strings.Contains(self, `id="`+off+`"`) || strings.Contains(self, "saw "+off) || strings.Contains(self, "見た: "+off) {
			t.Errorf("%s: the student's page has a row for the disabled check", lang)
		}
		if !strings.Contains(self, `id="aurora.replica"`) || !strings.Contains(self, score[lang]) {
			t.Errorf("%s: the student's page lacks an enabled check or the score %q", lang, score[lang])
		}
		lead := map[string]string{"ja": "山田 太郎 さんの Step-3 チェックリスト", "en": "Step 3 checklist of 山田 太郎"}[lang]
		if !strings.Contains(self, "<h1>"+lead+"</h1>") {
			t.Errorf("%s: the student's page is not headed %q", lang, lead)
		}
	}
}

// A server that could not tell what a class is judged with is refused.
func TestNewNeedsJudges(t *testing.T) {
	t.Parallel()
	if s, err := New(Options{}); err == nil || s != nil {
		t.Fatalf("New without Judges: %v, %v; want an error", s, err)
	}
}
