package cleanup_test

import (
	"errors"
	"testing"

	"labgrid/grader"
	"labgrid/labs/internal/fixture"
)

// The lab's prices used below (labs/cleanup/lab.yaml).
const (
	t2micro   = 0.0152
	dbT2Small = 0.063
	alb       = 0.0243
)

// TestEndOfStep3LeavesEverything: a class at the end of Step 3 fails every
// check, each listing what is left by name and id with its cost; another
// student's resources are never listed.
func TestEndOfStep3LeavesEverything(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02")
	rep := evaluate(t, s, student("user01"), "")
	if len(rep.Results) != 5 || rep.Score != 0 || rep.MaxScore != 25 {
		t.Fatalf("%d results, score %d/%d; want 5 checks failing out of 25 points", len(rep.Results), rep.Score, rep.MaxScore)
	}
	for _, r := range rep.Results {
		if !r.Required || r.MaxPoints != 5 {
			t.Errorf("%s: required %t for %d points, want required for 5", r.CheckID, r.Required, r.MaxPoints)
		}
		never(t, r, "user02")
	}
	expect(t, resultIn(t, rep, "cleanup.instances"), grader.StatusFail, 2*t2micro,
		"2 instance(s) left", "webserver#1-user01 (i-user01-1, t2.micro, running): ~$0.0152/h",
		"webserver#2-user01 (i-user01-2, t2.micro, running): ~$0.0152/h", "About $0.0304/h in all (an estimate)")
	expect(t, resultIn(t, rep, "cleanup.load_balancer"), grader.StatusFail, alb,
		"load balancer elb-user01 (application): ~$0.0243/h", "target group tg-elb-user01: no charge", "About $0.0243/h")
	expect(t, resultIn(t, rep, "cleanup.aurora"), grader.StatusFail, 2*dbT2Small,
		"cluster wp-user01-cluster (available): billed by its DB instances",
		"DB instance wp-user01 (db.t2.small, available): ~$0.063/h",
		"DB instance wp-user01-slave (db.t2.small, available): ~$0.063/h", "About $0.126/h")
	expect(t, resultIn(t, rep, "cleanup.ami"), grader.StatusFail, 0,
		"sampleapp user01 (ami-user01, available): storage only (EBS snapshots)")
	expect(t, resultIn(t, rep, "cleanup.network"), grader.StatusFail, 0,
		"vpc-user01 (vpc-user01, 10.0.0.0/16): no hourly charge")
	if h := resultIn(t, rep, "cleanup.ami").Hint.EN; !contains(h, "Snapshots") {
		t.Errorf("cleanup.ami's hint %q does not ask to delete the snapshots", h)
	}
	if h := resultIn(t, rep, "cleanup.ami").Hint.JA; !contains(h, "スナップショット") {
		t.Errorf("cleanup.ami's Japanese hint %q does not ask to delete the snapshots", h)
	}
}

// TestDeletingOneByOne: as the student deletes, each check passes once its
// kind is gone, the others keep failing, and the cost falls to 0.
func TestDeletingOneByOne(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02")
	id := idsOf("user01")
	steps := []struct {
		name    string
		delete  func()
		check   string
		passes  bool
		cost    float64
		message []string
	}{
		{"one web server terminated", func() { instance(t, s, id.Web2).State = "terminated" }, "cleanup.instances", false, t2micro,
			[]string{"1 instance(s) left", "webserver#1-user01"}},
		{"the other shutting down", func() { instance(t, s, id.Web1).State = "shutting-down" }, "cleanup.instances", true, 0,
			[]string{"No instance is left"}},
		{"load balancer deleted, target group left", func() {
			s.LoadBalancers = fixture.RemoveWhere(s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == id.LB })
			s.Listeners = fixture.RemoveWhere(s.Listeners, func(l *grader.Listener) bool { return l.LoadBalancerARN == id.LB })
		}, "cleanup.load_balancer", false, 0, []string{"Left: target group tg-elb-user01: no charge. About $0/h"}},
		{"target group deleted", func() {
			s.TargetGroups = fixture.RemoveWhere(s.TargetGroups, func(g *grader.TargetGroup) bool { return g.ARN == id.TG })
		}, "cleanup.load_balancer", true, 0, []string{"No load balancer or target group is left"}},
		{"reader deleting", func() { dbInstance(t, s, id.Writer).Status = "deleting" }, "cleanup.aurora", false, dbT2Small,
			[]string{"DB instance wp-user01-slave"}},
		{"writer gone, the cluster alone bills storage", func() {
			s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id.Replica || d.ID == id.Writer })
		}, "cleanup.aurora", false, 0, []string{"cluster wp-user01-cluster (available): storage only"}},
		{"cluster deleting", func() { cluster(t, s, id.Cluster).Status = "deleting" }, "cleanup.aurora", true, 0,
			[]string{"No Aurora cluster or DB instance is left"}},
		{"AMI deregistered", func() { image(t, s, id.AMI).State = "deregistered" }, "cleanup.ami", true, 0,
			[]string{"No AMI is left", "snapshots"}},
		{"VPC deleted", func() {
			s.VPCs = fixture.RemoveWhere(s.VPCs, func(v *grader.VPC) bool { return v.ID == id.VPC })
			s.Subnets = fixture.RemoveWhere(s.Subnets, func(sn *grader.Subnet) bool { return sn.VPCID == id.VPC })
		}, "cleanup.network", true, 0, []string{"No VPC is left"}},
	}
	passed := map[string]bool{}
	for _, st := range steps {
		st.delete()
		rep := evaluate(t, s, student("user01"), "")
		want := grader.StatusFail
		if st.passes {
			want = grader.StatusPass
			passed[st.check] = true
		}
		t.Run(st.name, func(t *testing.T) {
			expect(t, resultIn(t, rep, st.check), want, st.cost, st.message...)
			for _, r := range rep.Results {
				if r.Status.Passed() != passed[r.CheckID] {
					t.Errorf("%s is %s (%s)", r.CheckID, r.Status, r.Message.EN)
				}
			}
		})
	}
	rep := evaluate(t, s, student("user01"), "")
	total := 0.0
	for _, r := range rep.Results {
		total += r.CostPerHour
	}
	if rep.Score != 25 || total != 0 {
		t.Errorf("all deleted: score %d, cost %v; want 25 at no cost", rep.Score, total)
	}
	// user02 deleted nothing and still owes everything.
	if rep := evaluate(t, s, student("user02"), ""); rep.Score != 0 {
		t.Errorf("user02 scores %d having deleted nothing", rep.Score)
	}
}

// TestDeregisteredAMIRemovedFromList: an AMI no longer listed is gone too.
func TestAMINoLongerListed(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.Images = nil
	expect(t, resultIn(t, evaluate(t, s, student("user01"), ""), "cleanup.ami"), grader.StatusPass, 0)
}

// TestStoppedInstanceIsStorageOnly: a stopped instance is left, listed as
// storage only, and adds nothing to the hourly cost.
func TestStoppedInstanceIsStorageOnly(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	instance(t, s, idsOf("user01").Web2).State = "stopped"
	r := resultIn(t, evaluate(t, s, student("user01"), ""), "cleanup.instances")
	expect(t, r, grader.StatusFail, t2micro, "webserver#2-user01 (i-user01-2, t2.micro, stopped): storage only (EBS)",
		"webserver#1-user01 (i-user01-1, t2.micro, running): ~$0.0152/h", "About $0.0152/h")
	never(t, r, "stopped): ~$")
	if !contains(r.Message.JA, "ストレージ料金のみ") {
		t.Errorf("Japanese message %q does not say storage only", r.Message.JA)
	}
}

// TestSharedAccountScope: in a shared account an instance inside the
// student's VPC counts whatever its name; another student's resources
// never do, nor a renamed one outside the VPC.
func TestSharedAccountScope(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02")
	s.Instances = append(s.Instances,
		grader.Instance{ID: "i-bastion", Name: "", State: "running", Type: "t2.micro", VPCID: "vpc-user01"},
		grader.Instance{ID: "i-elsewhere", Name: "my-test", State: "running", Type: "t2.micro", VPCID: "vpc-user02"},
	)
	// user01 deleted everything but the unnamed instance in the VPC.
	for _, kind := range []string{"web", "lb", "db", "ami"} {
		deleteOf(s, "user01", kind)
	}
	rep := evaluate(t, s, student("user01"), "")
	r := resultIn(t, rep, "cleanup.instances")
	expect(t, r, grader.StatusFail, t2micro, "1 instance(s) left", "(i-bastion, t2.micro, running): ~$0.0152/h")
	for _, r := range rep.Results {
		never(t, r, "user02", "i-elsewhere")
	}
	for _, id := range []string{"cleanup.load_balancer", "cleanup.aurora", "cleanup.ami"} {
		expect(t, resultIn(t, rep, id), grader.StatusPass, 0)
	}
	// user02's VPC holds i-elsewhere: theirs.
	expect(t, resultIn(t, evaluate(t, s, student("user02"), ""), "cleanup.instances"), grader.StatusFail, 3*t2micro, "i-elsewhere")
}

// TestDedicatedAccount: in an account of the student's own everything
// counts, renamed or not, but the default VPC and its default parts.
func TestDedicatedAccount(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	id := idsOf("user01")
	s.VPCs = append(s.VPCs, grader.VPC{ID: "vpc-default", CIDR: "172.31.0.0/16", IsDefault: true})
	s.Subnets = append(s.Subnets, grader.Subnet{ID: "subnet-default", VPCID: "vpc-default", AZ: "ap-northeast-1a", CIDR: "172.31.0.0/20"})
	s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-default", Name: "default", VPCID: "vpc-default"})
	s.VPCs[0].Name = "my network"
	instance(t, s, id.Web1).Name = "web"
	s.Instances = append(s.Instances, grader.Instance{ID: "i-test", Name: "test", State: "running", Type: "t3.micro", VPCID: "vpc-default", SubnetID: "subnet-default"})
	s.LoadBalancers[0].Name = "my-alb"
	s.TargetGroups[0].Name = "my-targets"
	cluster(t, s, id.Cluster).ID = "mydb"
	dbInstance(t, s, id.Writer).ID = "mydb-1"
	s.DBClusters[0].Members[0].InstanceID = "mydb-1"
	image(t, s, id.AMI).Name = "golden image"

	rep := evaluate(t, s, dedicatedStudent, "")
	expect(t, resultIn(t, rep, "cleanup.instances"), grader.StatusFail, 2*t2micro+0.0136,
		"3 instance(s) left", "web (i-user01-1", "webserver#2-user01 (i-user01-2", "test (i-test, t3.micro, running): ~$0.0136/h")
	expect(t, resultIn(t, rep, "cleanup.load_balancer"), grader.StatusFail, alb, "load balancer my-alb", "target group my-targets")
	expect(t, resultIn(t, rep, "cleanup.aurora"), grader.StatusFail, 2*dbT2Small, "cluster mydb (available)", "DB instance mydb-1", "DB instance wp-user01-slave")
	expect(t, resultIn(t, rep, "cleanup.ami"), grader.StatusFail, 0, "golden image (ami-user01")
	r := resultIn(t, rep, "cleanup.network")
	expect(t, r, grader.StatusFail, 0, "my network (vpc-user01, 10.0.0.0/16)")
	never(t, r, "vpc-default", "172.31")

	// The same renamed resources in a shared account are nobody's, but for
	// what is inside the student's VPC.
	s.VPCs[0].Name = "vpc-user01"
	rep = evaluate(t, s, student("user01"), "")
	r = resultIn(t, rep, "cleanup.instances")
	expect(t, r, grader.StatusFail, 2*t2micro, "2 instance(s) left", "web (i-user01-1")
	never(t, r, "i-test")
	expect(t, resultIn(t, rep, "cleanup.ami"), grader.StatusPass, 0)
	// The renamed cluster's DB subnet group is in the student's VPC.
	expect(t, resultIn(t, rep, "cleanup.aurora"), grader.StatusFail, 2*dbT2Small, "cluster mydb", "DB instance mydb-1", "DB instance wp-user01-slave")

	// Everything deleted: the default VPC alone is no leftover.
	s = classSnapshot()
	s.VPCs = append(s.VPCs, grader.VPC{ID: "vpc-default", CIDR: "172.31.0.0/16", IsDefault: true})
	s.Subnets = append(s.Subnets, grader.Subnet{ID: "subnet-default", VPCID: "vpc-default"})
	if rep := evaluate(t, s, dedicatedStudent, ""); rep.Score != 25 {
		t.Errorf("an account with its default VPC alone scores %d, want 25: %+v", rep.Score, rep.Results)
	}
}

// TestClassPrices: a class's rubric file changes a price, the others keep
// the lab's.
func TestClassPrices(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	rep := evaluate(t, s, student("user01"), "prices_per_hour:\n  t2.micro: 0.02\n")
	expect(t, resultIn(t, rep, "cleanup.instances"), grader.StatusFail, 0.04, "~$0.02/h", "About $0.04/h")
	expect(t, resultIn(t, rep, "cleanup.load_balancer"), grader.StatusFail, alb)
	// A type the table does not know is listed, at no cost.
	instance(t, s, idsOf("user01").Web1).Type = "x9.huge"
	rep = evaluate(t, s, student("user01"), "")
	expect(t, resultIn(t, rep, "cleanup.instances"), grader.StatusFail, t2micro, "(i-user01-1, x9.huge, running): price unknown")
}

// TestAuroraInTheStudentsVPC: in a shared account a cluster whose DB subnet
// group is in the student's VPC is theirs whatever its name; which VPC that
// is needs the DB subnet groups, so without them the check is error.
func TestAuroraInTheStudentsVPC(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02")
	id := idsOf("user01")
	cluster(t, s, id.Cluster).ID = "mydb"
	s.DBClusters[0].Members = s.DBClusters[0].Members[:1]
	dbInstance(t, s, id.Writer).ID = "mydb-1"
	s.DBClusters[0].Members[0].InstanceID = "mydb-1"
	s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id.Replica })
	rep := evaluate(t, s, student("user01"), "")
	r := resultIn(t, rep, "cleanup.aurora")
	expect(t, r, grader.StatusFail, dbT2Small, "cluster mydb (available): billed by its DB instances", "DB instance mydb-1 (db.t2.small")
	never(t, r, "user02")
	never(t, resultIn(t, evaluate(t, s, student("user02"), ""), "cleanup.aurora"), "mydb")

	s.Unavailable = map[grader.Data]error{grader.DataDBSubnetGroups: errors.New("AccessDenied")}
	expect(t, resultIn(t, evaluate(t, s, student("user01"), ""), "cleanup.aurora"), grader.StatusError, 0)
}
