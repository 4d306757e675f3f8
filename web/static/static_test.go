package static

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	t.Parallel()
	names := Names()
	slices.Sort(names)
	want := []string{"app.css", "app.js", "favicon.svg", "vendor/htmx.min.js", "vendor/sse.min.js"}
	if !slices.Equal(names, want) {
		t.Fatalf("embedded %v, want %v", names, want)
	}
	for _, name := range names {
		b, err := fs.ReadFile(FS(), name)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v (%d bytes)", name, err, len(b))
		}
		sum := sha256.Sum256(b)
		v := hex.EncodeToString(sum[:4])
		if got := Path(name); got != "/static/"+name+"?v="+v {
			t.Errorf("Path(%q) = %q, want the content hash %s", name, got, v)
		}
		if Path("/"+name) != Path(name) || Version(name) != v {
			t.Errorf("Path or Version of %q", name)
		}
	}
	if got := Path("nope.js"); got != "/static/nope.js" {
		t.Errorf("Path of an unknown file = %q", got)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.StripPrefix("/static", Handler()))
	defer srv.Close()
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	res := get(Path("app.css"))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") ||
		res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("versioned app.css: %d %v", res.StatusCode, res.Header)
	}
	res = get(Path("vendor/htmx.min.js"))
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Errorf("htmx: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// An old or missing version must be revalidated, and can be.
	res = get("/static/app.css?v=00000000")
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("ETag") == "" {
		t.Errorf("stale version: %d %v", res.StatusCode, res.Header)
	}
	if res := get("/static/app.css", "If-None-Match", res.Header.Get("ETag")); res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", res.StatusCode)
	}
	for _, path := range []string{"/static/", "/static/vendor/", "/static/vendor/README", "/static/static.go", "/static/../static.go", "/static/nope.css"} {
		if res := get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}

// TestVendorPinned: the vendored files are the versions the README names.
func TestVendorPinned(t *testing.T) {
	t.Parallel()
	htmx, _ := fs.ReadFile(FS(), "vendor/htmx.min.js")
	if !regexp.MustCompile(`version:"2\.0\.11"`).Match(htmx) {
		t.Errorf("vendor/htmx.min.js is not htmx 2.0.11")
	}
	sse, _ := fs.ReadFile(FS(), "vendor/sse.min.js")
	if !strings.Contains(string(sse), `defineExtension("sse"`) {
		t.Errorf("vendor/sse.min.js is not the SSE extension")
	}
	// app.js and app.css are ours: no remote URL, nothing fetched at run time.
	for _, name := range []string{"app.js", "app.css"} {
		b, _ := fs.ReadFile(FS(), name)
		if regexp.MustCompile(`https?://|@import|url\(`).Match(b) {
			t.Errorf("%s refers to another resource", name)
		}
	}
}
