// Package e2e holds labgrid's end-to-end test: the real web server, the
// hub, the store and the scheduler in one process against a throwaway
// PostgreSQL, driven through Debian's headless Chromium (chromedp). It has
// no code of its own besides its tests.
package e2e
