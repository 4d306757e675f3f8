package grader

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The fixture is a shared account (the handout's case) in which each student
// has built all of Step 3 correctly, failover included. Test cases start
// from it and break one thing.

var fixtureTime = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// classSnapshot returns a snapshot holding a complete Step-3 environment for
// every login.
func classSnapshot(logins ...string) *Snapshot {
	s := &Snapshot{Target: Target{AccountID: "111122223333", Region: "ap-northeast-1"}, TakenAt: fixtureTime}
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

func addStudentEnv(s *Snapshot, login string) {
	id := idsOf(login)
	s.VPCs = append(s.VPCs, VPC{ID: id.VPC, Name: "vpc-" + login, CIDR: "10.0.0.0/16"})
	s.InternetGateways = append(s.InternetGateways, InternetGateway{ID: id.IGW, VPCIDs: []string{id.VPC}})
	s.Subnets = append(s.Subnets,
		Subnet{ID: id.PubD, VPCID: id.VPC, AZ: "ap-northeast-1d", CIDR: "10.0.0.0/24", MapPublicIPOnLaunch: true},
		Subnet{ID: id.PubC, VPCID: id.VPC, AZ: "ap-northeast-1c", CIDR: "10.0.1.0/24", MapPublicIPOnLaunch: true},
		Subnet{ID: id.PrivD, VPCID: id.VPC, AZ: "ap-northeast-1d", CIDR: "10.0.2.0/24"},
		Subnet{ID: id.PrivC, VPCID: id.VPC, AZ: "ap-northeast-1c", CIDR: "10.0.3.0/24"},
	)
	s.RouteTables = append(s.RouteTables,
		RouteTable{ID: id.MainRT, VPCID: id.VPC, Main: true, Routes: []Route{{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"}}},
		RouteTable{ID: id.PublicRT, VPCID: id.VPC, SubnetIDs: []string{id.PubD, id.PubC}, Routes: []Route{
			{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"},
			{DestinationCIDR: "0.0.0.0/0", GatewayID: id.IGW, State: "active"},
		}},
	)
	s.SecurityGroups = append(s.SecurityGroups,
		SecurityGroup{ID: id.DefaultSG, Name: "default", VPCID: id.VPC, Inbound: []Permission{{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{id.DefaultSG}}}},
		SecurityGroup{ID: id.WebSG, Name: "web-" + login, VPCID: id.VPC, Inbound: []Permission{
			{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}},
			{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{id.ALBSG}},
		}},
		SecurityGroup{ID: id.ALBSG, Name: "alb-" + login, VPCID: id.VPC, Inbound: []Permission{
			{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}},
		}},
	)
	s.Images = append(s.Images, Image{ID: id.AMI, Name: "sampleapp " + login, Description: "sampleapp " + login, State: "available", OwnerID: s.Target.AccountID})
	s.Instances = append(s.Instances,
		Instance{ID: id.Web1, Name: "webserver#1-" + login, State: "running", Type: "t2.micro", AZ: "ap-northeast-1d", VPCID: id.VPC, SubnetID: id.PubD,
			PublicIP: "203.0.113.1", PrivateIP: "10.0.0.65", ImageID: "ami-amazonlinux", KeyName: "1day-" + login, SecurityGroupIDs: []string{id.WebSG}},
		Instance{ID: id.Web2, Name: "webserver#2-" + login, State: "running", Type: "t2.micro", AZ: "ap-northeast-1c", VPCID: id.VPC, SubnetID: id.PubC,
			PublicIP: "203.0.113.2", PrivateIP: "10.0.1.205", ImageID: id.AMI, KeyName: "1day-" + login, SecurityGroupIDs: []string{id.WebSG}},
	)
	s.LoadBalancers = append(s.LoadBalancers, LoadBalancer{
		ARN: id.LB, Name: "elb-" + login, DNSName: "elb-" + login + "-1.ap-northeast-1.elb.amazonaws.com",
		Type: "application", Scheme: "internet-facing", State: "active", VPCID: id.VPC,
		Zones:            []LBZone{{ZoneName: "ap-northeast-1c", SubnetID: id.PubC}, {ZoneName: "ap-northeast-1d", SubnetID: id.PubD}},
		SecurityGroupIDs: []string{id.ALBSG},
	})
	s.Listeners = append(s.Listeners, Listener{ARN: id.Listener, LoadBalancerARN: id.LB, Protocol: "HTTP", Port: 80,
		DefaultActions: []Action{{Type: "forward", TargetGroupARNs: []string{id.TG}}}})
	s.TargetGroups = append(s.TargetGroups, TargetGroup{
		ARN: id.TG, Name: "tg-elb-" + login, Protocol: "HTTP", Port: 80, TargetType: "instance", VPCID: id.VPC,
		LoadBalancerARNs: []string{id.LB},
		Targets: []TargetHealth{
			{ID: id.Web1, Port: 80, State: "healthy"},
			{ID: id.Web2, Port: 80, State: "healthy"},
		},
	})
	s.DBSubnetGroups = append(s.DBSubnetGroups, DBSubnetGroup{Name: id.SubnetGroup, VPCID: id.VPC, SubnetIDs: []string{id.PrivD, id.PrivC}})
	// After the failover of the handout the replica writes.
	s.DBClusters = append(s.DBClusters, DBCluster{
		ID: id.Cluster, ARN: "arn:aws:rds:ap-northeast-1:111122223333:cluster:" + id.Cluster, Status: "available", Engine: "aurora-mysql",
		Endpoint:       id.Cluster + ".cluster-abc.ap-northeast-1.rds.amazonaws.com",
		ReaderEndpoint: id.Cluster + ".cluster-ro-abc.ap-northeast-1.rds.amazonaws.com",
		DBSubnetGroup:  id.SubnetGroup,
		Members:        []DBClusterMember{{InstanceID: id.Writer, IsWriter: false}, {InstanceID: id.Replica, IsWriter: true}},
	})
	s.DBInstances = append(s.DBInstances,
		DBInstance{ID: id.Writer, ClusterID: id.Cluster, Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1d", Status: "available", DBSubnetGroup: id.SubnetGroup},
		DBInstance{ID: id.Replica, ClusterID: id.Cluster, Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1c", Status: "available", DBSubnetGroup: id.SubnetGroup},
	)
	s.RDSEvents = append(s.RDSEvents, RDSEvent{
		SourceID: id.Cluster, SourceType: "db-cluster", Categories: []string{"failover"},
		Message: "Completed failover to DB instance: " + id.Replica, Date: fixtureTime.Add(-30 * time.Minute),
	})
}

// Finders for mutating a fixture before it is evaluated.

func (s *Snapshot) instanceNamed(t *testing.T, name string) *Instance {
	t.Helper()
	for i := range s.Instances {
		if s.Instances[i].Name == name {
			return &s.Instances[i]
		}
	}
	t.Fatalf("fixture has no instance %q", name)
	return nil
}

func (s *Snapshot) sgNamed(t *testing.T, name string) *SecurityGroup {
	t.Helper()
	for i := range s.SecurityGroups {
		if s.SecurityGroups[i].Name == name {
			return &s.SecurityGroups[i]
		}
	}
	t.Fatalf("fixture has no security group %q", name)
	return nil
}

func (s *Snapshot) dbInstance(t *testing.T, id string) *DBInstance {
	t.Helper()
	for i := range s.DBInstances {
		if s.DBInstances[i].ID == id {
			return &s.DBInstances[i]
		}
	}
	t.Fatalf("fixture has no DB instance %q", id)
	return nil
}

func (s *Snapshot) cluster(t *testing.T, id string) *DBCluster {
	t.Helper()
	for i := range s.DBClusters {
		if s.DBClusters[i].ID == id {
			return &s.DBClusters[i]
		}
	}
	t.Fatalf("fixture has no DB cluster %q", id)
	return nil
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
func student(login string) Student {
	return Student{Login: login, AccountID: "111122223333"}
}

// resultOf evaluates login with the default rubric and returns one check's
// result.
func resultOf(t *testing.T, s *Snapshot, st Student, prev Memory, checkID string) Result {
	t.Helper()
	rep := Evaluate(DefaultRubric(), s, st, prev)
	for _, r := range rep.Results {
		if r.CheckID == checkID {
			return r
		}
	}
	t.Fatalf("no result for %s", checkID)
	return Result{}
}

// expectStatus fails the test unless the result has the status and, when
// given, its English message contains every fragment.
func expectStatus(t *testing.T, r Result, want Status, fragments ...string) {
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
