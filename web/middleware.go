package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// contentSecurityPolicy allows the embedded files only: no inline script
// or style, no other origin. base-uri 'self' is for the grid's <base>.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// strictTransportSecurity keeps browsers on HTTPS for a year once they
// have seen labgrid there; not for subdomains, which labgrid does not own.
const strictTransportSecurity = "max-age=31536000"

// securityHeaders sets the headers of every answer; Strict-Transport-
// Security only when labgrid is reached over https (its base URL), as a
// plain-http site that sent it would lock browsers out.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	hsts := strings.HasPrefix(s.baseURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if hsts {
			h.Set("Strict-Transport-Security", strictTransportSecurity)
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// A student's page has its secret in the URL: send it nowhere.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests from other origins (CSRF):
// net/http's CrossOriginProtection, by Sec-Fetch-Site or Origin.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.logger.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", logPath(r.URL.Path))
		s.errorPage(w, r, http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// logPath is a path fit for the log: a student's secret link is "/s/…".
func logPath(p string) string {
	if strings.HasPrefix(p, "/s/") {
		rest := strings.TrimPrefix(p, "/s/")
		if _, tail, ok := strings.Cut(rest, "/"); ok {
			return "/s/…/" + tail
		}
		return "/s/…"
	}
	return p
}

// logRequests logs one line per request; never the query (a next= or a
// lang= is no secret, but a habit of logging queries leaks one day), never
// a student's token.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		s.logger.LogAttrs(r.Context(), levelOf(status), "http",
			slog.String("method", r.Method), slog.String("path", logPath(r.URL.Path)),
			slog.Int("status", status), slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("duration", time.Since(start)))
	})
}

// recoverer turns a panic into a 500 and a log line with its stack.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.ErrorContext(r.Context(), "panic", "method", r.Method, "path", logPath(r.URL.Path),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// noStore keeps every answer of the route out of caches (the sign-in
// page: its redirects carry a new session cookie). scs adds its own
// Cache-Control beside it when it sets the cookie.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// sessionKey marks a request whose session is loaded.
type sessionKey struct{}

// loadSession loads the instructor's session (scs) for the routes that
// use it.
func (s *Server) loadSession(next http.Handler) http.Handler {
	mark := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, true)))
	})
	return s.sessions.LoadAndSave(mark)
}

// signedInKey is the session's key that says an instructor signed in.
const signedInKey = "instructor"

// signedIn reports whether the request carries an instructor's session.
func (s *Server) signedIn(r *http.Request) bool {
	if r.Context().Value(sessionKey{}) == nil {
		return false
	}
	return s.sessions.GetBool(r.Context(), signedInKey)
}

// requireSession lets only a signed-in instructor through: a page asked
// for by a browser is sent to the sign-in page and back; anything else
// (htmx, a POST, an event stream) gets a 401.
func (s *Server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.signedIn(r) {
			next.ServeHTTP(w, r)
			return
		}
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isHTMX(r) && !isEventStream(r) {
			seeOther(w, r, loginURL(r.URL.RequestURI()))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
	})
}

func levelOf(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
