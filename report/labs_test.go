package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
)

const extraLab = `
id: extra
title: {ja: 追加ラボ, en: Extra lab}
short: {ja: 追加, en: Extra}
areas:
  - id: left
    title: {ja: 残り物, en: Leftovers}
checks:
  - id: extra.one
    area: left
    title: {ja: 一つ目, en: First}
    required: true
    points: 6
    rules:
      - expression: "true"
        message: {ja: "なし", en: "none"}
    pass: {ja: "よし", en: "fine"}
    hint: {ja: "なし", en: "nothing"}
  - id: extra.two
    area: left
    title: {ja: 二つ目, en: Second}
    required: true
    points: 4
    rules:
      - expression: "true"
        message: {ja: "なし", en: "none"}
    pass: {ja: "よし", en: "fine"}
    hint: {ja: "なし", en: "nothing"}
`

// twoLabScan is a scan of one student judged by the extra lab then
// step-3: every extra check passed, every step-3 check failed.
func twoLabScan(t *testing.T) (*grader.ScanResult, grader.Judge) {
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
	at := time.Date(2026, 11, 5, 10, 30, 0, 0, time.UTC)
	rep := grader.Report{Student: grader.Student{Login: "user01"}, MaxScore: set.MaxScore()}
	for _, c := range set.Checks() {
		r := grader.Result{Lab: c.Lab, CheckID: c.ID, Status: grader.StatusFail, Required: c.Required, ObservedAt: at,
			Message: grader.Text{JA: "見た", EN: "saw"}}
		if c.Required {
			r.MaxPoints = c.Points
		}
		if c.Lab == "extra" {
			r.Status, r.Points = grader.StatusPass, r.MaxPoints
			rep.Score += r.Points
		}
		rep.Results = append(rep.Results, r)
	}
	return &grader.ScanResult{StartedAt: at, FinishedAt: at, Reports: []grader.Report{rep}}, set
}

// `labgrid scan` scores each lab: a labs array per student in JSON, a
// column per lab in the table (with the legend under each lab's title),
// and a score and maximum per lab in CSV.
func TestScanScoresEachLab(t *testing.T) {
	t.Parallel()
	res, judge := twoLabScan(t)
	max3 := judge.MaxScore() - 10

	var b bytes.Buffer
	if err := Write(&b, "json", res, judge, "en"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Students []struct {
			Score int `json:"score"`
			Labs  []struct {
				ID       string `json:"id"`
				Score    int    `json:"score"`
				MaxScore int    `json:"max_score"`
			} `json:"labs"`
		} `json:"students"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if l := doc.Students[0].Labs; len(l) != 2 || l[0].ID != "extra" || l[0].Score != 10 || l[0].MaxScore != 10 ||
		l[1].ID != "step-3" || l[1].Score != 0 || l[1].MaxScore != max3 || doc.Students[0].Score != 10 {
		t.Errorf("labs %+v, want extra 10/10 and step-3 0/%d", l, max3)
	}

	b.Reset()
	if err := Write(&b, "table", res, judge, "en"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, re := range []string{
		`(?m)^student\s+score\s+extra\s+step-3\s+1\s+2\s+3\s`,
		`(?m)^user01\s+10/` + itoaT(judge.MaxScore()) + `\s+10/10\s+0/` + itoaT(max3) + `\s+✓\s+✓\s+✗\s`,
		`(?m)^Extra lab \(extra\)\n 1 First\n 2 Second\nStep 3: [^\n]* \(step-3\)\n 3 `,
		`(?m)^user01  10/\d+  extra 10/10  step-3 0/` + itoaT(max3) + `$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the table does not match %s:\n%s", re, out)
		}
	}

	b.Reset()
	if err := Write(&b, "csv", res, judge, "en"); err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(b.String(), "\n")
	if !strings.HasPrefix(head, "login,display_name,account_id,score,max_score,extra score,extra max_score,step-3 score,step-3 max_score,extra:extra.one,extra:extra.two,step-3:") {
		t.Errorf("CSV header %q", head)
	}
	if !strings.HasPrefix(rest, "user01,,,10,"+itoaT(judge.MaxScore())+",10,10,0,"+itoaT(max3)+",pass,pass,fail,") {
		t.Errorf("CSV row %q", rest)
	}
}

func itoaT(n int) string { return strconv.Itoa(n) }
