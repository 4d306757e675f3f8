package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"labgrid/report"
	"labgrid/store"
)

// export is GET /classes/{name}/export.csv: one row per student, in the
// columns of report.ClassColumns, or with ?format=lms those of
// report.LMSColumns; ?excel=1 (either format) writes it for Excel.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, students, err := s.loadClassStudents(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	opt := report.CSVOptions{Columns: report.ClassColumns, Excel: q.Get("excel") == "1" || q.Get("excel") == "true"}
	name := "labgrid-" + safeFileName(cv.class.Name)
	if q.Get("format") == "lms" {
		opt.Columns = report.LMSColumns
		name += "-lms"
	}
	name += "-" + s.now().UTC().Format("20060102-1504") + ".csv"
	// Buffered, so that an error is still an error page and the length is
	// known.
	t := cv.table(students)
	if err := s.addLeftovers(ctx, cv, t, students); err != nil {
		s.fail(w, r, err)
		return
	}
	helps, err := s.store.HelpCounts(ctx, cv.class.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i, ss := range students {
		t.Rows[i].HelpRequests = helps[ss.Student.ID]
	}
	var b bytes.Buffer
	if err := report.WriteCSV(&b, t, opt); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
}

// table maps the class's students to the rows every CSV is written from:
// each student's standing, as the grid and their page show it.
func (cv *classView) table(students []store.StudentSummary) *report.Table {
	t := report.NewTable(cv.judge)
	t.Rows = make([]report.Row, len(students))
	for i, ss := range students {
		st := cv.standing(ss.Summary)
		row := report.Row{Student: ss.Student.Student, Score: st.score, Cells: make([]report.Cell, len(st.checks)), ScannedAt: ss.Student.LastScannedAt}
		for j, c := range st.checks {
			row.Cells[j] = report.Cell{Status: c.Status, FirstPassedAt: c.FirstPassedAt, Points: c.Points, CostPerHour: c.CostPerHour}
		}
		t.Rows[i] = row
	}
	return t
}

// addLeftovers reads the evidence of the checks of the labs that report
// costs into t (the table of students), for its leftovers column: the
// grid's reads leave evidence out.
func (s *Server) addLeftovers(ctx context.Context, cv *classView, t *report.Table, students []store.StudentSummary) error {
	costLabs, any := t.CostLabs()
	if !any {
		return nil
	}
	var ids []string
	for i, l := range t.Labs {
		if costLabs[i] {
			for _, c := range t.Checks[l.First:l.End] {
				ids = append(ids, c.ID)
			}
		}
	}
	left, err := s.store.ClassLeftovers(ctx, cv.class.ID, ids)
	if err != nil {
		return err
	}
	for i := range t.Rows {
		ev := left[students[i].Student.ID]
		for j, c := range t.Checks {
			t.Rows[i].Cells[j].Evidence = ev[c.ID]
		}
	}
	return nil
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
