package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

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
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length,
	targets: v.nodes.slice(0, 5).map(n => JSON.stringify(n.target)),
}))))`

// Every page, in Japanese and in English, passes axe-core with no serious
// or critical violation: the sign-in page, the class list, the grid with
// results, the instructor's page of a student and a student's own page.
func TestAxe(t *testing.T) {
	chromium(t)
	src, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatalf("read axe-core: %v (make vendor-axe)", err)
	}
	a := startApp(t)
	ctx := newBrowser(t)
	students, err := a.Store.Students(t.Context(), a.Class.ID)
	if err != nil {
		t.Fatal(err)
	}
	links, err := a.Store.StudentLinks(t.Context(), a.Class.ID, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}

	// A second class, so that "/" lists the classes rather than opening
	// the only one's grid.
	if _, err := a.Store.CreateClass(t.Context(), "e2e-other", "", []store.ClassLab{{ID: "cleanup"}}); err != nil {
		t.Fatal(err)
	}

	check := func(name, url string) {
		t.Helper()
		for _, scheme := range []string{"light", "dark"} {
			name := name + ", " + scheme
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatalf("emulate a %s colour scheme: %v", scheme, err)
			}
			run(t, ctx, "open "+name, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
			waitFor(t, ctx, stepTimeout, name+" to load", `document.readyState === "complete"`)
			if !eval[bool](t, ctx, "read the colour scheme", `matchMedia("(prefers-color-scheme: `+scheme+`)").matches`) {
				t.Fatalf("%s: the page is not in the %s colour scheme", name, scheme)
			}
			eval[bool](t, ctx, "load axe-core into "+name, string(src)+"\n;typeof axe === \"object\"")
			out := get(t, ctx, "run axe-core on "+name, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			var vs []axeViolation
			if err := json.Unmarshal([]byte(out), &vs); err != nil {
				t.Fatalf("axe-core on %s: %v: %s", name, err, out)
			}
			for _, v := range vs {
				msg := fmt.Sprintf("%s: %s (%s, %d elements): %s: %s", name, v.ID, v.Impact, v.Nodes, v.Help, strings.Join(v.Targets, " "))
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Error(msg)
				} else {
					t.Log(msg)
				}
			}
			if len(vs) == 0 {
				t.Logf("%s: no violation", name)
			}
		}
	}

	langs := []string{"ja", "en"}
	for _, l := range langs {
		check("the sign-in page ("+l+")", a.URL+"/login?lang="+l)
	}
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
	for _, l := range langs {
		check("the class list ("+l+")", a.URL+"/?lang="+l)
		check("the grid ("+l+")", a.URL+"/classes/"+className+"?lang="+l)
		check("a student's page ("+l+")", a.URL+"/classes/"+className+"/students/"+students[0].Login+"?lang="+l)
		check("the self-check page ("+l+")", a.URL+"/s/"+links[0].Token+"?lang="+l)
	}
}
