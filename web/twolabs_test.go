package web

import (
	"context"
	"encoding/csv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
	"labgrid/store"
	"labgrid/web/views"
)

// extraLab is a small lab of the tests, before step-3 in a two-lab class:
// its checks report what they find left as costs, as a cleanup lab's do.
const extraLab = `
id: extra
title: {ja: 追加ラボ, en: Extra lab}
short: {ja: 追加, en: Extra}
areas:
  - id: left
    title: {ja: 残り物, en: Leftovers}
resources:
  vpc:
    kind: ec2.vpc
    name: "vpc-{user}"
checks:
  - id: extra.vpc
    area: left
    title: {ja: VPC なし, en: No VPC}
    short: {ja: VPC, en: VPC}
    required: true
    points: 6
    rules:
      - expression: vpc == null
        message: {ja: "VPC が残っています", en: "A VPC is left"}
    pass: {ja: "残っていません", en: "Nothing left"}
    hint: {ja: "VPC を削除します", en: "Delete the VPC"}
  - id: extra.note
    area: left
    title: {ja: メモ, en: Note}
    required: true
    points: 4
    rules:
      - expression: "true"
        message: {ja: "なし", en: "none"}
    pass: {ja: "よし", en: "fine"}
    hint: {ja: "なし", en: "nothing"}
`

// twoLabs is the judge of the classes named "web-labs-…": extraLab then
// the shipped step-3.
func twoLabs(t testing.TB) grader.Judge {
	t.Helper()
	extra, err := lab.Load("extra.yaml", []byte(extraLab))
	if err != nil {
		t.Fatal(err)
	}
	step3, err := labs.Get("step-3")
	if err != nil {
		t.Fatal(err)
	}
	set, err := lab.NewSet(extra, step3)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// setupTwoLabs is the test environment with a class judged by twoLabs:
// user01 finished the extra lab and failed every step-3 check; user02
// failed everything and has a VPC left (1.5 per hour) and a note check
// with no cost but evidence; user03 was never scanned.
func setupTwoLabs(t *testing.T) (*testEnv, store.Class, map[string]string, map[string]int64) {
	t.Helper()
	judge := twoLabs(t)
	e := setup(t, func(o *Options) {
		o.Judges = func(c store.Class) (grader.Judge, error) {
			if strings.HasPrefix(c.Name, "web-labs-") {
				return judge, nil
			}
			return classJudge(c)
		}
	})
	e.signIn()
	ctx := context.Background()
	c, err := e.store.CreateClass(ctx, randomName("web-labs-"), "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportRoster(ctx, c.ID, testRoster, false, testSecret); err != nil {
		t.Fatal(err)
	}
	links, err := e.store.StudentLinks(ctx, c.ID, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	e.class = c // what the stream helper expects to be subscribed to
	tokens, ids := map[string]string{}, map[string]int64{}
	for _, l := range links {
		tokens[l.Login], ids[l.Login] = l.Token, l.StudentID
	}
	one := scanOf(judge, testRoster[0], grader.StatusFail, e.scanTime)
	for i, r := range one.Reports[0].Results {
		if r.Lab == "extra" {
			r.Status, r.Points, r.Hint = grader.StatusPass, r.MaxPoints, grader.Text{}
			one.Reports[0].Score += r.Points
			one.Reports[0].Results[i] = r
		}
	}
	two := scanOf(judge, testRoster[1], grader.StatusFail, e.scanTime)
	for i, r := range two.Reports[0].Results {
		switch r.CheckID {
		case "extra.vpc":
			r.CostPerHour, r.Evidence = 1.5, []string{`=HYPERLINK("vpc-0abc")`}
		case "extra.note":
			r.Evidence = []string{"note"}
		}
		two.Reports[0].Results[i] = r
	}
	for _, res := range []*grader.ScanResult{one, two} {
		if _, err := e.store.SaveScan(ctx, c.ID, store.TriggerCLI, res); err != nil {
			t.Fatal(err)
		}
	}
	return e, c, tokens, ids
}

// The grid of a class of two labs: a header per lab over its areas, a
// control to show one lab, each student's score per lab, and, since a lab
// reports costs, who still has something billing, first.
func TestGridTwoLabs(t *testing.T) {
	t.Parallel()
	e, c, _, ids := setupTwoLabs(t)
	for _, tc := range []struct {
		lang                                                   string
		extra, step3, labScore, costsTitle, total, cost, ofAll string
	}{
		{"ja", "追加ラボ", "Step-3: Webサーバの水平分散とデータベースの冗長化", "追加: 10 / 10 点", "まだ課金中のリソース", "クラス全体の推定: 約 $1.50/時", "約 $1.50/時", ">すべて</a>"},
		{"en", "Extra lab", "Step 3: scale out the web servers and make the database redundant", "Extra: 10 / 10 pts", "Still billing", "Class estimate: about $1.50 per hour", "≈ $1.50/h", ">All</a>"},
	} {
		resp, grid := e.get(views.ClassURL(c.Name, nil) + "?lang=" + tc.lang)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", tc.lang, resp.StatusCode)
		}
		if !regexp.MustCompile(`<tr class="labs">.*colspan="2" class="lab"><a [^>]*>` + regexp.QuoteMeta(tc.extra) + `</a>.*class="lab g"><a [^>]*>` + regexp.QuoteMeta(tc.step3) + `</a>`).MatchString(grid) {
			t.Errorf("%s: no lab header row over the areas with both labs", tc.lang)
		}
		for _, l := range []string{"extra", "step-3"} {
			if !strings.Contains(grid, `href="`+views.ClassURL(c.Name, nil)+"?lab="+l+`"`) {
				t.Errorf("%s: no link showing only %s", tc.lang, l)
			}
		}
		if !strings.Contains(grid, tc.ofAll) {
			t.Errorf("%s: the lab control has no link to every lab", tc.lang)
		}
		if !strings.Contains(grid, `title="`+tc.labScore+`"`) {
			t.Errorf("%s: no row shows the lab's score %q", tc.lang, tc.labScore)
		}
		// The costs lead: before the table, the total and user02 alone.
		costs := grid[strings.Index(grid, `id="costs"`):strings.Index(grid, `<table class="grid">`)]
		if !strings.Contains(costs, tc.costsTitle) || !strings.Contains(costs, tc.total) || !strings.Contains(costs, tc.cost) {
			t.Errorf("%s: the costs summary lacks %q, %q or %q:\n%s", tc.lang, tc.costsTitle, tc.total, tc.cost, costs)
		}
		if !strings.Contains(costs, `href="`+views.StudentURL(c.Name, "user02")+`"`) || strings.Contains(costs, "user01") || strings.Contains(costs, "user03") {
			t.Errorf("%s: the costs summary should list user02 alone:\n%s", tc.lang, costs)
		}
		row2 := rowOf(t, grid, ids["user02"])
		if !strings.Contains(row2, `class="cost"`) || !strings.Contains(row2, tc.cost) {
			t.Errorf("%s: user02's row does not show its cost", tc.lang)
		}
		if strings.Contains(rowOf(t, grid, ids["user01"]), `class="cost"`) {
			t.Errorf("%s: user01's row shows a cost", tc.lang)
		}
	}

	// One lab: its columns alone, its score, the lab kept by every link
	// and by the live stream.
	_, grid := e.get(views.ClassURL(c.Name, nil) + "?lab=extra&sort=progress&lang=en")
	if !strings.Contains(grid, "failing=extra.vpc") || strings.Contains(grid, "failing=alb.exists") || strings.Contains(grid, `<tr class="labs">`) {
		t.Error("?lab=extra: not the extra lab's columns alone")
	}
	if !strings.Contains(rowOf(t, grid, ids["user01"]), "10 / 10 pts") {
		t.Error("?lab=extra: user01's score is not the lab's 10 / 10")
	}
	for _, link := range []string{
		`sse-connect="` + views.ClassEventsURL(c.Name) + `?lab=extra"`,
		`href="` + views.ClassURL(c.Name, nil) + `?lab=extra">`,
		`href="` + views.ClassURL(c.Name, nil) + `?lab=extra&amp;sort=stuck"`,
		`<input type="hidden" name="lab" value="extra">`,
	} {
		if !strings.Contains(grid, link) {
			t.Errorf("?lab=extra: the page lacks %s", link)
		}
	}
	if !strings.Contains(grid, `class="on" aria-current="true" href="`+views.ClassURL(c.Name, nil)+`?lab=extra&amp;sort=progress"`) {
		t.Error("?lab=extra: the lab's control is not marked current")
	}

	// A lab the class has not: said, and every lab shown.
	resp, grid := e.get(views.ClassURL(c.Name, nil) + "?lab=%3Cnope%3E&lang=en")
	if resp.StatusCode != 200 || !strings.Contains(grid, "This class has no lab “&lt;nope&gt;”") || !strings.Contains(grid, "failing=alb.exists") || !strings.Contains(grid, "failing=extra.vpc") {
		t.Errorf("an unknown lab: %d, want the page with a message and every lab", resp.StatusCode)
	}
	if strings.Contains(grid, "lab=%3Cnope%3E&amp;sort") || !strings.Contains(grid, `sse-connect="`+views.ClassEventsURL(c.Name)+`"`) {
		t.Error("an unknown lab is kept by the sort links or the live stream")
	}

	// The live rows of a one-lab grid have that lab's cells only; the
	// costs summary is sent too.
	r, stop := e.stream(views.ClassEventsURL(c.Name) + "?lab=extra")
	defer stop()
	e.send(HubEvent{StudentIDs: []int64{ids["user02"]}})
	events := readEvents(t, r, views.SummaryEvent)
	row := events[views.StudentEvent(ids["user02"])]
	if !strings.Contains(row, "#extra.vpc") || strings.Contains(row, "#alb.exists") {
		t.Errorf("live row of ?lab=extra: %s", row)
	}
	if !strings.Contains(events[views.CostsEvent], `id="costs"`) || !strings.Contains(events[views.CostsEvent], "user02") {
		t.Errorf("no costs summary in the live events: %v", keys(events))
	}
	if strings.Count(events[views.SummaryEvent], "<td") != 2 {
		t.Errorf("live summary of ?lab=extra: %s", events[views.SummaryEvent])
	}
}

// rowOf is the grid row of a student.
func rowOf(t *testing.T, page string, id int64) string {
	t.Helper()
	start := strings.Index(page, `<tr id="`+views.StudentEvent(id)+`"`)
	if start < 0 {
		t.Fatalf("no row of student %d", id)
	}
	end := strings.Index(page[start:], "</tr>")
	return page[start : start+end]
}

// A student's pages list each lab in a <details>, in the class's order,
// the current one open: the first lab not finished, else the last.
func TestStudentPagesTwoLabs(t *testing.T) {
	t.Parallel()
	e, c, tokens, _ := setupTwoLabs(t)
	// The <details> of each lab, in order, and whether it is open.
	labsOf := func(page string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<details class="lab"( open)?><summary><span class="labtitle">([^<]*)</span>`).FindAllStringSubmatch(page, -1) {
			out = append(out, m[2]+map[bool]string{true: " open", false: ""}[m[1] != ""])
		}
		return out
	}
	for _, tc := range []struct {
		login string
		want  []string
	}{
		{"user01", []string{"Extra lab", "Step 3: scale out the web servers and make the database redundant open"}},
		{"user02", []string{"Extra lab open", "Step 3: scale out the web servers and make the database redundant"}},
		{"user03", []string{"Extra lab open", "Step 3: scale out the web servers and make the database redundant"}},
	} {
		_, detail := e.get(views.StudentURL(c.Name, tc.login) + "?lang=en")
		if got := labsOf(detail); !slices.Equal(got, tc.want) {
			t.Errorf("%s's page: labs %q, want %q", tc.login, got, tc.want)
		}
		_, self := e.get(views.SelfURL(tokens[tc.login]) + "?lang=en")
		if got := labsOf(self); !slices.Equal(got, tc.want) {
			t.Errorf("%s's own page: labs %q, want %q", tc.login, got, tc.want)
		}
	}
	_, self := e.get(views.SelfURL(tokens["user01"]) + "?lang=ja")
	if !strings.Contains(self, `<span class="labtitle">追加ラボ</span> <span class="pts">10 / 10 点</span> <span class="muted">2 / 2 項目</span>`) {
		t.Error("ja: the extra lab's summary of user01 lacks its score and checks passed")
	}
}

// The CSVs of a class of two labs: a score per lab, check columns named
// by lab, and, as a lab reports costs, each student's cost per hour and
// leftovers (defused).
func TestExportTwoLabs(t *testing.T) {
	t.Parallel()
	e, c, _, _ := setupTwoLabs(t)
	_, body := e.get(views.ClassExportURL(c.Name))
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v\n%s", len(rows), err, body)
	}
	col := func(name string) int {
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("no column %q in %q", name, rows[0])
		}
		return i
	}
	for _, name := range []string{"extra:extra.vpc", "extra:extra.vpc first_passed_at", "step-3:alb.exists"} {
		col(name)
	}
	for i, want := range []struct{ extra, step3, cost, left string }{
		{"10", "0", "0", ""},
		{"0", "0", "1.5", `'=HYPERLINK("vpc-0abc"); note`},
		{"0", "0", "0", ""},
	} {
		r := rows[i+1]
		if r[col("extra score")] != want.extra || r[col("extra max_score")] != "10" || r[col("step-3 score")] != want.step3 ||
			r[col("cost_per_hour")] != want.cost || r[col("leftovers")] != want.left {
			t.Errorf("%s: extra %s/%s, step-3 %s, cost %s, leftovers %q; want %+v", r[0], r[col("extra score")], r[col("extra max_score")],
				r[col("step-3 score")], r[col("cost_per_hour")], r[col("leftovers")], want)
		}
	}

	_, lms := e.get(views.ClassExportURL(c.Name) + "?format=lms")
	head, _, _ := strings.Cut(lms, "\n")
	max3 := twoLabs(t).MaxScore() - 10
	if want := "Student,SIS User ID,SIS Login ID,Email,Section,Extra (10),Step 3 (" + strconv.Itoa(max3) + ")"; head != want {
		t.Errorf("LMS header %q, want %q", head, want)
	}
}
