package labs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestShippedLabsLoad(t *testing.T) {
	labs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(labs) == 0 {
		t.Fatal("no shipped lab")
	}
	for _, l := range labs {
		t.Logf("%s: %d checks", l.ID, len(l.Checks))
	}
}

// TestReadmeIsLabDoc: each shipped lab's README.md is `labgrid lab doc
// ID` of its lab.yaml; `make docs` regenerates them.
func TestReadmeIsLabDoc(t *testing.T) {
	labs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labs {
		want, err := l.Reference("both")
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(l.ID, "README.md"))
		if err != nil {
			t.Fatalf("%v (run make docs)", err)
		}
		if string(got) != want {
			t.Errorf("%s/README.md differs from `labgrid lab doc %s`: run make docs", l.ID, l.ID)
		}
	}
}
