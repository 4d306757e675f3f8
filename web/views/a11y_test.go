package views

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

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

// politeAncestor is the nearest element above n (not n) that has
// aria-live, with its value; "" when none.
func politeAncestor(n *html.Node) (*html.Node, string) {
	for p := n.Parent; p != nil; p = p.Parent {
		if v, ok := attr(p, "aria-live"); ok {
			return p, v
		}
	}
	return nil, ""
}

// The parts the live stream replaces are announced politely, by a live
// region that outlives the swap (a region swapped in whole is new to the
// screen reader, which then says nothing): the grid's rows by their
// <tbody>, a student's checklist and the instructor's page of a student
// by a wrapper. The region is on the container, never on a row or a cell,
// and announces what is added only: the relative times that app.js
// refreshes every 15 s say nothing (aria-live="off"), and the "Check now"
// countdown is outside. The grid's summary row and cost summary change
// with every row and are not announced again. Nothing is aria-busy.
func TestLiveRegionsPolite(t *testing.T) {
	t.Parallel()
	grid := sampleLabsGrid(sampleGrid(i18n.JA, 8, false))
	row := grid.Rows[2]
	self := sampleSelf(i18n.EN, row)
	self.CheckNow = CheckNow{Every: 15 * time.Second, Wait: 9 * time.Second}
	pages := map[string]string{
		"grid":       render(t, GridPage(grid)),
		"student":    render(t, StudentDetail(sampleDetail(i18n.EN, row))),
		"self-check": render(t, SelfCheckPage(self)),
	}
	for name, out := range pages {
		doc := parseDoc(t, out)
		swapped := all(doc, func(n *html.Node) bool {
			_, sse := attr(n, "sse-swap")
			return sse || strings.HasPrefix(attrOr(n, "hx-trigger"), "sse:")
		})
		if len(swapped) == 0 {
			t.Fatalf("%s: nothing on the page is swapped by the live stream", name)
		}
		for _, n := range swapped {
			id := attrOr(n, "id")
			if _, ok := attr(n, "aria-live"); ok {
				t.Errorf("%s: #%s, swapped in whole, is a live region itself", name, id)
			}
			region, live := politeAncestor(n)
			if id == SummaryEvent || id == CostsEvent {
				if live != "" && live != "off" {
					t.Errorf("%s: #%s, which changes with every row, is announced (aria-live=%q)", name, id, live)
				}
				continue
			}
			if live != "polite" {
				t.Errorf("%s: #%s is swapped live in no polite region (aria-live=%q)", name, id, live)
				continue
			}
			if attrOr(region, "aria-relevant") != "additions" {
				t.Errorf("%s: the live region around #%s has aria-relevant=%q, want additions", name, id, attrOr(region, "aria-relevant"))
			}
			if name == "grid" && id != HelpQueueEvent && region.Data != "tbody" {
				t.Errorf("grid: the rows' live region is <%s>, want their <tbody>", region.Data)
			}
			if len(all(region, func(n *html.Node) bool { _, ok := attr(n, "data-wait"); return ok })) > 0 {
				t.Errorf("%s: the countdown of Check now is inside the live region around #%s", name, id)
			}
		}
		for _, n := range all(doc, func(n *html.Node) bool { _, ok := attr(n, "aria-live"); return ok }) {
			v := attrOr(n, "aria-live")
			switch {
			case v == "off":
			case v != "polite":
				t.Errorf("%s: <%s class=%q> has aria-live=%q: nothing here interrupts", name, n.Data, attrOr(n, "class"), v)
			case n.Data == "tr" || n.Data == "td" || n.Data == "th" || n.Data == "a" || n.Data == "li":
				t.Errorf("%s: a <%s> is a live region: the container is, not each row or cell", name, n.Data)
			}
		}
		for _, tm := range all(doc, func(n *html.Node) bool { return n.Data == "time" && hasClass(n, "ago") }) {
			if _, live := politeAncestor(tm); live == "polite" && attrOr(tm, "aria-live") != "off" {
				t.Errorf("%s: a relative time app.js refreshes is announced (%q)", name, text(tm))
			}
		}
		if busy := all(doc, func(n *html.Node) bool { _, ok := attr(n, "aria-busy"); return ok }); len(busy) > 0 {
			t.Errorf("%s: %d elements have aria-busy, which silences a live region", name, len(busy))
		}
	}
	// A row the live stream sends: its relative time says nothing either.
	for _, r := range grid.Rows {
		tr := parseRow(t, render(t, GridRow(grid.Context(), r)))[0]
		if _, ok := attr(tr, "aria-live"); ok {
			t.Errorf("row %s is a live region itself", r.Login)
		}
		for _, tm := range all(tr, func(n *html.Node) bool { return n.Data == "time" }) {
			if attrOr(tm, "aria-live") != "off" {
				t.Errorf("row %s: its relative time is not aria-live=off", r.Login)
			}
		}
	}
}
