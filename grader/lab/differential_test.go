package lab_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
)

// diff is one check whose status differs between the Go checks and the
// lab, counted over students and stages.
type diffKey struct{ check, old, new string }

// simDiffs runs the Go checks and the step-3 lab side by side over a
// simulated class at several stages, carrying each student's memory from
// stage to stage, and counts the statuses that differ.
func simDiffs(t *testing.T, accounts int) (map[diffKey]int, map[diffKey][]string, map[grader.Status]int) {
	t.Helper()
	l := step3Lab(t)
	rubric := grader.DefaultRubric()
	const duration = 20 * time.Minute
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	diffs := map[diffKey]int{}
	examples := map[diffKey][]string{}
	seen := map[grader.Status]int{}
	oldMem := map[string]grader.Memory{}
	newMem := map[string]lab.Memory{}
	for _, stage := range []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3.1} {
		now := start.Add(time.Duration(stage * float64(duration)))
		c := sim.New(sim.Options{Start: start, Duration: duration, Seed: 1, Accounts: accounts, Now: func() time.Time { return now }})
		snaps := map[grader.Target]*grader.Snapshot{}
		worlds := map[grader.Target]*lab.World{}
		for _, st := range c.Roster() {
			target := st.TargetOf("ap-northeast-1")
			snap := snaps[target]
			if snap == nil {
				var err error
				if snap, err = c.Snapshot(t.Context(), target, grader.AllData()); err != nil {
					t.Fatal(err)
				}
				snaps[target], worlds[target] = snap, lab.NewWorld(snap)
			}
			old := grader.Evaluate(rubric, snap, st, oldMem[st.Login])
			neu := l.Evaluate(worlds[target], st, newMem[st.Login])
			oldMem[st.Login], newMem[st.Login] = old.Memory, neu.Memory
			got := map[string]grader.Result{}
			for _, r := range neu.Results {
				got[r.CheckID] = r
			}
			for _, o := range old.Results {
				seen[o.Status]++
				n, ok := got[o.CheckID]
				if !ok {
					t.Fatalf("%s: the lab did not judge %s", st.Login, o.CheckID)
				}
				if n.Status == grader.StatusError {
					t.Errorf("stage %.2f %s %s: the lab's rule failed: %s", stage, st.Login, o.CheckID, n.Message.EN)
				}
				if o.Status != n.Status {
					k := diffKey{o.CheckID, string(o.Status), string(n.Status)}
					diffs[k]++
					if len(examples[k]) < 2 {
						examples[k] = append(examples[k], fmt.Sprintf("stage %.2f %s\n      go:  %s\n      lab: %s", stage, st.Login, o.Message.EN, n.Message.EN))
					}
				}
			}
			if old.Score != neu.Score && len(diffs) == 0 {
				t.Errorf("stage %.2f %s: score %d (go) vs %d (lab) with equal statuses", stage, st.Login, old.Score, neu.Score)
			}
		}
	}
	return diffs, examples, seen
}

// TestDifferentialSim is the move's safety net: over the simulated class,
// in one shared account and with an account per student, the lab gives the
// Go checks' statuses except where RUBRIC.md's readings changed them
// (explained in knownDiffs).
func TestDifferentialSim(t *testing.T) {
	for _, accounts := range []int{1, 30} {
		t.Run(fmt.Sprintf("%d accounts", accounts), func(t *testing.T) {
			diffs, examples, seen := simDiffs(t, accounts)
			keys := slices.SortedFunc(maps.Keys(diffs), func(a, b diffKey) int {
				return strings.Compare(a.check+a.old+a.new, b.check+b.old+b.new)
			})
			for _, k := range keys {
				t.Logf("%s: %s → %s ×%d\n    %s", k.check, k.old, k.new, diffs[k], strings.Join(examples[k], "\n    "))
			}
			t.Logf("results compared by status (Go): %v; %d differ", seen, sumValues(diffs))
			// The comparison means something only if the class shows
			// every verdict on the way.
			for _, s := range []grader.Status{grader.StatusPass, grader.StatusFail, grader.StatusBlocked} {
				if seen[s] == 0 {
					t.Errorf("no %s result among the compared ones", s)
				}
			}
			for _, k := range keys {
				if _, known := knownDiffs[k]; !known {
					t.Errorf("%s: %s (Go) became %s (lab) for %d result(s)", k.check, k.old, k.new, diffs[k])
				}
			}
		})
	}
}

// knownDiffs are the differences the new readings explain.
var knownDiffs = map[diffKey]string{}

func sumValues(m map[diffKey]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestDifferentialEmptyAccount: with nothing built, the lab and the Go
// checks agree on every status (nothing passes by absence).
func TestDifferentialEmptyAccount(t *testing.T) {
	l := step3Lab(t)
	snap := &grader.Snapshot{TakenAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	w := lab.NewWorld(snap)
	for _, st := range []grader.Student{{Login: "user01"}, {Login: "user02", Dedicated: true}} {
		old := grader.Evaluate(grader.DefaultRubric(), snap, st, grader.Memory{})
		neu := l.Evaluate(w, st, nil)
		if neu.Score != 0 {
			t.Errorf("%s scored %d in an empty account", st.Login, neu.Score)
		}
		for _, o := range old.Results {
			if n := statusOf(t, neu.Results, o.CheckID); n.Status != o.Status {
				t.Errorf("%s %s: %s (Go) vs %s (lab): %s", st.Login, o.CheckID, o.Status, n.Status, n.Message.EN)
			}
		}
	}
}

// TestEvaluateConcurrently: one World and one Lab serve every student of a
// target at once (run with -race).
func TestEvaluateConcurrently(t *testing.T) {
	l := step3Lab(t)
	c, snap := finishedClass(t, 1)
	w := lab.NewWorld(snap)
	want := map[string]int{}
	for _, st := range c.Roster() {
		want[st.Login] = l.Evaluate(w, st, nil).Score
	}
	got := make(chan [2]any, len(want))
	for _, st := range c.Roster() {
		go func() { got <- [2]any{st.Login, l.Evaluate(w, st, nil).Score} }()
	}
	for range want {
		r := <-got
		if want[r[0].(string)] != r[1].(int) {
			t.Errorf("%s: score %d concurrently, %d alone", r[0], r[1], want[r[0].(string)])
		}
	}
}

// TestDifferentialPartialSnapshot marks each kind of data unreadable in
// turn, mid-course. The lab's reads are per kind of resource, coarser than
// the Go checks' per-check lists, so it may say error where Go judged (or
// blocked, behind a prerequisite that became error); it must never judge
// what Go could not read, and RDS events (read only by
// aurora.failover, and only when nothing else shows a failover) must give
// the same statuses.
func TestDifferentialPartialSnapshot(t *testing.T) {
	l := step3Lab(t)
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(25 * time.Minute)
	c := sim.New(sim.Options{Start: start, Duration: 20 * time.Minute, Seed: 1, Now: func() time.Time { return now }})
	for _, d := range []grader.Data{
		grader.DataVPCs, grader.DataSubnets, grader.DataRouteTables, grader.DataInstances, grader.DataImages,
		grader.DataSecurityGroups, grader.DataLoadBalancers, grader.DataListeners, grader.DataTargetGroups,
		grader.DataTargetHealth, grader.DataDBClusters, grader.DataDBInstances, grader.DataDBSubnetGroups, grader.DataRDSEvents,
	} {
		snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
		if err != nil {
			t.Fatal(err)
		}
		snap.MarkUnavailable(d, errors.New("AccessDenied"))
		w := lab.NewWorld(snap)
		diffs := map[string]int{}
		for _, st := range c.Roster() {
			old := grader.Evaluate(grader.DefaultRubric(), snap, st, grader.Memory{})
			neu := l.Evaluate(w, st, nil)
			for _, o := range old.Results {
				n := statusOf(t, neu.Results, o.CheckID)
				if n.Status == o.Status {
					continue
				}
				diffs[fmt.Sprintf("%s %s→%s", o.CheckID, o.Status, n.Status)]++
				// Blocked is the coarser reads' consequence too, when a
				// prerequisite became error.
				blockedByError := n.Status == grader.StatusBlocked && slices.ContainsFunc(l.Check(o.CheckID).Needs, func(id string) bool {
					return statusOf(t, neu.Results, id).Status == grader.StatusError
				})
				if (n.Status != grader.StatusError && !blockedByError) || d == grader.DataRDSEvents {
					t.Errorf("%s unreadable, %s %s: %s (Go) vs %s (lab): %s", d, st.Login, o.CheckID, o.Status, n.Status, n.Message.EN)
				}
			}
		}
		if len(diffs) > 0 {
			t.Logf("%s unreadable: %v", d, diffs)
		}
	}
}
