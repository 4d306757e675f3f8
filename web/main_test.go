package web

import (
	"testing"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/labs"
	"labgrid/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// classJudge is what labgrid serve wires: the shipped labs with the
// class's rubric applied.
func classJudge(c store.Class) (grader.Judge, error) { return labs.ForClass(c.RubricYAML) }

// defaultJudge is the shipped labs as they are, what a class with no
// rubric is judged with.
func defaultJudge(t testing.TB) grader.Judge {
	t.Helper()
	set, err := labs.ForClass("")
	if err != nil {
		t.Fatal(err)
	}
	return set
}
