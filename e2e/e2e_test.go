package e2e

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"labgrid/store"
)

// An instructor signs in and watches the grid: a student's result changes
// in the database and their row changes in the page, with no reload. Then
// a student opens their own link, sees only their checklist and presses
// "今すぐチェック".
func TestBrowser(t *testing.T) {
	chromium(t) // before anything starts: a missing browser fails at once
	a := startApp(t)
	ctx := newBrowser(t)
	students, err := a.Store.Students(t.Context(), a.Class.ID)
	if err != nil {
		t.Fatal(err)
	}

	// (a) Sign in, open the grid: one row per student, by login.
	gridURL := a.URL + "/classes/" + className
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
	run(t, ctx, "open the grid",
		chromedp.Navigate(gridURL),
		chromedp.WaitVisible(chromedp.CSS(`table.grid`)),
	)
	rowIDs := eval[[]string](t, ctx, "read the rows", `Array.from(document.querySelectorAll("table.grid tbody tr[id^='student-']"), tr => tr.id)`)
	var want []string
	for _, st := range students {
		want = append(want, rowID(st.ID))
	}
	if !slices.Equal(rowIDs, want) {
		t.Fatalf("grid rows %v, want one per student by login: %v", rowIDs, want)
	}
	for _, st := range students {
		text := eval[string](t, ctx, "read a row", fmt.Sprintf(`document.getElementById(%s).querySelector("th").textContent`, jsString(rowID(st.ID))))
		if !strings.Contains(text, st.Login) {
			t.Errorf("row of %s reads %q", st.Login, text)
		}
	}

	// (b) Live. Wait until the page's stream is subscribed to the hub, so
	// that a change is sent to it; then mark the page (a reload would lose
	// the mark), keep each row's cells as they are and record every row
	// swap with the time it happened.
	select {
	case id := <-a.Subscribed:
		if id != a.Class.ID {
			t.Fatalf("the grid subscribed to class %d, want %d", id, a.Class.ID)
		}
	case <-time.After(stepTimeout):
		t.Fatal("the grid's live stream did not subscribe")
	}
	waitFor(t, ctx, stepTimeout, "the live indicator to show the stream open", `document.querySelector("[sse-connect]").getAttribute("data-live") === "open"`)
	eval[bool](t, ctx, "watch the rows", `(() => {
		const cells = tr => Array.from(tr.querySelectorAll("td:not(.prog):not(.seen)"), td => td.textContent.trim()).join("|");
		const lg = window.__labgrid = {mark: "e2e", swaps: [], before: {}};
		for (const tr of document.querySelectorAll("table.grid tbody tr[id^='student-']")) lg.before[tr.id] = cells(tr);
		new MutationObserver(muts => {
			const at = Date.now();
			for (const m of muts) for (const n of m.addedNodes) {
				if (n.nodeType === 1 && n.id && n.id.startsWith("student-")) lg.swaps.push({id: n.id, at: at, cells: cells(n)});
			}
		}).observe(document.querySelector("table.grid tbody"), {childList: true});
		return true;
	})()`)

	// Move the class's clock on until a scan changes some student's
	// statuses (scans before it change none: the row's cells are still
	// the ones kept above).
	before := statuses(a.last)
	var (
		changed   store.Student
		committed time.Time
		sum       store.SaveSummary
	)
	for i := 0; changed.ID == 0 && i < 40; i++ {
		a.Clock.Advance(2 * time.Minute)
		var res = a.last
		res, sum, committed = a.Scan(t)
		after := statuses(res)
		for _, st := range students {
			if !slices.Equal(before[st.Login], after[st.Login]) {
				changed = st
				break
			}
		}
		before = after
	}
	if changed.ID == 0 {
		t.Fatal("80 simulated minutes changed no student's statuses")
	}
	if !slices.Contains(sum.ChangedStudents, changed.ID) {
		t.Fatalf("the scan changed %s (id %d), the store says %v", changed.Login, changed.ID, sum.ChangedStudents)
	}
	id := jsString(rowID(changed.ID))
	swapped := fmt.Sprintf(`window.__labgrid.swaps.find(s => s.id === %s && s.at >= %d && s.cells !== window.__labgrid.before[%s])`, id, committed.UnixMilli()-1, id)
	waitFor(t, ctx, 10*time.Second, "the row of "+changed.Login+" to change without a reload", swapped+` !== undefined`)
	swap := eval[struct {
		At    int64  `json:"at"`
		Cells string `json:"cells"`
	}](t, ctx, "read the swap", swapped)
	latency := time.UnixMilli(swap.At).Sub(committed)
	t.Logf("store commit → row of %s changed in the browser: %d ms (target < 1 s)", changed.Login, latency.Milliseconds())
	t.Logf("row of %s: %s → %s", changed.Login, eval[string](t, ctx, "read the row", `window.__labgrid.before[`+id+`]`), swap.Cells)
	if mark := eval[string](t, ctx, "look for a reload", `window.__labgrid ? window.__labgrid.mark : ""`); mark != "e2e" {
		t.Fatal("the page was reloaded: its mark is gone")
	}
	if url := get(t, ctx, "read the address", chromedp.Location()); url != gridURL {
		t.Errorf("the page is at %s, want %s", url, gridURL)
	}
	screenshot(t, ctx, "grid")

	// (b2) The page came gzipped; "/" goes to the search box, and a login
	// typed there leaves that student's row alone, live as before.
	sizes := eval[struct {
		Encoded int `json:"encoded"`
		Decoded int `json:"decoded"`
	}](t, ctx, "read the page's sizes", `(() => { const n = performance.getEntriesByType("navigation")[0]; return {encoded: n.encodedBodySize, decoded: n.decodedBodySize}; })()`)
	t.Logf("grid page: %d bytes on the wire, %d decoded", sizes.Encoded, sizes.Decoded)
	if sizes.Encoded <= 0 || sizes.Encoded*3 > sizes.Decoded {
		t.Errorf("the grid page came as %d bytes for %d: not compressed", sizes.Encoded, sizes.Decoded)
	}
	// Scrolled down and right in a wrap too small for it (a long class on
	// a short screen), the header rows stay on top and the students'
	// column at the left.
	stuck := eval[struct {
		Scrolled   bool    `json:"scrolled"`
		HeadTop    float64 `json:"headTop"`
		WrapTop    float64 `json:"wrapTop"`
		WhoLeft    float64 `json:"whoLeft"`
		WrapLeft   float64 `json:"wrapLeft"`
		HeadWhoTop float64 `json:"headWhoTop"`
	}](t, ctx, "scroll the grid", `(() => {
		const w = document.querySelector(".tablewrap");
		w.style.maxHeight = "9rem"; w.style.minHeight = "0"; w.style.maxWidth = "30rem";
		w.scrollTop = w.scrollHeight; w.scrollLeft = w.scrollWidth;
		const last = document.querySelector("table.grid tbody tr:last-child th.who").getBoundingClientRect();
		const r = w.getBoundingClientRect();
		const res = {scrolled: w.scrollTop > 0 && w.scrollLeft > 0,
			headTop: document.querySelector("table.grid thead").getBoundingClientRect().top, wrapTop: r.top + w.clientTop,
			whoLeft: last.left, wrapLeft: r.left + w.clientLeft,
			headWhoTop: document.querySelector("table.grid thead th.who").getBoundingClientRect().top};
		w.style.maxHeight = w.style.minHeight = w.style.maxWidth = ""; w.scrollTop = w.scrollLeft = 0;
		return res;
	})()`)
	if !stuck.Scrolled || math.Abs(stuck.HeadTop-stuck.WrapTop) > 1 || math.Abs(stuck.WhoLeft-stuck.WrapLeft) > 1 || math.Abs(stuck.HeadWhoTop-stuck.WrapTop) > 1 {
		t.Errorf("scrolled grid: %+v, want the header at the wrap's top and the students' column at its left", stuck)
	}

	who := students[len(students)/2]
	run(t, ctx, "press /", chromedp.KeyEvent("/"))
	// CDP's key event types the "/" whatever the page did with it: clear.
	if !eval[bool](t, ctx, "find the focus", `(() => { const b = document.querySelector('.filter input[type="search"]'); const f = document.activeElement === b; b.value = ""; return f; })()`) {
		t.Error(`"/" did not go to the search box`)
	}
	run(t, ctx, "search a student",
		chromedp.SendKeys(chromedp.CSS(`.filter input[type="search"]`), strings.ToUpper(who.Login)+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`p.showing`)),
	)
	rowIDs = eval[[]string](t, ctx, "read the rows found", `Array.from(document.querySelectorAll("table.grid tbody tr[id^='student-']"), tr => tr.id)`)
	var found []string
	for _, st := range students {
		if strings.Contains(st.Login, who.Login) || strings.Contains(st.DisplayName, who.Login) {
			found = append(found, rowID(st.ID))
		}
	}
	if !slices.Equal(rowIDs, found) {
		t.Errorf("searching %s: rows %v, want %v (at %s)", who.Login, rowIDs, found, get(t, ctx, "read the address", chromedp.Location()))
	}
	waitFor(t, ctx, stepTimeout, "the searched grid's stream to open", `document.querySelector("[sse-connect]").getAttribute("data-live") === "open" && document.querySelector("[sse-connect]").getAttribute("sse-connect").includes("q=")`)
	screenshot(t, ctx, "grid-search")

	// (c) A student's own page, by their link: their checklist only.
	links, err := a.Store.StudentLinks(t.Context(), a.Class.ID, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	me := links[0]
	run(t, ctx, "open the student's page",
		chromedp.Navigate(a.URL+"/s/"+me.Token),
		chromedp.WaitVisible(chromedp.CSS(`ol.checklist`)),
		chromedp.WaitVisible(chromedp.CSS(`#check-now button`)),
	)
	body := eval[string](t, ctx, "read the student's page", `document.body.innerText`)
	if !strings.Contains(body, me.Login) {
		t.Errorf("the page of %s does not name them", me.Login)
	}
	for _, other := range links[1:] {
		if strings.Contains(body, other.Login) || (other.DisplayName != "" && strings.Contains(body, other.DisplayName)) {
			t.Errorf("the page of %s shows %s", me.Login, other.Login)
		}
	}
	if n := eval[int](t, ctx, "count the checks", `document.querySelectorAll("ol.checklist > li").length`); n == 0 {
		t.Error("the checklist is empty")
	}
	if label := eval[string](t, ctx, "read the button", `document.querySelector("#check-now button").innerText`); !strings.Contains(label, "今すぐチェック") {
		t.Errorf("the button reads %q, want 今すぐチェック", label)
	}
	run(t, ctx, "press 今すぐチェック",
		chromedp.Click(chromedp.CSS(`#check-now button`)),
		chromedp.WaitVisible(chromedp.CSS(`#check-now button[data-wait][disabled]`)),
	)
	limited := eval[struct {
		Disabled bool   `json:"disabled"`
		Wait     string `json:"wait"`
		Waiting  string `json:"waiting"`
		Limit    string `json:"limit"`
		Queued   string `json:"queued"`
	}](t, ctx, "read the rate limit", `(() => {
		const f = document.getElementById("check-now"), b = f.querySelector("button");
		const text = sel => { const e = f.querySelector(sel); return e ? e.innerText : ""; };
		return {disabled: b.disabled, wait: b.getAttribute("data-wait") || "", waiting: text(".waiting"), limit: text(".limit"), queued: text(".queued")};
	})()`)
	t.Logf("after 今すぐチェック: %+v", limited)
	if !limited.Disabled || limited.Wait == "" || limited.Waiting == "" {
		t.Errorf("after pressing, the button is %+v, want it disabled, counting down", limited)
	}
	if limited.Limit == "" {
		t.Error("the button does not say its rate limit")
	}
	screenshot(t, ctx, "selfcheck")
}

func rowID(studentID int64) string { return fmt.Sprintf("student-%d", studentID) }
