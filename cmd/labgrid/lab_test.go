package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/labs"
)

// labCmd runs `labgrid lab ARGS…` as main would and returns its exit code.
func labCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, append([]string{"lab"}, args...), &out, &errOut)
	if err != nil {
		code = 1
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
		}
	}
	return out.String(), errOut.String(), code
}

func TestLabList(t *testing.T) {
	t.Parallel()
	out, _, code := labCmd(t, "list", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "step-3") || !strings.Contains(out, "19") || !strings.Contains(out, "Step 3") {
		t.Errorf("lab list does not show step-3 with its 19 checks:\n%s", out)
	}
	if _, _, code := labCmd(t, "list", "--lang", "fr"); code != 2 {
		t.Errorf("--lang fr: exit %d, want 2", code)
	}
}

func TestLabCheck(t *testing.T) {
	t.Parallel()
	shipped, err := os.ReadFile(filepath.Join("..", "..", "labs", "step-3", "lab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	broken := filepath.Join(dir, "broken.yaml")
	// A broken copy: one misspelt prerequisite and one misspelt field.
	text := strings.Replace(string(shipped), "needs: [alb.exists]", "needs: [alb.exist]", 1)
	text = strings.Replace(text, "expression: alb.type == 'application'", "expression: alb.typ == 'application'", 1)
	for p, content := range map[string]string{good: string(shipped), broken: text} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	lineOf := func(s, sub string) string {
		i := strings.Index(s, sub)
		if i < 0 {
			t.Fatalf("no %q in the shipped lab", sub)
		}
		return ":" + strconv.Itoa(strings.Count(s[:i], "\n")+1) + ":"
	}

	t.Run("built-in labs", func(t *testing.T) {
		out, stderr, code := labCmd(t, "check")
		if code != 0 || !strings.Contains(out, "labs/step-3/lab.yaml: ok") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
		}
	})
	t.Run("good file", func(t *testing.T) {
		out, stderr, code := labCmd(t, "check", good)
		if code != 0 || !strings.Contains(out, "ok (step-3, 19 checks)") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
		}
	})
	t.Run("broken copy", func(t *testing.T) {
		_, stderr, code := labCmd(t, "check", good, broken)
		if code != 2 {
			t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
		}
		for _, want := range []string{
			broken + lineOf(text, "needs: [alb.exist]") + "13: check alb.two_az: needs unknown check \"alb.exist\"",
			broken + lineOf(text, "alb.typ ==") + "24: check alb.exists: expression: undefined field 'typ'",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr)
			}
		}
		if strings.Contains(stderr, good) {
			t.Errorf("the good file is reported:\n%s", stderr)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, stderr, code := labCmd(t, "check", filepath.Join(dir, "nope.yaml"))
		if code != 2 || !strings.Contains(stderr, "nope.yaml") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

func TestLabDoc(t *testing.T) {
	t.Parallel()
	out, _, code := labCmd(t, "doc", "step-3")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	again, _, _ := labCmd(t, "doc", "step-3")
	if out != again {
		t.Error("lab doc step-3 differs between two runs")
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "labs", "step-3", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(committed) {
		t.Error("labs/step-3/README.md is not `labgrid lab doc step-3`: run make docs")
	}
	for _, want := range []string{"`aurora.failover`", "Aurora failover", "Aurora フェイルオーバー", "wp-{user}-cluster", "| `vpc_cidr` | 10.0.0.0/16 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("lab doc step-3 lacks %q", want)
		}
	}
	en, _, _ := labCmd(t, "doc", "--lang", "en", "step-3")
	if strings.Contains(en, "フェイルオーバー") || !strings.Contains(en, "Aurora failover") {
		t.Error("--lang en is not English only")
	}

	// A file works as an id does; a broken one and an unknown id exit 2
	// naming them.
	shipped, err := os.ReadFile(filepath.Join("..", "..", "labs", "step-3", "lab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good, broken := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(good, shipped, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte(strings.Replace(string(shipped), "needs: [alb.exists]", "needs: [alb.exist]", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if fromFile, _, code := labCmd(t, "doc", good); code != 0 || fromFile != out {
		t.Errorf("lab doc FILE: exit %d, same output as the id: %t", code, fromFile == out)
	}
	if _, stderr, code := labCmd(t, "doc", broken); code != 2 || !strings.Contains(stderr, "broken.yaml:") || !strings.Contains(stderr, "alb.exist") {
		t.Errorf("broken file: exit %d, stderr %q; want 2 naming the file and the problem", code, stderr)
	}
	if _, _, code := labCmd(t, "doc", "step-9"); code != 2 {
		t.Errorf("unknown id: exit %d, want 2", code)
	}
	if _, _, code := labCmd(t, "doc", "--lang", "fr", "step-3"); code != 2 {
		t.Errorf("--lang fr: exit %d, want 2", code)
	}
}

func TestLabPolicy(t *testing.T) {
	t.Parallel()
	out, _, code := labCmd(t, "policy", "step-3")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if twice, _, _ := labCmd(t, "policy", "step-3", "step-3"); twice != out {
		t.Error("lab policy step-3 step-3 differs from lab policy step-3")
	}
	for _, want := range []string{`"rds:DescribeEvents"`, `"elasticloadbalancing:DescribeTargetHealth"`, `"Resource": "*"`} {
		if !strings.Contains(out, want) {
			t.Errorf("lab policy step-3 lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ec2:DescribeKeyPairs") {
		t.Errorf("lab policy step-3 allows key pairs, which it never reads:\n%s", out)
	}
	// deploy/iam-policy.json is the policy of every shipped lab: the
	// scanner collects only what a class's labs read (see awssource's
	// TestDeployPolicyIsLabPolicy).
	shipped, err := labs.Load()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"policy"}
	for _, l := range shipped {
		args = append(args, l.ID)
	}
	all, _, code := labCmd(t, args...)
	if code != 0 {
		t.Fatalf("lab %v: exit %d", args, code)
	}
	deployed, err := os.ReadFile(filepath.Join("..", "..", "deploy", "iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if all != string(deployed) {
		t.Errorf("lab %v is\n%s\nwant deploy/iam-policy.json\n%s", args, all, deployed)
	}
}

// TestLabHelp: --help on each lab subcommand shows its usage and exits 0,
// as the other commands do.
func TestLabHelp(t *testing.T) {
	t.Parallel()
	for _, sub := range []string{"list", "check", "doc", "policy"} {
		_, stderr, code := labCmd(t, sub, "--help")
		if code != 0 || !strings.Contains(stderr, "Usage: labgrid lab "+sub) {
			t.Errorf("lab %s --help: exit %d, stderr %q", sub, code, stderr)
		}
	}
}
