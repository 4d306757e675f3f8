package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"labgrid/internal/pgtest"
	"labgrid/roster"
)

// rosterOf is a roster CSV of logins user0001… from the first-th on, n
// rows, each in an account of its own.
func rosterOf(first, n int) string {
	var b strings.Builder
	b.WriteString("login,account_id\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "user%04d,%012d\n", i, 100000000000+i)
	}
	return b.String()
}

// A class may have at most --max-students students (LABGRID_MAX_STUDENTS,
// default roster.DefaultMaxClassSize) after the import; a refused import
// changes nothing and names the setting to change.
func TestRosterImportClassSizeLimit(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	if _, errOut, code := runCLI(t, "class", "create", "cli-size", "--database-url", db); code != 0 {
		t.Fatal(errOut)
	}
	limit := roster.DefaultMaxClassSize
	common := []string{"--class", "cli-size", "--database-url", db, "--secret", cliSecret}
	students := func() int {
		t.Helper()
		var n int
		if err := pgtest.Pool(t).QueryRow(t.Context(), "SELECT count(*) FROM students WHERE class_id = $1", mustClassID(t, "cli-size")).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	full := writeFile(t, "full.csv", rosterOf(1, limit))
	if out, errOut, code := runCLI(t, append([]string{"roster", "import", full}, common...)...); code != 0 || !strings.Contains(out, fmt.Sprintf("%d added", limit)) {
		t.Fatalf("import at the limit: code %d\n%s%s", code, out, errOut)
	}

	for _, tc := range []struct {
		name, file string
		args       []string
		want       string
	}{
		{"file over the limit", writeFile(t, "over.csv", rosterOf(1, limit+1)), []string{"--prune"}, fmt.Sprintf("has %d students; the limit is %d", limit+1, limit)},
		{"one more kept without prune", writeFile(t, "one.csv", rosterOf(limit+1, 1)), nil, fmt.Sprintf(`class "cli-size" would have %d students; the limit is %d`, limit+1, limit)},
	} {
		out, errOut, code := runCLI(t, append(append([]string{"roster", "import", tc.file}, common...), tc.args...)...)
		if code != 2 || out != "" {
			t.Errorf("%s: code %d, stdout %q; want 2 and nothing", tc.name, code, out)
		}
		for _, want := range []string{tc.want, "--max-students", "LABGRID_MAX_STUDENTS"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s: stderr does not say %q:\n%s", tc.name, want, errOut)
			}
		}
		if n := students(); n != limit {
			t.Errorf("%s: %d students after a refused import, want %d", tc.name, n, limit)
		}
	}

	one := writeFile(t, "one.csv", rosterOf(limit+1, 1))
	if out, errOut, code := runCLI(t, append([]string{"roster", "import", one, "--max-students", fmt.Sprint(limit + 1)}, common...)...); code != 0 || !strings.Contains(out, "1 added") {
		t.Fatalf("import with a raised limit: code %d\n%s%s", code, out, errOut)
	}
	if n := students(); n != limit+1 {
		t.Errorf("%d students, want %d", n, limit+1)
	}
}

func TestRosterImportMaxStudentsSetting(t *testing.T) {
	t.Parallel()
	env := map[string]string{envDatabaseURL: "postgres://x@localhost/labgrid", envSecret: cliSecret}
	getenv := func(k string) string { return env[k] }
	parse := func(args ...string) (rosterImportConfig, error) {
		return parseRosterImportFlags(append([]string{"--class", "c", "f.csv"}, args...), &bytes.Buffer{}, getenv)
	}
	if cfg, err := parse(); err != nil || cfg.MaxStudents != roster.DefaultMaxClassSize {
		t.Errorf("default: %d, %v; want %d", cfg.MaxStudents, err, roster.DefaultMaxClassSize)
	}
	env[envMaxStudents] = "40"
	if cfg, err := parse(); err != nil || cfg.MaxStudents != 40 {
		t.Errorf("%s=40: %d, %v", envMaxStudents, cfg.MaxStudents, err)
	}
	if cfg, err := parse("--max-students", "7"); err != nil || cfg.MaxStudents != 7 {
		t.Errorf("--max-students 7 over %s=40: %d, %v", envMaxStudents, cfg.MaxStudents, err)
	}
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"many", nil, envMaxStudents + `="many"`},
		{"0", nil, envMaxStudents + `="0"`},
		{"", []string{"--max-students", "0"}, "--max-students 0"},
		{"", []string{"--max-students", "-3"}, "--max-students -3"},
	} {
		env[envMaxStudents] = tc.env
		if _, err := parse(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q %v: %v, want an error saying %q", envMaxStudents, tc.env, tc.args, err, tc.want)
		}
	}
}

// The demo class is held to the same limit, refused at start.
func TestServeDemoStudentsWithinLimit(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	limit := roster.DefaultMaxClassSize
	cfg, err := parseServeFlags([]string{"--demo", "--demo-students", fmt.Sprint(limit)}, &bytes.Buffer{}, getenv)
	if err != nil || cfg.DemoStudents != limit || cfg.MaxStudents != limit {
		t.Errorf("--demo-students %d: %+v, %v", limit, cfg, err)
	}
	_, err = parseServeFlags([]string{"--demo", "--demo-students", fmt.Sprint(limit + 1)}, &bytes.Buffer{}, getenv)
	for _, want := range []string{fmt.Sprintf("--demo-students %d", limit+1), fmt.Sprintf("the limit is %d", limit), "--max-students", envMaxStudents} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--demo-students %d: %v, want an error saying %q", limit+1, err, want)
		}
	}
	env[envMaxStudents] = "6000"
	cfg, err = parseServeFlags([]string{"--demo", "--demo-students", "6000"}, &bytes.Buffer{}, getenv)
	if err != nil || cfg.DemoStudents != 6000 || cfg.MaxStudents != 6000 {
		t.Errorf("--demo-students 6000 with %s=6000: %d, %v", envMaxStudents, cfg.DemoStudents, err)
	}
	if _, err := parseServeFlags([]string{"--demo", "--demo-students", "20", "--max-students", "10"}, &bytes.Buffer{}, getenv); err == nil || !strings.Contains(err.Error(), "the limit is 10") {
		t.Errorf("--demo-students 20 --max-students 10: %v, want refused", err)
	}
}
