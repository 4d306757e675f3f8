package devpg

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStartConnectStop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	c, err := Start(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			c.Stop(context.Background())
		}
	})
	if !strings.HasPrefix(c.URL(), "postgres://postgres@127.0.0.1:") {
		t.Errorf("URL() = %q", c.URL())
	}

	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	var fsync, encoding string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync'), pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").Scan(&fsync, &encoding); err != nil {
		t.Fatal(err)
	}
	if fsync != "off" || encoding != "UTF8" {
		t.Errorf("fsync=%s encoding=%s, want off and UTF8", fsync, encoding)
	}

	dbURL, err := CreateDatabase(ctx, c.URL(), "other db")
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := other.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "other db" {
		t.Errorf("current_database() = %q, want %q", name, "other db")
	}
	// DropDatabase ends the session still open on it.
	if err := DropDatabase(ctx, c.URL(), "other db"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	dir := c.Dir()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory %s still there after Stop: %v", dir, err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := pgx.Connect(ctx, c.URL()); err == nil {
		t.Error("connected after Stop")
	}
}

func TestFindBinDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "16", "13"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "postgres"} {
			if v == "16" && name == "postgres" {
				continue // an incomplete installation is skipped
			}
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	notOnPath := func(string) (string, error) { return "", exec.ErrNotFound }

	got, err := findBinDir(notOnPath, filepath.Join(root, "*", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("newest complete version: got %s, want %s", got, want)
	}

	// initdb on PATH wins, through a symlink to its real directory.
	linkDir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "13", "bin", "initdb"), filepath.Join(linkDir, "initdb")); err != nil {
		t.Fatal(err)
	}
	onPath := func(string) (string, error) { return filepath.Join(linkDir, "initdb"), nil }
	got, err = findBinDir(onPath, filepath.Join(root, "*", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "13", "bin"); got != want {
		t.Errorf("initdb on PATH: got %s, want %s", got, want)
	}

	_, err = findBinDir(notOnPath, filepath.Join(t.TempDir(), "*", "bin"))
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("no installation: err = %v", err)
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:p@h:5432/postgres?sslmode=disable", "postgres://u:p@h:5432/x_1?sslmode=disable"},
		{"postgresql://h/", "postgresql://h/x_1"},
		{"host=h user=u dbname=postgres", "host=h user=u dbname=postgres dbname='x_1'"},
	} {
		got, err := WithDatabase(tc.in, "x_1")
		if err != nil || got != tc.want {
			t.Errorf("WithDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := WithDatabase("postgres://u:secret@h:bad port/", "x"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: err = %v (must not show the password)", err)
	}
}

func TestRemoveAbandoned(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	mk := func(name, owner string) string {
		dir := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	// A pid that surely is not running: a child that has exited.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := mk(dirPrefix+"dead", strconv.Itoa(cmd.Process.Pid))
	alive := mk(dirPrefix+"alive", strconv.Itoa(os.Getpid()))
	starting := mk(dirPrefix+"starting", "")
	other := mk("something-else", strconv.Itoa(cmd.Process.Pid))

	removeAbandoned(parent)
	for dir, want := range map[string]bool{dead: false, alive: true, starting: true, other: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: exists = %v, want %v", filepath.Base(dir), err == nil, want)
		}
	}
}
