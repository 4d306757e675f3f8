package scheduler

import (
	"testing"

	"labgrid/grader"
	"labgrid/grader/sim"
)

func TestProberForSkipsTheSimulatedClass(t *testing.T) {
	t.Parallel()
	if p := proberFor(sim.New(sim.Options{Students: 1})); p != nil {
		t.Errorf("the simulated class gets a prober: %T", p)
	}
	var other grader.Source = struct{ grader.Source }{}
	if p := proberFor(other); p == nil || p != proberFor(other) {
		t.Error("a real source gets no prober, or not the shared one")
	}
}
