package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"labgrid/store"
	"labgrid/web/views"
)

// focusStop is what has the focus after a Tab, as the page tells it.
type focusStop struct {
	What         string  `json:"what"`
	FocusVisible bool    `json:"focusVisible"`
	Outline      string  `json:"outline"`
	Width        float64 `json:"width"`
	Contrast     float64 `json:"contrast"`
	Search       bool    `json:"search"`
	Filter       string  `json:"filter"`
	FirstStudent bool    `json:"firstStudent"`
	FirstCell    bool    `json:"firstCell"`
}

// describeFocus describes document.activeElement: its outline, and the
// contrast of the outline's colour with the first opaque background
// around the element (WCAG's relative luminance), which is what the ring
// is seen against.
const describeFocus = `(() => {
	const el = document.activeElement;
	const rgb = s => { const m = s.match(/[\d.]+/g) || []; return {c: m.slice(0, 3).map(Number), a: m.length > 3 ? Number(m[3]) : 1}; };
	const lum = c => { const v = c.map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }); return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
	let bg = null;
	for (let p = el.parentElement; p && !bg; p = p.parentElement) {
		const b = rgb(getComputedStyle(p).backgroundColor);
		if (b.a > 0.5) bg = b.c;
	}
	bg = bg || [255, 255, 255];
	const cs = getComputedStyle(el);
	const ring = rgb(cs.outlineColor).c;
	const [hi, lo] = [lum(ring), lum(bg)].sort((a, b) => b - a);
	const filter = el.closest("form.filter") && el.name ? el.name : (el.closest("form.filter") && el.type === "submit" ? "submit" : "");
	const first = document.querySelector("table.grid tbody tr[id^='student-']");
	return {
		what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).trim().replace(/\s+/g, ".") : "") + (el.name ? "[name=" + el.name + "]" : "") + (el.getAttribute("href") ? "[href=" + el.getAttribute("href") + "]" : ""),
		focusVisible: el.matches(":focus-visible"),
		outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) || 0,
		contrast: (hi + 0.05) / (lo + 0.05),
		search: el.matches('input[type="search"]'),
		filter: filter,
		firstStudent: !!first && el.matches("a.login") && first.contains(el),
		firstCell: !!first && el.matches("td > a[href]") && first.contains(el),
	};
})()`

// The grid is usable with the keyboard alone: Tab from the top of the page
// reaches the search box, every filter, the first student's link and the
// first of their cells (links to their page at the check), and whatever
// has the focus shows a ring that contrasts 3:1 with what is around it,
// in the light and the dark colour schemes.
func TestGridKeyboard(t *testing.T) {
	chromium(t)
	const name = "e2e-keys" // the tests of the package share a database
	a := startClass(t, name, []store.ClassLab{{ID: "step-3"}})
	ctx := newBrowser(t)
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)

	filters := []string{views.ParamStuck, views.ParamFailing, views.ParamError, "submit"}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatalf("emulate a %s colour scheme: %v", scheme, err)
		}
		run(t, ctx, "open the grid", chromedp.Navigate(a.URL+"/classes/"+name), chromedp.WaitVisible(chromedp.CSS(`table.grid`)))
		if tag := eval[string](t, ctx, "read the focus", `document.activeElement.tagName`); tag != "BODY" {
			t.Fatalf("the grid opens with the focus on %s, want the page itself", tag)
		}

		var (
			stops  []string
			search = -1
			seen   = map[string]int{}
			first  = -1
		)
		for i := 0; i < 150; i++ {
			run(t, ctx, "press Tab", chromedp.KeyEvent("\t"))
			s := eval[focusStop](t, ctx, "read the focus", describeFocus)
			stops = append(stops, s.What)
			if !s.FocusVisible || s.Outline == "none" || s.Width < 2 || s.Contrast < 3 {
				t.Errorf("%s, Tab %d: %s has the focus with outline %s %.1fpx, contrast %.2f:1: want a visible ring, 3:1 at least", scheme, i+1, s.What, s.Outline, s.Width, s.Contrast)
			}
			if s.Search && search < 0 {
				search = i
			}
			if s.Filter != "" {
				if _, ok := seen[s.Filter]; !ok {
					seen[s.Filter] = i
				}
			}
			if s.FirstStudent && first < 0 {
				first = i
			}
			if s.FirstCell {
				break
			}
		}
		path := strings.Join(stops, " → ")
		if search < 0 {
			t.Fatalf("%s: Tab never reached the search box: %s", scheme, path)
		}
		for _, f := range filters {
			if _, ok := seen[f]; !ok {
				t.Errorf("%s: Tab never reached the filter %q: %s", scheme, f, path)
			}
		}
		if first < 0 || first < search {
			t.Fatalf("%s: Tab did not reach the first student's link after the search box: %s", scheme, path)
		}
		if last := eval[focusStop](t, ctx, "read the focus", describeFocus); !last.FirstCell {
			t.Fatalf("%s: Tab did not reach the first student's first cell: %s", scheme, path)
		}
		t.Logf("%s: %d Tabs to the first cell: %s", scheme, len(stops), path)
		screenshot(t, ctx, "keyboard-"+scheme)

		// The first Tab is the link that skips the top bar: Enter on it,
		// and the next Tab is in the page's content.
		run(t, ctx, "open the grid again", chromedp.Navigate(a.URL+"/classes/"+name), chromedp.WaitVisible(chromedp.CSS(`table.grid`)))
		run(t, ctx, "press Tab", chromedp.KeyEvent("\t"))
		if !eval[bool](t, ctx, "read the focus", `document.activeElement.matches("a.skip") && document.activeElement.getBoundingClientRect().top >= 0`) {
			t.Errorf("%s: the first Tab is not on a visible skip link", scheme)
		}
		run(t, ctx, "skip to the content", chromedp.KeyEvent("\r"), chromedp.KeyEvent("\t"))
		if !eval[bool](t, ctx, "read the focus", `document.activeElement.closest("main") !== null`) {
			t.Errorf("%s: after the skip link, Tab goes to %s, not into the content", scheme, eval[string](t, ctx, "read the focus", `document.activeElement.outerHTML.slice(0, 120)`))
		}
		run(t, ctx, "focus the first cell again", chromedp.Focus(chromedp.CSS(`table.grid tbody tr[id^='student-'] td > a`)))

		// Enter on the cell opens the student's page at the check.
		href := eval[string](t, ctx, "read the cell's link", `document.activeElement.href`)
		run(t, ctx, "press Enter on the cell", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`article.check`)))
		if url := get(t, ctx, "read the address", chromedp.Location()); url != href {
			t.Errorf("%s: Enter on the cell opened %s, want %s", scheme, url, href)
		}
		if !strings.Contains(href, "/students/") || !strings.Contains(href, "#") {
			t.Errorf("%s: the first cell links to %s, want a student's page at a check", scheme, href)
		}
	}
}
