package web

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"labgrid/web/i18n"
	"labgrid/web/views"
)

// langCookieAge is how long the language toggle is remembered.
const langCookieAge = 365 * 24 * time.Hour

// lang is the request's language: ?lang=, then the lang cookie, then
// Accept-Language. An explicit ?lang= is remembered in the cookie.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) i18n.Lang {
	var cookie string
	if c, err := r.Cookie(i18n.Cookie); err == nil {
		cookie = c.Value
	}
	q := r.URL.Query().Get(i18n.Param)
	l := i18n.Negotiate(r.Header.Get("Accept-Language"), q, cookie)
	if w != nil {
		if chosen, ok := i18n.Parse(q); ok && chosen.String() != cookie {
			http.SetCookie(w, &http.Cookie{
				Name: i18n.Cookie, Value: chosen.String(), Path: "/",
				MaxAge: int(langCookieAge / time.Second), HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: s.secure,
			})
		}
	}
	return l
}

// page is what every page needs of the request.
func (s *Server) page(w http.ResponseWriter, r *http.Request) views.Page {
	return views.Page{Lang: s.lang(w, r), URL: r.URL.RequestURI(), Now: s.now()}
}

// render writes a whole page (or fragment) with status code. It renders
// to a buffer first, so that an error is a clean 500 rather than half a
// page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	buf, _ := s.pages.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		// A page far past the biggest grid is not kept.
		if buf.Cap() <= maxPooledPage {
			buf.Reset()
			s.pages.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		if code >= 500 {
			s.logger.ErrorContext(r.Context(), "render error page", "err", err)
			http.Error(w, http.StatusText(code), code)
			return
		}
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// maxPooledPage is the biggest page buffer kept for the next request.
const maxPooledPage = 8 << 20

func htmlEscape(s string) string { return templ.EscapeString(s) }

// seeOther redirects after a POST (303: the browser GETs the target).
func seeOther(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}
