package grader

import "testing"

func TestCoversPort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    Permission
		want bool
	}{
		{Permission{Protocol: "tcp", FromPort: 80, ToPort: 80}, true},
		{Permission{Protocol: "TCP", FromPort: 0, ToPort: 65535}, true},
		{Permission{Protocol: "6", FromPort: 79, ToPort: 81}, true},
		{Permission{Protocol: "-1", FromPort: -1, ToPort: -1}, true},
		{Permission{Protocol: "-1", FromPort: 0, ToPort: 0}, true},
		{Permission{Protocol: "all"}, true},
		{Permission{Protocol: "tcp", FromPort: 81, ToPort: 443}, false},
		{Permission{Protocol: "tcp", FromPort: 22, ToPort: 22}, false},
		{Permission{Protocol: "udp", FromPort: 80, ToPort: 80}, false},
		{Permission{Protocol: "17", FromPort: 0, ToPort: 65535}, false},
		{Permission{Protocol: "icmp", FromPort: -1, ToPort: -1}, false},
	}
	for _, tc := range cases {
		if got := coversPort(tc.p, 80); got != tc.want {
			t.Errorf("coversPort(%+v, 80) = %v, want %v", tc.p, got, tc.want)
		}
	}
}

// openWebSG adds an inbound rule to user01's web security group.
func openWebSG(p Permission) func(t *testing.T, s *Snapshot) {
	return func(t *testing.T, s *Snapshot) {
		sg := s.sgNamed(t, "web-user01")
		sg.Inbound = append(sg.Inbound, p)
	}
}

func TestIngressALBOnly(t *testing.T) {
	t.Parallel()
	const hint = "web-user01 のHTTPルールのソースを alb-user01 に"
	runCheckCases(t, []checkCase{
		{name: "complete", check: "ingress.alb_only", want: StatusPass, says: []string{"2 running web servers", "alb-user01 (sg-user01-alb)"},
			evidence: []string{"sg-user01-web", "i-user01-1", "i-user01-2"}},
		{name: "only 22 open to the world passes", check: "ingress.alb_only", want: StatusPass,
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv6Ranges: []string{"::/0"}})},
		{name: "8080 open to the world passes", check: "ingress.alb_only", want: StatusPass,
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 8080, ToPort: 8080, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "UDP 80 open to the world passes", check: "ingress.alb_only", want: StatusPass,
			breakIt: openWebSG(Permission{Protocol: "udp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "the handout's state before the SG change", check: "ingress.alb_only", want: StatusFail,
			says:     []string{"web-user01 (sg-user01-web) tcp 80 from 0.0.0.0/0", "web-user01 (sg-user01-web) tcp 80 from ::/0", "Port 80 is not allowed from the ALB's security group alb-user01 (sg-user01-alb)"},
			hintSays: []string{hint},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.sgNamed(t, "web-user01").Inbound = []Permission{
					{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}},
					{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}},
					{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv6Ranges: []string{"::/0"}},
				}
			}},
		{name: "80 open to 0.0.0.0/0 beside the ALB rule", check: "ingress.alb_only", want: StatusFail, says: []string{"tcp 80 from 0.0.0.0/0"},
			notSays: []string{"not allowed"}, hintSays: []string{hint},
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "80 open to ::/0", check: "ingress.alb_only", want: StatusFail, says: []string{"tcp 80 from ::/0"},
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv6Ranges: []string{"::/0"}})},
		{name: "80 open to a private CIDR", check: "ingress.alb_only", want: StatusFail, says: []string{"tcp 80 from 10.0.0.0/16"},
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"10.0.0.0/16"}})},
		{name: "80 open to a /32", check: "ingress.alb_only", want: StatusFail, says: []string{"tcp 80 from 198.51.100.7/32"},
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"198.51.100.7/32"}})},
		{name: "all traffic from 0.0.0.0/0", check: "ingress.alb_only", want: StatusFail, says: []string{"all traffic from 0.0.0.0/0"},
			breakIt: openWebSG(Permission{Protocol: "-1", FromPort: -1, ToPort: -1, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "port range 0-65535", check: "ingress.alb_only", want: StatusFail, says: []string{"tcp 0-65535 from 0.0.0.0/0"},
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 0, ToPort: 65535, IPv4Ranges: []string{"0.0.0.0/0"}})},
		{name: "prefix list", check: "ingress.alb_only", want: StatusFail, says: []string{"tcp 80 from pl-58a04531"},
			breakIt: openWebSG(Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, PrefixListIDs: []string{"pl-58a04531"}})},
		{name: "open on a second SG of the instance", check: "ingress.alb_only", want: StatusFail,
			says: []string{"launch-wizard-1 (sg-user01-extra) tcp 80 from 0.0.0.0/0"}, hintSays: []string{"launch-wizard-1", hint},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, SecurityGroup{ID: "sg-user01-extra", Name: "launch-wizard-1", VPCID: "vpc-user01",
					Inbound: []Permission{{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				in := s.instanceNamed(t, "webserver#1-user01")
				in.SecurityGroupIDs = append(in.SecurityGroupIDs, "sg-user01-extra")
			}},
		{name: "ALB SG rule missing: 80 allowed from nothing", check: "ingress.alb_only", want: StatusFail,
			says: []string{"not allowed from the ALB's security group alb-user01 (sg-user01-alb) on webserver#1-user01 (i-user01-1), webserver#2-user01 (i-user01-2)"}, notSays: []string{"open to IP ranges"},
			hintSays: []string{hint},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.sgNamed(t, "web-user01").Inbound = s.sgNamed(t, "web-user01").Inbound[:1]
			}},
		{name: "ALB SG rule on UDP does not count", check: "ingress.alb_only", want: StatusFail, says: []string{"Port 80 is not allowed"},
			breakIt: func(t *testing.T, s *Snapshot) { s.sgNamed(t, "web-user01").Inbound[1].Protocol = "udp" }},
		{name: "rule from another student's ALB SG does not count", check: "ingress.alb_only", want: StatusFail, says: []string{"Port 80 is not allowed"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.sgNamed(t, "web-user01").Inbound[1].GroupIDs = []string{"sg-user02-alb"}
			}},
		{name: "ALB SG rule on one server only", check: "ingress.alb_only", want: StatusFail,
			says: []string{"(sg-user01-alb) on webserver#2-user01 (i-user01-2)"}, notSays: []string{"i-user01-1"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, SecurityGroup{ID: "sg-user01-web2", Name: "web2-user01", VPCID: "vpc-user01",
					Inbound: []Permission{{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				s.instanceNamed(t, "webserver#2-user01").SecurityGroupIDs = []string{"sg-user01-web2"}
			}},
		{name: "all traffic from the ALB SG is allowed from the ALB", check: "ingress.alb_only", want: StatusPass,
			breakIt: func(t *testing.T, s *Snapshot) {
				s.sgNamed(t, "web-user01").Inbound[1] = Permission{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{"sg-user01-alb"}}
			}},
		{name: "no load balancer: alb-user01 is the ALB's group", check: "ingress.alb_only", want: StatusPass,
			breakIt: func(t *testing.T, s *Snapshot) {
				s.LoadBalancers = removeWhere(s.LoadBalancers, func(lb *LoadBalancer) bool { return lb.ARN == idsOf("user01").LB })
			}},
		{name: "no load balancer and no alb-user01", check: "ingress.alb_only", want: StatusFail, says: []string{`No ALB security group ("alb-user01")`},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.LoadBalancers = removeWhere(s.LoadBalancers, func(lb *LoadBalancer) bool { return lb.ARN == idsOf("user01").LB })
				s.sgNamed(t, "alb-user01").Name = "x"
			}},
		{name: "no web instance running", check: "ingress.alb_only", want: StatusFail, says: []string{"No running web server"},
			hintSays: []string{"Start instance"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.instanceNamed(t, "webserver#1-user01").State = "stopped"
				s.instanceNamed(t, "webserver#2-user01").State = "stopped"
			}},
		{name: "a stopped web server with an open SG is not judged", check: "ingress.alb_only", want: StatusPass,
			breakIt: func(t *testing.T, s *Snapshot) {
				s.SecurityGroups = append(s.SecurityGroups, SecurityGroup{ID: "sg-user01-open", Name: "open", VPCID: "vpc-user01",
					Inbound: []Permission{{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}}})
				s.Instances = append(s.Instances, Instance{ID: "i-user01-old", Name: "old", State: "stopped", VPCID: "vpc-user01",
					SubnetID: "subnet-user01-pubd", SecurityGroupIDs: []string{"sg-user01-open"}})
			}},
		{name: "shared account: another student's open SG does not affect user01", check: "ingress.alb_only", want: StatusPass,
			breakIt: func(t *testing.T, s *Snapshot) {
				sg := s.sgNamed(t, "web-user02")
				sg.Inbound = append(sg.Inbound, Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})
			}},
		{name: "shared account: the other student fails for their own SG", check: "ingress.alb_only", want: StatusFail, student: student("user02"),
			says: []string{"web-user02 (sg-user02-web) tcp 80 from 0.0.0.0/0"}, hintSays: []string{"web-user02 のHTTPルールのソースを alb-user02 に"},
			breakIt: func(t *testing.T, s *Snapshot) {
				sg := s.sgNamed(t, "web-user02")
				sg.Inbound = append(sg.Inbound, Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}})
			}},
		{name: "an unnamed running instance in the VPC is a web server too", check: "ingress.alb_only", want: StatusFail, says: []string{"i-user01-3"},
			breakIt: func(t *testing.T, s *Snapshot) {
				s.Instances = append(s.Instances, Instance{ID: "i-user01-3", Name: "test", State: "running", VPCID: "vpc-user01",
					SubnetID: "subnet-user01-pubd", SecurityGroupIDs: []string{"sg-user01-default"}})
			}},
	})
}
