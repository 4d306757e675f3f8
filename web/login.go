package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"labgrid/web/views"
)

// maxPasswordLen bounds what is hashed (bcrypt reads 72 bytes at most).
const maxPasswordLen = 1024

// loginURL is the sign-in page that comes back to next.
func loginURL(next string) string {
	if next == "" || next == "/" || !localPath(next) {
		return "/login"
	}
	return "/login?" + url.Values{"next": {next}}.Encode()
}

// localPath reports whether next is a path of this site, safe to redirect
// to: "/x", not "//host", "/\host", "https://host" or anything with a
// control character.
func localPath(next string) bool {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

// nextOf is where to go after signing in: a local path, else home.
func nextOf(next string) string {
	if localPath(next) && !strings.HasPrefix(next, "/login") {
		return next
	}
	return "/"
}

// loginPage is GET /login: the sign-in form (home when already signed in).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if s.signedIn(r) {
		seeOther(w, r, nextOf(next))
		return
	}
	if !localPath(next) {
		next = ""
	}
	s.render(w, r, http.StatusOK, views.LoginPage(&views.Login{Page: s.page(w, r), Next: next}))
}

// login is POST /login: the password against its bcrypt hash (constant
// time), at most loginBurst tries per client address then one every
// loginEvery; on success a new session token (no fixation) and the way
// back to next.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadRequest)
		return
	}
	next := r.PostForm.Get("next")
	if !localPath(next) {
		next = ""
	}
	view := &views.Login{Page: s.page(w, r), Next: next}

	if ok, wait := s.logins.Allow(clientIP(r)); !ok {
		s.logger.WarnContext(r.Context(), "sign-in rate limited", "client", clientIP(r))
		wait = wait.Round(time.Second) + time.Second
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		view.Error, view.RetryAfter = views.LoginTooManyAttempts, wait
		s.render(w, r, http.StatusTooManyRequests, views.LoginPage(view))
		return
	}
	password := r.PostForm.Get("password")
	if len(s.hash) == 0 || len(password) > maxPasswordLen ||
		bcrypt.CompareHashAndPassword(s.hash, []byte(password)) != nil {
		s.logger.WarnContext(r.Context(), "sign-in failed", "client", clientIP(r))
		view.Error = views.LoginWrongPassword
		s.render(w, r, http.StatusUnauthorized, views.LoginPage(view))
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), signedInKey, true)
	s.logger.InfoContext(r.Context(), "signed in", "client", clientIP(r))
	seeOther(w, r, nextOf(next))
}

// logout is POST /logout: the session is destroyed.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, "/login")
}

// clientIP is the address of the client as the server sees it; a proxy's
// X-Forwarded-For is not trusted (anyone can set it).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
