package web

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"labgrid/grader"
	"labgrid/store"
	"labgrid/web/views"
)

// bottleneck finds the class's bottleneck among the checks of lab (nil:
// every lab) at now: the check with the most students stuck on it, among
// those where at least the class's BottleneckPercent of the students who
// reached it are stuck on it. It returns the students stuck there too.
//
// A student has reached a check once they have passed every required
// check before it in its lab (checklist order), at the latest of those
// first passes, or at the class's start for a lab's first checks; they
// are stuck on it when they have reached it, never passed it, and
// reached it BottleneckAfter ago or more. First passes count, as on the
// chart: a check passed once is never where a student is stuck. A
// student labgrid never judged (no result) reaches nothing: an absent
// student is not a bottleneck. standings are the students', in order.
func (cv *classView) bottleneck(students []store.StudentSummary, standings []standing, lab *grader.LabInfo, now time.Time) (*views.Bottleneck, []int64) {
	labs := cv.labs
	if lab != nil {
		labs = []grader.LabInfo{*lab}
	}
	reached := make([]int, len(cv.checks))
	stuck := make([][]int64, len(cv.checks))
	start, after := cv.class.Start(), cv.class.BottleneckAfter()
	for k, sum := range students {
		if len(sum.Summary.Checks) == 0 {
			continue // never judged: absent, or not set up, rather than stuck
		}
		st := standings[k]
		for _, l := range labs {
			reachedAt := start
			for i := l.First; i < l.End; i++ {
				passed := st.checks[i].FirstPassedAt
				reached[i]++
				if passed.IsZero() && now.Sub(reachedAt) >= after {
					stuck[i] = append(stuck[i], sum.Student.ID)
				}
				if cv.checks[i].Required {
					if passed.IsZero() {
						break // the checks after it are not reached
					}
					reachedAt = later(reachedAt, passed)
				}
			}
		}
	}
	best := -1
	for i := range cv.checks {
		n := len(stuck[i])
		if n == 0 || n*100 < cv.class.BottleneckPercent*reached[i] {
			continue
		}
		if best < 0 || n > len(stuck[best]) {
			best = i
		}
	}
	if best < 0 {
		return nil, nil
	}
	c := cv.checks[best]
	return &views.Bottleneck{
		CheckID: c.ID,
		Title:   c.Title,
		Stuck:   len(stuck[best]),
		Reached: reached[best],
		Minutes: cv.class.BottleneckMinutes,
	}, stuck[best]
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// bottleneckOf is the class's bottleneck with the hint its stuck
// students are given most often, or nil.
func (s *Server) bottleneckOf(ctx context.Context, cv *classView, students []store.StudentSummary, standings []standing, lab *grader.LabInfo) (*views.Bottleneck, error) {
	b, stuck := cv.bottleneck(students, standings, lab, s.now())
	if b == nil {
		return nil, nil
	}
	hint, err := s.store.CommonHint(ctx, b.CheckID, stuck)
	if err != nil {
		return nil, err
	}
	b.Hint = hint
	return b, nil
}

// bottleneckBanner is GET /classes/{name}/bottleneck: the grid's banner
// alone, which asks for itself again every so often.
func (s *Server) bottleneckBanner(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, students, err := s.loadClassStudents(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lab := cv.lab(views.ParseGridQuery(r.URL.Query()).Lab)
	b, err := s.bottleneckOf(ctx, cv, students, cv.standings(students), lab)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	labID := ""
	if lab != nil {
		labID = lab.ID
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, views.BottleneckBanner(s.lang(nil, r), cv.class.Name, labID, b))
}
