package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"labgrid/grader"
	"labgrid/store"
	"labgrid/web/views"
)

// classView is what the grid, its stream and the export need of a class.
type classView struct {
	class   store.Class
	judge   grader.Judge
	checks  []grader.CheckInfo // the enabled checks, in checklist order
	columns []views.Column
}

// loadClass reads a class by name with the checks it is judged on.
func (s *Server) loadClass(ctx context.Context, name string) (*classView, error) {
	c, err := s.store.ClassByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.classViewOf(c)
}

func (s *Server) classViewOf(c store.Class) (*classView, error) {
	judge, err := s.judges(c)
	if err != nil {
		return nil, fmt.Errorf("class %s: %w", c.Name, err)
	}
	cv := &classView{class: c, judge: judge, checks: judge.Checks()}
	cv.columns = views.Columns(cv.checks)
	return cv, nil
}

// gridRow is a row of the grid with what sorting and filtering need.
type gridRow struct {
	views.Row
	// sinceProgress is the time since the student's latest first pass (or
	// since the class began); zero when every check passed.
	sinceProgress time.Duration
}

// row maps a student and their results to a grid row. Rows show "no
// progress for …" past threshold.
func (cv *classView) row(gr store.GridRow, now time.Time, threshold time.Duration) gridRow {
	byCheck := make(map[string]*store.Result, len(gr.Results))
	for i := range gr.Results {
		byCheck[gr.Results[i].CheckID] = &gr.Results[i]
	}
	r := gridRow{Row: views.Row{
		ID:          gr.Student.ID,
		Login:       gr.Student.Login,
		DisplayName: gr.Student.DisplayName,
		MaxScore:    cv.judge.MaxScore(),
		LastScanned: gr.Student.LastScannedAt,
		Cells:       make([]views.Cell, len(cv.checks)),
	}}
	latest, passedAll := cv.class.CreatedAt, true
	for i, info := range cv.checks {
		cell := views.Cell{CheckID: info.ID, Lab: info.Lab, Area: info.Area, Status: grader.StatusPending}
		if res, ok := byCheck[info.ID]; ok {
			cell.Status, cell.Error = res.Status, res.HasError()
			r.Score += res.Points
			if res.FirstPassedAt.After(latest) {
				latest = res.FirstPassedAt
			}
			if res.HasError() && r.Error == (grader.Text{}) {
				r.Error = res.Error
			}
		}
		if !cell.Status.Passed() {
			passedAll = false
		}
		r.Cells[i] = cell
	}
	if !passedAll && now.After(latest) {
		r.sinceProgress = now.Sub(latest)
		if r.sinceProgress >= threshold {
			r.StuckFor = r.sinceProgress
		}
	}
	return r
}

// rows maps every student of the class.
func (cv *classView) rows(students []store.GridRow, now time.Time, threshold time.Duration) []gridRow {
	out := make([]gridRow, len(students))
	for i, st := range students {
		out[i] = cv.row(st, now, threshold)
	}
	return out
}

func plainRows(rows []gridRow) []views.Row {
	out := make([]views.Row, len(rows))
	for i, r := range rows {
		out[i] = r.Row
	}
	return out
}

// filterSort keeps the rows q asks for, in its order.
func filterSort(rows []gridRow, q views.GridQuery) []gridRow {
	out := make([]gridRow, 0, len(rows))
	for _, r := range rows {
		if q.StuckMinutes > 0 && r.sinceProgress < time.Duration(q.StuckMinutes)*time.Minute {
			continue
		}
		if q.InError && r.Error == (grader.Text{}) {
			continue
		}
		if q.Failing != "" && !failing(r.Row, q.Failing) {
			continue
		}
		out = append(out, r)
	}
	byLogin := func(a, b gridRow) int { return cmp.Compare(strings.ToLower(a.Login), strings.ToLower(b.Login)) }
	switch q.SortKey() {
	case views.SortProgress:
		slices.SortStableFunc(out, func(a, b gridRow) int { return cmp.Or(cmp.Compare(a.Score, b.Score), byLogin(a, b)) })
	case views.SortStuck:
		slices.SortStableFunc(out, func(a, b gridRow) int {
			return cmp.Or(cmp.Compare(b.sinceProgress, a.sinceProgress), byLogin(a, b))
		})
	default:
		slices.SortStableFunc(out, byLogin)
	}
	return out
}

// failing reports whether the row has a cell for checkID not passed.
func failing(r views.Row, checkID string) bool {
	for _, c := range r.Cells {
		if c.CheckID == checkID {
			return !c.Status.Passed()
		}
	}
	return false
}

// stuckThreshold is when a row shows "no progress": the filter's minutes
// when set, else stuckAfter.
func stuckThreshold(q views.GridQuery) time.Duration {
	if q.StuckMinutes > 0 {
		return time.Duration(q.StuckMinutes) * time.Minute
	}
	return stuckAfter
}

// grid is GET /classes/{name}: the live grid of a class.
func (s *Server) grid(w http.ResponseWriter, r *http.Request) {
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
	q := views.ParseGridQuery(r.URL.Query())
	p := s.page(w, r)
	p.SignedIn = true
	all := cv.rows(students, p.Now, stuckThreshold(q))
	g := &views.Grid{
		Page:    p,
		Class:   cv.class.Name,
		Columns: cv.columns,
		Rows:    plainRows(filterSort(all, q)),
		Summary: views.Summarize(cv.columns, plainRows(all)),
		Query:   q,
	}
	s.render(w, r, http.StatusOK, views.GridPage(g))
}
