package web

import (
	"context"
	"net/http"
	"time"
)

// healthz answers while the process is up: for a liveness probe, which
// restarts the process when it fails, so it checks nothing else.
func healthz(w http.ResponseWriter, _ *http.Request) {
	plain(w, http.StatusOK, "ok\n")
}

// readyzTimeout bounds a readiness check: a probe must not hang on a
// database that does not answer.
const readyzTimeout = 2 * time.Second

// readyz answers 200 when the database answers and its schema is current,
// else 503: for a readiness probe or a load balancer. The reason goes to
// the log only: the endpoint is public and the error may name hosts.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ready == nil {
		plain(w, http.StatusOK, "ok\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyzTimeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.logger.Warn("not ready", "err", err)
		plain(w, http.StatusServiceUnavailable, "not ready\n")
		return
	}
	plain(w, http.StatusOK, "ok\n")
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(body))
}
