package lab_test

import (
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
)

// BenchmarkLoadStep3 is the cost of reading and compiling the step-3 lab,
// which a process pays once per lab (the issue asks < 100 ms for all the
// shipped labs).
func BenchmarkLoadStep3(b *testing.B) {
	data := step3YAML(b)
	for b.Loop() {
		if _, err := lab.Load("step-3/lab.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateStep3 is the figure for the lab engine: 200
// simulated students over one shared-account snapshot (all finished), per
// student, including building the World once per scan.
func BenchmarkEvaluateStep3(b *testing.B) {
	l := step3Lab(b)
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(2 * time.Hour)
	c := sim.New(sim.Options{Students: 200, Start: start, Duration: 20 * time.Minute, Seed: 1, Now: func() time.Time { return now }})
	snap, err := c.Snapshot(b.Context(), c.Target(), grader.AllData())
	if err != nil {
		b.Fatal(err)
	}
	students := c.Roster()
	b.ReportAllocs()
	for b.Loop() {
		w := lab.NewWorld(snap)
		for _, st := range students {
			if rep := l.Evaluate(w, st, nil); len(rep.Results) == 0 {
				b.Fatal("no results")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(students)), "ns/student")
}

// BenchmarkEvaluateStep3EmptyAccount: 200 students of an account with
// nothing built, where every check fails and every hint is written.
func BenchmarkEvaluateStep3EmptyAccount(b *testing.B) {
	l := step3Lab(b)
	snap := &grader.Snapshot{TakenAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	c := sim.New(sim.Options{Students: 200, Seed: 1})
	students := c.Roster()
	b.ReportAllocs()
	for b.Loop() {
		w := lab.NewWorld(snap)
		for _, st := range students {
			if rep := l.Evaluate(w, st, nil); rep.Score != 0 {
				b.Fatal("an empty account scored")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(students)), "ns/student")
}
