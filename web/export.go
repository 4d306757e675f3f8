package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"labgrid/store"
)

// lmsAssignment names the lab's column in the LMS format; the rubric's
// maximum score follows it in parentheses, as Canvas and Moodle show it.
const lmsAssignment = "Step 3"

// export is GET /classes/{name}/export.csv: one row per student.
//
//   - default: login, display_name, email, sis_id, section, score,
//     max_score, percent, then for each enabled check its status and when
//     it first passed (RFC 3339, UTC), then last_scanned;
//   - ?format=lms: the columns gradebook imports read (Canvas, Moodle):
//     Student, SIS User ID, SIS Login ID, Email, Section, "Step 3 (max)";
//   - ?excel=1 (either format): a UTF-8 byte order mark and CRLF line
//     ends, so that Excel (Japanese Windows included) reads UTF-8, and
//     text cells that would start a formula (= + - @) are quoted with '.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	students, err := s.store.ClassStudents(ctx, cv.class.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	excel := q.Get("excel") == "1" || q.Get("excel") == "true"
	lms := q.Get("format") == "lms"
	b, err := cv.csv(students, lms, excel)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "labgrid-" + safeFileName(cv.class.Name)
	if lms {
		name += "-lms"
	}
	name += "-" + s.now().UTC().Format("20060102-1504") + ".csv"
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// csv writes the class's CSV.
func (cv *classView) csv(students []store.GridRow, lms, excel bool) ([]byte, error) {
	var buf bytes.Buffer
	if excel {
		buf.WriteString("\uFEFF")
	}
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = excel
	text := func(s string) string {
		if excel && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			return "'" + s
		}
		return s
	}
	max := cv.rubric.MaxScore()
	if lms {
		cw.Write([]string{"Student", "SIS User ID", "SIS Login ID", "Email", "Section", fmt.Sprintf("%s (%d)", lmsAssignment, max)})
	} else {
		head := []string{"login", "display_name", "email", "sis_id", "section", "score", "max_score", "percent"}
		for _, c := range cv.checks {
			head = append(head, c.ID, c.ID+" first_passed_at")
		}
		cw.Write(append(head, "last_scanned"))
	}
	for _, gr := range students {
		st := gr.Student
		byCheck := make(map[string]store.Result, len(gr.Results))
		score := 0
		for _, res := range gr.Results {
			byCheck[res.CheckID] = res
		}
		for _, c := range cv.checks {
			score += byCheck[c.ID].Points
		}
		if lms {
			cw.Write([]string{text(displayName(st)), text(st.SISID), text(st.Login), text(st.Email), text(st.Section), strconv.Itoa(score)})
			continue
		}
		rec := []string{text(st.Login), text(st.DisplayName), text(st.Email), text(st.SISID), text(st.Section),
			strconv.Itoa(score), strconv.Itoa(max), percentOf(score, max)}
		for _, c := range cv.checks {
			res, ok := byCheck[c.ID]
			status := "pending"
			if ok {
				status = string(res.Status)
			}
			rec = append(rec, status, csvTime(res.FirstPassedAt))
		}
		cw.Write(append(rec, csvTime(st.LastScannedAt)))
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

func displayName(st store.Student) string {
	if strings.TrimSpace(st.DisplayName) != "" {
		return st.DisplayName
	}
	return st.Login
}

// percentOf is score of max with one decimal, "0" when max is 0.
func percentOf(score, max int) string {
	if max <= 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(score)*100/float64(max), 'f', 1, 64)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// safeFileName keeps letters, digits, '.', '_' and '-' (class names are
// made of these already).
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}
