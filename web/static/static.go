// Package static holds the files the pages load (CSS, htmx and its SSE
// extension, one small script, an icon), embedded in the binary, and
// versioned URLs for them so that browsers may cache them for good.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Prefix is the URL path under which Handler serves the files.
const Prefix = "/static/"

//go:embed app.css app.js favicon.svg vendor/htmx.min.js vendor/sse.min.js
var files embed.FS

// versions maps each file name to the first 8 hex digits of the sha256 of
// its content.
var versions = func() map[string]string {
	v := map[string]string{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[name] = hex.EncodeToString(sum[:4])
		return nil
	})
	if err != nil {
		panic("static: " + err.Error())
	}
	return v
}()

// FS is the embedded files, by name ("app.css", "vendor/htmx.min.js").
func FS() fs.FS { return files }

// Names lists the embedded files.
func Names() []string {
	names := make([]string, 0, len(versions))
	for n := range versions {
		names = append(names, n)
	}
	return names
}

// Version is the content hash that Path puts in name's URL, or "" when
// there is no such file.
func Version(name string) string { return versions[strings.TrimPrefix(name, "/")] }

// Path is the URL of an embedded file with its content hash, e.g.
// Path("app.css") = "/static/app.css?v=1a2b3c4d". The URL changes whenever
// the file does, so Handler lets browsers keep it for a year. An unknown
// name gets a URL without version (and a 404 from Handler).
func Path(name string) string {
	name = strings.TrimPrefix(name, "/")
	if v, ok := versions[name]; ok {
		return Prefix + name + "?v=" + v
	}
	return Prefix + name
}

// Handler serves the embedded files; mount it at Prefix with the prefix
// stripped, e.g. r.Handle("/static/*", http.StripPrefix("/static", static.Handler())).
// A request whose ?v= is the file's current version may be cached for a
// year (immutable); any other must be revalidated.
func Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		v, ok := versions[name]
		if !ok {
			// No directory listings, no README: only the files above.
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+v+`"`)
		if r.URL.Query().Get("v") == v {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		fileServer.ServeHTTP(w, r)
	})
}
