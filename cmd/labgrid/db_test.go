package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"labgrid/internal/pgtest"
	"labgrid/store"
)

// The database commands run against the package's test database (rows
// committed there are shared, so each test uses a class of its own).
func TestMain(m *testing.M) { pgtest.Main(m) }

const cliSecret = "cli-test-secret-0123456789abcdefghijklmnop"

// runCLI runs labgrid with args and returns what it printed and its exit
// status as main would set it.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	code = 0
	if err != nil {
		code = 1
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
		}
		errOut.WriteString("labgrid: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), code
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t, false)
	out, errOut, code := runCLI(t, "migrate", "--database-url", url)
	if code != 0 || !strings.Contains(out, "applied 00001_init.sql") || !strings.Contains(out, "applied river 1") {
		t.Fatalf("first migrate: code %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "migrate", "--database-url", url)
	if code != 0 || strings.Contains(out, "applied") || !strings.Contains(out, "schema version") {
		t.Errorf("second migrate: code %d\n%s%s", code, out, errOut)
	}
}

func TestCommandsNeedADatabase(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"migrate"},
		{"class", "create", "x"},
		{"class", "list"},
		{"roster", "import", "--class", "x", "--secret", cliSecret, "f.csv"},
		{"roster", "links", "--class", "x", "--secret", cliSecret},
	} {
		// No --database-url; the environment is read through a stub.
		var err error
		switch args[0] {
		case "migrate":
			_, err = parseMigrateFlags(args[1:], &bytes.Buffer{}, noEnv)
		case "class":
			if args[1] == "list" {
				continue // reads os.Getenv directly; covered by the others
			}
			_, err = parseClassCreateFlags(args[2:], &bytes.Buffer{}, noEnv)
		case "roster":
			if args[1] == "import" {
				_, err = parseRosterImportFlags(args[2:], &bytes.Buffer{}, noEnv)
			} else {
				_, err = parseRosterLinksFlags(args[2:], &bytes.Buffer{}, noEnv)
			}
		}
		var ex *exitError
		if !errors.As(err, &ex) || ex.code != 2 || !strings.Contains(err.Error(), "DATABASE_URL") {
			t.Errorf("%v without a database: err = %v, want exit 2 naming DATABASE_URL", args, err)
		}
	}
	// The environment fills what the flags leave out.
	env := func(name string) string {
		return map[string]string{"DATABASE_URL": "postgres://x@h/db", "LABGRID_SECRET": cliSecret}[name]
	}
	cfg, err := parseRosterImportFlags([]string{"f.csv", "--class", "c", "--prune"}, &bytes.Buffer{}, env)
	if err != nil || cfg.DatabaseURL != "postgres://x@h/db" || cfg.Secret != cliSecret || !cfg.Prune || cfg.File != "f.csv" || cfg.Class != "c" {
		t.Errorf("from the environment: %+v, %v", cfg, err)
	}
	cfg, err = parseRosterImportFlags([]string{"--database-url", "postgres://flag@h/db", "--class", "c", "f.csv"}, &bytes.Buffer{}, env)
	if err != nil || cfg.DatabaseURL != "postgres://flag@h/db" || cfg.Prune {
		t.Errorf("the flag wins over the environment: %+v, %v", cfg, err)
	}
}

func noEnv(string) string { return "" }

func TestClassCommands(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	out, errOut, code := runCLI(t, "class", "create", "cli-class", "--database-url", db)
	if code != 0 || !strings.Contains(out, "created class cli-class") {
		t.Fatalf("class create: code %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code = runCLI(t, "class", "create", "CLI-Class", "--database-url", db); code != 2 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate class: code %d, %s", code, errOut)
	}
	if _, errOut, code = runCLI(t, "class", "create", "bad name!", "--database-url", db); code != 2 || !strings.Contains(errOut, "class name") {
		t.Errorf("bad name: code %d, %s", code, errOut)
	}
	rubric := writeFile(t, "rubric.yaml", "checks:\n  no.such_check: {points: 1}\n")
	if _, errOut, code = runCLI(t, "class", "create", "cli-bad-rubric", "--rubric", rubric, "--database-url", db); code != 2 || !strings.Contains(errOut, rubric) || !strings.Contains(errOut, "no.such_check") {
		t.Errorf("bad rubric: code %d, %s", code, errOut)
	}
	good := writeFile(t, "rubric.yaml", "checks:\n  aurora.failover: {points: 20}\n")
	if out, errOut, code = runCLI(t, "class", "create", "--rubric", good, "cli-rubric", "--database-url", db); code != 0 {
		t.Fatalf("class with a rubric: code %d\n%s%s", code, out, errOut)
	}
	c, err := store.New(pgtest.Pool(t)).ClassByName(context.Background(), "cli-rubric")
	if err != nil || !strings.Contains(c.RubricYAML, "aurora.failover") {
		t.Errorf("stored class: %+v, %v", c, err)
	}
	if out, _, code = runCLI(t, "class", "list", "--database-url", db); code != 0 || !strings.Contains(out, "cli-class") || !strings.Contains(out, "overridden") {
		t.Errorf("class list: code %d\n%s", code, out)
	}
	if _, errOut, code = runCLI(t, "class", "create", "cli-class-2", "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"); code != 1 || !strings.Contains(errOut, "connect to the database") {
		t.Errorf("unreachable database: code %d, %s", code, errOut)
	}
}

const cliRoster = `login,display_name,account_id,role_arn,external_id
user01,山田 太郎,111122223333,,
user02,佐藤 花子,111122223333,,
user03,鈴木 一郎,444455556666,arn:aws:iam::444455556666:role/labgrid-grader,ext-0123456789
`

func TestRosterImportAndLinks(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	if _, errOut, code := runCLI(t, "class", "create", "cli-roster", "--database-url", db); code != 0 {
		t.Fatal(errOut)
	}
	file := writeFile(t, "class.csv", cliRoster)
	common := []string{"--database-url", db, "--secret", cliSecret}

	out, errOut, code := runCLI(t, append([]string{"roster", "import", "--class", "cli-roster", file}, common...)...)
	if code != 0 || !strings.Contains(out, "3 added, 0 updated, 0 unchanged, 0 removed, 0 kept") || !strings.Contains(out, "user01 user02 user03") {
		t.Fatalf("import: code %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, cliSecret) || strings.Contains(out+errOut, "ext-0123456789") {
		t.Error("import printed a secret")
	}

	links := func() []string {
		t.Helper()
		out, errOut, code := runCLI(t, append([]string{"roster", "links", "--class", "cli-roster", "--base-url", "https://grid.example.com/"}, common...)...)
		if code != 0 {
			t.Fatalf("links: code %d\n%s", code, errOut)
		}
		return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	}
	first := links()
	if len(first) != 3 {
		t.Fatalf("links printed %d lines, want 3: %q", len(first), first)
	}
	st := store.New(pgtest.Pool(t))
	for i, line := range first {
		cols := strings.Split(line, "\t")
		prefix := "https://grid.example.com/s/"
		if len(cols) != 3 || !strings.HasPrefix(cols[2], prefix) {
			t.Fatalf("link line %q: want LOGIN<TAB>NAME<TAB>%sTOKEN", line, prefix)
		}
		student, err := st.StudentByToken(context.Background(), strings.TrimPrefix(cols[2], prefix))
		if err != nil || student.Login != cols[0] || student.DisplayName != cols[1] {
			t.Errorf("line %d: token finds %+v, %v", i, student, err)
		}
	}
	if again := links(); !slices.Equal(first, again) {
		t.Errorf("links changed between two runs:\n%q\n%q", first, again)
	}

	// Re-import: a changed row is updated, a missing one kept, then pruned.
	changed := strings.Replace(cliRoster, "佐藤 花子", "佐藤 はな", 1)
	changed = strings.Join(strings.Split(changed, "\n")[:3], "\n") + "\n" // drop user03
	file2 := writeFile(t, "class.csv", changed)
	out, errOut, code = runCLI(t, append([]string{"roster", "import", file2, "--class", "cli-roster"}, common...)...)
	if code != 0 || !strings.Contains(out, "0 added, 1 updated, 1 unchanged, 0 removed, 1 kept") || !strings.Contains(out, "--prune") {
		t.Fatalf("re-import: code %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, append([]string{"roster", "import", file2, "--class", "cli-roster", "--prune"}, common...)...)
	if code != 0 || !strings.Contains(out, "0 added, 0 updated, 2 unchanged, 1 removed, 0 kept") {
		t.Fatalf("prune: code %d\n%s%s", code, out, errOut)
	}
	if after := links(); len(after) != 2 || after[0] != first[0] {
		t.Errorf("links after prune: %q (user01's must not change)", after)
	}

	// Another secret: no links that would not open.
	_, errOut, code = runCLI(t, "roster", "links", "--class", "cli-roster", "--database-url", db, "--secret", strings.Repeat("z", 40))
	if code != 2 || !strings.Contains(errOut, "LABGRID_SECRET") || strings.Contains(errOut, strings.Repeat("z", 40)) {
		t.Errorf("links with another secret: code %d, %s", code, errOut)
	}
}

func TestRosterImportRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	if _, errOut, code := runCLI(t, "class", "create", "cli-bad", "--database-url", db); code != 0 {
		t.Fatal(errOut)
	}
	good := writeFile(t, "good.csv", cliRoster)
	if _, errOut, code := runCLI(t, "roster", "import", "--class", "cli-bad", good, "--database-url", db, "--secret", cliSecret); code != 0 {
		t.Fatal(errOut)
	}

	// Every problem is listed, with its line, and nothing changes.
	bad := writeFile(t, "bad.csv", "login,account_id\nuser01,111122223333\nuser 02,12345\nuser01,111122223333\nuser04,111122223333\n")
	out, errOut, code := runCLI(t, "roster", "import", "--class", "cli-bad", bad, "--prune", "--database-url", db, "--secret", cliSecret)
	if code != 2 || out != "" {
		t.Errorf("bad roster: code %d, stdout %q", code, out)
	}
	for _, want := range []string{"line 3, login", "line 3, account_id", "line 4, login"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("bad roster: %q missing from\n%s", want, errOut)
		}
	}
	students, err := store.New(pgtest.Pool(t)).Roster(context.Background(), mustClassID(t, "cli-bad"))
	if err != nil || len(students) != 3 {
		t.Errorf("after a refused import: %d students, %v; want the 3 imported before", len(students), err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"roster", "import", "--class", "cli-bad", good, "--database-url", db, "--secret", "short-secret"}, "at least 32"},
		{[]string{"roster", "import", "--class", "cli-bad", good, "--database-url", db}, "LABGRID_SECRET"},
		{[]string{"roster", "import", good, "--database-url", db, "--secret", cliSecret}, "--class is required"},
		{[]string{"roster", "import", "--class", "cli-bad", "--database-url", db, "--secret", cliSecret}, "no roster file"},
		{[]string{"roster", "import", "--class", "no-such-class", good, "--database-url", db, "--secret", cliSecret}, "not found"},
		{[]string{"roster", "import", "--class", "cli-bad", filepath.Join(t.TempDir(), "missing.csv"), "--database-url", db, "--secret", cliSecret}, "missing.csv"},
		{[]string{"roster", "links", "--class", "cli-bad", "--base-url", "ftp://x", "--database-url", db, "--secret", cliSecret}, "--base-url"},
		{[]string{"roster", "frobnicate"}, "unknown subcommand"},
	} {
		_, errOut, code := runCLI(t, tc.args...)
		if os.Getenv("LABGRID_SECRET") != "" && tc.want == "LABGRID_SECRET" {
			continue // the developer's environment supplies one
		}
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: code %d, want 2 with %q:\n%s", tc.args, code, tc.want, errOut)
		}
		if strings.Contains(errOut, "short-secret") {
			t.Errorf("%v: the secret was printed", tc.args)
		}
	}
}

func mustClassID(t *testing.T, name string) int64 {
	t.Helper()
	c, err := store.New(pgtest.Pool(t)).ClassByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
