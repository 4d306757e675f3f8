package sim

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
)

// newDay is a default-sized class living the whole day.
func newDay(seed int64) *Class {
	return New(Options{Seed: seed, Start: classStart, WholeDay: true})
}

// daySet is the day's labs, in the day's order.
func daySet(t *testing.T) *lab.Set {
	t.Helper()
	refs := make([]labs.Ref, len(DayLabs))
	for i, id := range DayLabs {
		refs[i] = labs.Ref{ID: id}
	}
	set, err := labs.ForClass(refs, "")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestDayLabsAreShipped(t *testing.T) {
	t.Parallel()
	want := []string{"steps-1-2", "step-3", "cleanup"}
	if !slices.Equal(DayLabs, want) {
		t.Errorf("DayLabs %v, want %v", DayLabs, want)
	}
	for _, id := range DayLabs {
		if _, err := labs.Get(id); err != nil {
			t.Error(err)
		}
	}
}

func TestDaySchedule(t *testing.T) {
	t.Parallel()
	if got, want := newClass(1).Day(), (Day{0, time.Hour, time.Hour}); got != want {
		t.Errorf("a class without WholeDay: %+v, want %+v", got, want)
	}
	c := newDay(1)
	day := c.Day()
	if want := (Day{time.Hour, 2 * time.Hour, 2*time.Hour + 20*time.Minute}); day != want {
		t.Fatalf("a whole day of 20-minute parts: %+v, want %+v", day, want)
	}
	for seed := int64(1); seed <= 6; seed++ {
		c := newDay(seed)
		morningFast, done := 0, 0
		for _, st := range c.Roster() {
			if got := c.Progress(st.Login, classStart); got != StageNetwork {
				t.Errorf("seed %d, %s: %s at the start of the day", seed, st.Login, got)
			}
			if got := c.Progress(st.Login, classStart.Add(day.Afternoon)); got != StageStep2 {
				t.Errorf("seed %d, %s: %s when the afternoon begins, want the morning done", seed, st.Login, got)
			}
			if c.Progress(st.Login, classStart.Add(c.opts.Duration*3/2)) >= StageStep2 {
				morningFast++
			}
			if c.Progress(st.Login, classStart.Add(day.EndOfDay)) == StageDone {
				done++
			}
			if got := c.Progress(st.Login, classStart.Add(day.End)); got != StageCleaned {
				t.Errorf("seed %d, %s: %s at the end of the day", seed, st.Login, got)
			}
		}
		if morningFast == 0 || morningFast == len(c.Roster()) {
			t.Errorf("seed %d: %d of %d through the morning by 1.5×Duration, want some but not all", seed, morningFast, len(c.Roster()))
		}
		if done*10 < len(c.Roster())*8 {
			t.Errorf("seed %d: %d of %d done when the end of the day begins, want ≥ 80%%", seed, done, len(c.Roster()))
		}
		a, b := dataOf(snapshotAt(t, c, day.End)), dataOf(snapshotAt(t, c, 2*day.End))
		a.TakenAt, b.TakenAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("seed %d: the day still changes after its end", seed)
		}
	}
	// A shorter day is the same day, faster.
	short := New(Options{Seed: 9, Start: classStart, Duration: 2 * time.Minute, WholeDay: true})
	long := newDay(9)
	for _, st := range long.Roster() {
		for _, f := range []float64{0.5, 1.2, 3.5, 4.2, 6.3, 6.6, 7} {
			a := long.Progress(st.Login, classStart.Add(time.Duration(f*float64(20*time.Minute))))
			b := short.Progress(st.Login, classStart.Add(time.Duration(f*float64(2*time.Minute))))
			if a != b {
				t.Errorf("%s at %.1f×Duration: %s in a 20m day, %s in a 2m day", st.Login, f, a, b)
			}
		}
	}
}

// The day's resources are well formed at every moment, and progress only
// moves forward.
func TestDayWellFormed(t *testing.T) {
	t.Parallel()
	c := newDay(4)
	last := map[string]Stage{}
	for d := time.Duration(0); d <= c.Day().End; d += 30 * time.Second {
		if t.Failed() {
			return
		}
		checkWellFormed(t, snapshotAt(t, c, d), d)
		for _, st := range c.Roster() {
			got := c.Progress(st.Login, classStart.Add(d))
			if got < last[st.Login] {
				t.Errorf("%s: back from %s to %s at +%s", st.Login, last[st.Login], got, d)
			}
			last[st.Login] = got
		}
	}
}

// At the start of a whole day the students have nothing: only the
// account's default VPC.
func TestDayStartsEmpty(t *testing.T) {
	t.Parallel()
	snap := snapshotAt(t, newDay(5), 0)
	if len(snap.VPCs) != 1 || !snap.VPCs[0].IsDefault || len(snap.Instances)+len(snap.KeyPairs)+len(snap.DBClusters)+len(snap.DBSubnetGroups) != 0 {
		t.Errorf("at the start of the day: %d VPCs, %d instances, %d key pairs, %d clusters, %d DB subnet groups",
			len(snap.VPCs), len(snap.Instances), len(snap.KeyPairs), len(snap.DBClusters), len(snap.DBSubnetGroups))
	}
}

// TestDayGraderAgrees runs the day's three labs over a whole day, memory
// carried from scan to scan: nothing of the morning passes at its start;
// what a student has completed passes; at StageStep2 the morning's lab
// passes whole, at StageDone the morning's and the afternoon's; once
// cleaned up, the end of the day's passes whole unless something was left,
// which fails its check with a cost; each visible mistake fails its
// check; and no check is ever an error.
func TestDayGraderAgrees(t *testing.T) {
	t.Parallel()
	set := daySet(t)
	morning := map[Stage][]string{
		StageWebServer1: {"s1.vpc", "s1.internet_gateway", "s1.public_subnets", "s1.private_subnets"},
		StageDatabase:   {"s1.key_pair", "s1.web_sg", "s1.web_server"},
	}
	afternoon := map[Stage][]string{
		StageAMI:          {"aurora.replica", "aurora.multi_az", "aurora.private", "aurora.failover"},
		StageWebServer2:   {"web.ami"},
		StageLoadBalancer: {"web.second_instance", "web.two_az"},
		StageIngress:      {"alb.exists", "alb.two_az", "alb.security_group", "alb.listener", "alb.targets_healthy"},
	}
	failedBy := map[Mistake]string{
		MistakeRouteMissing:    "s1.public_subnets",
		MistakeNoPublicIP:      "s1.web_server",
		MistakeDBOpen:          "s2.db_access",
		MistakeReplicaSameAZ:   "aurora.multi_az",
		MistakeReplicaPublic:   "aurora.private",
		MistakeWebSameAZ:       "web.two_az",
		MistakeTargetUnhealthy: "alb.targets_healthy",
		MistakeHTTPOpen:        "ingress.alb_only",
		MistakeLeftInstance:    "cleanup.instances",
		MistakeLeftCluster:     "cleanup.aurora",
	}
	passesLab := func(rep grader.Report, labID string) []string {
		var failing []string
		for _, r := range rep.Results {
			if r.Lab == labID && r.Required && !r.Status.Passed() {
				failing = append(failing, r.CheckID+" "+string(r.Status)+": "+r.Message.EN)
			}
		}
		return failing
	}

	seen := map[Mistake]int{}
	var atStep2, atDone, cleaned, leftCluster int
	for _, seed := range []int64{1, 2} {
		c := newDay(seed)
		day := c.Day()
		memory := map[string]grader.Memory{}
		for d := time.Duration(0); d <= day.End; d += 30 * time.Second {
			snap := snapshotAt(t, c, d)
			prepared := set.Prepare(snap)
			at := classStart.Add(d)
			for _, st := range c.Roster() {
				rep := prepared.Evaluate(st, memory[st.Login])
				memory[st.Login] = rep.Memory
				stage := c.Progress(st.Login, at)
				where := func() string { return st.Login + " +" + d.String() + " at " + stage.String() }
				for _, r := range rep.Results {
					if r.Status == grader.StatusError {
						t.Errorf("%s: %s is an error: %s", where(), r.CheckID, r.Message.EN)
					}
				}
				if d == 0 {
					for _, r := range rep.Results {
						if r.Lab == "steps-1-2" && r.Status.Passed() {
							t.Errorf("%s: %s passes at the start of the day: %s", where(), r.CheckID, r.Message.EN)
						}
					}
				}
				if stage <= StageStep2 {
					for s, ids := range morning {
						for _, id := range ids {
							if r := resultOf(t, rep, id); stage >= s && !r.Status.Passed() {
								t.Errorf("%s: %s is %s: %s", where(), id, r.Status, r.Message.EN)
							}
						}
					}
				}
				if stage <= StageDone {
					for s, ids := range afternoon {
						for _, id := range ids {
							if r := resultOf(t, rep, id); stage >= s && !r.Status.Passed() {
								t.Errorf("%s: %s is %s: %s", where(), id, r.Status, r.Message.EN)
							}
						}
					}
				}
				switch stage {
				case StageStep2:
					atStep2++
					for _, f := range passesLab(rep, "steps-1-2") {
						t.Errorf("%s: %s", where(), f)
					}
				case StageDone:
					atDone++
					for _, f := range append(passesLab(rep, "steps-1-2"), passesLab(rep, "step-3")...) {
						t.Errorf("%s: %s", where(), f)
					}
				case StageCleaned:
					mistakes := c.Mistakes(st.Login, at)
					if len(mistakes) == 0 {
						cleaned++
						for _, f := range passesLab(rep, "cleanup") {
							t.Errorf("%s: %s", where(), f)
						}
					}
					if slices.Contains(mistakes, MistakeLeftCluster) {
						leftCluster++
						if r := resultOf(t, rep, "cleanup.aurora"); r.CostPerHour <= 0 {
							t.Errorf("%s: a cluster left, cleanup.aurora %s with a cost of %v: %s", where(), r.Status, r.CostPerHour, r.Message.EN)
						}
					}
				}
				for _, m := range c.Mistakes(st.Login, at) {
					seen[m]++
					if r := resultOf(t, rep, failedBy[m]); r.Status.Passed() {
						t.Errorf("%s with %s: %s passes: %s", where(), m, failedBy[m], r.Message.EN)
					}
				}
			}
		}
	}
	if atStep2 == 0 || atDone == 0 || cleaned == 0 || leftCluster == 0 {
		t.Errorf("moments seen at step2 %d, done %d, cleaned up %d, with a cluster left %d: want some of each", atStep2, atDone, cleaned, leftCluster)
	}
	for m := range failedBy {
		if seen[m] == 0 {
			t.Errorf("mistake %s never seen in the two days", m)
		}
	}
}
