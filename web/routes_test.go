package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	var readyErr error
	server, err := New(Options{Judges: classJudge, Ready: func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("Ready called without a deadline")
		}
		return readyErr
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Routes())
	defer srv.Close()

	get := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("GET", "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := get("HEAD", "/healthz"); code != 200 {
		t.Errorf("HEAD /healthz: %d", code)
	}
	if code, body := get("GET", "/readyz"); code != 200 || body != "ok\n" {
		t.Errorf("/readyz when ready: %d %q", code, body)
	}
	readyErr = errors.New("dial tcp db.internal:5432: connection refused")
	code, body := get("GET", "/readyz")
	if code != http.StatusServiceUnavailable || strings.Contains(body, "db.internal") {
		t.Errorf("/readyz when not ready: %d %q (want 503, no detail)", code, body)
	}
	if code, _ := get("GET", "/students"); code != http.StatusNotFound {
		t.Errorf("/students: %d, want 404", code)
	}
}
