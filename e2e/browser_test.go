package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, the browser scripts/deps.sh installs;
// LABGRID_CHROMIUM names another binary.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one browser step (a navigation, a click and what it
// waits for).
const stepTimeout = 15 * time.Second

// newBrowser starts a headless Chromium of the test's own (a fresh
// profile in a temporary folder, Japanese first) and returns the context
// of its one tab; the browser is closed when the test ends. A machine
// without Chromium fails the test: the end-to-end test is part of the
// suite, not optional.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	profile := t.TempDir() // removed after the browser is closed (cleanups run last first)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1600, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "ja-JP"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
	})
	// The first call starts the browser, which lives as long as that
	// call's context: it cannot have a timeout of its own, so a timer
	// ends the tab instead.
	started := make(chan error, 1)
	go func() {
		_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "ja,en;q=0.5"},
		})
		started <- err
	}()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start headless Chromium (%s): %v", path, err)
		}
	case <-time.After(30 * time.Second):
		cancelTab()
		t.Fatalf("headless Chromium (%s) did not start within 30s", path)
	}
	return ctx
}

// chromium is the browser's path (LABGRID_CHROMIUM, else Debian's
// chromium, else Ubuntu's chromium-browser), or fails the test saying what
// to install.
func chromium(t *testing.T) string {
	t.Helper()
	candidates := []string{chromiumPath, "/usr/bin/chromium-browser"}
	if path := os.Getenv("LABGRID_CHROMIUM"); path != "" {
		candidates = []string{path}
	}
	for _, path := range candidates {
		if _, err := exec.LookPath(path); err == nil {
			return path
		}
	}
	t.Fatalf("headless Chromium not found at %s: `make test` installs it (scripts/deps.sh), or set LABGRID_CHROMIUM to a Chromium binary", strings.Join(candidates, " or "))
	return ""
}

// run performs the browser actions of one step within stepTimeout, or
// fails the test naming the step.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// get runs one browser action that gives a value, within stepTimeout.
func get[T any](t *testing.T, ctx context.Context, step string, action chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(c, action)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page and decodes its
// value (DevTools evaluation: the page's Content-Security-Policy does not
// apply to it).
func eval[T any](t *testing.T, ctx context.Context, step, expr string) T {
	t.Helper()
	return get(t, ctx, step, chromedp.Evaluate[T](expr))
}

// waitFor evaluates cond (a JavaScript expression giving a boolean) every
// 10 ms until it is true, for at most d.
func waitFor(t *testing.T, ctx context.Context, d time.Duration, what, cond string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		select {
		case <-c.Done():
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			t.Fatalf("%s: not within %s", what, d)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// screenshot saves the whole page as a PNG for whoever debugs the test
// and logs where: in the test's temporary folder, or under
// LABGRID_E2E_ARTIFACTS when set (to keep it).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := os.Getenv("LABGRID_E2E_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d KB)", path, len(png)/1024)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return fmt.Sprintf("%q", s) }
