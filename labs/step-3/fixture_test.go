// Package step3_test holds the scenario tests of the step-3 lab: a class
// fixture in which every student built everything, broken one thing at a
// time, judged by the shipped labs/step-3/lab.yaml.
package step3_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
)

// The fixture is a shared account (the handout's case) in which each student
// has built all of Step 3 correctly, failover included. Test cases start
// from it and break one thing.

var fixtureTime = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// classSnapshot returns a snapshot holding a complete Step-3 environment for
// every login.
func classSnapshot(logins ...string) *grader.Snapshot {
	s := &grader.Snapshot{Target: grader.Target{AccountID: "111122223333", Region: "ap-northeast-1"}, TakenAt: fixtureTime}
	for _, login := range logins {
		addStudentEnv(s, login)
	}
	return s
}

// fixtureIDs are the resource ids of one student's environment: each id
// carries the login so cases can tell students apart.
type fixtureIDs struct {
	VPC, IGW, PubD, PubC, PrivD, PrivC, MainRT, PublicRT    string
	WebSG, ALBSG, DefaultSG, Web1, Web2, AMI                string
	LB, Listener, TG, Cluster, Writer, Replica, SubnetGroup string
}

func idsOf(login string) fixtureIDs {
	return fixtureIDs{
		VPC: "vpc-" + login, IGW: "igw-" + login,
		PubD: "subnet-" + login + "-pubd", PubC: "subnet-" + login + "-pubc",
		PrivD: "subnet-" + login + "-privd", PrivC: "subnet-" + login + "-privc",
		MainRT: "rtb-" + login + "-main", PublicRT: "rtb-" + login + "-public",
		WebSG: "sg-" + login + "-web", ALBSG: "sg-" + login + "-alb", DefaultSG: "sg-" + login + "-default",
		Web1: "i-" + login + "-1", Web2: "i-" + login + "-2", AMI: "ami-" + login,
		LB:          "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:loadbalancer/app/elb-" + login + "/1",
		Listener:    "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:listener/app/elb-" + login + "/1/1",
		TG:          "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:targetgroup/tg-elb-" + login + "/1",
		Cluster:     "wp-" + login + "-cluster",
		Writer:      "wp-" + login,
		Replica:     "wp-" + login + "-slave",
		SubnetGroup: "wp-" + login + "-subnetgroup",
	}
}

func addStudentEnv(s *grader.Snapshot, login string) {
	id := idsOf(login)
	s.VPCs = append(s.VPCs, grader.VPC{ID: id.VPC, Name: "vpc-" + login, CIDR: "10.0.0.0/16"})
	s.InternetGateways = append(s.InternetGateways, grader.InternetGateway{ID: id.IGW, VPCIDs: []string{id.VPC}})
	s.Subnets = append(s.Subnets,
		grader.Subnet{ID: id.PubD, VPCID: id.VPC, AZ: "ap-northeast-1d", CIDR: "10.0.0.0/24", MapPublicIPOnLaunch: true},
		grader.Subnet{ID: id.PubC, VPCID: id.VPC, AZ: "ap-northeast-1c", CIDR: "10.0.1.0/24", MapPublicIPOnLaunch: true},
		grader.Subnet{ID: id.PrivD, VPCID: id.VPC, AZ: "ap-northeast-1d", CIDR: "10.0.2.0/24"},
		grader.Subnet{ID: id.PrivC, VPCID: id.VPC, AZ: "ap-northeast-1c", CIDR: "10.0.3.0/24"},
	)
	s.RouteTables = append(s.RouteTables,
		grader.RouteTable{ID: id.MainRT, VPCID: id.VPC, Main: true, Routes: []grader.Route{{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"}}},
		grader.RouteTable{ID: id.PublicRT, VPCID: id.VPC, SubnetIDs: []string{id.PubD, id.PubC}, Routes: []grader.Route{
			{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"},
			{DestinationCIDR: "0.0.0.0/0", GatewayID: id.IGW, State: "active"},
		}},
	)
	s.SecurityGroups = append(s.SecurityGroups,
		grader.SecurityGroup{ID: id.DefaultSG, Name: "default", VPCID: id.VPC, Inbound: []grader.Permission{{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{id.DefaultSG}}}},
		grader.SecurityGroup{ID: id.WebSG, Name: "web-" + login, VPCID: id.VPC, Inbound: []grader.Permission{
			{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}},
			{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{id.ALBSG}},
		}},
		grader.SecurityGroup{ID: id.ALBSG, Name: "alb-" + login, VPCID: id.VPC, Inbound: []grader.Permission{
			{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}},
		}},
	)
	s.Images = append(s.Images, grader.Image{ID: id.AMI, Name: "sampleapp " + login, Description: "sampleapp " + login, State: "available", OwnerID: s.Target.AccountID})
	s.Instances = append(s.Instances,
		grader.Instance{ID: id.Web1, Name: "webserver#1-" + login, State: "running", Type: "t2.micro", AZ: "ap-northeast-1d", VPCID: id.VPC, SubnetID: id.PubD,
			PublicIP: "203.0.113.1", PrivateIP: "10.0.0.65", ImageID: "ami-amazonlinux", KeyName: "1day-" + login, SecurityGroupIDs: []string{id.WebSG}},
		grader.Instance{ID: id.Web2, Name: "webserver#2-" + login, State: "running", Type: "t2.micro", AZ: "ap-northeast-1c", VPCID: id.VPC, SubnetID: id.PubC,
			PublicIP: "203.0.113.2", PrivateIP: "10.0.1.205", ImageID: id.AMI, KeyName: "1day-" + login, SecurityGroupIDs: []string{id.WebSG}},
	)
	s.LoadBalancers = append(s.LoadBalancers, grader.LoadBalancer{
		ARN: id.LB, Name: "elb-" + login, DNSName: "elb-" + login + "-1.ap-northeast-1.elb.amazonaws.com",
		Type: "application", Scheme: "internet-facing", State: "active", VPCID: id.VPC,
		Zones:            []grader.LBZone{{ZoneName: "ap-northeast-1c", SubnetID: id.PubC}, {ZoneName: "ap-northeast-1d", SubnetID: id.PubD}},
		SecurityGroupIDs: []string{id.ALBSG},
	})
	s.Listeners = append(s.Listeners, grader.Listener{ARN: id.Listener, LoadBalancerARN: id.LB, Protocol: "HTTP", Port: 80,
		DefaultActions: []grader.Action{{Type: "forward", TargetGroupARNs: []string{id.TG}}}})
	s.TargetGroups = append(s.TargetGroups, grader.TargetGroup{
		ARN: id.TG, Name: "tg-elb-" + login, Protocol: "HTTP", Port: 80, TargetType: "instance", VPCID: id.VPC,
		LoadBalancerARNs: []string{id.LB},
		Targets: []grader.TargetHealth{
			{ID: id.Web1, Port: 80, State: "healthy"},
			{ID: id.Web2, Port: 80, State: "healthy"},
		},
	})
	s.DBSubnetGroups = append(s.DBSubnetGroups, grader.DBSubnetGroup{Name: id.SubnetGroup, VPCID: id.VPC, SubnetIDs: []string{id.PrivD, id.PrivC}})
	// After the failover of the handout the replica writes.
	s.DBClusters = append(s.DBClusters, grader.DBCluster{
		ID: id.Cluster, ARN: "arn:aws:rds:ap-northeast-1:111122223333:cluster:" + id.Cluster, Status: "available", Engine: "aurora-mysql",
		Endpoint:       id.Cluster + ".cluster-abc.ap-northeast-1.rds.amazonaws.com",
		ReaderEndpoint: id.Cluster + ".cluster-ro-abc.ap-northeast-1.rds.amazonaws.com",
		DBSubnetGroup:  id.SubnetGroup,
		Members:        []grader.DBClusterMember{{InstanceID: id.Writer, IsWriter: false}, {InstanceID: id.Replica, IsWriter: true}},
	})
	s.DBInstances = append(s.DBInstances,
		grader.DBInstance{ID: id.Writer, ClusterID: id.Cluster, Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1d", Status: "available", DBSubnetGroup: id.SubnetGroup},
		grader.DBInstance{ID: id.Replica, ClusterID: id.Cluster, Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1c", Status: "available", DBSubnetGroup: id.SubnetGroup},
	)
	s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{
		SourceID: id.Cluster, SourceType: "db-cluster", Categories: []string{"failover"},
		Message: "Completed failover to DB instance: " + id.Replica, Date: fixtureTime.Add(-30 * time.Minute),
	})
}

// Finders for mutating a fixture before it is evaluated.

// find returns the first item for which match is true, or fails the test.
func find[T any](t testing.TB, items []T, match func(*T) bool, what string) *T {
	t.Helper()
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	t.Fatalf("fixture has no %s", what)
	return nil
}

func instanceNamed(t testing.TB, s *grader.Snapshot, name string) *grader.Instance {
	t.Helper()
	return find(t, s.Instances, func(in *grader.Instance) bool { return in.Name == name }, "instance "+name)
}

func sgNamed(t testing.TB, s *grader.Snapshot, name string) *grader.SecurityGroup {
	t.Helper()
	return find(t, s.SecurityGroups, func(g *grader.SecurityGroup) bool { return g.Name == name }, "security group "+name)
}

func dbInstance(t testing.TB, s *grader.Snapshot, id string) *grader.DBInstance {
	t.Helper()
	return find(t, s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id }, "DB instance "+id)
}

func cluster(t testing.TB, s *grader.Snapshot, id string) *grader.DBCluster {
	t.Helper()
	return find(t, s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == id }, "DB cluster "+id)
}

func subnetGroup(t testing.TB, s *grader.Snapshot, name string) *grader.DBSubnetGroup {
	t.Helper()
	return find(t, s.DBSubnetGroups, func(g *grader.DBSubnetGroup) bool { return g.Name == name }, "DB subnet group "+name)
}

// lbOf returns login's load balancer in the fixture.
func lbOf(t testing.TB, s *grader.Snapshot, login string) *grader.LoadBalancer {
	t.Helper()
	return find(t, s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == idsOf(login).LB }, "load balancer of "+login)
}

func listenerOf(t testing.TB, s *grader.Snapshot, login string) *grader.Listener {
	t.Helper()
	return find(t, s.Listeners, func(l *grader.Listener) bool { return l.ARN == idsOf(login).Listener }, "listener of "+login)
}

func tgOf(t testing.TB, s *grader.Snapshot, login string) *grader.TargetGroup {
	t.Helper()
	return find(t, s.TargetGroups, func(tg *grader.TargetGroup) bool { return tg.ARN == idsOf(login).TG }, "target group of "+login)
}

// removeWhere deletes the items for which drop is true.
func removeWhere[T any](items []T, drop func(*T) bool) []T {
	out := items[:0]
	for i := range items {
		if !drop(&items[i]) {
			out = append(out, items[i])
		}
	}
	return out
}

// student returns a roster row for login in the fixture's shared account.
func student(login string) grader.Student {
	return grader.Student{Login: login, AccountID: "111122223333"}
}

// dedicatedStudent is user01 alone in an account of their own.
var dedicatedStudent = grader.Student{Login: "user01", AccountID: "111122223333", Dedicated: true}

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
