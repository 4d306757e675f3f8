package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/web/views"
)

// The CSV's exact bytes: plain, for Excel (BOM, CRLF, formulas defused)
// and for an LMS.
func TestExportCSV(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	rubric := grader.DefaultRubric()
	max := rubric.MaxScore()
	var checks []string
	for _, c := range rubric.Checks {
		if c.Enabled {
			checks = append(checks, c.ID)
		}
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
		head := []string{"login", "display_name", "email", "sis_id", "section", "score", "max_score", "percent"}
		for _, c := range checks {
			head = append(head, c, c+" first_passed_at")
		}
		var b strings.Builder
		if excel {
			b.WriteString("\uFEFF")
		}
		b.WriteString(line(excel, append(head, "last_scanned")...))
		b.WriteString(line(excel, append(append([]string{"user01", "山田 太郎", "taro@example.jp", "S001", "A", fmt.Sprint(max), fmt.Sprint(max), "100.0"}, repeat("pass", at)...), at)...))
		b.WriteString(line(excel, append(append([]string{"user02", `"Smith, ""Jo"""`, "jo@example.com", "S002", "B", "0", fmt.Sprint(max), "0.0"}, repeat("fail", "")...), errAt)...))
		name := "=HYPERLINK()"
		if excel {
			name = "'" + name
		}
		b.WriteString(line(excel, append(append([]string{"user03", name, "u3@example.com", "S003", "B", "0", fmt.Sprint(max), "0.0"}, repeat("pending", "")...), "")...))
		return b.String()
	}
	lms := "Student,SIS User ID,SIS Login ID,Email,Section," + fmt.Sprintf("Step 3 (%d)", max) + "\n" +
		"山田 太郎,S001,user01,taro@example.jp,A," + fmt.Sprint(max) + "\n" +
		`"Smith, ""Jo""",S002,user02,jo@example.com,B,0` + "\n" +
		"=HYPERLINK(),S003,user03,u3@example.com,B,0\n"
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
