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
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
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

// logPath is a path fit for the log and wherever else a path is shown to
// operators: a student's token is "…" wherever it stands. A segment after
// "s" (any case: "/s/…", "//S/…/check") goes whole; elsewhere
// ("/s//TOKEN", "/static/../TOKEN") any run of token characters that
// looks like one (tokenLike) goes. Long lower-case class names stay.
func logPath(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if i > 0 && strings.EqualFold(segs[i-1], "s") && seg != "" {
			segs[i] = "…"
			continue
		}
		segs[i] = redactTokens(seg)
	}
	return strings.Join(segs, "/")
}

// redactTokens replaces each run of token characters (base64url, as
// store makes tokens) that looks like a token with "…". A segment shorter
// than minTokenRun holds no such run and is returned as it is, without
// building a copy: most segments of most requests.
func redactTokens(seg string) string {
	if len(seg) < minTokenRun {
		return seg
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		if run := seg[start:end]; tokenLike(run) {
			b.WriteString("…")
		} else {
			b.WriteString(run)
		}
		start = -1
	}
	for i := 0; i < len(seg); i++ {
		if isTokenChar(seg[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteByte(seg[i])
	}
	flush(len(seg))
	return b.String()
}

// minTokenRun is the shortest part of a token redacted: a shorter piece
// leaves 24 random characters (144 bits) of the token unknown.
const minTokenRun = 20

// tokenLike reports whether run (token characters only) may be a token or
// a good part of one: as long as a token, or minTokenRun long and in mixed
// case, as 20 random base64url characters are all but always and a class
// name or a file name seldom is.
func tokenLike(run string) bool {
	if len(run) >= tokenLen {
		return true
	}
	if len(run) < minTokenRun {
		return false
	}
	upper := strings.IndexFunc(run, func(c rune) bool { return 'A' <= c && c <= 'Z' }) >= 0
	lower := strings.IndexFunc(run, func(c rune) bool { return 'a' <= c && c <= 'z' }) >= 0
	return upper && lower
}

func isTokenChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// logRequests logs one line per request; never the query (a next= or a
// lang= is no secret, but a habit of logging queries leaks one day), never
// a student's token (logPath).
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

// compressedTypes are the answers worth compressing: pages, htmx
// fragments, the stylesheet and scripts, the CSV export, the event
// streams, error and probe text, the icon. Anything else (an archive, an
// image already compressed) goes as it is.
var compressedTypes = []string{
	"text/html", "text/css", "text/javascript", "application/javascript", "text/csv",
	"text/event-stream", "text/plain", "image/svg+xml", "application/json",
}

// compress gzips an answer of compressedTypes when the request accepts
// gzip (Accept-Encoding) and the answer is not already encoded (a
// Content-Encoding of its own, as /metrics sets): gzhttp, which also
// drops a Content-Length set for the plain body, adds Vary:
// Accept-Encoding, leaves answers under 1 KB plain and, on each Flush,
// flushes the gzip stream first, so that an event stream still sends each
// event as it comes. gzip only: every browser has it, and it keeps the
// grid of a thousand students well under its budget on the wire.
//
// An event stream (a request that accepts text/event-stream, as every
// EventSource sends) is compressed statelessly, each write on its own: a
// deflate compressor keeps about 1 MB of state for as long as its answer
// is open, and a thousand students' pages are a thousand open streams
// (TestEventStreamsHoldLittleMemory). Its events are whole fragments of
// HTML, which still compress well alone.
var compress = func() func(http.Handler) http.Handler {
	pages, err := gzhttp.NewWrapper(gzhttp.EnableZstd(false), gzhttp.ContentTypes(compressedTypes))
	if err != nil {
		panic("web: compression: " + err.Error())
	}
	streams, err := gzhttp.NewWrapper(gzhttp.EnableZstd(false), gzhttp.ContentTypes(compressedTypes),
		gzhttp.CompressionLevel(gzip.StatelessCompression))
	if err != nil {
		panic("web: compression: " + err.Error())
	}
	return func(next http.Handler) http.Handler {
		page, stream := pages(next), streams(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
				stream.ServeHTTP(w, r)
				return
			}
			page.ServeHTTP(w, r)
		})
	}
}()

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
