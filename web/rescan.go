package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"labgrid/web/i18n"
	"labgrid/web/views"
)

// rescanClass is POST /classes/{name}/rescan: a first-priority scan of
// every target of the class.
func (s *Server) rescanClass(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.store.ClassByName(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.scheduler.RescanClass(ctx, c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.queued(w, r, views.ClassURL(c.Name, nil))
}

// rescanStudent is POST /classes/{name}/students/{login}/rescan: a
// first-priority scan of the student's target.
func (s *Server) rescanStudent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.store.ClassByName(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.studentByLogin(ctx, c.ID, chi.URLParam(r, "login"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.scheduler.CheckNow(ctx, c.ID, st.Login); err != nil {
		s.fail(w, r, err)
		return
	}
	s.queued(w, r, views.StudentURL(c.Name, st.Login))
}

// queued answers a scan request: htmx gets a small status (its buttons
// swap nothing; the row changes through the stream), a plain form post
// is sent back to the page (303).
func (s *Server) queued(w http.ResponseWriter, r *http.Request, back string) {
	if !isHTMX(r) {
		seeOther(w, r, back)
		return
	}
	m := i18n.For(s.lang(nil, r))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`<span role="status">` + htmlEscape(m.CheckQueued) + `</span>`))
}
