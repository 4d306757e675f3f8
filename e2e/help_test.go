package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"labgrid/store"
)

// A student raises a hand on their page; the instructor's grid shows it
// live in the queue with the message as text (the time from the click to
// the hand on the grid is logged: the target is < 1 s); the instructor
// marks "on my way" and the student's page says so live; an announcement
// appears live on the student's page.
func TestBrowserHelp(t *testing.T) {
	chromium(t)
	const name = "e2e-help" // the tests of the package share a database
	a := startClass(t, name, []store.ClassLab{{ID: "step-3"}})
	grid := newBrowser(t)
	links, err := a.Store.StudentLinks(t.Context(), a.Class.ID, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	student := links[0]

	run(t, grid, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
	run(t, grid, "open the grid",
		chromedp.Navigate(a.URL+"/classes/"+name),
		chromedp.WaitVisible(chromedp.CSS(`#help-queue`)),
	)
	waitFor(t, grid, stepTimeout, "the grid's stream to open", `document.querySelector("[sse-connect]").getAttribute("data-live") === "open"`)
	hand := fmt.Sprintf("hand-%d", student.StudentID)
	// Record when the hand first shows on the grid.
	eval[bool](t, grid, "watch the queue", `(() => {
		window.__hand = 0;
		new MutationObserver(() => {
			if (!window.__hand && document.getElementById(`+jsString(hand)+`)) window.__hand = Date.now();
		}).observe(document.body, {childList: true, subtree: true});
		return true;
	})()`)

	// The student's page, in a browser of its own (a student's machine).
	self := newBrowser(t)
	run(t, self, "open the student's page",
		chromedp.Navigate(a.URL+"/s/"+student.Token),
		chromedp.WaitVisible(chromedp.CSS(`#help-message`)),
	)
	waitFor(t, self, stepTimeout, "the student's stream to open", `document.querySelector("[sse-connect]").getAttribute("data-live") === "open"`)
	const msg = `<b>VPC</b> が見つかりません`
	eval[bool](t, self, "time the click", `(() => {
		document.querySelector("#help form button").addEventListener("click", () => { window.__clicked = Date.now(); }, {once: true});
		return true;
	})()`)
	run(t, self, "raise a hand",
		chromedp.SendKeys(chromedp.CSS(`#help-message`), msg),
		chromedp.Click(chromedp.CSS(`#help form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#help p.hand`)),
	)
	waitFor(t, grid, 10*time.Second, "the hand to show on the grid without a reload", `window.__hand > 0`)
	clicked := eval[int64](t, self, "read the click time", `window.__clicked`)
	shown := eval[int64](t, grid, "read the hand time", `window.__hand`)
	t.Logf("raised hand: click on the student's page → hand on the instructor's grid: %d ms (target < 1 s)", shown-clicked)
	if got := eval[string](t, grid, "read the message", `document.querySelector("#`+hand+` .helpmsg").textContent`); got != msg {
		t.Errorf("the grid shows the message as %q, want %q", got, msg)
	}
	if eval[bool](t, grid, "look for markup", `document.querySelector("#`+hand+` .helpmsg b") !== null`) {
		t.Error("the message's markup was rendered, not shown as text")
	}
	if w := eval[string](t, grid, "read the wait", `document.querySelector("#`+hand+` .waiting").textContent`); !strings.Contains(w, "待ち") {
		t.Errorf("the hand's waiting time reads %q", w)
	}

	// The wait counts up between live updates (app.js, every 15 s): a
	// hand raised five minutes ago reads so on the queue and on the row.
	eval[bool](t, grid, "age the hand", `(() => {
		const ago = new Date(Date.now() - 5*60*1000 - 5000).toISOString();
		document.querySelectorAll("#`+hand+` time.since, #student-`+fmt.Sprint(student.StudentID)+` time.since").forEach(el => el.setAttribute("datetime", ago));
		return true;
	})()`)
	waitFor(t, grid, 20*time.Second, "the waits to count up",
		`document.querySelector("#`+hand+` .waiting").textContent === "5 分待ち" && document.querySelector("#student-`+fmt.Sprint(student.StudentID)+` .handup time").textContent === "5 分"`)
	queueShot(t, grid)
	run(t, grid, "mark on my way", chromedp.Click(chromedp.CSS(`#`+hand+` form button`)))
	waitFor(t, self, 10*time.Second, "the student's page to say the instructor is coming", `document.querySelector("#help p.hand.onway") !== null`)
	waitFor(t, grid, 10*time.Second, "the grid to show on the way", `document.querySelector("#`+hand+` .onway") !== null`)

	const note = "14:00 まで休憩 / Break until 14:00"
	run(t, grid, "announce",
		chromedp.SendKeys(chromedp.CSS(`#announce-text`), note),
		chromedp.Click(chromedp.CSS(`form.announce button`)),
	)
	waitFor(t, self, 10*time.Second, "the announcement on the student's page without a reload",
		`Array.from(document.querySelectorAll("#announcements li"), li => li.textContent.trim()).includes(`+jsString(note)+`)`)
	screenshot(t, self, "help-student")
	screenshot(t, grid, "help-grid")
}

// queueShot saves the grid's help queue alone as queue.png in
// LABGRID_SCREENSHOTS, when set (see screenshotTo): the README's picture.
func queueShot(t *testing.T, ctx context.Context) {
	t.Helper()
	saveScreenshot(t, ctx, "queue", chromedp.Screenshot(chromedp.CSS(`#help-queue`), chromedp.NodeVisible))
}
