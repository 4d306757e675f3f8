package awssource

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/awssource/awstest"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
	"labgrid/labs"
)

// grownClass is a simulated class three hours in, when most students are
// done and every kind of resource exists, and its full snapshot.
func grownClass(t *testing.T, students int, seed int64) (*sim.Class, *grader.Snapshot) {
	t.Helper()
	start := time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)
	now := start.Add(3 * time.Hour)
	class := sim.New(sim.Options{Students: students, Start: start, Seed: seed, Now: func() time.Time { return now }})
	full, err := class.Snapshot(context.Background(), class.Target(), grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	return class, full
}

// scanCalls scans a simulated class, served by awstest, with rubric and
// returns the IAM actions of the requests, sorted, and the scan.
func scanCalls(t *testing.T, judge grader.Judge) ([]string, *grader.ScanResult) {
	t.Helper()
	class, full := grownClass(t, 4, 3)
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetSnapshot(full)

	scanner := &grader.Scanner{Source: newSourceAt(t, srv.URL(), Options{}), Judge: judge}
	res := scanner.Scan(t.Context(), class.Roster(), nil)
	if res.Failed() > 0 {
		t.Fatalf("scan failed: %v", res.Targets[0].Err)
	}
	called := map[string]bool{}
	for _, r := range srv.Requests() {
		called[r.IAMAction()] = true
	}
	return policySortedKeys(called), res
}

// The scan of a class with the default rubric does not list internet
// gateways: no check of it reads them.
func TestDefaultRubricScanSkipsInternetGateways(t *testing.T) {
	t.Parallel()
	calls, _ := scanCalls(t, classSet(t, ""))
	if slices.Contains(calls, "ec2:DescribeInternetGateways") {
		t.Errorf("a default-rubric scan calls %v, with ec2:DescribeInternetGateways", calls)
	}
	if !slices.Contains(calls, "ec2:DescribeVpcs") || !slices.Contains(calls, "rds:DescribeEvents") {
		t.Errorf("a default-rubric scan calls %v: want the data its checks read", calls)
	}
}

// A class of the step-3 lab alone lists no key pairs (no check of it
// reads them); a class of the morning's lab does, and its internet
// gateways too, and judges no check error.
func TestKeyPairsOnlyForTheLabThatReadsThem(t *testing.T) {
	t.Parallel()
	calls, _ := scanCalls(t, classSet(t, ""))
	if slices.Contains(calls, "ec2:DescribeKeyPairs") {
		t.Errorf("a step-3 scan calls %v, with ec2:DescribeKeyPairs", calls)
	}
	morning, err := labs.Get("steps-1-2")
	if err != nil {
		t.Fatal(err)
	}
	set, err := lab.NewSet(morning)
	if err != nil {
		t.Fatal(err)
	}
	calls, res := scanCalls(t, set)
	want, err := OperationsFor(set.Collects())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(calls, want) {
		t.Errorf("the scan calls\n %v\nthe lab's data needs\n %v", calls, want)
	}
	for _, op := range []string{"ec2:DescribeKeyPairs", "ec2:DescribeInternetGateways"} {
		if !slices.Contains(calls, op) {
			t.Errorf("a steps-1-2 scan calls %v, without %s", calls, op)
		}
	}
	for _, op := range []string{"elasticloadbalancing:DescribeLoadBalancers", "ec2:DescribeImages", "rds:DescribeEvents"} {
		if slices.Contains(calls, op) {
			t.Errorf("a steps-1-2 scan calls %v, with %s, which no check of it reads", calls, op)
		}
	}
	for _, rep := range res.Reports {
		for _, r := range rep.Results {
			if r.Status == grader.StatusError {
				t.Errorf("%s %s is error: %s", rep.Student.Login, r.CheckID, r.Message.EN)
			}
		}
	}
}

// A scan calls exactly what the rubric's data needs: with the network
// checks disabled the VPCs, subnets and route tables are still listed for
// the checks that read them too; with those also disabled they are not.
func TestScanCallsOnlyWhatTheRubricCollects(t *testing.T) {
	t.Parallel()
	networkOff := "checks:\n  network.vpc: {enabled: false}\n  network.public_subnets: {enabled: false}\n  network.private_subnets: {enabled: false}\n"
	noNetworkData := networkOff + "  alb.exists: {enabled: false}\n  alb.two_az: {enabled: false}\n  aurora.private: {enabled: false}\n" +
		"  web.second_instance: {enabled: false}\n  web.two_az: {enabled: false}\n  ingress.alb_only: {enabled: false}\n  probe.direct_blocked: {enabled: false}\n" +
		"  alb.security_group: {enabled: false}\n" // the lab finds the ALB's security group in the student's VPC
	network := []string{"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables"}
	for name, tc := range map[string]struct {
		override    string
		wantNetwork bool
	}{
		"network checks off":        {networkOff, true},
		"nothing reads the network": {noNetworkData, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rubric := classSet(t, tc.override)
			calls, res := scanCalls(t, rubric)
			want, err := OperationsFor(rubric.Collects())
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			if !slices.Equal(calls, want) {
				t.Errorf("the scan calls\n %v\nthe rubric's data needs\n %v", calls, want)
			}
			for _, op := range network {
				if slices.Contains(calls, op) != tc.wantNetwork {
					t.Errorf("%s called: %v, want %v (calls %v)", op, slices.Contains(calls, op), tc.wantNetwork, calls)
				}
			}
			for _, rep := range res.Reports {
				for _, r := range rep.Results {
					if r.Status == grader.StatusError {
						t.Errorf("%s %s is error: %s", rep.Student.Login, r.CheckID, r.Message.EN)
					}
				}
			}
		})
	}
}

// Snapshot calls only what the data asked for needs (listeners and target
// health through their parents' lists), marks nothing unavailable, and
// asking for nothing calls nothing and is no error.
func TestSnapshotCollectsOnlyData(t *testing.T) {
	t.Parallel()
	class, full := grownClass(t, 3, 9)
	for _, data := range [][]grader.Data{
		{grader.DataListeners, grader.DataTargetHealth},
		{grader.DataImages, grader.DataRDSEvents},
		{grader.DataLoadBalancers, grader.DataTargetGroups},
		nil,
	} {
		srv := awstest.NewServer()
		srv.Handler().OnUnexpected(t.Errorf)
		srv.SetSnapshot(full)
		snap, err := newSourceAt(t, srv.URL(), Options{}).Snapshot(t.Context(), class.Target(), data)
		srv.Close()
		if err != nil {
			t.Fatalf("%v: %v", data, err)
		}
		want, err := OperationsFor(data)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		called := map[string]bool{}
		for _, r := range srv.Requests() {
			called[r.IAMAction()] = true
		}
		if got := policySortedKeys(called); !slices.Equal(got, want) {
			t.Errorf("%v: calls %v, want %v", data, got, want)
		}
		if snap.Unavailable != nil {
			t.Errorf("%v: unavailable %v", data, snap.Unavailable)
		}
		asked := func(d grader.Data) bool { return slices.Contains(data, d) }
		if got := len(snap.Listeners) > 0; got != asked(grader.DataListeners) {
			t.Errorf("%v: %d listeners", data, len(snap.Listeners))
		}
		if got := len(snap.VPCs) > 0; got {
			t.Errorf("%v: %d VPCs, not asked for", data, len(snap.VPCs))
		}
		targets := 0
		for _, tg := range snap.TargetGroups {
			targets += len(tg.Targets)
		}
		if got := targets > 0; got != asked(grader.DataTargetHealth) {
			t.Errorf("%v: %d targets in target groups", data, targets)
		}
	}
}

// Each kind asked for alone is read. collect makes the calls
// DataOperations names, so the tests that compare the calls with
// OperationsFor cannot see an entry naming the wrong call: this one can
// (the kind would come back empty).
func TestSnapshotReadsEachKindAskedFor(t *testing.T) {
	t.Parallel()
	class, full := grownClass(t, 3, 9)
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetSnapshot(full)
	src := newSourceAt(t, srv.URL(), Options{})
	for _, d := range grader.AllData() {
		snap, err := src.Snapshot(t.Context(), class.Target(), []grader.Data{d})
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		before, err := json.Marshal(snap)
		if err != nil {
			t.Fatal(err)
		}
		snap.Drop(d)
		after, err := json.Marshal(snap)
		if err != nil {
			t.Fatal(err)
		}
		if string(before) == string(after) {
			t.Errorf("asked for %s alone, the snapshot has none", d)
		}
	}
}

// The sim counts the calls awssource makes for the same data: its own
// table of list calls and their parents must agree with DataOperations.
func TestSimCountsTheCallsOfTheSameData(t *testing.T) {
	t.Parallel()
	class, full := grownClass(t, 3, 9)
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetSnapshot(full)
	src := newSourceAt(t, srv.URL(), Options{})
	sets := [][]grader.Data{grader.AllData(), nil, classSet(t, "").Collects()}
	for _, d := range grader.AllData() {
		sets = append(sets, []grader.Data{d})
	}
	for _, data := range sets {
		got, err := src.Snapshot(t.Context(), class.Target(), data)
		if err != nil {
			t.Fatalf("%v: %v", data, err)
		}
		want, err := class.Snapshot(t.Context(), class.Target(), data)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got.CallsByOperation, want.CallsByOperation) || got.AWSCalls != want.AWSCalls {
			t.Errorf("%v: awssource calls %v (%d), the sim counts %v (%d)", data, got.CallsByOperation, got.AWSCalls, want.CallsByOperation, want.AWSCalls)
		}
	}
}

// classSet is what a class with the rubric file override is judged with.
func classSet(t *testing.T, override string) *lab.Set {
	t.Helper()
	set, err := labs.ForClass(nil, override)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
