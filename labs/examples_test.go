package labs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"labgrid/grader/lab"
)

// The README's "Writing a lab" guide builds examples/lab.yaml: the example
// and every whole lab the README shows (a yaml block starting with id:)
// must load, or the guide teaches what labgrid refuses.
func TestExampleLabsLoad(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../examples/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Load("examples/lab.yaml", data)
	if err != nil {
		t.Fatalf("examples/lab.yaml: %v", err)
	}
	if len(l.Checks) != 2 {
		t.Errorf("examples/lab.yaml has %d checks; the README builds two", len(l.Checks))
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	whole := 0
	for _, b := range blocks {
		if !strings.HasPrefix(b[1], "id: ") {
			continue
		}
		whole++
		if _, err := lab.Load("README.md", []byte(b[1])); err != nil {
			t.Errorf("a lab in the README does not load:\n%v\n%s", err, b[1])
		}
	}
	if whole == 0 {
		t.Error("no whole lab found in the README's yaml blocks")
	}
}
