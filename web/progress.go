package web

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"labgrid/grader"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

// progressRedrawEvery is the progress stream's pace: at most one redraw
// in that time, however often results change (a redraw reads the class's
// whole history).
const progressRedrawEvery = 5 * time.Second

// progressChart reads how the class went through the checks of lab (nil:
// every lab) since its start.
func (s *Server) progressChart(ctx context.Context, cv *classView, lab *grader.LabInfo, lang i18n.Lang) (views.ProgressChart, error) {
	checks := cv.checks
	if lab != nil {
		checks = checks[lab.First:lab.End]
	}
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.ID
	}
	p, err := s.store.ClassProgress(ctx, cv.class.ID, cv.class.Start(), ids)
	if err != nil {
		return views.ProgressChart{}, err
	}
	chart := views.ProgressChart{Lang: lang, Start: p.Start, Now: s.now(), Students: p.Students, Checks: make([]views.ProgressCheck, len(checks))}
	for i, c := range checks {
		chart.Checks[i] = views.ProgressCheck{ID: c.ID, Title: c.Title, PassedAt: p.Checks[i].PassedAt, Took: p.Checks[i].Took}
	}
	return chart, nil
}

// progress is GET /classes/{name}/progress: the class's progress charts,
// one lab with ?lab= as on the grid.
func (s *Server) progress(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r)
	p.SignedIn = true
	q := views.ParseGridQuery(r.URL.Query())
	// A lab the class has not (a stale link) is said and dropped.
	lab, unknown := cv.lab(q.Lab), ""
	if q.Lab != "" && lab == nil {
		unknown, q.Lab = q.Lab, ""
	}
	chart, err := s.progressChart(ctx, cv, lab, p.Lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ProgressView(&views.ProgressPage{
		Page: p, Class: cv.class.Name, Labs: cv.labs, Lab: q.Lab, UnknownLab: unknown, Chart: chart,
	}))
}

// progressEvents is GET /classes/{name}/progress/events: the progress
// page's live stream, the charts again (views.ProgressEvent) when results
// change, at most once per progressRedrawEvery.
func (s *Server) progressEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.lang(nil, r)
	lab := cv.lab(views.ParseGridQuery(r.URL.Query()).Lab)
	var last time.Time
	s.stream(w, r, cv.class.ID, 0, func(es *eventStream, ev HubEvent) error {
		// Wait out the pace: the changes meanwhile are merged by the hub
		// into the next event, and this redraw shows them all.
		if wait := progressRedrawEvery - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		last = time.Now()
		chart, err := s.progressChart(ctx, cv, lab, lang)
		if err != nil {
			return err
		}
		if err := es.event(ctx, views.ProgressEvent, views.ProgressBody(chart)); err != nil {
			return err
		}
		return es.flush()
	})
}
