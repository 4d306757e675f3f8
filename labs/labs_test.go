package labs

import (
	"os"
	"path/filepath"
	"strings"
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

// One rubric file serves all the labs of a class: each check's override
// goes to the lab that has the check; a check no lab has is refused,
// naming the labs.
func TestRubricAcrossLabs(t *testing.T) {
	day := []Ref{{ID: "steps-1-2"}, {ID: "step-3"}, {ID: "cleanup"}}
	set, err := ForClass(day, "checks:\n  s1.vpc: {points: 7}\n  alb.exists: {points: 9}\n")
	if err != nil {
		t.Fatal(err)
	}
	points := map[string]int{}
	for _, c := range set.Checks() {
		points[c.ID] = c.Points
	}
	if points["s1.vpc"] != 7 || points["alb.exists"] != 9 {
		t.Errorf("points: s1.vpc %d, alb.exists %d; want 7 and 9", points["s1.vpc"], points["alb.exists"])
	}
	_, err = ForClass(day, "checks:\n  alb.exist: {points: 9}\n")
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "alb.exist") || !strings.Contains(err.Error(), "steps-1-2, step-3, cleanup") {
		t.Errorf("a check no lab has: %v", err)
	}
	// A lab alone still refuses another lab's check.
	if _, err := ForClass([]Ref{{ID: "step-3"}}, "checks:\n  s1.vpc: {points: 7}\n"); err == nil {
		t.Error("step-3 alone accepted a steps-1-2 check")
	}
}
