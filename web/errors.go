package web

import (
	"errors"
	"net/http"

	"labgrid/store"
	"labgrid/web/views"
)

// fail answers a request that went wrong: the one place errors become
// HTTP statuses. store.ErrNotFound is a 404 page, invalid input a 400;
// anything else is a 500 whose error goes to the log, never to the page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, store.ErrInvalid), errors.Is(err, errBadRequest):
		code = http.StatusBadRequest
	case r.Context().Err() != nil:
		// The client went away: nothing to answer, nothing to report.
		return
	default:
		s.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", logPath(r.URL.Path), "err", err)
	}
	s.errorPage(w, r, code)
}

// errBadRequest marks input the handlers refuse.
var errBadRequest = errors.New("bad request")

// errorPage renders the error page of code.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int) {
	if isHTMX(r) || isEventStream(r) {
		http.Error(w, http.StatusText(code), code)
		return
	}
	p := s.page(w, r)
	p.SignedIn = s.signedIn(r)
	s.render(w, r, code, views.ErrorPage(&views.ErrorView{Page: p, Code: code}))
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

func isEventStream(r *http.Request) bool {
	return r.Header.Get("Accept") == "text/event-stream"
}
