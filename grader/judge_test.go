package grader

import (
	"reflect"
	"testing"
)

// LabsOf groups consecutive checks by lab with what their required checks
// are worth, the short title falling back to the title, and whether a
// check estimates costs.
func TestLabsOf(t *testing.T) {
	t.Parallel()
	a, b := Text{JA: "甲", EN: "A"}, Text{JA: "乙", EN: "B"}
	checks := []CheckInfo{
		{Lab: "a", LabTitle: a, LabShort: Text{JA: "甲s", EN: "As"}, ID: "a.1", Required: true, Points: 5},
		{Lab: "a", LabTitle: a, ID: "a.2", Points: 7},
		{Lab: "b", LabTitle: b, ID: "b.1", Required: true, Points: 3, Costs: true},
		{Lab: "b", LabTitle: b, ID: "b.2", Required: true, Points: 2},
	}
	want := []LabInfo{
		{ID: "a", Title: a, Short: Text{JA: "甲s", EN: "As"}, MaxScore: 5, First: 0, End: 2},
		{ID: "b", Title: b, Short: b, MaxScore: 5, Costs: true, First: 2, End: 4},
	}
	if got := LabsOf(checks); !reflect.DeepEqual(got, want) {
		t.Errorf("LabsOf\n got %+v\nwant %+v", got, want)
	}
	if got := LabsOf(nil); len(got) != 0 {
		t.Errorf("no checks: %+v", got)
	}
}
