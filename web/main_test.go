package web

import (
	"testing"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/labs"
	"labgrid/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// classJudge is what labgrid serve wires: the class's labs with its
// rubric applied.
func classJudge(c store.Class) (grader.Judge, error) {
	refs := make([]labs.Ref, len(c.Labs))
	for i, l := range c.Labs {
		refs[i] = labs.Ref{ID: l.ID, Source: l.Source, SHA256: l.SHA256}
	}
	return labs.ForClass(refs, c.RubricYAML)
}

// defaultLabs are the labs of a class made by the tests.
var defaultLabs = []store.ClassLab{{ID: "step-3"}}

// defaultJudge is the shipped labs as they are, what a class with no
// rubric is judged with.
func defaultJudge(t testing.TB) grader.Judge {
	t.Helper()
	set, err := labs.ForClass(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return set
}
