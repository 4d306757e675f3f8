package lab_test

import (
	"io/fs"
	"testing"

	"labgrid/grader/lab"
	"labgrid/labs"
)

// step3Lab is the shipped step-3 lab.
func step3Lab(t testing.TB) *lab.Lab {
	t.Helper()
	all, err := labs.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if l.ID == "step-3" {
			return l
		}
	}
	t.Fatal("no step-3 lab")
	return nil
}

// step3YAML is the shipped step-3 lab file, for the tests that edit or
// load it themselves.
func step3YAML(t testing.TB) []byte {
	t.Helper()
	data, err := fs.ReadFile(labs.FS(), "step-3/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}
