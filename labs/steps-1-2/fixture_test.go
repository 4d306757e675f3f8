// Package steps12_test holds the scenario tests of the steps-1-2 lab: a
// class fixture in which every student built the whole morning (and then
// Step 3, failover included), broken one thing at a time, judged by the
// shipped labs/steps-1-2/lab.yaml.
package steps12_test

import (
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/labs"
	"labgrid/labs/internal/fixture"
)

var fixtureTime = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const account = "111122223333"

// classSnapshot holds a complete environment for every login.
func classSnapshot(logins ...string) *grader.Snapshot {
	s := &grader.Snapshot{Target: grader.Target{AccountID: account, Region: "ap-northeast-1"}, TakenAt: fixtureTime}
	for _, login := range logins {
		addStudentEnv(s, login)
	}
	return s
}

// fixtureIDs are the ids of one student's resources; each carries the login.
type fixtureIDs struct {
	VPC, IGW, PubD, PubC, PrivD, PrivC, MainRT, PublicRT string
	Key, WebSG, ALBSG, DBSG, DefaultSG, Web1, Web2       string
	Cluster, Writer, Replica, SubnetGroup                string
}

func idsOf(login string) fixtureIDs {
	return fixtureIDs{
		VPC: "vpc-" + login, IGW: "igw-" + login,
		PubD: "subnet-" + login + "-pubd", PubC: "subnet-" + login + "-pubc",
		PrivD: "subnet-" + login + "-privd", PrivC: "subnet-" + login + "-privc",
		MainRT: "rtb-" + login + "-main", PublicRT: "rtb-" + login + "-public",
		Key: "key-" + login, WebSG: "sg-" + login + "-web", ALBSG: "sg-" + login + "-alb", DBSG: "sg-" + login + "-db",
		DefaultSG: "sg-" + login + "-default", Web1: "i-" + login + "-1", Web2: "i-" + login + "-2",
		Cluster: "wp-" + login + "-cluster", Writer: "wp-" + login, Replica: "wp-" + login + "-slave",
		SubnetGroup: "wp-" + login + "-subnetgroup",
	}
}

func addStudentEnv(s *grader.Snapshot, login string) {
	id := idsOf(login)
	s.VPCs = append(s.VPCs, grader.VPC{ID: id.VPC, Name: "vpc-" + login, CIDR: "10.0.0.0/16"})
	s.InternetGateways = append(s.InternetGateways, grader.InternetGateway{ID: id.IGW, Name: "igw-" + login, VPCIDs: []string{id.VPC}})
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
	s.KeyPairs = append(s.KeyPairs, grader.KeyPair{ID: id.Key, Name: "1day-" + login, Type: "rsa", Fingerprint: "aa:bb:" + login})
	s.SecurityGroups = append(s.SecurityGroups,
		grader.SecurityGroup{ID: id.DefaultSG, Name: "default", VPCID: id.VPC, Inbound: []grader.Permission{{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{id.DefaultSG}}}},
		// After Step 3, HTTP comes from the ALB's group only.
		grader.SecurityGroup{ID: id.WebSG, Name: "web-" + login, VPCID: id.VPC, Inbound: []grader.Permission{
			{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}},
			{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{id.ALBSG}},
		}},
		grader.SecurityGroup{ID: id.ALBSG, Name: "alb-" + login, VPCID: id.VPC, Inbound: []grader.Permission{
			{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}},
		}},
		grader.SecurityGroup{ID: id.DBSG, Name: "db-" + login, VPCID: id.VPC, Inbound: []grader.Permission{
			{Protocol: "tcp", FromPort: 3306, ToPort: 3306, GroupIDs: []string{id.WebSG}},
		}},
	)
	s.Instances = append(s.Instances,
		grader.Instance{ID: id.Web1, Name: "webserver#1-" + login, State: "running", Type: "t2.micro", AZ: "ap-northeast-1d", VPCID: id.VPC, SubnetID: id.PubD,
			PublicIP: "203.0.113.1", PrivateIP: "10.0.0.65", ImageID: "ami-amazonlinux", KeyName: "1day-" + login, SecurityGroupIDs: []string{id.WebSG}},
		grader.Instance{ID: id.Web2, Name: "webserver#2-" + login, State: "running", Type: "t2.micro", AZ: "ap-northeast-1c", VPCID: id.VPC, SubnetID: id.PubC,
			PublicIP: "203.0.113.2", PrivateIP: "10.0.1.205", ImageID: "ami-" + login, KeyName: "1day-" + login, SecurityGroupIDs: []string{id.WebSG}},
	)
	s.DBSubnetGroups = append(s.DBSubnetGroups, grader.DBSubnetGroup{Name: id.SubnetGroup, VPCID: id.VPC, SubnetIDs: []string{id.PrivD, id.PrivC}})
	// After the failover of Step 3 the replica writes and wp-<login> reads.
	s.DBClusters = append(s.DBClusters, grader.DBCluster{
		ID: id.Cluster, ARN: "arn:aws:rds:ap-northeast-1:" + account + ":cluster:" + id.Cluster, Status: "available", Engine: "aurora-mysql",
		Endpoint:         id.Cluster + ".cluster-abc.ap-northeast-1.rds.amazonaws.com",
		ReaderEndpoint:   id.Cluster + ".cluster-ro-abc.ap-northeast-1.rds.amazonaws.com",
		DBSubnetGroup:    id.SubnetGroup,
		SecurityGroupIDs: []string{id.DBSG},
		Members:          []grader.DBClusterMember{{InstanceID: id.Writer, IsWriter: false}, {InstanceID: id.Replica, IsWriter: true}},
	})
	s.DBInstances = append(s.DBInstances,
		grader.DBInstance{ID: id.Writer, ClusterID: id.Cluster, Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1d", Status: "available", DBSubnetGroup: id.SubnetGroup},
		grader.DBInstance{ID: id.Replica, ClusterID: id.Cluster, Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1c", Status: "available", DBSubnetGroup: id.SubnetGroup},
	)
}

func instance(t testing.TB, s *grader.Snapshot, id string) *grader.Instance {
	t.Helper()
	return fixture.Find(t, s.Instances, func(in *grader.Instance) bool { return in.ID == id }, "instance "+id)
}

func sg(t testing.TB, s *grader.Snapshot, id string) *grader.SecurityGroup {
	t.Helper()
	return fixture.Find(t, s.SecurityGroups, func(g *grader.SecurityGroup) bool { return g.ID == id }, "security group "+id)
}

func subnet(t testing.TB, s *grader.Snapshot, id string) *grader.Subnet {
	t.Helper()
	return fixture.Find(t, s.Subnets, func(x *grader.Subnet) bool { return x.ID == id }, "subnet "+id)
}

func routeTable(t testing.TB, s *grader.Snapshot, id string) *grader.RouteTable {
	t.Helper()
	return fixture.Find(t, s.RouteTables, func(x *grader.RouteTable) bool { return x.ID == id }, "route table "+id)
}

func cluster(t testing.TB, s *grader.Snapshot, id string) *grader.DBCluster {
	t.Helper()
	return fixture.Find(t, s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == id }, "DB cluster "+id)
}

func dbInstance(t testing.TB, s *grader.Snapshot, id string) *grader.DBInstance {
	t.Helper()
	return fixture.Find(t, s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id }, "DB instance "+id)
}

var (
	student          = fixture.Student
	dedicatedStudent = fixture.DedicatedStudent
)

// morning is a class judged with the shipped steps-1-2 lab alone.
func morning(t testing.TB) *lab.Set {
	t.Helper()
	l, err := labs.Get("steps-1-2")
	if err != nil {
		t.Fatal(err)
	}
	set, err := lab.NewSet(l)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func evaluate(t testing.TB, s *grader.Snapshot, st grader.Student) grader.Report {
	t.Helper()
	return morning(t).Prepare(s).Evaluate(st, nil)
}

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

// expectStatus fails the test unless the result has the status and its
// English message contains every fragment; a result that did not pass
// has a hint in both languages.
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
	if !r.Status.Passed() && r.Status != grader.StatusBlocked && (r.Hint.JA == "" || r.Hint.EN == "") {
		t.Errorf("%s: status %s without a hint in both languages: %+v", r.CheckID, r.Status, r.Hint)
	}
}
