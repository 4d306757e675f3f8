package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

// formulaLike is how a spreadsheet would take a cell as a formula: its
// first character, past any spaces, is = + - or @, or it starts with a tab
// or a carriage return.
func formulaLike(cell string) bool {
	if cell != "" && (cell[0] == '\t' || cell[0] == '\r') {
		return true
	}
	rest := strings.TrimLeft(cell, " ")
	return rest != "" && strings.ContainsRune("=+-@", rune(rest[0]))
}

// Every CSV, in every format, writes text that could start a formula with
// a leading ', in every column that can carry user text (and in the
// header, whose check ids come from a rubric); other cells keep their
// value.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	hostile := []string{
		`=HYPERLINK("http://x","y")`, "+1", "-1", "@SUM(A1)", "  =1+1", "\t=1", "\r=1", "=1+1@x.com",
		"\n=1", " \t=1", "=cmd|' /C calc'!A0",
	}
	at := time.Date(2026, 11, 5, 10, 30, 0, 0, time.UTC)
	benign := grader.Student{Login: "user01", DisplayName: "山田 太郎", AccountID: "012345678901", Email: "taro@example.jp", SISID: "S001", Section: "A"}
	for _, f := range []struct {
		name string
		opt  CSVOptions
		// the columns that carry user text, and what each holds of the
		// student
		text map[string]func(grader.Student) string
	}{
		{"scan", CSVOptions{Columns: ScanColumns}, scanText},
		{"scan excel", CSVOptions{Columns: ScanColumns, Excel: true}, scanText},
		{"class", CSVOptions{Columns: ClassColumns}, classText},
		{"class excel", CSVOptions{Columns: ClassColumns, Excel: true}, classText},
		{"lms", CSVOptions{Columns: LMSColumns}, lmsText},
		{"lms excel", CSVOptions{Columns: LMSColumns, Excel: true}, lmsText},
	} {
		for _, v := range hostile {
			evil := grader.Student{Login: v, DisplayName: v, AccountID: v, RoleARN: v, ExternalID: v, Region: v, Email: v, SISID: v, Section: v}
			tab := &Table{
				// A lab's id and titles and its check ids come from lab
				// files, which anyone may write.
				Checks: []grader.CheckInfo{
					{Lab: v, LabShort: grader.Text{JA: v, EN: v}, ID: v, Title: grader.Text{JA: v, EN: v}, Required: true, Points: 10},
					{Lab: "cleanup", LabShort: grader.Text{JA: "片付け", EN: "Cleanup"}, ID: "probe.alb_http"},
				},
				Assignment: v,
				MaxScore:   10,
				// Each student has a leftover billing, its evidence their
				// login (the leftovers column).
				Rows: []Row{
					{Student: evil, Score: 0, Cells: []Cell{{Status: grader.StatusFail}, {Status: grader.StatusFail, CostPerHour: 0.5, Evidence: []string{v}}}},
					{Student: benign, Score: 10, Cells: []Cell{{Status: grader.StatusPass, FirstPassedAt: at, Points: 10}, {Status: grader.StatusFail, CostPerHour: 0.0252, Evidence: []string{benign.Login}}}, ScannedAt: at},
				},
			}
			var b bytes.Buffer
			if err := WriteCSV(&b, tab, f.opt); err != nil {
				t.Fatalf("%s %q: %v", f.name, v, err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF"))).ReadAll()
			if err != nil || len(rows) != 3 {
				t.Fatalf("%s %q: %d rows, %v\n%q", f.name, v, len(rows), err, b.String())
			}
			want := "'" + v
			if f.opt.Excel {
				// encoding/csv drops a lone CR when it ends lines with CRLF.
				want = "'" + strings.ReplaceAll(v, "\r", "")
			}
			for col, of := range f.text {
				i := slices.Index(rows[0], col)
				if i < 0 {
					t.Fatalf("%s: no column %q in %q", f.name, col, rows[0])
				}
				if got := rows[1][i]; got != want {
					t.Errorf("%s %s: cell %q, want %q", f.name, col, got, want)
				}
				if got, want := rows[2][i], of(benign); got != want {
					t.Errorf("%s %s: plain text %q became %q", f.name, col, want, got)
				}
			}
			for _, row := range rows {
				for i, cell := range row {
					if formulaLike(cell) {
						t.Errorf("%s %q: column %d (%s) is %q", f.name, v, i+1, rows[0][i], cell)
					}
				}
			}
			// Numbers and times are left as they are.
			for col, want := range map[string]string{"score": "10", "max_score": "10", "percent": "100.0", "scanned_at": "2026-11-05T10:30:00Z", "last_scanned": "2026-11-05T10:30:00Z", "cleanup score": "0", "cost_per_hour": "0.0252"} {
				if i := slices.Index(rows[0], col); i >= 0 && rows[2][i] != want {
					t.Errorf("%s %s: %q, want %q", f.name, col, rows[2][i], want)
				}
			}
			if f.opt.Columns == LMSColumns {
				if head, score := rows[0][5], rows[2][5]; head != "'"+strings.ReplaceAll(v, "\r", "")+" (10)" && head != "'"+v+" (10)" || score != "10" {
					t.Errorf("%s: first lab's column %q = %q, want the lab's title defused with the maximum, and 10", f.name, head, score)
				}
				if len(rows[0]) != 7 || rows[0][6] != "Cleanup (0)" || rows[2][6] != "0" {
					t.Errorf("%s: second lab's column %q, want Cleanup (0) = 0", f.name, rows[0][5:])
				}
			} else {
				// Each lab's score and maximum, and every check's column
				// named by its lab, both defused.
				labHead := "'" + v + " score"
				if f.opt.Excel {
					labHead = "'" + strings.ReplaceAll(v, "\r", "") + " score"
				}
				if i := slices.Index(rows[0], labHead); i < 0 || rows[2][i] != "10" || rows[2][i+1] != "10" {
					t.Errorf("%s: no column %q with 10 of 10 in %q", f.name, labHead, rows[0])
				}
				if !slices.Contains(rows[0], "cleanup:probe.alb_http") {
					t.Errorf("%s: no column cleanup:probe.alb_http in %q", f.name, rows[0])
				}
			}
		}
	}
}

var (
	scanText = map[string]func(grader.Student) string{
		"login":        func(s grader.Student) string { return s.Login },
		"display_name": func(s grader.Student) string { return s.DisplayName },
		"account_id":   func(s grader.Student) string { return s.AccountID },
	}
	classText = map[string]func(grader.Student) string{
		"login":        func(s grader.Student) string { return s.Login },
		"display_name": func(s grader.Student) string { return s.DisplayName },
		"email":        func(s grader.Student) string { return s.Email },
		"sis_id":       func(s grader.Student) string { return s.SISID },
		"section":      func(s grader.Student) string { return s.Section },
		"leftovers":    func(s grader.Student) string { return s.Login },
	}
	lmsText = map[string]func(grader.Student) string{
		"Student":      func(s grader.Student) string { return s.DisplayName },
		"SIS User ID":  func(s grader.Student) string { return s.SISID },
		"SIS Login ID": func(s grader.Student) string { return s.Login },
		"Email":        func(s grader.Student) string { return s.Email },
		"Section":      func(s grader.Student) string { return s.Section },
	}
)

// A gradebook row needs a name: the LMS CSV gives the login of a student
// whose display name is blank.
func TestWriteCSVLMSNameFallsBackToLogin(t *testing.T) {
	t.Parallel()
	tab := &Table{MaxScore: 10, Rows: []Row{
		{Student: grader.Student{Login: "user01", DisplayName: "山田 太郎"}, Score: 10},
		{Student: grader.Student{Login: "user02", DisplayName: " \u3000"}, Score: 0},
		{Student: grader.Student{Login: "user03"}, Score: 5},
	}}
	var b bytes.Buffer
	if err := WriteCSV(&b, tab, CSVOptions{Columns: LMSColumns}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	if want := []string{"山田 太郎", "user02", "user03"}; !slices.Equal(got, want) {
		t.Errorf("Student column %q, want %q", got, want)
	}
}

// The class CSV gives each lab's score and maximum; the cost columns come
// only when some result carries a cost, with the sum of a student's costs
// and the evidence of their checks not passed in the labs that report
// costs (a passed check's evidence is not a leftover).
func TestWriteCSVClassLabsAndCosts(t *testing.T) {
	t.Parallel()
	checks := []grader.CheckInfo{
		{Lab: "a", ID: "a.one", Required: true, Points: 5},
		{Lab: "a", ID: "a.two", Required: false, Points: 3},
		{Lab: "b", ID: "b.one", Required: true, Points: 2},
		{Lab: "b", ID: "b.two", Required: true, Points: 4},
	}
	row := func(login string, cost float64) Row {
		return Row{Student: grader.Student{Login: login}, Score: 7, Cells: []Cell{
			{Status: grader.StatusPass, Points: 5},
			{Status: grader.StatusFail},
			{Status: grader.StatusPass, Points: 2, CostPerHour: cost, Evidence: []string{"gone-but-passed"}},
			{Status: grader.StatusFail, CostPerHour: 2 * cost, Evidence: []string{"i-1 (web)", "nat-2"}},
		}}
	}
	write := func(tab *Table) [][]string {
		t.Helper()
		var b bytes.Buffer
		if err := WriteCSV(&b, tab, CSVOptions{Columns: ClassColumns}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	cell := func(rows [][]string, r int, col string) string {
		t.Helper()
		i := slices.Index(rows[0], col)
		if i < 0 {
			t.Fatalf("no column %q in %q", col, rows[0])
		}
		return rows[r][i]
	}

	rows := write(&Table{Checks: checks, MaxScore: 11, Rows: []Row{row("user01", 0)}})
	wantHead := []string{"login", "display_name", "email", "sis_id", "section", "score", "max_score", "percent",
		"a score", "a max_score", "b score", "b max_score",
		"a:a.one", "a:a.one first_passed_at", "a:a.two", "a:a.two first_passed_at",
		"b:b.one", "b:b.one first_passed_at", "b:b.two", "b:b.two first_passed_at", "last_scanned", "help_requests"}
	if !slices.Equal(rows[0], wantHead) {
		t.Fatalf("header without costs\n got %q\nwant %q", rows[0], wantHead)
	}
	if got := rows[1][8:12]; !slices.Equal(got, []string{"5", "5", "2", "6"}) {
		t.Errorf("lab scores %q, want 5/5 and 2/6", got)
	}
	helped := row("user02", 0)
	helped.HelpRequests = 3
	if got := cell(write(&Table{Checks: checks, MaxScore: 11, Rows: []Row{helped}}), 1, "help_requests"); got != "3" {
		t.Errorf("help_requests %q, want 3", got)
	}

	rows = write(&Table{Checks: checks, MaxScore: 11, Rows: []Row{row("user01", 0.01), row("user02", 0)}})
	if got := rows[0][len(rows[0])-4:]; !slices.Equal(got, []string{"cost_per_hour", "leftovers", "last_scanned", "help_requests"}) {
		t.Fatalf("header ends %q, want the cost columns before last_scanned", got)
	}
	if got := cell(rows, 1, "cost_per_hour"); got != "0.03" {
		t.Errorf("cost_per_hour %q, want 0.03 (0.01 + 0.02)", got)
	}
	if got := cell(rows, 1, "leftovers"); got != "i-1 (web); nat-2" {
		t.Errorf("leftovers %q, want the failing check's evidence", got)
	}
	// What is left costs nothing by the hour (storage only): still a
	// leftover.
	if got, left := cell(rows, 2, "cost_per_hour"), cell(rows, 2, "leftovers"); got != "0" || left != "i-1 (web); nat-2" {
		t.Errorf("a student whose leftovers bill no hourly figure: %q, %q", got, left)
	}
	// A lab that reports no cost has no leftovers: its failing check a.two
	// is not listed.
	r := row("user03", 0.01)
	r.Cells[1].Evidence = []string{"not-a-leftover"}
	rows = write(&Table{Checks: checks, MaxScore: 11, Rows: []Row{r}})
	if got := cell(rows, 1, "leftovers"); got != "i-1 (web); nat-2" {
		t.Errorf("leftovers %q, want only the cost-reporting lab's", got)
	}
}
