package scheduler

import (
	"testing"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/prober"
)

func TestProberForSkipsTheSimulatedClass(t *testing.T) {
	t.Parallel()
	s := &Scheduler{prober: prober.New(prober.Options{})}
	if p := s.proberFor(sim.New(sim.Options{Students: 1})); p != nil {
		t.Errorf("the simulated class gets a prober: %T", p)
	}
	var other grader.Source = struct{ grader.Source }{}
	if p := s.proberFor(other); p == nil || p != s.proberFor(other) {
		t.Error("a real source gets no prober, or not the shared one")
	}
}
