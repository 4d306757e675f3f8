package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"labgrid/web/views"
)

// report is GET /classes/{name}/report: the class's one-page report,
// from the same reads as the progress page (progressChart) and the grid
// (rows, sorted by login as filterSort does by default).
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	students, err := s.store.ClassSummaries(ctx, cv.class.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r)
	p.SignedIn = true
	chart, err := s.progressChart(ctx, cv, nil, p.Lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	noResults := true
	for _, st := range students {
		if len(st.Summary.Checks) > 0 {
			noResults = false
			break
		}
	}
	rows, _ := cv.rows(students, p.Now, stuckAfter)
	s.render(w, r, http.StatusOK, views.ReportView(&views.ReportPage{
		Page: p, Class: cv.class.Name, NoResults: noResults, Chart: chart, Labs: cv.labs,
		Scores: plainRows(filterSort(rows, views.GridQuery{})),
	}))
}
