package sim

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
)

// onlyArea is the default labs with every check outside area (an area
// or a check id) disabled.
func onlyArea(t *testing.T, area string) *lab.Set {
	t.Helper()
	var b strings.Builder
	b.WriteString("checks:\n")
	for _, ci := range defaultSet(t).Checks() {
		if ci.Area != area && ci.ID != area {
			fmt.Fprintf(&b, "  %s: {enabled: false}\n", ci.ID)
		}
	}
	set, err := labs.ForClass(nil, b.String())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// defaultSet is what a class is judged with by default.
func defaultSet(t *testing.T) *lab.Set {
	t.Helper()
	set, err := labs.ForClass(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A snapshot that holds only Rubric.Collects judges every student exactly
// as a full one does, memory included, through the whole class: in one
// shared account and in dedicated accounts (where the lone-resource
// fallback reads kinds no name matched), for the default rubric and for
// each area and each check alone.
func TestCollectsJudgesAsFullSnapshot(t *testing.T) {
	t.Parallel()
	rubrics := map[string]*lab.Set{"default": defaultSet(t)}
	for _, ci := range defaultSet(t).Checks() {
		if rubrics[ci.Area] == nil {
			rubrics[ci.Area] = onlyArea(t, ci.Area)
		}
		rubrics[ci.ID] = onlyArea(t, ci.ID)
	}
	classes := map[string]Options{
		"shared":    {Students: 12, Seed: 5, Start: classStart},
		"dedicated": {Students: 6, Accounts: 6, Seed: 11, Start: classStart},
	}
	for cname, opts := range classes {
		for rname, rubric := range rubrics {
			t.Run(cname+"/"+rname, func(t *testing.T) {
				t.Parallel()
				c := New(opts)
				if data := rubric.Collects(); rname == "default" && slices.Contains(data, grader.DataInternetGateways) {
					t.Errorf("the default rubric collects internet gateways: %v", data)
				}
				collectsAsFull(t, c, rubric, []time.Duration{0, 10 * time.Minute, 25 * time.Minute, 40 * time.Minute, time.Hour, 90 * time.Minute, 2 * c.opts.Duration, 3 * c.opts.Duration})
			})
		}
	}
}

// collectsAsFull evaluates every student of c at each moment over a full
// snapshot and over one of rubric.Collects only, memory carried, and
// reports any difference.
func collectsAsFull(t *testing.T, c *Class, rubric *lab.Set, moments []time.Duration) {
	t.Helper()
	data := rubric.Collects()
	fullMem, partMem := map[string]grader.Memory{}, map[string]grader.Memory{}
	for _, d := range moments {
		at := classStart.Add(d)
		c2 := *c
		c2.opts.Now = func() time.Time { return at }
		for _, g := range grader.Groups(c.Roster(), c.opts.Region) {
			full, err := c2.Snapshot(context.Background(), g.Target, grader.AllData())
			if err != nil {
				t.Fatal(err)
			}
			part, err := c2.Snapshot(context.Background(), g.Target, data)
			if err != nil {
				t.Fatal(err)
			}
			if part.AWSCalls >= full.AWSCalls && len(data) < len(grader.AllData()) {
				t.Errorf("+%s: %d calls for %v, %d for everything", d, part.AWSCalls, data, full.AWSCalls)
			}
			for _, st := range g.Students {
				want := rubric.Prepare(full).Evaluate(st, fullMem[st.Login])
				got := rubric.Prepare(part).Evaluate(st, partMem[st.Login])
				if !reflect.DeepEqual(got.Results, want.Results) {
					for i := range want.Results {
						if i < len(got.Results) && !reflect.DeepEqual(got.Results[i], want.Results[i]) {
							t.Errorf("+%s %s %s: %s %q over %v, %s %q over everything", d, st.Login, want.Results[i].CheckID,
								got.Results[i].Status, got.Results[i].Message.EN, data, want.Results[i].Status, want.Results[i].Message.EN)
						}
					}
				}
				if !maps.Equal(got.Memory, want.Memory) || got.Score != want.Score {
					t.Errorf("+%s %s: memory %+v score %d over %v, memory %+v score %d over everything",
						d, st.Login, got.Memory, got.Score, data, want.Memory, want.Score)
				}
				fullMem[st.Login], partMem[st.Login] = want.Memory, got.Memory
			}
		}
	}
}

// The same through a whole day, for the day's labs together and each
// alone.
func TestDayCollectsJudgesAsFullSnapshot(t *testing.T) {
	t.Parallel()
	rubrics := map[string]*lab.Set{"day": daySet(t)}
	for _, id := range DayLabs {
		set, err := labs.ForClass([]labs.Ref{{ID: id}}, "")
		if err != nil {
			t.Fatal(err)
		}
		rubrics[id] = set
	}
	classes := map[string]Options{
		"shared":    {Students: 12, Seed: 5, Start: classStart, WholeDay: true},
		"dedicated": {Students: 6, Accounts: 6, Seed: 11, Start: classStart, WholeDay: true},
	}
	for cname, opts := range classes {
		for rname, rubric := range rubrics {
			t.Run(cname+"/"+rname, func(t *testing.T) {
				t.Parallel()
				c := New(opts)
				var moments []time.Duration
				for d := time.Duration(0); d <= c.Day().End; d += 7 * time.Minute {
					moments = append(moments, d)
				}
				collectsAsFull(t, c, rubric, moments)
			})
		}
	}
}

// The sim asks nothing of what it was not asked for: no call counted, no
// item listed, nothing unavailable.
func TestSnapshotHonoursData(t *testing.T) {
	t.Parallel()
	c := newClass(3)
	at := classStart.Add(3 * c.opts.Duration)
	c.opts.Now = func() time.Time { return at }
	snap, err := c.Snapshot(context.Background(), c.Target(), []grader.Data{grader.DataListeners, grader.DataImages})
	if err != nil {
		t.Fatal(err)
	}
	wantOps := []string{"EC2.DescribeImages", "Elastic Load Balancing v2.DescribeListeners", "Elastic Load Balancing v2.DescribeLoadBalancers"}
	var ops []string
	calls := 0
	for op, n := range snap.CallsByOperation {
		ops = append(ops, op)
		calls += n
	}
	slices.Sort(ops)
	if !slices.Equal(ops, wantOps) || calls != snap.AWSCalls {
		t.Errorf("calls %v (%d, AWSCalls %d), want %v", snap.CallsByOperation, calls, snap.AWSCalls, wantOps)
	}
	if len(snap.Images) == 0 || len(snap.LoadBalancers) == 0 || len(snap.Listeners) == 0 {
		t.Errorf("%d images, %d load balancers, %d listeners: want some of each", len(snap.Images), len(snap.LoadBalancers), len(snap.Listeners))
	}
	if len(snap.VPCs)+len(snap.Subnets)+len(snap.RouteTables)+len(snap.InternetGateways)+len(snap.Instances)+len(snap.SecurityGroups)+len(snap.KeyPairs)+
		len(snap.TargetGroups)+len(snap.DBClusters)+len(snap.DBInstances)+len(snap.DBSubnetGroups)+len(snap.RDSEvents) != 0 || snap.Unavailable != nil {
		t.Errorf("the snapshot holds data it was not asked for: %+v", dataOf(snap))
	}
}
