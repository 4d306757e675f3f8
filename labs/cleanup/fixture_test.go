// Package cleanup_test holds the scenario tests of the cleanup lab: a class
// at the end of Step 3 (every student built everything) that deletes its
// resources one by one, judged by the shipped labs/cleanup/lab.yaml.
package cleanup_test

import (
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
	"labgrid/labs/internal/fixture"
)

// The class the cleanup starts from is labs/internal/fixture's: every
// student built all of Step 3.
var (
	classSnapshot    = fixture.ClassSnapshot
	idsOf            = fixture.IDsOf
	student          = fixture.Student
	dedicatedStudent = fixture.DedicatedStudent
)

// cleanupSet is the set of a class judged with the cleanup lab and the
// rubric file rubric ("" for none).
func cleanupSet(t testing.TB, rubric string) *lab.Set {
	t.Helper()
	l, err := labs.Get("cleanup")
	if err != nil {
		t.Fatal(err)
	}
	set, err := labs.Set([]*lab.Lab{l}, []byte(rubric))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// evaluate judges st in s with the cleanup lab and the rubric file rubric.
func evaluate(t testing.TB, s *grader.Snapshot, st grader.Student, rubric string) grader.Report {
	t.Helper()
	return cleanupSet(t, rubric).Prepare(s).Evaluate(st, nil)
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

// expect fails the test unless the result has the status and the cost per
// hour (to 1e-9) and its English message contains every fragment; a result
// that does not pass must have a hint in both languages.
func expect(t testing.TB, r grader.Result, want grader.Status, cost float64, fragments ...string) {
	t.Helper()
	if r.Status != want {
		t.Errorf("%s: status %s, want %s (message: %s)", r.CheckID, r.Status, want, r.Message.EN)
	}
	if d := r.CostPerHour - cost; d > 1e-9 || d < -1e-9 {
		t.Errorf("%s: cost per hour %v, want %v (message: %s)", r.CheckID, r.CostPerHour, cost, r.Message.EN)
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

// never fails the test when the result's message mentions a fragment.
func never(t testing.TB, r grader.Result, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if strings.Contains(r.Message.EN, f) || strings.Contains(r.Message.JA, f) || strings.Contains(strings.Join(r.Evidence, "\n"), f) {
			t.Errorf("%s: %q (evidence %q) mentions %q", r.CheckID, r.Message.EN, r.Evidence, f)
		}
	}
}

func instance(t testing.TB, s *grader.Snapshot, id string) *grader.Instance {
	t.Helper()
	return fixture.Find(t, s.Instances, func(in *grader.Instance) bool { return in.ID == id }, "instance "+id)
}

func image(t testing.TB, s *grader.Snapshot, id string) *grader.Image {
	t.Helper()
	return fixture.Find(t, s.Images, func(im *grader.Image) bool { return im.ID == id }, "image "+id)
}

func dbInstance(t testing.TB, s *grader.Snapshot, id string) *grader.DBInstance {
	t.Helper()
	return fixture.Find(t, s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id }, "DB instance "+id)
}

func cluster(t testing.TB, s *grader.Snapshot, id string) *grader.DBCluster {
	t.Helper()
	return fixture.Find(t, s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == id }, "DB cluster "+id)
}

// deleteOf removes one kind of login's resources from s: web (its
// instances), lb (load balancer, listener, target group), db (cluster and
// DB instances), ami.
func deleteOf(s *grader.Snapshot, login, kind string) {
	id := idsOf(login)
	switch kind {
	case "web":
		s.Instances = fixture.RemoveWhere(s.Instances, func(in *grader.Instance) bool { return in.ID == id.Web1 || in.ID == id.Web2 })
	case "lb":
		s.LoadBalancers = fixture.RemoveWhere(s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == id.LB })
		s.Listeners = fixture.RemoveWhere(s.Listeners, func(l *grader.Listener) bool { return l.LoadBalancerARN == id.LB })
		s.TargetGroups = fixture.RemoveWhere(s.TargetGroups, func(g *grader.TargetGroup) bool { return g.ARN == id.TG })
	case "db":
		s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == id.Cluster })
		s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ClusterID == id.Cluster })
	case "ami":
		s.Images = fixture.RemoveWhere(s.Images, func(im *grader.Image) bool { return im.ID == id.AMI })
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
