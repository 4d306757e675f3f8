package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"labgrid/store"
	"labgrid/web/views"
)

// report is GET /classes/{name}/report: the class's one-page report,
// from the same reads as the progress page (progressChart) and the grid
// (rows, sorted by login as filterSort does by default).
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, students, err := s.loadClassStudents(ctx, chi.URLParam(r, "name"))
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
	hands, err := s.store.ClassHelpRequests(ctx, cv.class.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, _ := cv.rows(students, cv.standings(students), p.Now, stuckAfter)
	s.render(w, r, http.StatusOK, views.ReportView(&views.ReportPage{
		Page: p, Class: cv.class.Name, NoResults: noResults, Chart: chart, Labs: cv.labs,
		Scores: plainRows(filterSort(rows, views.GridQuery{})), Help: helpRecords(hands),
	}))
}

// helpRecords are the report's lines of the class's help requests.
func helpRecords(hands []store.HelpRequest) []views.HelpRecord {
	out := make([]views.HelpRecord, len(hands))
	for i, h := range hands {
		answered := h.OnMyWayAt
		for _, at := range []time.Time{h.DoneAt, h.WithdrawnAt} {
			if answered.IsZero() {
				answered = at
			}
		}
		out[i] = views.HelpRecord{Login: h.Login, DisplayName: h.DisplayName, Message: h.Message, RaisedAt: h.RaisedAt,
			AnsweredAt: answered, Done: !h.DoneAt.IsZero(), Withdrawn: !h.WithdrawnAt.IsZero()}
	}
	return out
}
