package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"labgrid/store"
)

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Nodes   int      `json:"nodes"`
	Targets []string `json:"targets"`
}

// axeRun is the script that runs axe-core on the page and gives its
// violations as a JSON string, with each rule's first few elements.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify({
	passes: r.passes.length,
	violations: r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length,
		targets: v.nodes.slice(0, 5).map(n => JSON.stringify(n.target)),
	})),
}))`

// axeResult is what axeRun gives: how many rules the page passed (a
// page where axe found nothing to check is not a pass) and the violations.
type axeResult struct {
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
}

// Every page, in Japanese and in English, in the light and the dark
// colour schemes, passes axe-core with no serious or critical violation:
// the sign-in page (and its wrong-password answer), an error page, the
// class list, the grid of a class of two labs with results (whole, one lab
// searched, and a class with no student yet), the progress charts, the
// class's report (and that of a class with no result), the instructor's
// page of a student and a student's own page (and after "Check now").
func TestAxe(t *testing.T) {
	chromium(t)
	src, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatalf("read axe-core: %v (make vendor-axe)", err)
	}
	const name = "e2e-a11y" // the tests of the package share a database
	a := startClass(t, name, []store.ClassLab{{ID: "step-3"}, {ID: "cleanup"}})
	ctx := newBrowser(t)
	students, err := a.Store.Students(t.Context(), a.Class.ID)
	if err != nil {
		t.Fatal(err)
	}
	links, err := a.Store.StudentLinks(t.Context(), a.Class.ID, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	// A second class, empty: "/" then lists the classes rather than
	// opening the only one's grid.
	const empty = name + "-empty"
	if _, err := a.Store.CreateClass(t.Context(), empty, "", []store.ClassLab{{ID: "step-3"}}); err != nil {
		t.Fatal(err)
	}

	// check opens the page at url in each colour scheme, does what then
	// brings it to the state to check, and runs axe-core on it.
	check := func(name, url string, then ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for _, scheme := range []string{"light", "dark"} {
			name := name + ", " + scheme
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatalf("emulate a %s colour scheme: %v", scheme, err)
			}
			run(t, ctx, "open "+name, append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`main h1`))}, then...)...)
			waitFor(t, ctx, stepTimeout, name+" to load", `document.readyState === "complete"`)
			if !eval[bool](t, ctx, "read the colour scheme", `matchMedia("(prefers-color-scheme: `+scheme+`)").matches`) {
				t.Fatalf("%s: the page is not in the %s colour scheme", name, scheme)
			}
			eval[bool](t, ctx, "load axe-core into "+name, string(src)+"\n;typeof axe === \"object\"")
			out := get(t, ctx, "run axe-core on "+name, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			var res axeResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("axe-core on %s: %v: %s", name, err, out)
			}
			if res.Passes < 10 {
				t.Errorf("%s: axe-core passed %d rules only: did it see the page?", name, res.Passes)
			}
			for _, v := range res.Violations {
				msg := fmt.Sprintf("%s: %s (%s, %d elements): %s: %s", name, v.ID, v.Impact, v.Nodes, v.Help, strings.Join(v.Targets, " "))
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Error(msg)
				} else {
					t.Log(msg)
				}
			}
			if len(res.Violations) == 0 {
				t.Logf("%s: no violation (%d rules passed)", name, res.Passes)
			}
		}
	}

	langs := []string{"ja", "en"}
	for _, l := range langs {
		q := "?lang=" + l
		check("the sign-in page ("+l+")", a.URL+"/login"+q)
		check("a wrong password ("+l+")", a.URL+"/login"+q,
			chromedp.SendKeys(chromedp.CSS(`#password`), "not-the-password"),
			chromedp.Submit(chromedp.CSS(`#password`)),
			chromedp.WaitVisible(chromedp.CSS(`#login-error`)),
		)
		check("a page not found ("+l+")", a.URL+"/no-such-page"+q)
	}
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
	grid := a.URL + "/classes/" + name
	for _, l := range langs {
		q := "?lang=" + l
		check("the class list ("+l+")", a.URL+"/"+q)
		check("the grid ("+l+")", grid+q, chromedp.WaitVisible(chromedp.CSS(`section.costs`)))
		check("one lab of the grid, searched ("+l+")", grid+q+"&lab=step-3&q="+students[0].Login, chromedp.WaitVisible(chromedp.CSS(`p.showing`)))
		check("the grid of a class with no student ("+l+")", a.URL+"/classes/"+empty+q, chromedp.WaitVisible(chromedp.CSS(`tr.empty`)))
		check("the progress charts ("+l+")", grid+"/progress"+q, chromedp.WaitVisible(chromedp.CSS(`svg.progress`)))
		check("the report ("+l+")", grid+"/report"+q, chromedp.WaitVisible(chromedp.CSS(`#report-scores`)))
		check("the report of a class with no result ("+l+")", a.URL+"/classes/"+empty+"/report"+q, chromedp.WaitVisible(chromedp.CSS(`.reportpage .empty`)))
		check("a student's page ("+l+")", grid+"/students/"+students[0].Login+q)
		check("the self-check page ("+l+")", a.URL+"/s/"+links[0].Token+q)
		check("the self-check page after Check now ("+l+")", a.URL+"/s/"+links[1].Token+q,
			chromedp.WaitVisible(chromedp.CSS(`#check-now button`)),
			chromedp.Click(chromedp.CSS(`#check-now button`)),
			chromedp.WaitVisible(chromedp.CSS(`#check-now button[data-wait][disabled]`)),
		)
	}

	// A raised hand and an announcement: the student's page shows both,
	// the grid its queue panel with the hand.
	if _, err := a.Store.RaiseHand(t.Context(), links[2].StudentID, "VPC が見つかりません", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Announce(t.Context(), a.Class.ID, "14:00 まで休憩 / Break until 14:00", time.Now()); err != nil {
		t.Fatal(err)
	}
	hand := fmt.Sprintf(`#hand-%d`, links[2].StudentID)
	for _, l := range langs {
		q := "?lang=" + l
		check("the self-check page with a hand up and an announcement ("+l+")", a.URL+"/s/"+links[2].Token+q,
			chromedp.WaitVisible(chromedp.CSS(`#help p.hand`)),
			chromedp.WaitVisible(chromedp.CSS(`#announcements li`)),
		)
		check("the grid with the help queue ("+l+")", grid+q, chromedp.WaitVisible(chromedp.CSS(hand)))
	}
}
