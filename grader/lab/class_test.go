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

// tally counts, per check, the statuses of reps: one line per check id in
// order, "<id> <status>:<n> …" with the statuses in order.
func tally(reps []grader.Report) string {
	counts := map[string]map[grader.Status]int{}
	for _, r := range reps {
		for _, res := range r.Results {
			if counts[res.CheckID] == nil {
				counts[res.CheckID] = map[grader.Status]int{}
			}
			counts[res.CheckID][res.Status]++
		}
	}
	var b strings.Builder
	for _, id := range slices.Sorted(maps.Keys(counts)) {
		b.WriteString(id)
		for _, s := range slices.Sorted(maps.Keys(counts[id])) {
			fmt.Fprintf(&b, " %s:%d", s, counts[id][s])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestSimClass follows the simulated class from start to finish, in one
// shared account and with an account per student, carrying each student's
// memory from scan to scan as the Scanner does: no rule ever fails to
// evaluate, the writer is remembered and its failover noticed, every
// verdict shows up on the way, a student's score only grows while no
// mistake is in the way, and a student who did every step without a
// mistake left passes every required check.
func TestSimClass(t *testing.T) {
	l := step3Lab(t)
	const duration = 20 * time.Minute
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	const writerKey = "step-3/writer"
	for _, accounts := range []int{1, 30} {
		t.Run(fmt.Sprintf("%d accounts", accounts), func(t *testing.T) {
			memory := map[string]grader.Memory{}
			scoreBefore, cleanBefore := map[string]int{}, map[string]bool{}
			seen := map[grader.Status]int{}
			finished := 0
			for _, stage := range []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3.1} {
				now := start.Add(time.Duration(stage * float64(duration)))
				c := sim.New(sim.Options{Start: start, Duration: duration, Seed: 1, Accounts: accounts, Now: func() time.Time { return now }})
				worlds := map[grader.Target]*lab.World{}
				for _, st := range c.Roster() {
					target := st.TargetOf("ap-northeast-1")
					if worlds[target] == nil {
						snap, err := c.Snapshot(t.Context(), target, grader.AllData())
						if err != nil {
							t.Fatal(err)
						}
						worlds[target] = lab.NewWorld(snap)
					}
					prev := memory[st.Login]
					rep := l.Evaluate(worlds[target], st, prev)
					memory[st.Login] = rep.Memory
					score := 0
					for _, r := range rep.Results {
						seen[r.Status]++
						if r.Status == grader.StatusError {
							t.Errorf("stage %.2f %s %s: error: %s", stage, st.Login, r.CheckID, r.Message.EN)
						}
						if r.Status.Passed() != (r.Points > 0) && r.Required {
							t.Errorf("stage %.2f %s %s: %s earned %d points", stage, st.Login, r.CheckID, r.Status, r.Points)
						}
						score += r.Points
					}
					if score != rep.Score || rep.MaxScore != l.MaxScore() {
						t.Errorf("stage %.2f %s: score %d/%d, the results add up to %d/%d", stage, st.Login, rep.Score, rep.MaxScore, score, l.MaxScore())
					}

					// The writer is remembered from the first scan on
					// (every student starts with the cluster of Step 2),
					// and a change once seen stays seen.
					m, ok := rep.Memory[writerKey]
					if !ok || m.Value == "" {
						t.Errorf("stage %.2f %s: no writer remembered: %v", stage, st.Login, rep.Memory)
					}
					if prev[writerKey].Changed && !m.Changed {
						t.Errorf("stage %.2f %s: the writer's change was forgotten", stage, st.Login)
					}
					progress := c.Progress(st.Login, now)
					if progress >= sim.StageAMI && !m.Changed {
						t.Errorf("stage %.2f %s: at %s the failover (writer %s) is not remembered", stage, st.Login, progress, m.Value)
					}
					if progress == sim.StageStep2 && statusOf(t, rep.Results, "aurora.replica").Status.Passed() {
						t.Errorf("stage %.2f %s: the replica passes before it was made", stage, st.Login)
					}
					// Without a mistake in the way, a student's score
					// only grows as they work through the steps (a
					// cluster failing over is not available meanwhile).
					clean := len(c.Mistakes(st.Login, now)) == 0 && progress != sim.StageFailover
					if clean && cleanBefore[st.Login] && rep.Score < scoreBefore[st.Login] {
						t.Errorf("stage %.2f %s: at %s the score fell from %d to %d:\n%s", stage, st.Login, progress, scoreBefore[st.Login], rep.Score, tally([]grader.Report{rep}))
					}
					scoreBefore[st.Login], cleanBefore[st.Login] = rep.Score, clean
					if progress == sim.StageDone && len(c.Mistakes(st.Login, now)) == 0 {
						finished++
						if rep.Score != rep.MaxScore {
							t.Errorf("stage %.2f %s: done without mistakes but scored %d/%d:\n%s", stage, st.Login, rep.Score, rep.MaxScore, tally([]grader.Report{rep}))
						}
					}
					if stage == 0 && statusOf(t, rep.Results, "aurora.failover").Status.Passed() {
						t.Errorf("%s: the failover passes before anything happened", st.Login)
					}
				}
			}
			for _, s := range []grader.Status{grader.StatusPass, grader.StatusWarn, grader.StatusFail, grader.StatusBlocked} {
				if seen[s] == 0 {
					t.Errorf("no %s result on the way: %v", s, seen)
				}
			}
			if finished < 20 {
				t.Errorf("only %d scans of a finished student: the class never finishes", finished)
			}
		})
	}
}

// TestEmptyAccount: with nothing built, every check fails or, behind a
// failing prerequisite, is blocked; none is error and nothing scores.
func TestEmptyAccount(t *testing.T) {
	l := step3Lab(t)
	snap := &grader.Snapshot{TakenAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	w := lab.NewWorld(snap)
	for _, st := range []grader.Student{{Login: "user01"}, {Login: "user02", Dedicated: true}} {
		rep := l.Evaluate(w, st, nil)
		if rep.Score != 0 || rep.MaxScore != l.MaxScore() {
			t.Errorf("%s scored %d/%d in an empty account", st.Login, rep.Score, rep.MaxScore)
		}
		// What the Go checks said of an empty account.
		want := map[string]grader.Status{
			"network.vpc": grader.StatusFail, "network.public_subnets": grader.StatusBlocked, "network.private_subnets": grader.StatusBlocked,
			"aurora.cluster": grader.StatusFail, "aurora.replica": grader.StatusBlocked, "aurora.failover": grader.StatusBlocked,
			"aurora.multi_az": grader.StatusBlocked, "aurora.private": grader.StatusBlocked,
			"web.ami": grader.StatusFail, "web.second_instance": grader.StatusFail, "web.two_az": grader.StatusFail,
			"alb.exists": grader.StatusFail, "alb.listener": grader.StatusBlocked, "alb.security_group": grader.StatusBlocked,
			"alb.targets_healthy": grader.StatusBlocked, "alb.two_az": grader.StatusBlocked,
			"ingress.alb_only": grader.StatusFail,
		}
		if len(rep.Results) != len(want) {
			t.Errorf("%s: %d results, want %d:\n%s", st.Login, len(rep.Results), len(want), tally([]grader.Report{rep}))
		}
		for _, r := range rep.Results {
			if r.Status != want[r.CheckID] {
				t.Errorf("%s %s: %s, want %s: %s", st.Login, r.CheckID, r.Status, want[r.CheckID], r.Message.EN)
			}
			if r.Status == grader.StatusFail && r.Hint.EN == "" {
				t.Errorf("%s %s fails without a hint", st.Login, r.CheckID)
			}
		}
	}
}

// TestPartialSnapshot marks each kind of data unreadable in turn,
// mid-course: the checks that read it are error (never fail or pass on
// what could not be read), the checks that need one of those are blocked
// or error, and every other check keeps its status of the whole snapshot.
// RDS events, which only explain a failover nothing else shows, change
// nothing in this class.
func TestPartialSnapshot(t *testing.T) {
	l := step3Lab(t)
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(25 * time.Minute)
	c := sim.New(sim.Options{Start: start, Duration: 20 * time.Minute, Seed: 1, Now: func() time.Time { return now }})
	full, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	fullWorld := lab.NewWorld(full)
	whole := map[string]grader.Report{}
	for _, st := range c.Roster() {
		whole[st.Login] = l.Evaluate(fullWorld, st, nil)
	}
	for _, d := range grader.AllData() {
		if d == grader.DataProbes {
			continue
		}
		snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
		if err != nil {
			t.Fatal(err)
		}
		snap.MarkUnavailable(d, errors.New("AccessDenied"))
		w := lab.NewWorld(snap)
		errored := 0
		for _, st := range c.Roster() {
			rep := l.Evaluate(w, st, nil)
			byID := map[string]grader.Result{}
			for _, r := range rep.Results {
				byID[r.CheckID] = r
			}
			for _, r := range rep.Results {
				c := l.Check(r.CheckID)
				was := statusOf(t, whole[st.Login].Results, r.CheckID).Status
				reads := slices.Contains(c.Reads, d)
				needsError := slices.ContainsFunc(c.Needs, func(id string) bool {
					s := byID[id].Status
					return s == grader.StatusError || s == grader.StatusBlocked && s != statusOf(t, whole[st.Login].Results, id).Status
				})
				switch {
				case reads && d != grader.DataRDSEvents:
					// A prerequisite that failed on what was read blocks
					// before the unreadable data is looked at.
					if r.Status != grader.StatusError && !(r.Status == grader.StatusBlocked && r.Status == was) {
						t.Errorf("%s unreadable, %s %s reads it: %s, want error (was %s): %s", d, st.Login, r.CheckID, r.Status, was, r.Message.EN)
					}
					if r.Status == grader.StatusError {
						errored++
						if r.Points != 0 || !strings.Contains(r.Message.EN, string(d)) {
							t.Errorf("%s unreadable, %s %s: error earning %d, saying %q", d, st.Login, r.CheckID, r.Points, r.Message.EN)
						}
					}
				case needsError:
					if r.Status != grader.StatusBlocked && r.Status != grader.StatusError && r.Status != was {
						t.Errorf("%s unreadable, %s %s after an unreadable prerequisite: %s (was %s)", d, st.Login, r.CheckID, r.Status, was)
					}
				default:
					if r.Status != was {
						t.Errorf("%s unreadable, %s %s does not read it: %s, was %s: %s", d, st.Login, r.CheckID, r.Status, was, r.Message.EN)
					}
				}
			}
		}
		if d != grader.DataRDSEvents && errored == 0 && slices.Contains(l.Reads(), d) {
			t.Errorf("%s unreadable: no check is error", d)
		}
	}
}
