package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/web/views"
)

// The CSV's exact bytes: plain, for Excel (BOM, CRLF) and for an LMS, all
// with formulas defused.
func TestExportCSV(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	// user02 asked for help twice: the last column counts it.
	for i := range 2 {
		at := e.clock.Now().Add(time.Duration(i) * time.Hour)
		h, err := e.store.RaiseHand(t.Context(), e.ids["user02"], "", at)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.HandDone(t.Context(), e.class.ID, h.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	judge := defaultJudge(t)
	max := judge.MaxScore()
	var checks []string
	lab := judge.Checks()[0].Lab
	for _, c := range judge.Checks() {
		checks = append(checks, c.Lab+":"+c.ID)
	}
	at := e.scanTime.Format("2006-01-02T15:04:05Z")
	errAt := e.scanTime.Add(60e9).Format("2006-01-02T15:04:05Z")
	line := func(excel bool, fields ...string) string {
		s := strings.Join(fields, ",")
		if excel {
			return s + "\r\n"
		}
		return s + "\n"
	}
	repeat := func(pair ...string) []string {
		var out []string
		for range checks {
			out = append(out, pair...)
		}
		return out
	}
	plain := func(excel bool) string {
		head := []string{"login", "display_name", "email", "sis_id", "section", "score", "max_score", "percent", lab + " score", lab + " max_score"}
		for _, c := range checks {
			head = append(head, c, c+" first_passed_at")
		}
		var b strings.Builder
		if excel {
			b.WriteString("\uFEFF")
		}
		b.WriteString(line(excel, append(head, "last_scanned", "help_requests")...))
		b.WriteString(line(excel, append(append([]string{"user01", "山田 太郎", "taro@example.jp", "S001", "A", fmt.Sprint(max), fmt.Sprint(max), "100.0", fmt.Sprint(max), fmt.Sprint(max)}, repeat("pass", at)...), at, "0")...))
		b.WriteString(line(excel, append(append([]string{"user02", `"Smith, ""Jo"""`, "jo@example.com", "S002", "B", "0", fmt.Sprint(max), "0.0", "0", fmt.Sprint(max)}, repeat("fail", "")...), errAt, "2")...))
		b.WriteString(line(excel, append(append([]string{"user03", "'=HYPERLINK()", "u3@example.com", "S003", "B", "0", fmt.Sprint(max), "0.0", "0", fmt.Sprint(max)}, repeat("pending", "")...), "", "0")...))
		return b.String()
	}
	lms := "Student,SIS User ID,SIS Login ID,Email,Section," + fmt.Sprintf("Step 3 (%d)", max) + "\n" +
		"山田 太郎,S001,user01,taro@example.jp,A," + fmt.Sprint(max) + "\n" +
		`"Smith, ""Jo""",S002,user02,jo@example.com,B,0` + "\n" +
		"'=HYPERLINK(),S003,user03,u3@example.com,B,0\n"
	base := views.ClassExportURL(e.class.Name)
	for _, tc := range []struct{ query, want, file string }{
		{"", plain(false), "labgrid-" + e.class.Name + "-"},
		{"?excel=1", plain(true), "labgrid-" + e.class.Name + "-"},
		{"?format=lms", lms, "labgrid-" + e.class.Name + "-lms-"},
	} {
		resp, body := e.get(base + tc.query)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("%s: %d %s", tc.query, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+tc.file) || !strings.HasSuffix(cd, `.csv"`) {
			t.Errorf("%s: Content-Disposition %q", tc.query, cd)
		}
		if body != tc.want {
			t.Errorf("%s: got\n%q\nwant\n%q", tc.query, body, tc.want)
		}
	}
}

// A student's text that a spreadsheet would run as a formula reaches every
// export with a leading ', in every column that carries it.
func TestExportNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	evil := []grader.Student{
		{Login: "evil01", DisplayName: `=HYPERLINK("http://x","y")`, AccountID: "444444444444", Email: "=1+1@x.com", SISID: "=1+1", Section: "@SUM(A1)"},
		{Login: "evil02", DisplayName: "  =1+1", AccountID: "444444444444", Email: "+1@x.com", SISID: "-1", Section: "\t=1"},
		{Login: "evil03", DisplayName: "\r=1", AccountID: "444444444444", Email: "-x@x.com", SISID: "+1", Section: "-1"},
	}
	if _, err := e.store.ImportRoster(t.Context(), e.class.ID, evil, false, testSecret); err != nil {
		t.Fatal(err)
	}
	type columns = map[string]func(grader.Student) string
	class := columns{
		"display_name": func(s grader.Student) string { return s.DisplayName },
		"email":        func(s grader.Student) string { return s.Email },
		"sis_id":       func(s grader.Student) string { return s.SISID },
		"section":      func(s grader.Student) string { return s.Section },
	}
	lms := columns{
		"Student":     func(s grader.Student) string { return s.DisplayName },
		"SIS User ID": func(s grader.Student) string { return s.SISID },
		"Email":       func(s grader.Student) string { return s.Email },
		"Section":     func(s grader.Student) string { return s.Section },
	}
	base := views.ClassExportURL(e.class.Name)
	for _, tc := range []struct {
		query string
		cols  columns
	}{
		{"", class}, {"?excel=1", class}, {"?format=lms", lms}, {"?format=lms&excel=1", lms},
	} {
		resp, body := e.get(base + tc.query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.query, resp.StatusCode)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil || len(rows) != 1+len(testRoster)+len(evil) {
			t.Fatalf("%s: %d rows, %v\n%q", tc.query, len(rows), err, body)
		}
		login := slices.Index(rows[0], "login")
		if login < 0 {
			login = slices.Index(rows[0], "SIS Login ID")
		}
		for _, st := range evil {
			i := slices.IndexFunc(rows, func(r []string) bool { return r[login] == st.Login })
			if i < 0 {
				t.Fatalf("%s: no row for %s", tc.query, st.Login)
			}
			for col, of := range tc.cols {
				want := "'" + of(st)
				if strings.Contains(tc.query, "excel") {
					// encoding/csv drops a lone CR when it ends lines with CRLF.
					want = strings.ReplaceAll(want, "\r", "")
				}
				if got := rows[i][slices.Index(rows[0], col)]; got != want {
					t.Errorf("%s %s %s: %q, want %q", tc.query, st.Login, col, got, want)
				}
			}
		}
		for _, row := range rows {
			for i, cell := range row {
				if rest := strings.TrimLeft(cell, " "); rest != "" && strings.ContainsRune("=+-@\t\r", rune(rest[0])) {
					t.Errorf("%s: %s is %q", tc.query, rows[0][i], cell)
				}
			}
		}
	}
}
