package grader

import "testing"

// The README points newcomers at examples/: they must stay valid.
func TestExamplesAreValid(t *testing.T) {
	t.Parallel()
	r, err := LoadRubric("../examples/rubric.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Setting(CheckALBHTTP); !s.Enabled {
		t.Error("examples/rubric.yaml should show how to enable the probes")
	}
	students, err := ReadRosterFile("../examples/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(students) != 3 || students[2].RoleARN == "" {
		t.Errorf("examples/roster.csv: %+v", students)
	}
}
