// Package web is labgrid's HTTP side: the router and its handlers. It
// reads through the store, asks the scheduler for scans and knows no SQL
// or AWS.
package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"labgrid/store"
	"labgrid/web/static"
)

// Routes is labgrid's HTTP handler: every route is listed here.
func (s *Server) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, s.logRequests, compress, s.securityHeaders, s.crossOrigin, middleware.GetHead)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.errorPage(w, r, http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { s.errorPage(w, r, http.StatusMethodNotAllowed) })

	// Public: probes and the embedded files.
	r.Get("/healthz", healthz)
	r.Get("/readyz", s.readyz)
	// Operators scrape it without a session: no label names a student.
	r.Method(http.MethodGet, "/metrics", s.metrics.Handler())
	r.Handle(static.Prefix+"*", http.StripPrefix("/static", static.Handler()))

	// A student's own page, by the secret of their link: no session.
	r.Get("/s/{token}", s.selfCheck)
	r.Post("/s/{token}/check", s.selfCheckNow)
	r.Get("/s/{token}/events", s.selfEvents)
	r.Post("/s/{token}/help", s.raiseHand)
	r.Post("/s/{token}/help/withdraw", s.withdrawHand)

	r.Group(func(r chi.Router) {
		r.Use(s.loadSession)
		r.With(noStore).Get("/login", s.loginPage)
		r.With(noStore).Post("/login", s.login)
		r.Post("/logout", s.logout)

		// The instructor's pages: a session is required.
		r.Group(func(r chi.Router) {
			r.Use(s.requireSession)
			r.Get("/", s.home)
			r.Get("/classes/{name}", s.grid)
			r.Get("/classes/{name}/events", s.classEvents)
			r.Get("/classes/{name}/progress", s.progress)
			r.Get("/classes/{name}/progress/events", s.progressEvents)
			r.Get("/classes/{name}/bottleneck", s.bottleneckBanner)
			r.Get("/classes/{name}/report", s.report)
			r.Get("/classes/{name}/students/{login}", s.studentDetail)
			r.Post("/classes/{name}/rescan", s.rescanClass)
			r.Post("/classes/{name}/students/{login}/rescan", s.rescanStudent)
			r.Get("/classes/{name}/export.csv", s.export)
			r.Post("/classes/{name}/help/{id}/on-my-way", s.helpAction((*store.Store).HandOnMyWay))
			r.Post("/classes/{name}/help/{id}/done", s.helpAction((*store.Store).HandDone))
			r.Post("/classes/{name}/announcements", s.announce)
			r.Post("/classes/{name}/announcements/{id}/withdraw", s.withdrawAnnouncement)
		})
	})
	return r
}
