package web

import (
	"net/http"

	"labgrid/web/views"
)

// home is GET /: the only class's grid, or the list of classes (with none,
// how to make one).
//
// The list reads each class's students (one query a class) for their
// number and latest scan. How many have finished is left out: it would
// take every result of every class and its rubric, a grid's worth of work
// per class.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	classes, err := s.store.Classes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(classes) == 1 {
		seeOther(w, r, views.ClassURL(classes[0].Name, nil))
		return
	}
	items := make([]views.ClassItem, len(classes))
	for i, c := range classes {
		students, err := s.store.Students(ctx, c.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items[i] = views.ClassItem{Name: c.Name, Students: len(students)}
		for _, st := range students {
			if st.LastScannedAt.After(items[i].LastScanned) {
				items[i].LastScanned = st.LastScannedAt
			}
		}
	}
	p := s.page(w, r)
	p.SignedIn = true
	s.render(w, r, http.StatusOK, views.ClassList(&views.Classes{Page: p, Classes: items}))
}
