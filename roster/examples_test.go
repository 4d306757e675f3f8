package roster

import "testing"

// The README points newcomers at examples/: its roster must stay valid.
func TestExampleRosterIsValid(t *testing.T) {
	t.Parallel()
	students, err := ReadFile("../examples/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(students) != 3 || students[2].RoleARN == "" {
		t.Errorf("examples/roster.csv: %+v", students)
	}
}
