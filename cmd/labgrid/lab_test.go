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
