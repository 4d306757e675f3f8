package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// An open event stream keeps what it needs to compress its next event for
// as long as it is open: a thousand students' pages are a thousand streams,
// and a deflate compressor's state (hundreds of KB each) made a serve of
// 1,000 streams take 1.4 GB. Streams are compressed statelessly instead:
// each holds a few KB however many events it has sent.
func TestEventStreamsHoldLittleMemory(t *testing.T) {
	const streams = 100
	release := make(chan struct{})
	var sent sync.WaitGroup
	sent.Add(streams)
	h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		var b strings.Builder
		for i := range 200 {
			fmt.Fprintf(&b, "data: <tr id=\"student-%d\"><td>user%03d</td><td class=\"pass\">✓</td></tr>\n", i, i)
		}
		b.WriteString("\n")
		io.WriteString(w, b.String())
		http.NewResponseController(w).Flush()
		sent.Done()
		<-release
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer close(release)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxConnsPerHost: streams + 1}}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	bodies := make([]io.ReadCloser, streams)
	for i := range bodies {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("stream %d not compressed: %q", i, resp.Header.Get("Content-Encoding"))
		}
		bodies[i] = resp.Body
	}
	sent.Wait()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	for _, b := range bodies {
		defer b.Close()
	}
	perStream := (int64(after.HeapInuse) - int64(before.HeapInuse)) / streams
	t.Logf("heap in use per open compressed stream: %d KB", perStream/1024)
	if perStream > 128<<10 {
		t.Errorf("each open compressed event stream holds %d KB of heap, want at most 128 KB", perStream/1024)
	}
}
