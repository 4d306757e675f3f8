package web

import (
	"context"
	"io"
	"net/http"

	"github.com/a-h/templ"

	"labgrid/web/i18n"
	"labgrid/web/views"
)

// home is GET /: the only class's grid, or the list of classes.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	classes, err := s.store.Classes(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(classes) == 1 {
		seeOther(w, r, views.ClassURL(classes[0].Name, nil))
		return
	}
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = c.Name
	}
	p := s.page(w, r)
	p.SignedIn = true
	m := i18n.For(p.Lang)
	// TODO(views): a ClassList component of its own, with its own strings.
	list := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, `<div class="card narrow"><ul class="classes">`); err != nil {
			return err
		}
		for _, n := range names {
			io.WriteString(w, `<li><a href="`+templ.EscapeString(views.ClassURL(n, nil))+`">`+templ.EscapeString(m.ClassTitle(n))+`</a></li>`)
		}
		_, err := io.WriteString(w, `</ul></div>`)
		return err
	})
	page := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return views.Layout(p, m.Product).Render(templ.WithChildren(ctx, list), w)
	})
	s.render(w, r, http.StatusOK, page)
}
