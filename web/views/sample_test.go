package views

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"labgrid/grader"
	"labgrid/labs"
	"labgrid/web/i18n"
	"labgrid/web/static"
)

// The sample class of the tests and benchmarks.
const sampleClass = "2026-11-aws-1day"

var sampleNow = time.Date(2026, 11, 27, 10, 30, 0, 0, time.FixedZone("JST", 9*3600))

var familyNames = []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"}
var givenNames = []string{"太郎", "花子", "健", "美咲", "翔太", "陽菜", "大輔", "さくら", "拓海", "結衣"}

// rng is a tiny deterministic generator, so that samples are stable.
type rng uint64

func (r *rng) next(n int) int {
	*r = *r*6364136223846793005 + 1442695040888963407
	return int((uint64(*r) >> 33) % uint64(n))
}

// withProbes is a rubric that enables the two probe checks the shipped
// lab leaves off (19 columns, the performance figure).
const withProbes = "checks:\n  probe.alb_http: {enabled: true}\n  probe.direct_blocked: {enabled: true}\n"

// sampleSet is the class's labs: the shipped ones, with the probes when
// probes is set.
func sampleSet(probes bool) grader.Judge {
	rubric := ""
	if probes {
		rubric = withProbes
	}
	set, err := labs.ForClass(nil, rubric)
	if err != nil {
		panic(err)
	}
	return set
}

// sampleColumns is the columns of sampleSet(probes).
func sampleColumns(probes bool) []Column { return Columns(sampleSet(probes).Checks()) }

// samplePoints is what each check is worth, as in the shipped lab.
var samplePoints = func() map[string]int {
	out := map[string]int{}
	for _, c := range sampleSet(true).Checks() {
		if c.Required {
			out[c.ID] = c.Points
		}
	}
	return out
}()

// sampleRows is a class in mid-course: student i has done about the first
// part of the handout, with the odd warning, blocked check, scan error and
// student never scanned.
func sampleRows(n int, cols []Column) []Row {
	r := rng(42)
	maxScore := 0
	for _, c := range cols {
		maxScore += samplePoints[c.ID]
	}
	rows := make([]Row, n)
	for i := range rows {
		login := fmt.Sprintf("user%02d", i+1)
		row := Row{
			ID:          int64(1000 + i),
			Login:       login,
			DisplayName: familyNames[i%len(familyNames)] + " " + givenNames[(i/len(familyNames)+i)%len(givenNames)],
			MaxScore:    maxScore,
			LastScanned: sampleNow.Add(-time.Duration(5+r.next(200)) * time.Second),
		}
		progress := r.next(len(cols) + 3) // checks done, roughly
		never := i%29 == 28
		scanErr := i%17 == 9
		for j, c := range cols {
			cell := Cell{CheckID: c.ID, Lab: c.Lab, Area: c.Area}
			switch {
			case never:
				cell.Status = grader.StatusPending
			case j < progress:
				cell.Status = grader.StatusPass
				if r.next(9) == 0 {
					cell.Status = grader.StatusWarn
				}
			case j == progress:
				cell.Status = grader.StatusFail
			case c.Area == "aurora" || c.ID == "alb.listener" || c.ID == "alb.targets_healthy":
				cell.Status = grader.StatusBlocked
			default:
				cell.Status = grader.StatusFail
			}
			if scanErr && c.Area == "alb" {
				cell.Error = true
			}
			if cell.Status.Passed() {
				row.Score += samplePoints[c.ID]
			}
			row.Cells = append(row.Cells, cell)
		}
		if never {
			row.LastScanned = time.Time{}
		}
		if scanErr {
			row.Error = grader.Text{JA: "ELBv2 を読めませんでした(AccessDenied)", EN: "Could not read ELBv2 (AccessDenied)"}
		}
		if !never && progress < len(cols)/2 && r.next(3) == 0 {
			row.StuckFor = time.Duration(10+r.next(30)) * time.Minute
		}
		rows[i] = row
	}
	return rows
}

func sampleGrid(lang i18n.Lang, n int, probes bool) *Grid {
	cols := sampleColumns(probes)
	rows := sampleRows(n, cols)
	return &Grid{
		Page:    Page{Lang: lang, URL: "/classes/" + sampleClass, Now: sampleNow, SignedIn: true},
		Class:   sampleClass,
		Columns: cols,
		Rows:    rows,
		Summary: Summarize(cols, rows),
	}
}

// sampleChecks is a student's checklist: what the grader says, in handout
// order, with messages and hints from the rubric's style.
func sampleChecks(login string, cells []Cell) []CheckResult {
	byID := map[string]grader.Status{}
	for _, c := range cells {
		byID[c.CheckID] = c.Status
	}
	var out []CheckResult
	for _, info := range sampleSet(true).Checks() {
		st, ok := byID[info.ID]
		if !ok && info.Area == "probe" {
			continue // probes off for this class
		}
		if !ok {
			st = grader.StatusPending
		}
		pts := samplePoints[info.ID]
		c := CheckResult{
			ID: info.ID, Lab: info.Lab, Area: info.Area, AreaTitle: info.AreaTitle, Title: info.Title, Status: st,
			Required: pts > 0, MaxPoints: pts,
			ObservedAt: sampleNow.Add(-40 * time.Second),
		}
		switch st {
		case grader.StatusPass:
			c.Points = pts
			c.Message = grader.Text{JA: info.Title.JA + " を確認しました", EN: info.Title.EN + ": found and as expected"}
			c.Evidence = []string{"arn:aws:rds:ap-northeast-1:111122223333:cluster:wp-user05-cluster"}
			c.FirstPassedAt = sampleNow.Add(-25 * time.Minute)
		case grader.StatusWarn:
			c.Points = pts
			c.Message = grader.Text{JA: "インスタンスクラスが db.t3.small です(想定は db.t2.small)", EN: "Instance class is db.t3.small (expected db.t2.small)"}
			c.Evidence = []string{"wp-user05-slave db.t3.small"}
		case grader.StatusFail:
			c.Message = grader.Text{JA: "クラスター wp-user05-cluster のメンバーが 1 台だけです", EN: "Cluster wp-user05-cluster has a single member"}
			c.Hint = grader.Text{JA: "RDS → インスタンスの操作 → Auroraレプリカの作成 で wp-user05-slave を作成してください", EN: "RDS → Instance actions → Add reader: create wp-user05-slave"}
			c.Evidence = []string{"wp-user05 (writer, ap-northeast-1d, available)"}
		case grader.StatusBlocked:
			c.Message = grader.Text{JA: "前提のチェック aurora.replica が未達のため、判定していません", EN: "Not judged: the prerequisite aurora.replica has not passed"}
			c.Hint = grader.Text{JA: "先に aurora.replica を完了してください", EN: "Complete aurora.replica first"}
		}
		c.Message = personalize(c.Message, login)
		c.Hint = personalize(c.Hint, login)
		for k, e := range c.Evidence {
			c.Evidence[k] = strings.ReplaceAll(e, "user05", login)
		}
		out = append(out, c)
	}
	return out
}

func personalize(t grader.Text, login string) grader.Text {
	return grader.Text{JA: strings.ReplaceAll(t.JA, "user05", login), EN: strings.ReplaceAll(t.EN, "user05", login)}
}

func sampleStudent(row Row) StudentInfo {
	return StudentInfo{
		ID: row.ID, Login: row.Login, DisplayName: row.DisplayName,
		Email: row.Login + "@example.com", Section: "A", AccountID: "111122223333",
		Score: row.Score, MaxScore: row.MaxScore, LastScanned: row.LastScanned, Error: row.Error,
	}
}

func sampleDetail(lang i18n.Lang, row Row) *Detail {
	st := sampleStudent(row)
	return &Detail{
		Page:    Page{Lang: lang, URL: StudentURL(sampleClass, row.Login), Now: sampleNow, SignedIn: true},
		Class:   sampleClass,
		Student: st,
		Checks:  sampleChecks(row.Login, row.Cells),
		Timeline: []Change{
			{CheckID: "aurora.replica", Title: grader.Text{JA: "Auroraレプリカ", EN: "Aurora replica"}, From: grader.StatusFail, To: grader.StatusPass,
				Message: grader.Text{JA: "レプリカ wp-user05-slave を確認しました", EN: "Replica wp-user05-slave found"}, At: sampleNow.Add(-3 * time.Minute)},
			{CheckID: "aurora.cluster", Title: grader.Text{JA: "Aurora クラスター", EN: "Aurora cluster"}, To: grader.StatusPass,
				Message: grader.Text{JA: "クラスターを確認しました", EN: "Cluster found"}, At: sampleNow.Add(-30 * time.Minute)},
		},
	}
}

func sampleSelf(lang i18n.Lang, row Row) *SelfCheck {
	return &SelfCheck{
		Page:     Page{Lang: lang, URL: "/s/tok_" + row.Login, Now: sampleNow},
		Token:    "tok_" + row.Login,
		Student:  sampleStudent(row),
		Labs:     sampleSet(false).Title(),
		Checks:   sampleChecks(row.Login, row.Cells),
		CheckNow: CheckNow{Every: 15 * time.Second},
	}
}

func render(t testing.TB, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.String()
}

// TestWriteSamples writes sample pages to the directory in
// LABGRID_VIEWS_SAMPLES, with the static files beside them, to look at in a
// browser (file://): `LABGRID_VIEWS_SAMPLES=/tmp/views go test -run TestWriteSamples ./web/views/`.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("LABGRID_VIEWS_SAMPLES")
	if dir == "" {
		t.Skip("set LABGRID_VIEWS_SAMPLES to a directory to write sample pages")
	}
	grid := sampleGrid(i18n.JA, 30, false)
	pages := map[string]templ.Component{
		"grid.html":      GridPage(grid),
		"grid-en.html":   GridPage(sampleGrid(i18n.EN, 30, false)),
		"grid-200.html":  GridPage(sampleGrid(i18n.JA, 200, true)),
		"grid-1000.html": GridPage(sampleGrid(i18n.JA, 1000, false)),
		"detail.html":    StudentDetail(sampleDetail(i18n.JA, grid.Rows[4])),
		"detail-en.html": StudentDetail(sampleDetail(i18n.EN, grid.Rows[4])),
		"self.html":      SelfCheckPage(sampleSelf(i18n.JA, grid.Rows[4])),
		"self-en.html":   SelfCheckPage(sampleSelf(i18n.EN, grid.Rows[4])),
		"login.html":     LoginPage(&Login{Page: Page{Lang: i18n.JA, URL: "/login"}, Error: LoginWrongPassword}),
		"404.html":       ErrorPage(&ErrorView{Page: Page{Lang: i18n.JA, URL: "/s/nope"}, Code: 404}),
	}
	wait := sampleSelf(i18n.JA, grid.Rows[7])
	wait.CheckNow.Wait = 12 * time.Second
	wait.CheckNow.Queued = true
	pages["self-wait.html"] = SelfCheckPage(wait)
	for _, lang := range i18n.Langs {
		pages["progress-"+lang.String()+".html"] = ProgressView(&ProgressPage{Page: Page{Lang: lang, URL: "/classes/" + sampleClass + "/progress", Now: sampleNow, SignedIn: true},
			Class: sampleClass, Chart: sampleProgress(lang, 200, 6)})
		pages["report-"+lang.String()+".html"] = ReportView(sampleReport(lang, sampleGrid(lang, 30, false).Rows))
	}
	stuck := sampleGrid(i18n.JA, 30, false)
	stuck.Bottleneck = &Bottleneck{CheckID: "alb.listener", Title: grader.Text{JA: "HTTP:80 リスナー", EN: "HTTP:80 listener"}, Stuck: 9, Reached: 21, Minutes: 10,
		Hint: grader.Text{JA: "ALB にポート 80 のリスナーを追加し、ターゲットグループに転送してください", EN: "Add a listener on port 80 to the ALB, forwarding to the target group"}}
	pages["grid-bottleneck.html"] = GridPage(stuck)
	for name, c := range pages {
		html := render(t, c)
		// file:// pages: the static files sit in ./static next to them.
		html = strings.ReplaceAll(html, `"/static/`, `"static/`)
		html = strings.ReplaceAll(html, `<base href="/classes/`, `<base data-href="/classes/`)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range static.Names() {
		src, err := static.FS().Open(name)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "static", name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		f.Close()
	}
}
