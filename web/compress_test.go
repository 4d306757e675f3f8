package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/metrics"
	"labgrid/web/static"
	"labgrid/web/views"
)

// rawGet sends a GET with the test's cookies and exactly the
// Accept-Encoding given ("" none), and returns the answer with its body
// as it came over the wire (the client does not decode it).
func (e *testEnv) rawGet(path, acceptEncoding string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	c := *e.client
	c.Transport = &http.Transport{DisableCompression: true}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return out
}

// A page, the stylesheet, the scripts and the CSV export go gzipped to a
// client that accepts gzip, decode to exactly what a client that does not
// gets, and keep their security headers; no Content-Length is the plain
// body's length on a compressed answer.
func TestCompressedAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	for _, tc := range []struct{ path, contentType string }{
		{views.ClassURL(e.class.Name, nil), "text/html"},
		{static.Path("app.css"), "text/css"},
		{static.Path("vendor/htmx.min.js"), "text/javascript"},
		{static.Path("app.js"), "text/javascript"},
		{views.ClassExportURL(e.class.Name), "text/csv"},
		{views.SelfURL(e.tokens["user02"]), "text/html"},
	} {
		plainResp, plain := e.rawGet(tc.path, "")
		if plainResp.StatusCode != http.StatusOK || !strings.HasPrefix(plainResp.Header.Get("Content-Type"), tc.contentType) {
			t.Fatalf("GET %s: %d %s", tc.path, plainResp.StatusCode, plainResp.Header.Get("Content-Type"))
		}
		if ce := plainResp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("GET %s without Accept-Encoding: Content-Encoding %q", tc.path, ce)
		}
		if cl := plainResp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(plain)) {
			t.Errorf("GET %s plain: Content-Length %s, body %d bytes", tc.path, cl, len(plain))
		}

		resp, wire := e.rawGet(tc.path, "gzip, deflate, br")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s with gzip: %d, Content-Encoding %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
			continue
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("GET %s: Vary %q", tc.path, resp.Header.Get("Vary"))
		}
		if cl := resp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(wire)) {
			t.Errorf("GET %s gzipped: Content-Length %s, %d bytes sent", tc.path, cl, len(wire))
		}
		if len(wire) >= len(plain) {
			t.Errorf("GET %s: %d bytes gzipped, %d plain", tc.path, len(wire), len(plain))
		}
		if got := gunzip(t, wire); !bytes.Equal(got, plain) {
			t.Errorf("GET %s: decoded body (%d bytes) differs from the plain one (%d bytes)", tc.path, len(got), len(plain))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") != contentSecurityPolicy {
			t.Errorf("GET %s gzipped: security headers %v", tc.path, resp.Header)
		}
		if got, want := resp.Header.Get("Content-Type"), plainResp.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type %q gzipped, %q plain", tc.path, got, want)
		}

		// A client that refuses gzip gets it plain.
		if resp, _ := e.rawGet(tc.path, "gzip;q=0, identity"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s with gzip;q=0: Content-Encoding %q", tc.path, resp.Header.Get("Content-Encoding"))
		}
	}
}

// A revalidated file is a bare 304, gzip asked or not: no body, no
// Content-Encoding.
func TestCompressNotModified(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := static.Path("app.css")
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-None-Match", `"`+static.Version("app.css")+`"`)
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("revalidation: %d, %d bytes, Content-Encoding %q", resp.StatusCode, len(b), resp.Header.Get("Content-Encoding"))
	}
}

// What is compressed already is not compressed again: /metrics gzips
// itself, and one gunzip gives the text.
func TestCompressNotTwice(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *Options) { o.Metrics = metrics.New() })
	resp, wire := e.rawGet("/metrics", "gzip")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || len(resp.Header.Values("Content-Encoding")) != 1 {
		t.Fatalf("/metrics: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Values("Content-Encoding"))
	}
	if body := gunzip(t, wire); !bytes.Contains(body, []byte("# HELP ")) {
		t.Errorf("/metrics decoded once: %.80q", body)
	}
}

// An event stream read gzipped still brings each event as it is sent,
// not when the stream ends: the reader gets the first event while the
// stream stays open, then the next one.
func TestEventStreamCompressedPerEvent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+views.ClassEventsURL(e.class.Name), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := e.client.Do(req) // Accept-Encoding set: the client does not decode
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("stream: %d %q, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
	}
	select {
	case <-e.hub.subscribed:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not subscribe")
	}
	// gzip.NewReader reads the gzip header: the first flush (retry:) sent it.
	type opened struct {
		zr  *gzip.Reader
		err error
	}
	got := make(chan opened, 1)
	go func() { zr, err := gzip.NewReader(resp.Body); got <- opened{zr, err} }()
	var zr *gzip.Reader
	select {
	case o := <-got:
		if o.err != nil {
			t.Fatal(o.err)
		}
		zr = o.zr
	case <-time.After(5 * time.Second):
		t.Fatal("no gzip header within 5 s: the stream's head was not flushed")
	}
	r := bufio.NewReader(zr)

	read := func(what string) map[string]string {
		t.Helper()
		type result struct {
			events map[string]string
			err    string
		}
		done := make(chan result, 1)
		go func() {
			events, err := readEventsErr(r, views.SummaryEvent)
			done <- result{events, err}
		}()
		select {
		case res := <-done:
			if res.err != "" {
				t.Fatalf("%s: %s", what, res.err)
			}
			return res.events
		case <-time.After(5 * time.Second):
			cancel()
			t.Fatalf("%s: no event within 5 s while the stream is open (the gzip stream is not flushed per event)", what)
			return nil
		}
	}
	ev1 := views.StudentEvent(e.ids["user01"])
	e.send(HubEvent{StudentIDs: []int64{e.ids["user01"]}})
	if events := read("first event"); !strings.Contains(events[ev1], `id="`+ev1+`"`) {
		t.Errorf("first event: %v", keys(events))
	}
	ev2 := views.StudentEvent(e.ids["user02"])
	e.send(HubEvent{StudentIDs: []int64{e.ids["user02"]}})
	if events := read("second event"); !strings.Contains(events[ev2], `id="`+ev2+`"`) || events[ev1] != "" {
		t.Errorf("second event: %v", keys(events))
	}
}

// readEventsErr is readEvents for a goroutine: it says what went wrong
// instead of failing the test.
func readEventsErr(r *bufio.Reader, last string) (map[string]string, string) {
	events := map[string]string{}
	var name string
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return events, "stream ended: " + err.Error()
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data.WriteString(strings.TrimPrefix(line, "data: "))
		case line == "" && name != "":
			events[name] = data.String()
			if name == last {
				return events, ""
			}
			name = ""
			data.Reset()
		}
	}
}
