package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/labs"
	"labgrid/store"
)

// dayClass is a class of the simulated students that started 45 minutes
// ago, at the pace of a slow class, and was scanned every 5 minutes since:
// its progress chart has lines that rise over time, and, with a
// bottleneck after 5 minutes of 10 % of the students, a bottleneck now.
func dayClass(t *testing.T, a *app, name string, students int) store.Class {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now().Add(-45 * time.Minute).Truncate(time.Second)
	at := start // the moment scanned
	now := func() time.Time { return at }
	class := sim.New(sim.Options{Students: students, Seed: 11, Start: start, Duration: 40 * time.Minute, Now: now})
	c, err := a.Store.CreateClass(ctx, name, "", []store.ClassLab{{ID: "step-3"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.ImportRoster(ctx, c.ID, class.Roster(), false, []byte(secret)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.SetClassSettings(ctx, c.ID, store.ClassSettings{StartedAt: &start, BottleneckPercent: 10, BottleneckMinutes: 5}); err != nil {
		t.Fatal(err)
	}
	judge, err := labs.ForClass([]labs.Ref{{ID: "step-3"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	scanner := &grader.Scanner{Source: class, Judge: judge, Concurrency: 1, Now: now}
	roster, err := a.Store.Roster(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for at = start.Add(5 * time.Minute); at.Before(time.Now()); at = at.Add(5 * time.Minute) {
		memory, err := a.Store.Memory(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Store.SaveScan(ctx, c.ID, store.TriggerSchedule, scanner.Scan(ctx, roster, memory)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// pdfPage is a page object of a PDF ("/Type /Pages" is their tree).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// The cockpit on a simulated class after a while: the progress chart
// draws a line per check, the grid leads with the bottleneck banner, and
// the class's report shows every section, prints without the top bar,
// a section a page, and prints to a PDF through Chromium. With
// LABGRID_SCREENSHOTS set to a folder (relative: to the repository's
// root), it saves the progress page and the report there, 1200 pixels
// wide, as progress.png and report.png.
func TestReportAndCockpit(t *testing.T) {
	chromium(t)
	const students = 12
	a := startClass(t, "e2e-report", []store.ClassLab{{ID: "step-3"}})
	c := dayClass(t, a, "e2e-report-day", students)
	checks := len(a.Scanner.Judge.Checks())
	ctx := newBrowser(t)
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1200, Height: 900, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	class := a.URL + "/classes/" + c.Name

	// The progress chart: a line per check, risen by now.
	run(t, ctx, "open the progress page",
		chromedp.Navigate(class+"/progress?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`svg.progress`)),
	)
	if n := eval[int](t, ctx, "count the lines", `document.querySelectorAll("svg.progress g.series").length`); n != checks {
		t.Errorf("%d lines on the chart, want one per check (%d)", n, checks)
	}
	if n := eval[int](t, ctx, "count the distributions", `document.querySelectorAll("svg.hist").length`); n == 0 {
		t.Error("no distribution of the time taken")
	}
	screenshotTo(t, ctx, "progress")

	// The grid leads with the bottleneck, which links the stuck students.
	run(t, ctx, "open the grid",
		chromedp.Navigate(class+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#bottleneck.bottleneck .what`)),
	)
	if what := eval[string](t, ctx, "read the banner", `document.querySelector("#bottleneck .what").textContent`); !regexp.MustCompile(`^Bottleneck: “.+”$`).MatchString(what) {
		t.Errorf("the banner says %q", what)
	}
	run(t, ctx, "open the report from the grid",
		chromedp.Click(chromedp.CSS(`a[href$="/report"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-scores`)),
	)

	// The report: the chart, a pass rate per check, the slowest, a row
	// per student; no live stream.
	if n := eval[int](t, ctx, "count the report's lines", `document.querySelectorAll(".reportsection svg.progress g.series").length`); n != checks {
		t.Errorf("%d lines on the report's chart, want %d", n, checks)
	}
	if n := eval[int](t, ctx, "count the pass rates", `document.querySelectorAll("table.rates tbody tr").length`); n != checks {
		t.Errorf("%d pass rates, want %d", n, checks)
	}
	if n := eval[int](t, ctx, "count the slowest", `document.querySelectorAll("ol.slowest li").length`); n < 1 || n > 5 {
		t.Errorf("%d slowest checks, want 1 to 5", n)
	}
	if n := eval[int](t, ctx, "count the scores", `document.querySelectorAll("table.scores tbody tr").length`); n != students {
		t.Errorf("%d score rows, want %d", n, students)
	}
	if eval[bool](t, ctx, "look for a stream", `document.querySelector("[sse-connect]") !== null`) {
		t.Error("the report listens to a live stream")
	}

	// Printed: no top bar nor buttons, a page per section.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, "read the print styles", `getComputedStyle(document.querySelector(".topbar")).display === "none" &&
		getComputedStyle(document.querySelector(".pagehead .actions")).display === "none" &&
		getComputedStyle(document.querySelector(".noprint")).display === "none" &&
		Array.from(document.querySelectorAll(".reportsection")).slice(1).every(s => getComputedStyle(s).breakBefore === "page")`) {
		t.Error("the print styles do not hide the navigation or break the pages")
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}
	pdf := get(t, ctx, "print the report to PDF", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	pages := len(pdfPage.FindAll(pdf, -1))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pages < 4 {
		t.Errorf("the PDF: %d bytes, %d pages, want a PDF of a page per section (4 or more)", len(pdf), pages)
	}
	t.Logf("the report printed: %d KB, %d pages", len(pdf)/1024, pages)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, "report")
}

// screenshotTo saves the whole page as name.png in LABGRID_SCREENSHOTS
// (relative: to the repository's root), when set: the README's pictures.
func screenshotTo(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, ctx, name, chromedp.FullScreenshot(100))
}

// saveScreenshot saves what shot takes as name.png in LABGRID_SCREENSHOTS,
// when set; else it takes nothing.
func saveScreenshot(t *testing.T, ctx context.Context, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	dir := os.Getenv("LABGRID_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // the test runs in e2e/
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := get(t, ctx, "screenshot "+name, shot)
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d KB)", path, len(png)/1024)
}
