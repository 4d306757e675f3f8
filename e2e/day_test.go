package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"labgrid/store"
)

// A class on two labs, the afternoon and the cleanup, at the time nobody
// has cleaned up: the grid groups its columns by lab and leads with what
// still bills; one lab can be shown alone; a student's page has a
// checklist per lab, the unfinished afternoon open.
func TestBrowserTwoLabsAndCleanup(t *testing.T) {
	chromium(t)
	const name = "e2e-day"
	a := startClass(t, name, []store.ClassLab{{ID: "step-3"}, {ID: "cleanup"}})
	ctx := newBrowser(t)

	gridURL := a.URL + "/classes/" + name
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
	run(t, ctx, "open the grid", chromedp.Navigate(gridURL), chromedp.WaitVisible(chromedp.CSS(`table.grid`)))

	labHeads := eval[[]string](t, ctx, "read the lab headers", `Array.from(document.querySelectorAll("table.grid thead tr.labs th.lab"), th => th.textContent.trim())`)
	if len(labHeads) != 2 || !strings.Contains(labHeads[0], "Step") || !strings.Contains(labHeads[1], "片付け") {
		t.Errorf("lab headers %q, want step-3 then cleanup", labHeads)
	}
	columns := eval[int](t, ctx, "count the columns", `document.querySelectorAll("table.grid thead tr.checks th").length`)
	if columns != 17+5 {
		t.Errorf("%d check columns, want 22 (17 + 5)", columns)
	}

	// Twelve minutes into the afternoon, everyone still has everything:
	// the summary leads with the class's cost and lists every student.
	costs := eval[struct {
		Title    string `json:"title"`
		Total    string `json:"total"`
		Students int    `json:"students"`
	}](t, ctx, "read what still bills", `(() => {
		const s = document.querySelector("section.costs");
		if (!s) return {title: "", total: "", students: 0};
		return {title: s.querySelector("h2").innerText, total: s.querySelector(".big").innerText, students: s.querySelectorAll("ol.leftovers li").length};
	})()`)
	t.Logf("what still bills: %+v", costs)
	if costs.Title == "" || !strings.Contains(costs.Total, "$") || costs.Students != classSize {
		t.Errorf("the costs summary is %+v, want a total in $ and all %d students", costs, classSize)
	}
	screenshot(t, ctx, "day-grid")

	// One lab at a time.
	run(t, ctx, "show the cleanup lab alone", chromedp.Navigate(gridURL+"?lab=cleanup"), chromedp.WaitVisible(chromedp.CSS(`table.grid`)))
	if n := eval[int](t, ctx, "count the columns", `document.querySelectorAll("table.grid thead tr.checks th").length`); n != 5 {
		t.Errorf("?lab=cleanup shows %d check columns, want 5", n)
	}

	// A student's page: a checklist per lab, the afternoon (unfinished) open.
	links, err := a.Store.StudentLinks(t.Context(), a.Class.ID, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open a student's page", chromedp.Navigate(a.URL+"/s/"+links[0].Token), chromedp.WaitVisible(chromedp.CSS(`details.lab`)))
	labs := eval[[]bool](t, ctx, "read the labs' checklists", `Array.from(document.querySelectorAll("details.lab"), d => d.open)`)
	if len(labs) != 2 || !labs[0] || labs[1] {
		t.Errorf("the student's labs open: %v, want [true false] (the afternoon open)", labs)
	}
	screenshot(t, ctx, "day-selfcheck")
}
