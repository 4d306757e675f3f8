package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"labgrid/internal/pgtest"
	"labgrid/store"
)

// exampleLab is examples/lab.yaml with its id and its check ids' area
// changed, so that it can sit beside the shipped lab, whose network
// checks it would otherwise share.
func exampleLab(t *testing.T, id, area string) string {
	t.Helper()
	data, err := os.ReadFile("../../examples/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "id: vpc-basics", "id: "+id, 1)
	text = strings.ReplaceAll(text, "network", area)
	return writeFile(t, id+".yaml", text)
}

func classLabs(t *testing.T, name string) (ids []string, rubric string) {
	t.Helper()
	c, err := store.New(pgtest.Pool(t)).ClassByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs {
		id := l.ID
		if !l.Shipped() {
			if l.SHA256 != store.LabFileSHA256(l.Source) {
				t.Errorf("lab %s kept with the hash %s, not its text's", l.ID, l.SHA256)
			}
			id += "(file)"
		}
		ids = append(ids, id)
	}
	return ids, c.RubricYAML
}

func TestClassLabsCommands(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	mine := exampleLab(t, "mine", "vnet")
	out, errOut, code := runCLI(t, "class", "create", "cli-labs", "--lab", "step-3", "--lab", mine, "--database-url", db)
	if code != 0 || !strings.Contains(out, "labs step-3, mine (file)") {
		t.Fatalf("class create --lab: code %d\n%s%s", code, out, errOut)
	}
	if ids, _ := classLabs(t, "cli-labs"); strings.Join(ids, " ") != "step-3 mine(file)" {
		t.Errorf("stored labs %v", ids)
	}
	if out, _, code = runCLI(t, "class", "list", "--database-url", db); code != 0 || !strings.Contains(out, "step-3, mine (file)") {
		t.Errorf("class list: code %d\n%s", code, out)
	}
	if _, errOut, code = runCLI(t, "class", "create", "cli-labs-default", "--database-url", db); code != 0 {
		t.Fatal(errOut)
	}
	if ids, _ := classLabs(t, "cli-labs-default"); strings.Join(ids, " ") != "step-3" {
		t.Errorf("a class made without --lab has %v", ids)
	}

	// Bad input creates nothing.
	broken := writeFile(t, "broken.yaml", strings.Replace(readFile(t, mine), "vpc.cidr == settings", "vpc.cidrr == settings", 1))
	example, _ := os.Getwd()
	example = example + "/../../examples/lab.yaml"
	many := []string{"class", "create", "cli-too-many", "--database-url", db}
	for i := range store.MaxClassLabs + 1 {
		many = append(many, "--lab", exampleLab(t, fmt.Sprintf("l%d", i), fmt.Sprintf("a%d", i)))
	}
	big := writeFile(t, "big.yaml", readFile(t, mine)+"#"+strings.Repeat("x", store.MaxLabFileBytes)+"\n")
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"class", "create", "cli-broken", "--lab", broken, "--database-url", db}, broken + ":38:"},
		{[]string{"class", "create", "cli-broken", "--lab", "no-such-lab", "--database-url", db}, "neither a built-in lab"},
		{[]string{"class", "create", "cli-broken", "--lab", "step-3", "--lab", example, "--database-url", db}, "network.vpc"},
		{[]string{"class", "create", "cli-broken", "--lab", mine, "--lab", mine, "--database-url", db}, "twice"},
		{[]string{"class", "create", "cli-broken", "--lab", big, "--database-url", db}, "KiB"},
		{many, "at most 16"},
	} {
		if _, errOut, code := runCLI(t, bad.args...); code != 2 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: code %d, want 2 and %q in\n%s", bad.args[3:], code, bad.want, errOut)
		}
	}
	for _, name := range []string{"cli-broken", "cli-too-many"} {
		if _, err := store.New(pgtest.Pool(t)).ClassByName(context.Background(), name); err == nil {
			t.Errorf("class %s made from bad input", name)
		}
	}

	// class set changes the labs and the rubric of a live class.
	rubric := writeFile(t, "rubric.yaml", "checks:\n  vnet.vpc: {points: 9}\n")
	if out, errOut, code = runCLI(t, "class", "set", "cli-labs", "--lab", mine, "--rubric", rubric, "--database-url", db); code != 0 || !strings.Contains(out, "labs mine (file), rubric overridden (2 checks)") {
		t.Fatalf("class set: code %d\n%s%s", code, out, errOut)
	}
	if ids, r := classLabs(t, "cli-labs"); strings.Join(ids, " ") != "mine(file)" || !strings.Contains(r, "vnet.vpc") {
		t.Errorf("after class set: labs %v, rubric %q", ids, r)
	}
	// Without --lab the labs stay; the rubric is checked against them.
	if out, errOut, code = runCLI(t, "class", "set", "cli-labs", "--no-rubric", "--database-url", db); code != 0 || !strings.Contains(out, "labs mine (file), rubric built-in") {
		t.Errorf("class set --no-rubric: code %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code = runCLI(t, "class", "set", "cli-labs", "--rubric", rubric, "--database-url", db); code != 0 {
		t.Errorf("class set --rubric: code %d\n%s", code, errOut)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"class", "set", "cli-labs", "--lab", broken, "--database-url", db}, broken + ":38:"},
		// The class's rubric names a check of the lab it would lose.
		{[]string{"class", "set", "cli-labs", "--lab", "step-3", "--database-url", db}, "vnet.vpc"},
		{[]string{"class", "set", "cli-labs", "--lab", "step-3", "--lab", example, "--no-rubric", "--database-url", db}, "network.vpc"},
		{[]string{"class", "set", "cli-labs", "--database-url", db}, "nothing to change"},
		{[]string{"class", "set", "cli-labs", "--rubric", rubric, "--no-rubric", "--database-url", db}, "choose one"},
		{[]string{"class", "set", "no-such-class", "--lab", "step-3", "--database-url", db}, "not found"},
		{append([]string{"class", "set", "cli-labs"}, many[3:]...), "at most 16"},
	} {
		if _, errOut, code := runCLI(t, bad.args...); code != 2 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: code %d, want 2 and %q in\n%s", bad.args[3:], code, bad.want, errOut)
		}
	}
	if ids, r := classLabs(t, "cli-labs"); strings.Join(ids, " ") != "mine(file)" || !strings.Contains(r, "vnet.vpc") {
		t.Errorf("after bad input: labs %v, rubric %q", ids, r)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
