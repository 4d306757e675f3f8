package awssource

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/awssource/awstest"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
	"labgrid/labs"
)

// snapshotMetadata are the Snapshot fields that describe the scan rather
// than the resources: the source sets them, AWS does not carry them.
// (Unavailable is compared apart: it must stay empty on both sides.)
var snapshotMetadata = map[string]bool{
	"Target": true, "TakenAt": true, "AWSCalls": true, "Retries": true, "CallsByOperation": true, "Unavailable": true,
	"Probes": true, // filled by the prober, never by a source
}

// TestRoundTripSim serves simulated classes as AWS responses and reads them
// back through the SDK: every resource field must survive, and every
// student must get the same report from both snapshots, which shows that
// awssource maps everything the checks use.
func TestRoundTripSim(t *testing.T) {
	t.Parallel()
	const duration = 20 * time.Minute
	// Not on a whole second, so that the times AWS rounds are exercised.
	start := time.Date(2024, 5, 1, 1, 0, 0, 123456789, time.UTC)
	moments := []struct {
		name string
		at   time.Duration
	}{{"start", 0}, {"middle", duration * 3 / 2}, {"end", 3 * duration}}

	for seed := int64(1); seed <= 3; seed++ {
		for _, m := range moments {
			t.Run(fmt.Sprintf("seed%d/%s", seed, m.name), func(t *testing.T) {
				t.Parallel()
				now := start.Add(m.at)
				class := sim.New(sim.Options{Start: start, Duration: duration, Seed: seed, Now: func() time.Time { return now }})
				want, err := class.Snapshot(t.Context(), class.Target(), grader.AllData())
				if err != nil {
					t.Fatalf("sim Snapshot: %v", err)
				}
				srv := awstest.NewServer()
				t.Cleanup(srv.Close)
				srv.Handler().OnUnexpected(t.Errorf)
				srv.SetSnapshot(want)
				srv.SetPageSize(2)

				got, err := newSourceAt(t, srv.URL(), Options{}).Snapshot(t.Context(), class.Target(), grader.AllData())
				if err != nil {
					t.Fatalf("awssource Snapshot: %v", err)
				}
				if got.Target != class.Target() {
					t.Errorf("Target = %v, want %v", got.Target, class.Target())
				}
				if len(got.Unavailable)+len(want.Unavailable) > 0 {
					t.Errorf("Unavailable: got %v, want %v; both should be empty", got.Unavailable, want.Unavailable)
				}
				compareResources(t, got, want)
				checkCalls(t, srv, got, want)
				compareReports(t, class.Roster(), got, want, m.name)
			})
		}
	}
}

// TestRoundTripWholeDay does the same through a simulated whole day, with
// its labs: the morning's half-built resources (a detached internet
// gateway, a route table without its route, a cluster being created) and
// the end of the day's (instances stopped or shutting down, a cluster
// being deleted) survive AWS's shapes and judge the same.
func TestRoundTripWholeDay(t *testing.T) {
	t.Parallel()
	const duration = 20 * time.Minute
	start := time.Date(2024, 5, 1, 1, 0, 0, 123456789, time.UTC)
	refs := make([]labs.Ref, len(sim.DayLabs))
	for i, id := range sim.DayLabs {
		refs[i] = labs.Ref{ID: id}
	}
	set, err := labs.ForClass(refs, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{0.3, 1.2, 1.7, 3.5, 6.2, 6.4, 7} {
		t.Run(fmt.Sprintf("at%.1f", f), func(t *testing.T) {
			t.Parallel()
			now := start.Add(time.Duration(f * float64(duration)))
			class := sim.New(sim.Options{Start: start, Duration: duration, Seed: 2, Now: func() time.Time { return now }, WholeDay: true})
			want, err := class.Snapshot(t.Context(), class.Target(), grader.AllData())
			if err != nil {
				t.Fatalf("sim Snapshot: %v", err)
			}
			srv := awstest.NewServer()
			t.Cleanup(srv.Close)
			srv.Handler().OnUnexpected(t.Errorf)
			srv.SetSnapshot(want)
			srv.SetPageSize(2)
			got, err := newSourceAt(t, srv.URL(), Options{}).Snapshot(t.Context(), class.Target(), grader.AllData())
			if err != nil {
				t.Fatalf("awssource Snapshot: %v", err)
			}
			if len(got.Unavailable)+len(want.Unavailable) > 0 {
				t.Errorf("Unavailable: got %v, want %v; both should be empty", got.Unavailable, want.Unavailable)
			}
			compareResources(t, got, want)
			checkCalls(t, srv, got, want)
			compareReportsOf(t, set, class.Roster(), got, want, "middle")
		})
	}
}

// compareResources compares every exported resource field of the two
// snapshots, after normalising what AWS legitimately does not carry.
func compareResources(t *testing.T, got, want *grader.Snapshot) {
	t.Helper()
	g, w := resourceFields(got), resourceFields(want)
	if len(w) < 14 {
		t.Fatalf("only %d resource fields compared", len(w))
	}
	for name, wv := range w {
		gv := g[name]
		if reflect.DeepEqual(gv, wv) {
			continue
		}
		gs, ws := reflect.ValueOf(gv), reflect.ValueOf(wv)
		if gs.Len() != ws.Len() {
			t.Errorf("%s: got %d, want %d", name, gs.Len(), ws.Len())
			continue
		}
		for i := range ws.Len() {
			if !reflect.DeepEqual(gs.Index(i).Interface(), ws.Index(i).Interface()) {
				t.Errorf("%s[%d]:\n got %+v\nwant %+v", name, i, gs.Index(i).Interface(), ws.Index(i).Interface())
				break
			}
		}
	}
}

// resourceFields is a normalised deep copy of every exported Snapshot
// field but the metadata, by name. Every normalisation below is of
// something AWS does not carry, and is applied to both sides:
func resourceFields(s *grader.Snapshot) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || snapshotMetadata[f.Name] {
			continue
		}
		out[f.Name] = normalised(v.Field(i)).Interface()
	}

	// EC2 leaves the ports out of all-traffic (-1) rules, which awssource
	// reads as -1: the simulation writes 0. Both mean "no ports".
	for _, sg := range out["SecurityGroups"].([]grader.SecurityGroup) {
		for j := range sg.Inbound {
			if p := &sg.Inbound[j]; p.Protocol == "-1" {
				p.FromPort, p.ToPort = -1, -1
			}
		}
	}
	// EC2 reports launch and key creation times to the second, RDS event dates to the
	// millisecond; the simulation's clock has nanoseconds.
	for j := range out["Instances"].([]grader.Instance) {
		in := &out["Instances"].([]grader.Instance)[j]
		in.LaunchTime = in.LaunchTime.Truncate(time.Second)
	}
	for j := range out["KeyPairs"].([]grader.KeyPair) {
		k := &out["KeyPairs"].([]grader.KeyPair)[j]
		k.CreateTime = k.CreateTime.Truncate(time.Second)
	}
	for j := range out["RDSEvents"].([]grader.RDSEvent) {
		e := &out["RDSEvents"].([]grader.RDSEvent)[j]
		e.Date = e.Date.Truncate(time.Millisecond)
	}
	// Listeners are listed per load balancer (DescribeListeners takes one
	// ARN), so they come back grouped in load balancer order. The
	// simulation already writes them so; sorting keeps that an assumption
	// of neither side.
	lbIndex := map[string]int{}
	for i, lb := range s.LoadBalancers {
		lbIndex[lb.ARN] = i
	}
	slices.SortStableFunc(out["Listeners"].([]grader.Listener), func(a, b grader.Listener) int {
		return lbIndex[a.LoadBalancerARN] - lbIndex[b.LoadBalancerARN]
	})
	return out
}

// normalised deep-copies v. An empty slice becomes nil: the XML of an
// empty list and of an absent one read the same, and the SDK's choice
// between nil and empty is not the snapshot's. Times are put in UTC, the
// zone AWS answers in.
func normalised(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		out := reflect.Zero(v.Type())
		if v.Len() == 0 {
			return out
		}
		out = reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalised(v.Index(i)))
		}
		return out
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			if tm.IsZero() {
				return reflect.ValueOf(time.Time{})
			}
			return reflect.ValueOf(tm.UTC())
		}
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				panic("normalised: unexported field " + v.Type().String() + "." + v.Type().Field(i).Name)
			}
			out.Field(i).Set(normalised(v.Field(i)))
		}
		return out
	case reflect.Map, reflect.Pointer, reflect.Interface:
		panic("normalised: " + v.Type().String() + " not handled")
	}
	return v
}

// checkCalls checks that the pages were really asked for, one call each.
func checkCalls(t *testing.T, srv *awstest.Server, got, want *grader.Snapshot) {
	t.Helper()
	reqs := srv.Requests()
	if got.AWSCalls != len(reqs) || got.Retries != 0 {
		t.Errorf("AWSCalls, Retries = %d, %d; the server saw %d requests", got.AWSCalls, got.Retries, len(reqs))
	}
	seen := map[string]int{}
	for _, r := range reqs {
		seen[r.Action]++
	}
	pages := func(n int) int { return max(1, (n+1)/2) }
	for action, n := range map[string]int{
		"DescribeVpcs":           pages(len(want.VPCs)),
		"DescribeSubnets":        pages(len(want.Subnets)),
		"DescribeSecurityGroups": pages(len(want.SecurityGroups)),
		"DescribeLoadBalancers":  pages(len(want.LoadBalancers)),
		"DescribeTargetGroups":   pages(len(want.TargetGroups)),
		"DescribeDBInstances":    pages(len(want.DBInstances)),
		"DescribeListeners":      len(want.LoadBalancers), // one listener each
		"DescribeTargetHealth":   len(want.TargetGroups),  // not paginated
	} {
		if seen[action] != n {
			t.Errorf("%s called %d times, want %d", action, seen[action], n)
		}
	}
	for op, n := range got.CallsByOperation {
		_, action, _ := strings.Cut(op, ".")
		if seen[action] != n {
			t.Errorf("CallsByOperation[%q] = %d, the server saw %d", op, n, seen[action])
		}
	}
}

// compareReports evaluates every student on both snapshots.
func compareReports(t *testing.T, roster []grader.Student, got, want *grader.Snapshot, moment string) {
	t.Helper()
	// TakenAt is when awssource started its scan; the checks judge event
	// ages against it, so both are evaluated as of the simulated moment.
	got.TakenAt = want.TakenAt
	compareReportsOf(t, classSet(t, ""), roster, got, want, moment)
}

// compareReportsOf is compareReports with the labs of set.
func compareReportsOf(t *testing.T, set *lab.Set, roster []grader.Student, got, want *grader.Snapshot, moment string) {
	t.Helper()
	got.TakenAt = want.TakenAt
	wantJudging, gotJudging := set.Prepare(want), set.Prepare(got)
	statuses := map[grader.Status]int{}
	for _, st := range roster {
		w := wantJudging.Evaluate(st, nil)
		g := gotJudging.Evaluate(st, nil)
		if !reflect.DeepEqual(g, w) {
			for i := range w.Results {
				if i < len(g.Results) && !reflect.DeepEqual(g.Results[i], w.Results[i]) {
					t.Errorf("%s %s:\n got %+v\nwant %+v", st.Login, w.Results[i].CheckID, g.Results[i], w.Results[i])
				}
			}
			t.Errorf("%s: reports differ: score %d, want %d", st.Login, g.Score, w.Score)
		}
		for _, r := range w.Results {
			statuses[r.Status]++
		}
	}
	// The comparison means something only if the class is in varied states.
	if moment == "middle" && (statuses[grader.StatusPass] == 0 || statuses[grader.StatusFail]+statuses[grader.StatusBlocked] == 0) {
		t.Errorf("statuses at %s: %v; want passes and failures", moment, statuses)
	}
}
