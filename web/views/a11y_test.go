package views

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// accName is the accessible name an element gets from its content, as
// browsers compute it for a link or a cell: its aria-label, else the text
// of what is under it, leaving out what is aria-hidden (a visually hidden
// .vh span counts: it is hidden from the eye only).
func accName(n *html.Node) string {
	if v, ok := attr(n, "aria-label"); ok {
		return strings.Join(strings.Fields(v), " ")
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
			return
		}
		if n.Type == html.ElementNode {
			if attrOr(n, "aria-hidden") == "true" {
				return
			}
			if _, hidden := attr(n, "hidden"); hidden {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// visibleWords is the text an eye sees in n: accName less what .vh hides.
func visibleWords(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && (hasClass(n, "vh") || attrOr(n, "aria-hidden") == "true") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// A status is never told by colour alone: in each language, every status
// cell of the grid shows its word (app.css adds its icon, see
// TestStatusIconsInCSS) and is named by it, a cell the grader could not
// look at says so in its name too, and the badges of the student's pages
// carry the status's name. No two statuses read the same.
func TestStatusNeverColourAlone(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		m := i18n.For(lang)
		if got, want := slices.Sorted(maps.Keys(m.StatusShort)), slices.Sorted(slices.Values(legendStatuses)); !slices.Equal(got, want) {
			t.Fatalf("%s: the catalogue words statuses %v, the legend %v: test every status", lang, got, want)
		}
		for _, unreadable := range []bool{false, true} {
			g := sampleGrid(lang, 1, false)
			r := g.Rows[0]
			r.Cells = nil
			for _, s := range legendStatuses {
				r.Cells = append(r.Cells, Cell{CheckID: "c." + string(s), Lab: "l", Area: "a", Status: s, Error: unreadable})
			}
			nodes := parseRow(t, render(t, GridRow(g.Context(), r)))
			tds := children(nodes[0], "td")[2:]
			names := map[string]grader.Status{}
			for i, s := range legendStatuses {
				td := tds[i]
				if !hasClass(td, string(s)) {
					t.Fatalf("%s: cell %d has class %q, want %s", lang, i, attrOr(td, "class"), s)
				}
				links := all(td, tag("a"))
				if len(links) != 1 {
					t.Fatalf("%s %s: %d links in the cell, want one to the student's page", lang, s, len(links))
				}
				seen, name := visibleWords(links[0]), accName(links[0])
				if seen != m.StatusWord(s) {
					t.Errorf("%s %s (unreadable %v): the cell shows %q, want %q", lang, s, unreadable, seen, m.StatusWord(s))
				}
				if !strings.Contains(name, m.StatusWord(s)) {
					t.Errorf("%s %s (unreadable %v): the cell is named %q, without %q", lang, s, unreadable, name, m.StatusWord(s))
				}
				if unreadable && !strings.Contains(name, m.ErrorFlag) {
					t.Errorf("%s %s: an unreadable cell is named %q, without %q", lang, s, name, m.ErrorFlag)
				}
				if lang == i18n.JA && !hasJapanese(name) {
					t.Errorf("%s %s: the cell is named %q, not in Japanese", lang, s, name)
				}
				if other, dup := names[name]; dup {
					t.Errorf("%s: %s and %s are both named %q", lang, other, s, name)
				}
				names[name] = s
			}

			// The badges of the student's own page and of the instructor's.
			for _, s := range legendStatuses {
				c := CheckResult{ID: "c." + string(s), Status: s, Title: grader.Text{JA: "チェック", EN: "Check"}, Required: true, MaxPoints: 1}
				if unreadable {
					c.Error = grader.Text{JA: "見られません", EN: "cannot look"}
				}
				for where, out := range map[string]string{"self-check": render(t, selfItem(m, c)), "student": render(t, checkDetail(m, c))} {
					badges := all(parseDoc(t, out), func(n *html.Node) bool { return hasClass(n, "badge") && !hasClass(n, "flag") })
					if len(badges) != 1 || !hasClass(badges[0], string(s)) || accName(badges[0]) != m.StatusName(s) {
						t.Errorf("%s %s, %s page: badges %v, want one named %q", lang, s, where, badges, m.StatusName(s))
					}
					if flags := all(parseDoc(t, out), func(n *html.Node) bool { return hasClass(n, "badge") && hasClass(n, "flag") }); unreadable != (len(flags) == 1 && accName(flags[0]) == m.ErrorFlag) {
						t.Errorf("%s %s, %s page: unreadable %v, error badges %v", lang, s, where, unreadable, flags)
					}
				}
			}
		}
	}
}
