package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"labgrid/grader"
	"labgrid/store"
	"labgrid/web/views"
)

// studentByLogin finds a student of the class by login, in any letter
// case.
func (s *Server) studentByLogin(ctx context.Context, classID int64, login string) (store.Student, error) {
	students, err := s.store.Students(ctx, classID)
	if err != nil {
		return store.Student{}, err
	}
	for _, st := range students {
		if strings.EqualFold(st.Login, login) {
			return st, nil
		}
	}
	return store.Student{}, fmt.Errorf("student %q: %w", login, store.ErrNotFound)
}

// checkResults maps a student's results to the class's enabled checks,
// in checklist order, with the student's standing (score, first error).
func (cv *classView) checkResults(results []store.Result) (checks []views.CheckResult, st standing) {
	st = cv.standing(store.SummaryOf(results))
	byCheck := make(map[string]*store.Result, len(results))
	for i := range results {
		byCheck[results[i].CheckID] = &results[i]
	}
	checks = make([]views.CheckResult, len(cv.checks))
	for i, info := range cv.checks {
		res, ok := byCheck[info.ID]
		if !ok {
			checks[i] = views.NewCheckResult(info, nil)
			continue
		}
		c := views.NewCheckResult(info, &res.Result)
		c.FirstPassedAt = st.checks[i].FirstPassedAt
		if st.checks[i].HasError {
			c.Error = st.checks[i].Error
		}
		checks[i] = c
	}
	return checks, st
}

// studentInfo is who the student is, for the instructor.
func (cv *classView) studentInfo(st store.Student, standing standing) views.StudentInfo {
	return views.StudentInfo{
		ID: st.ID, Login: st.Login, DisplayName: st.DisplayName,
		Email: st.Email, Section: st.Section, AccountID: st.AccountID,
		Score: standing.score, MaxScore: cv.judge.MaxScore(), LastScanned: st.LastScannedAt, Error: standing.firstError,
	}
}

// studentDetail is GET /classes/{name}/students/{login}: every check of
// the student with evidence, and the timeline, newest first.
func (s *Server) studentDetail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.studentByLogin(ctx, cv.class.ID, chi.URLParam(r, "login"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	results, err := s.store.StudentResults(ctx, st.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	changes, err := s.store.Timeline(ctx, st.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	checks, standing := cv.checkResults(results)
	// A check the class no longer enables keeps its timeline entries,
	// shown by id (views.Change with no Title).
	titles := make(map[string]grader.Text, len(cv.checks))
	for _, c := range cv.checks {
		titles[c.ID] = c.Title
	}
	hands, err := s.store.StudentHands(ctx, st.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	timeline := make([]views.Change, len(changes))
	for i, c := range changes {
		timeline[i] = views.Change{CheckID: c.CheckID, Title: titles[c.CheckID], From: c.From, To: c.To, Message: c.Message, At: c.At}
	}
	timeline = append(timeline, helpChanges(hands)...)
	slices.SortStableFunc(timeline, func(a, b views.Change) int { return a.At.Compare(b.At) })
	slices.Reverse(timeline)
	p := s.page(w, r)
	p.SignedIn = true
	s.render(w, r, http.StatusOK, views.StudentDetail(&views.Detail{
		Page: p, Class: cv.class.Name, Student: cv.studentInfo(st, standing), Checks: checks, Timeline: timeline,
	}))
}
