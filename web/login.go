package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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

// Sign-in attempts are limited per client, and the limit applies to
// failures: a correct password always signs in, yet guessing stays as
// slow as the limit. Both hold because past the burst an attempt is not
// refused but held on the server until the client's next token is there,
// and only then judged: a right and a wrong password are judged at the
// same pace, so the answer tells an attacker nothing sooner than the
// limit allows, while the instructor who mistyped, or shares an address
// with someone guessing, signs in after a wait instead of being locked
// out. A success gives its token back. At most loginHold of waiting per
// client (then a 429 without judging) and maxHeldLogins attempts held in
// all bound what waiting costs the server.
//
// A client is its address (clientAddr: behind a trusted proxy, the one
// it forwards), except a browser that signed in before: it carries a
// signed cookie (deviceCookie) and has an allowance of its own, which
// nobody guessing from the same address can use up.
const (
	// loginHold is the longest an attempt is held for its turn.
	loginHold = 2 * loginEvery
	// maxHeldLogins bounds the attempts held at once, all clients
	// together.
	maxHeldLogins = 64
	// deviceCookie marks a browser that signed in before; it is sent to
	// /login only.
	deviceCookie    = "labgrid_device"
	deviceCookieAge = 365 * 24 * time.Hour
)

// login is POST /login: the password against its bcrypt hash (constant
// time), at the pace of the client's limit (see above); on success a new
// session token (no fixation) and the way back to next.
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
	client := clientAddr(r, s.proxies)
	device, known := s.deviceOf(r)
	key := "addr " + limitKey(client)
	if known {
		key = "device " + device
	}

	wait, ok := s.logins.Reserve(key, loginHold)
	if ok && wait > 0 {
		n := s.heldLogins.Add(1)
		defer s.heldLogins.Add(-1)
		if n > maxHeldLogins {
			s.logins.Refund(key)
			ok = false
		}
	}
	if !ok {
		s.logger.WarnContext(r.Context(), "sign-in rate limited", "client", client)
		wait = wait.Round(time.Second) + time.Second
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		view.Error, view.RetryAfter = views.LoginTooManyAttempts, wait
		s.render(w, r, http.StatusTooManyRequests, views.LoginPage(view))
		return
	}
	if wait > 0 {
		if err := s.sleep(r.Context(), wait); err != nil {
			return // the client went away; its token stays spent
		}
	}
	password := r.PostForm.Get("password")
	if len(s.hash) == 0 || len(password) > maxPasswordLen ||
		bcrypt.CompareHashAndPassword(s.hash, []byte(password)) != nil {
		s.logger.WarnContext(r.Context(), "sign-in failed", "client", client)
		view.Error = views.LoginWrongPassword
		s.render(w, r, http.StatusUnauthorized, views.LoginPage(view))
		return
	}
	s.logins.Refund(key)
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), signedInKey, true)
	if !known {
		s.setDevice(w)
	}
	s.logger.InfoContext(r.Context(), "signed in", "client", client)
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

// deviceKey signs the browser cookies; it is drawn from the password's
// hash, so it is the same on every replica and after a restart, and a new
// password forgets every browser.
func deviceKey(hash []byte) []byte {
	if len(hash) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, hash)
	mac.Write([]byte("labgrid browser cookie"))
	return mac.Sum(nil)
}

func (s *Server) deviceMAC(id string) string {
	mac := hmac.New(sha256.New, s.deviceKey)
	mac.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// deviceOf is the id of the browser's cookie when its signature holds.
func (s *Server) deviceOf(r *http.Request) (string, bool) {
	c, err := r.Cookie(deviceCookie)
	if err != nil || s.deviceKey == nil {
		return "", false
	}
	id, sig, ok := strings.Cut(c.Value, ".")
	if !ok || id == "" || !hmac.Equal([]byte(sig), []byte(s.deviceMAC(id))) {
		return "", false
	}
	return id, true
}

// setDevice gives the browser a new signed cookie.
func (s *Server) setDevice(w http.ResponseWriter) {
	if s.deviceKey == nil {
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookie, Value: id + "." + s.deviceMAC(id), Path: "/login",
		MaxAge: int(deviceCookieAge / time.Second), HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure,
	})
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
