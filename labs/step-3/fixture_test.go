// Package step3_test holds the scenario tests of the step-3 lab: a class
// fixture in which every student built everything, broken one thing at a
// time, judged by the shipped labs/step-3/lab.yaml.
package step3_test

import (
	"fmt"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
	"labgrid/labs/internal/fixture"
)

// The class the cases start from is labs/internal/fixture's: every student
// built all of Step 3 correctly, failover included; a case breaks one thing.
var (
	fixtureTime      = fixture.Time
	classSnapshot    = fixture.ClassSnapshot
	idsOf            = fixture.IDsOf
	student          = fixture.Student
	dedicatedStudent = fixture.DedicatedStudent
)

// Finders for mutating a fixture before it is evaluated.

func instanceNamed(t testing.TB, s *grader.Snapshot, name string) *grader.Instance {
	t.Helper()
	return fixture.Find(t, s.Instances, func(in *grader.Instance) bool { return in.Name == name }, "instance "+name)
}

func sgNamed(t testing.TB, s *grader.Snapshot, name string) *grader.SecurityGroup {
	t.Helper()
	return fixture.Find(t, s.SecurityGroups, func(g *grader.SecurityGroup) bool { return g.Name == name }, "security group "+name)
}

func dbInstance(t testing.TB, s *grader.Snapshot, id string) *grader.DBInstance {
	t.Helper()
	return fixture.Find(t, s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id }, "DB instance "+id)
}

func cluster(t testing.TB, s *grader.Snapshot, id string) *grader.DBCluster {
	t.Helper()
	return fixture.Find(t, s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == id }, "DB cluster "+id)
}

func subnetGroup(t testing.TB, s *grader.Snapshot, name string) *grader.DBSubnetGroup {
	t.Helper()
	return fixture.Find(t, s.DBSubnetGroups, func(g *grader.DBSubnetGroup) bool { return g.Name == name }, "DB subnet group "+name)
}

// lbOf returns login's load balancer in the fixture.
func lbOf(t testing.TB, s *grader.Snapshot, login string) *grader.LoadBalancer {
	t.Helper()
	return fixture.Find(t, s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == idsOf(login).LB }, "load balancer of "+login)
}

func listenerOf(t testing.TB, s *grader.Snapshot, login string) *grader.Listener {
	t.Helper()
	return fixture.Find(t, s.Listeners, func(l *grader.Listener) bool { return l.ARN == idsOf(login).Listener }, "listener of "+login)
}

func tgOf(t testing.TB, s *grader.Snapshot, login string) *grader.TargetGroup {
	t.Helper()
	return fixture.Find(t, s.TargetGroups, func(tg *grader.TargetGroup) bool { return tg.ARN == idsOf(login).TG }, "target group of "+login)
}

// step3 is the shipped step-3 lab.
func step3(t testing.TB) *lab.Lab {
	t.Helper()
	l, err := labs.Get("step-3")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// step3Lab is the set of a class judged with the step-3 lab and the rubric
// file override.
func step3Lab(t testing.TB, override string) *lab.Set {
	t.Helper()
	set, err := labs.ForClass(nil, override)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// evaluate judges st in s as a class with the rubric file override ("" for
// the lab as shipped) is judged. Every evaluation of these tests goes
// through it.
func evaluate(t testing.TB, s *grader.Snapshot, st grader.Student, prev grader.Memory, override string) grader.Report {
	t.Helper()
	return step3Lab(t, override).Prepare(s).Evaluate(st, prev)
}

// probeTargets is what the step-3 lab with override wants probed for st.
func probeTargets(t testing.TB, s *grader.Snapshot, st grader.Student, override string) []grader.ProbeTarget {
	t.Helper()
	return step3Lab(t, override).Prepare(s).ProbeTargets(st)
}

// The lab remembers the cluster's writer between scans (memory.writer).

// rememberWriter is the memory of a scan that saw writer.
func rememberWriter(writer string) grader.Memory {
	return grader.Memory{"step-3/writer": {Value: writer}}
}

// writerMemory is what rep remembers of the writer, and whether it ever
// saw it change.
func writerMemory(rep grader.Report) (writer string, changed bool) {
	m := rep.Memory["step-3/writer"]
	return m.Value, m.Changed
}

// resultIn is one check's result in rep.
func resultIn(t testing.TB, rep grader.Report, checkID string) grader.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.CheckID == checkID {
			return r
		}
	}
	t.Fatalf("no result for %s", checkID)
	return grader.Result{}
}

// resultOf evaluates st with the lab as shipped and returns one check's
// result.
func resultOf(t testing.TB, s *grader.Snapshot, st grader.Student, prev grader.Memory, checkID string) grader.Result {
	t.Helper()
	return resultIn(t, evaluate(t, s, st, prev, ""), checkID)
}

// expectStatus fails the test unless the result has the status and, when
// given, its English message contains every fragment.
func expectStatus(t testing.TB, r grader.Result, want grader.Status, fragments ...string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %s, want %s (message: %s)", r.CheckID, r.Status, want, r.Message.EN)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Message.EN, f) {
			t.Errorf("%s: message %q does not mention %q", r.CheckID, r.Message.EN, f)
		}
	}
	if r.Message.JA == "" || r.Message.EN == "" {
		t.Errorf("%s: message missing a language: %+v", r.CheckID, r.Message)
	}
	if !r.Status.Passed() && (r.Hint.JA == "" || r.Hint.EN == "") {
		t.Errorf("%s: status %s without a hint in both languages: %+v", r.CheckID, r.Status, r.Hint)
	}
}

func TestFixtureIDsAreUniquePerStudent(t *testing.T) {
	t.Parallel()
	a, b := idsOf("user01"), idsOf("user02")
	if a.VPC == b.VPC || a.LB == b.LB || fmt.Sprint(a) == fmt.Sprint(b) {
		t.Fatal("fixture ids must differ between students")
	}
}
