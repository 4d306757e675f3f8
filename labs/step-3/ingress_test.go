package step3_test

import (
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/labs/internal/fixture"
)

// TestCoversPort: which rules open port 80, seen through ingress.alb_only
// with each rule from 0.0.0.0/0 added to web-user01 (the Go helper's
// table, judged by the lab).
func TestCoversPort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    grader.Permission
		want bool
	}{
		{grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80}, true},
		{grader.Permission{Protocol: "TCP", FromPort: 0, ToPort: 65535}, true},
		{grader.Permission{Protocol: "6", FromPort: 79, ToPort: 81}, true},
		{grader.Permission{Protocol: "-1", FromPort: -1, ToPort: -1}, true},
		{grader.Permission{Protocol: "-1", FromPort: 0, ToPort: 0}, true},
		{grader.Permission{Protocol: "all"}, true},
		{grader.Permission{Protocol: "tcp", FromPort: 81, ToPort: 443}, false},
		{grader.Permission{Protocol: "tcp", FromPort: 22, ToPort: 22}, false},
		{grader.Permission{Protocol: "udp", FromPort: 80, ToPort: 80}, false},
		{grader.Permission{Protocol: "17", FromPort: 0, ToPort: 65535}, false},
		{grader.Permission{Protocol: "icmp", FromPort: -1, ToPort: -1}, false},
	}
	for _, tc := range cases {
		s := classSnapshot("user01")
		tc.p.IPv4Ranges = []string{"0.0.0.0/0"}
		openWebSG(tc.p)(t, s)
		want := grader.StatusPass
		if tc.want {
			want = grader.StatusFail
		}
		if r := resultOf(t, s, student("user01"), nil, "ingress.alb_only"); r.Status != want {
			t.Errorf("web-user01 with %+v: ingress.alb_only %s (%s), want %s", tc.p, r.Status, r.Message.EN, want)
		}
	}
}

// openWebSG adds an inbound rule to user01's web security group.
func openWebSG(p grader.Permission) func(t *testing.T, s *grader.Snapshot) {
	return func(t *testing.T, s *grader.Snapshot) {
		sg := sgNamed(t, s, "web-user01")
		sg.Inbound = append(sg.Inbound, p)
	}
}

func TestIngressALBOnly(t *testing.T) {
	t.Parallel()
	const hint = "web-user01 のHTTPルールのソースを alb-user01 に"
	runCheckCases(t, []checkCase{
		{name: "complete", check: "ingress.alb_only", want: grader.StatusPass, says: []string{"2 running web servers", "sg-user01-alb"},
			evidence: []string{"sg-user01-web", "i-user01-1", "i-user01-2"}},
		{name: "only 22 open to the world passes", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv6Ranges: []string{"::/0"}})},
		{name: "8080 open to the world passes", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 8080, ToPort: 8080, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "UDP 80 open to the world passes", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: openWebSG(grader.Permission{Protocol: "udp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "the handout's state before the SG change", check: "ingress.alb_only", want: grader.StatusFail,
			says:     []string{"web-user01 (sg-user01-web) from 0.0.0.0/0, ::/0", "Port 80 is not allowed from the ALB's security group sg-user01-alb"},
			hintSays: []string{hint},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "web-user01").Inbound = []grader.Permission{
					{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}},
					{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}},
					{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv6Ranges: []string{"::/0"}},
				}
			}},
		{name: "80 open to 0.0.0.0/0 beside the ALB rule", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from 0.0.0.0/0"},
			notSays: []string{"not allowed"}, hintSays: []string{hint},
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "80 open to ::/0", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from ::/0"},
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv6Ranges: []string{"::/0"}})},
		{name: "80 open to a private CIDR", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from 10.0.0.0/16"},
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"10.0.0.0/16"}})},
		{name: "80 open to a /32", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from 198.51.100.7/32"},
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"198.51.100.7/32"}})},
		{name: "all traffic from 0.0.0.0/0", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from 0.0.0.0/0"},
			breakIt: openWebSG(grader.Permission{Protocol: "-1", FromPort: -1, ToPort: -1, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "port range 0-65535", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from 0.0.0.0/0"},
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 0, ToPort: 65535, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "prefix list", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"web-user01 (sg-user01-web) from pl-58a04531"},
			breakIt: openWebSG(grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, PrefixListIDs: []string{"pl-58a04531"}})},
		{name: "open on a second SG of the instance", check: "ingress.alb_only", want: grader.StatusFail,
			// The lab's hint is the general one (it names web-user01); the
			// message names the second group.
			says: []string{"launch-wizard-1 (sg-user01-extra) from 0.0.0.0/0"}, hintSays: []string{hint},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-user01-extra", Name: "launch-wizard-1", VPCID: "vpc-user01",
					Inbound: []grader.Permission{{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				in := instanceNamed(t, s, "webserver#1-user01")
				in.SecurityGroupIDs = append(in.SecurityGroupIDs, "sg-user01-extra")
			}},
		{name: "ALB SG rule missing: 80 allowed from nothing", check: "ingress.alb_only", want: grader.StatusFail,
			says: []string{"not allowed from the ALB's security group sg-user01-alb on webserver#1-user01 (i-user01-1), webserver#2-user01 (i-user01-2)"}, notSays: []string{"open to IP ranges"},
			hintSays: []string{hint},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "web-user01").Inbound = sgNamed(t, s, "web-user01").Inbound[:1]
			}},
		{name: "ALB SG rule on UDP does not count", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"Port 80 is not allowed"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { sgNamed(t, s, "web-user01").Inbound[1].Protocol = "udp" }},
		{name: "rule from another student's ALB SG does not count", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"Port 80 is not allowed"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "web-user01").Inbound[1].GroupIDs = []string{"sg-user02-alb"}
			}},
		{name: "ALB SG rule on one server only", check: "ingress.alb_only", want: grader.StatusFail,
			says: []string{"sg-user01-alb on webserver#2-user01 (i-user01-2)"}, notSays: []string{"i-user01-1"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-user01-web2", Name: "web2-user01", VPCID: "vpc-user01",
					Inbound: []grader.Permission{{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				instanceNamed(t, s, "webserver#2-user01").SecurityGroupIDs = []string{"sg-user01-web2"}
			}},
		{name: "all traffic from the ALB SG is allowed from the ALB", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "web-user01").Inbound[1] = grader.Permission{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{"sg-user01-alb"}}
			}},
		{name: "no load balancer: alb-user01 is the ALB's group", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.LoadBalancers = fixture.RemoveWhere(s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == idsOf("user01").LB })
			}},
		// The lab says the ALB's security group is "-" (none found) and
		// names the servers that lack the rule.
		// RUBRIC.md, "the ALB's security group": the groups attached to the
		// load balancer found for the student, also when alb.exists fails.
		{name: "an internal load balancer's group is still the ALB's group", check: "ingress.alb_only", want: grader.StatusPass, says: []string{"sg-user01-alb"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Scheme = "internal" }},
		{name: "the group attached to the load balancer counts, whatever its name", check: "ingress.alb_only", want: grader.StatusPass, says: []string{"sg-user01-lb"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-user01-lb", Name: "lb-user01", VPCID: "vpc-user01",
					Inbound: []grader.Permission{{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				lbOf(t, s, "user01").SecurityGroupIDs = []string{"sg-user01-lb"}
				sgNamed(t, s, "web-user01").Inbound[1].GroupIDs = []string{"sg-user01-lb"}
			}},
		{name: "a rule from alb-user01 does not count when the load balancer has another group", check: "ingress.alb_only", want: grader.StatusFail,
			says: []string{"not allowed from the ALB's security group sg-user01-lb"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-user01-lb", Name: "lb-user01", VPCID: "vpc-user01"})
				lbOf(t, s, "user01").SecurityGroupIDs = []string{"sg-user01-lb"}
			}},
		{name: "no load balancer and no alb-user01", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"not allowed from the ALB's security group - on webserver#1-user01 (i-user01-1)"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.LoadBalancers = fixture.RemoveWhere(s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == idsOf("user01").LB })
				sgNamed(t, s, "alb-user01").Name = "x"
			}},
		{name: "no web instance running", check: "ingress.alb_only", want: grader.StatusFail, says: []string{"No running web server"},
			hintSays: []string{"Start instance"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#1-user01").State = "stopped"
				instanceNamed(t, s, "webserver#2-user01").State = "stopped"
			}},
		{name: "a stopped web server with an open SG is not judged", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-user01-open", Name: "open", VPCID: "vpc-user01",
					Inbound: []grader.Permission{{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				s.Instances = append(s.Instances, grader.Instance{ID: "i-user01-old", Name: "old", State: "stopped", VPCID: "vpc-user01",
					SubnetID: "subnet-user01-pubd", SecurityGroupIDs: []string{"sg-user01-open"}})
			}},
		{name: "shared account: another student's open SG does not affect user01", check: "ingress.alb_only", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sg := sgNamed(t, s, "web-user02")
				sg.Inbound = append(sg.Inbound, grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})
			}},
		{name: "shared account: the other student fails for their own SG", check: "ingress.alb_only", want: grader.StatusFail, student: student("user02"),
			says: []string{"web-user02 (sg-user02-web) from 0.0.0.0/0"}, hintSays: []string{"web-user02 のHTTPルールのソースを alb-user02 に"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sg := sgNamed(t, s, "web-user02")
				sg.Inbound = append(sg.Inbound, grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})
			}},
		// Reading changed (RUBRIC.md, "a bastion is not a web server"): a
		// running instance of the VPC that is neither webserver#N nor a
		// target is not judged; the Go checks failed here.
		{name: "an unnamed running instance in the VPC is no web server", check: "ingress.alb_only", want: grader.StatusPass, says: []string{"2 running web servers"}, notSays: []string{"i-user01-3"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.Instances = append(s.Instances, grader.Instance{ID: "i-user01-3", Name: "test", State: "running", VPCID: "vpc-user01",
					SubnetID: "subnet-user01-pubd", SecurityGroupIDs: []string{"sg-user01-default"}})
			}},
	})
}

// In an account of the student's own, before the ALB exists, a renamed
// ALB security group is one that lets the internet in on port 80: the
// database's security group, alone with the web servers' in the VPC, is
// never taken for it.
func TestALBSecurityGroupFallbackIsNeverTheDatabases(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.LoadBalancers, s.Listeners, s.TargetGroups = nil, nil, nil
	s.SecurityGroups = fixture.RemoveWhere(s.SecurityGroups, func(g *grader.SecurityGroup) bool { return g.Name == "alb-user01" })
	s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{ID: "sg-user01-db", Name: "db-user01", VPCID: "vpc-user01",
		Inbound: []grader.Permission{{Protocol: "tcp", FromPort: 3306, ToPort: 3306, GroupIDs: []string{"sg-user01-web"}}}})
	r := resultOf(t, s, dedicatedStudent, nil, "ingress.alb_only")
	if strings.Contains(r.Message.EN+r.Message.JA, "db-user01") || strings.Contains(r.Message.EN, "sg-user01-db") {
		t.Errorf("ingress.alb_only takes the database's security group for the ALB's: %s", r.Message.EN)
	}
	if r.Status.Passed() {
		t.Errorf("ingress.alb_only %s with no ALB: %s", r.Status, r.Message.EN)
	}
}
