// Package web is labgrid's HTTP side: the router and its handlers. It
// reads through the functions it is given and knows no SQL or AWS.
package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Options are what the handlers need.
type Options struct {
	// Ready reports why labgrid cannot serve yet (the database does not
	// answer, or its schema is not the one this build expects), or nil.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
}

// Routes is labgrid's HTTP handler: every route is listed here. Nothing
// here shows student data; the pages that do come with authentication.
func Routes(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, middleware.GetHead)

	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(opts))
	return r
}
