package grader

import "testing"

// The README points newcomers at examples/: they must stay valid. The
// roster beside it is checked in package roster.
func TestExamplesAreValid(t *testing.T) {
	t.Parallel()
	r, err := LoadRubric("../examples/rubric.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Setting(CheckALBHTTP); !s.Enabled {
		t.Error("examples/rubric.yaml should show how to enable the probes")
	}
}
