package labs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var plainWord = regexp.MustCompile(`^[a-z]+$`)

// The Go code outside labs/ knows no workshop: no check id, lab id or
// title, and no handout resource name of a shipped lab, comments
// included. Tests, the simulated class (grader/sim) and the AWS emulator's
// fixtures (grader/awssource/awstest) build workshop environments and may.
func TestGoCodeKnowsNoWorkshop(t *testing.T) {
	shipped, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, l := range shipped {
		// An id that is an ordinary word ("cleanup") is looked for as a
		// string literal: the word in its own sense (a test's cleanup) is
		// no workshop. Other ids (step-3) are looked for anywhere.
		if plainWord.MatchString(l.ID) {
			words = append(words, `"`+l.ID+`"`)
		} else {
			words = append(words, l.ID)
		}
		words = append(words, l.Short.EN, l.Short.JA)
		for _, c := range l.Checks {
			words = append(words, c.ID)
		}
		// A name template's fixed prefixes ("elb-", "tg-elb-"); a suffix
		// ("-cluster") alone is too common a word (AWS's "db-cluster").
		for _, r := range l.Resources {
			for part := range strings.SplitSeq(r.Template, "{user}") {
				if part = strings.Trim(part, "*"); len(part) >= 4 && !strings.HasPrefix(part, "-") {
					words = append(words, part)
				}
			}
		}
	}
	allowed := []string{"labs", "grader/sim", "grader/awssource/awstest"}
	root := ".."
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			for _, a := range allowed {
				if rel == a {
					return filepath.SkipDir
				}
			}
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, w := range words {
				if strings.Contains(line, w) {
					t.Errorf("%s:%d names %q of a shipped lab: %s", rel, i+1, w, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(words) < 20 {
		t.Fatalf("only %d words to look for: %q", len(words), words)
	}
}
