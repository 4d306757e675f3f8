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
	labs    []grader.LabInfo   // the labs of checks, in order
	columns []views.Column
	column  map[string]int // index in checks, by check id
	labOf   []int          // index in labs, by index in checks; -1: none
}

// loadClass reads a class by name with the checks it is judged on.
func (s *Server) loadClass(ctx context.Context, name string) (*classView, error) {
	c, err := s.store.ClassByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.classViewOf(c)
}

// loadClassStudents is the class of that name with its students' summaries:
// what the grid, its banner, the export and the report start from.
func (s *Server) loadClassStudents(ctx context.Context, name string) (*classView, []store.StudentSummary, error) {
	cv, err := s.loadClass(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	students, err := s.store.ClassSummaries(ctx, cv.class.ID)
	if err != nil {
		return nil, nil, err
	}
	return cv, students, nil
}

func (s *Server) classViewOf(c store.Class) (*classView, error) {
	judge, err := s.judges(c)
	if err != nil {
		return nil, fmt.Errorf("class %s: %w", c.Name, err)
	}
	cv := &classView{class: c, judge: judge, checks: judge.Checks()}
	cv.labs = grader.LabsOf(cv.checks)
	cv.columns = views.Columns(cv.checks)
	cv.column = make(map[string]int, len(cv.checks))
	cv.labOf = make([]int, len(cv.checks))
	for i, c := range cv.checks {
		cv.column[c.ID], cv.labOf[i] = i, -1
	}
	for li, l := range cv.labs {
		for i := l.First; i < l.End; i++ {
			cv.labOf[i] = li
		}
	}
	return cv, nil
}

// gridRow is a row of the grid with what sorting and filtering need.
type gridRow struct {
	views.Row
	// sinceProgress is the time since the student's latest first pass (or
	// since the class began); zero when every check passed.
	sinceProgress time.Duration
	// cells are every check's, when Cells show one lab only (onlyLab):
	// the filter on a failing check reads them.
	cells []views.Cell
}

// row maps a student and their standing to a grid row. Rows show "no
// progress for …" past threshold. costLabs marks, by index of cv.labs,
// the labs that report costs (costLabs): what the student has not passed
// there is left over.
func (cv *classView) row(student store.Student, st standing, now time.Time, threshold time.Duration, costLabs []bool) gridRow {
	r := gridRow{Row: views.Row{
		ID:          student.ID,
		Login:       student.Login,
		DisplayName: student.DisplayName,
		Score:       st.score,
		MaxScore:    cv.judge.MaxScore(),
		LastScanned: student.LastScannedAt,
		Error:       st.firstError,
		CostPerHour: st.costPerHour,
		Leftovers:   st.costPerHour > 0,
		Cells:       make([]views.Cell, len(cv.checks)),
		Labs:        make([]views.LabScore, len(cv.labs)),
	}}
	for i, l := range cv.labs {
		r.Labs[i] = views.LabScore{ID: l.ID, Title: l.Short, Score: st.labScores[i], MaxScore: l.MaxScore}
	}
	for i, info := range cv.checks {
		c := st.checks[i]
		r.Cells[i] = views.Cell{CheckID: info.ID, Lab: info.Lab, Area: info.Area, Status: c.Status, Error: c.HasError}
		if lab := cv.labOf[i]; lab >= 0 && lab < len(costLabs) && costLabs[lab] && c.Status == grader.StatusFail {
			r.Leftovers = true
		}
	}
	r.sinceProgress = st.sinceProgress(now)
	if r.sinceProgress > 0 && r.sinceProgress >= threshold {
		r.StuckFor = r.sinceProgress
	}
	r.cells = r.Cells
	return r
}

// costLabs marks, by index of cv.labs, the labs that report costs: a
// check of theirs says it estimates costs, or some result of theirs, of
// any student, carries one.
func (cv *classView) costLabs(standings []standing) (costLabs []bool, any bool) {
	costLabs = make([]bool, len(cv.labs))
	for i, l := range cv.labs {
		if l.Costs {
			costLabs[i], any = true, true
		}
	}
	for _, st := range standings {
		for i, c := range st.checks {
			if lab := cv.labOf[i]; lab >= 0 && c.CostPerHour > 0 {
				costLabs[lab], any = true, true
			}
		}
	}
	return costLabs, any
}

// standings are the students' standings, in the order of students: worked
// out once per request, for the rows and the bottleneck alike.
func (cv *classView) standings(students []store.StudentSummary) []standing {
	standings := make([]standing, len(students))
	for i, st := range students {
		standings[i] = cv.standing(st.Summary)
	}
	return standings
}

// rows maps every student of the class (standings: theirs, in the same
// order), and says whether a lab of the class reports costs.
func (cv *classView) rows(students []store.StudentSummary, standings []standing, now time.Time, threshold time.Duration) (rows []gridRow, anyCost bool) {
	costLabs, anyCost := cv.costLabs(standings)
	rows = make([]gridRow, len(students))
	for i, st := range students {
		rows[i] = cv.row(st.Student, standings[i], now, threshold, costLabs)
	}
	return rows, anyCost
}

// lab is the class's lab of that id, or nil ("" or a lab it has not).
func (cv *classView) lab(id string) *grader.LabInfo {
	for i := range cv.labs {
		if cv.labs[i].ID == id {
			return &cv.labs[i]
		}
	}
	return nil
}

// onlyLab narrows the rows to one lab: its cells, its score out of its
// maximum. A nil lab leaves them as they are.
func onlyLab(rows []gridRow, l *grader.LabInfo, labIndex int) []gridRow {
	if l == nil {
		return rows
	}
	out := make([]gridRow, len(rows))
	for i, r := range rows {
		r.Cells = r.Cells[l.First:l.End]
		if labIndex < len(r.Labs) {
			r.Score, r.MaxScore = r.Labs[labIndex].Score, r.Labs[labIndex].MaxScore
		}
		out[i] = r
	}
	return out
}

// columnsOf is the grid's columns of one lab, or every column for nil.
func (cv *classView) columnsOf(l *grader.LabInfo) []views.Column {
	if l == nil {
		return cv.columns
	}
	return cv.columns[l.First:l.End]
}

// labIndex is the index of l in cv.labs, -1 for nil.
func (cv *classView) labIndex(l *grader.LabInfo) int {
	for i := range cv.labs {
		if &cv.labs[i] == l {
			return i
		}
	}
	return -1
}

// costs is the end-of-day summary of the rows (every student), nil when
// no lab of the class reports costs.
func costs(rows []gridRow, any bool) *views.Costs {
	if !any {
		return nil
	}
	c := &views.Costs{}
	for _, r := range rows {
		c.PerHour += r.CostPerHour
		if r.Leftovers {
			c.Students = append(c.Students, views.Leftover{Login: r.Login, DisplayName: r.DisplayName, CostPerHour: r.CostPerHour})
		}
	}
	slices.SortStableFunc(c.Students, func(a, b views.Leftover) int {
		return cmp.Or(cmp.Compare(b.CostPerHour, a.CostPerHour), cmp.Compare(strings.ToLower(a.Login), strings.ToLower(b.Login)))
	})
	return c
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
		if q.Failing != "" && !failing(r, q.Failing) {
			continue
		}
		if !q.Matches(r.Login, r.DisplayName) {
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

// failing reports whether the row has a cell for checkID not passed, in
// any lab.
func failing(r gridRow, checkID string) bool {
	for _, c := range r.cells {
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
	cv, students, err := s.loadClassStudents(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := views.ParseGridQuery(r.URL.Query())
	p := s.page(w, r)
	p.SignedIn = true
	// A lab the class has not (a stale link) is said and dropped: every
	// lab is shown.
	lab, unknown := cv.lab(q.Lab), ""
	if q.Lab != "" && lab == nil {
		unknown, q.Lab = q.Lab, ""
	}
	standings := cv.standings(students)
	bottleneck, err := s.bottleneckOf(ctx, cv, students, standings, lab)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	all, anyCost, hands, err := s.handRows(ctx, cv, students, standings, p.Now, stuckThreshold(q))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shown := onlyLab(all, lab, cv.labIndex(lab))
	cols := cv.columnsOf(lab)
	g := &views.Grid{
		Page:       p,
		Class:      cv.class.Name,
		Columns:    cols,
		Rows:       plainRows(filterSort(shown, q)),
		Summary:    views.Summarize(cols, plainRows(shown)),
		Query:      q,
		Labs:       cv.labs,
		UnknownLab: unknown,
		Costs:      costs(all, anyCost),
		Bottleneck: bottleneck,
	}
	if g.Help, err = s.helpQueue(ctx, cv, p.Lang, p.Now, all, hands); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.GridPage(g))
}
