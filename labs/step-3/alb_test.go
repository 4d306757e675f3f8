package step3_test

import (
	"testing"

	"labgrid/grader"
	"labgrid/labs/internal/fixture"
)

const otherTGARN = "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:targetgroup/tg-other/9"

// addOtherTG adds a target group named tg-other in user01's grader.VPC.
func addOtherTG(s *grader.Snapshot) {
	s.TargetGroups = append(s.TargetGroups, grader.TargetGroup{ARN: otherTGARN, Name: "tg-other", Protocol: "HTTP", Port: 80, TargetType: "instance", VPCID: "vpc-user01"})
}

func TestALBExists(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "alb.exists", want: grader.StatusPass, says: []string{"elb-user01", "active internet-facing Application Load Balancer"},
			evidence: []string{idsOf("user01").LB}},
		{name: "missing", check: "alb.exists", want: grader.StatusFail, says: []string{`"elb-user01"`}, hintSays: []string{"ロードバランサーの作成"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Name = "elb-someone" }},
		{name: "name with other case and spaces", check: "alb.exists", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Name = " ELB-User01 " }},
		{name: "internal", check: "alb.exists", want: grader.StatusFail, says: []string{"scheme is internal"}, hintSays: []string{"internet-facing"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Scheme = "internal" }},
		{name: "provisioning", check: "alb.exists", want: grader.StatusFail, says: []string{"still provisioning"}, hintSays: []string{"active"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").State = "provisioning" }},
		{name: "failed state", check: "alb.exists", want: grader.StatusFail, says: []string{"state is failed"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").State = "failed" }},
		{name: "network load balancer", check: "alb.exists", want: grader.StatusFail, says: []string{"type is network"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Type = "network" }},
		{name: "in another VPC", check: "alb.exists", want: grader.StatusFail, says: []string{"in VPC vpc-user02", "not in vpc-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").VPCID = "vpc-user02" }},
		{name: "every wrong property is listed", check: "alb.exists", want: grader.StatusFail,
			says: []string{"type is network", "scheme is internal", "still provisioning", "in VPC vpc-user02"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				lb := lbOf(t, s, "user01")
				lb.Type, lb.Scheme, lb.State, lb.VPCID = "network", "internal", "provisioning", "vpc-user02"
			}},
		{name: "no VPC", check: "alb.exists", want: grader.StatusFail, says: []string{`VPC "vpc-user01" was not found`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "x" }},
		{name: "dedicated account, lone load balancer renamed warns", logins: []string{"user01"}, student: dedicatedStudent,
			check: "alb.exists", want: grader.StatusWarn, says: []string{"differs", `"my-alb"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Name = "my-alb" }},
		{name: "shared account, renamed load balancer not taken", check: "alb.exists", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Name = "my-alb" }},
	})
}

func TestALBBlockedWithoutLoadBalancer(t *testing.T) {
	t.Parallel()
	removeLB := func(t *testing.T, s *grader.Snapshot) {
		s.LoadBalancers = fixture.RemoveWhere(s.LoadBalancers, func(lb *grader.LoadBalancer) bool { return lb.ARN == idsOf("user01").LB })
		s.Listeners = fixture.RemoveWhere(s.Listeners, func(l *grader.Listener) bool { return l.LoadBalancerARN == idsOf("user01").LB })
	}
	runCheckCases(t, []checkCase{
		{name: "two_az", check: "alb.two_az", want: grader.StatusBlocked, says: []string{`"Load balancer"`}, hintSays: []string{"「ロードバランサー」"}, breakIt: removeLB},
		{name: "security_group", check: "alb.security_group", want: grader.StatusBlocked, says: []string{`"Load balancer"`}, breakIt: removeLB},
		{name: "listener", check: "alb.listener", want: grader.StatusBlocked, says: []string{`"Load balancer"`}, breakIt: removeLB},
		{name: "targets_healthy", check: "alb.targets_healthy", want: grader.StatusBlocked, says: []string{`"HTTP:80 listener"`}, breakIt: removeLB},
		{name: "internal ALB blocks the rest too", check: "alb.listener", want: grader.StatusBlocked, says: []string{`"Load balancer"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Scheme = "internal" }},
	})
}

func TestALBTwoAZ(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "alb.two_az", want: grader.StatusPass, says: []string{"public subnets of 2 AZs (ap-northeast-1c, ap-northeast-1d)"},
			evidence: []string{"subnet-user01-pubc", "subnet-user01-pubd"}},
		{name: "one AZ", check: "alb.two_az", want: grader.StatusFail, says: []string{"only 1 AZ (ap-northeast-1c)"}, hintSays: []string{"ap-northeast-1d"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lb := lbOf(t, s, "user01"); lb.Zones = lb.Zones[:1] }},
		{name: "on a private subnet", check: "alb.two_az", want: grader.StatusFail, says: []string{"subnet-user01-privc (ap-northeast-1c) are not public subnets"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Zones[0].SubnetID = "subnet-user01-privc" }},
		{name: "on another student's public subnet", check: "alb.two_az", want: grader.StatusFail, says: []string{"subnet-user02-pubc"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { lbOf(t, s, "user01").Zones[0].SubnetID = "subnet-user02-pubc" }},
	})
}

func TestALBSecurityGroup(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "alb.security_group", want: grader.StatusPass, says: []string{"alb-user01 (sg-user01-alb)"}, evidence: []string{"sg-user01-alb", "0.0.0.0/0"}},
		{name: "without alb-user01: it exists but is not attached", check: "alb.security_group", want: grader.StatusFail,
			says: []string{"alb-user01 (sg-user01-alb) exists but is not attached", "attached: sg-user01-default"}, hintSays: []string{"alb-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				lbOf(t, s, "user01").SecurityGroupIDs = []string{"sg-user01-default"}
			}},
		{name: "without alb-user01 anywhere", check: "alb.security_group", want: grader.StatusFail, says: []string{`no security group named "alb-user01"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				lbOf(t, s, "user01").SecurityGroupIDs = []string{"sg-user01-default"}
				sgNamed(t, s, "alb-user01").Name = "launch-wizard-1"
			}},
		{name: "alb-user01 without port 80 from 0.0.0.0/0", check: "alb.security_group", want: grader.StatusFail,
			says: []string{"does not allow TCP 80"}, hintSays: []string{"HTTP"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "alb-user01").Inbound[0].IPv4Ranges = []string{"10.0.0.0/16"}
			}},
		{name: "alb-user01 allowing only 443", check: "alb.security_group", want: grader.StatusFail, says: []string{"does not allow TCP 80"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				p := &sgNamed(t, s, "alb-user01").Inbound[0]
				p.FromPort, p.ToPort = 443, 443
			}},
		{name: "alb-user01 allowing UDP 80 only", check: "alb.security_group", want: grader.StatusFail, says: []string{"does not allow TCP 80"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { sgNamed(t, s, "alb-user01").Inbound[0].Protocol = "udp" }},
		{name: "only ::/0 passes", check: "alb.security_group", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				p := &sgNamed(t, s, "alb-user01").Inbound[0]
				p.IPv4Ranges, p.IPv6Ranges = nil, []string{"::/0"}
			}},
		{name: "all traffic from 0.0.0.0/0 passes", check: "alb.security_group", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "alb-user01").Inbound[0] = grader.Permission{Protocol: "-1", FromPort: -1, ToPort: -1, IPv4Ranges: []string{"0.0.0.0/0"}}
			}},
		{name: "protocol number 6 with a range passes", check: "alb.security_group", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				sgNamed(t, s, "alb-user01").Inbound[0] = grader.Permission{Protocol: "6", FromPort: 0, ToPort: 1024, IPv4Ranges: []string{"0.0.0.0/0"}}
			}},
		{name: "alb-user01 beside another group on the load balancer", check: "alb.security_group", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				lbOf(t, s, "user01").SecurityGroupIDs = []string{"sg-user01-default", "sg-user01-alb"}
			}},
		{name: "name with other case and spaces", check: "alb.security_group", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { sgNamed(t, s, "alb-user01").Name = " ALB-User01" }},
		{name: "dedicated account, lone group on the load balancer renamed warns", logins: []string{"user01"}, student: dedicatedStudent,
			check: "alb.security_group", want: grader.StatusWarn, says: []string{"differs", `"lb-sg"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { sgNamed(t, s, "alb-user01").Name = "lb-sg" }},
		{name: "dedicated account, only the default group is not taken", logins: []string{"user01"}, student: dedicatedStudent,
			check: "alb.security_group", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				lbOf(t, s, "user01").SecurityGroupIDs = []string{"sg-user01-default"}
				sgNamed(t, s, "alb-user01").Name = "unused"
			}},
	})
}

func TestALBListener(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "alb.listener", want: grader.StatusPass, says: []string{"forwards to the target group tg-elb-user01"}, evidence: []string{"HTTP:80"}},
		{name: "listener on 8080", check: "alb.listener", want: grader.StatusFail, says: []string{"no HTTP:80 listener", "HTTP:8080"}, hintSays: []string{"HTTP:80"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { listenerOf(t, s, "user01").Port = 8080 }},
		{name: "HTTPS:443 only", check: "alb.listener", want: grader.StatusFail, says: []string{"no HTTP:80 listener", "HTTPS:443"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				l := listenerOf(t, s, "user01")
				l.Protocol, l.Port = "HTTPS", 443
			}},
		{name: "no listener at all", check: "alb.listener", want: grader.StatusFail, says: []string{"elb-user01 has no HTTP:80 listener (listeners: -)"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.Listeners = fixture.RemoveWhere(s.Listeners, func(l *grader.Listener) bool { return l.ARN == idsOf("user01").Listener })
			}},
		{name: "forward to another target group", check: "alb.listener", want: grader.StatusFail, says: []string{"forwards to tg-other", "not to tg-elb-user01"},
			hintSays: []string{"tg-elb-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				addOtherTG(s)
				listenerOf(t, s, "user01").DefaultActions[0].TargetGroupARNs = []string{otherTGARN}
			}},
		{name: "forward to another student's target group", check: "alb.listener", want: grader.StatusFail, says: []string{"forwards to tg-elb-user02"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				listenerOf(t, s, "user01").DefaultActions[0].TargetGroupARNs = []string{idsOf("user02").TG}
			}},
		{name: "forward via multiple target groups including the right one", check: "alb.listener", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				addOtherTG(s)
				listenerOf(t, s, "user01").DefaultActions[0].TargetGroupARNs = []string{otherTGARN, idsOf("user01").TG}
			}},
		{name: "redirect instead of forward", check: "alb.listener", want: grader.StatusFail,
			says: []string{"default action is redirect, not a forward to tg-elb-user01"}, hintSays: []string{"tg-elb-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				listenerOf(t, s, "user01").DefaultActions = []grader.Action{{Type: "redirect"}}
			}},
		{name: "target group name with other case", check: "alb.listener", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { tgOf(t, s, "user01").Name = "TG-ELB-user01" }},
		{name: "dedicated account, lone target group renamed warns", logins: []string{"user01"}, student: dedicatedStudent,
			check: "alb.listener", want: grader.StatusWarn, says: []string{"differs", `"my-tg"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { tgOf(t, s, "user01").Name = "my-tg" }},
	})
}

func TestALBTargetsHealthy(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "alb.targets_healthy", want: grader.StatusPass, says: []string{"all 2 targets are healthy", "2 AZs"},
			evidence: []string{"i-user01-1:80", "i-user01-2:80"}},
		{name: "one target unhealthy", check: "alb.targets_healthy", want: grader.StatusFail,
			says: []string{"i-user01-2 unhealthy (grader.Target.ResponseCodeMismatch)"}, notSays: []string{"i-user01-1"}, hintSays: []string{"nginx"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				th := &tgOf(t, s, "user01").Targets[1]
				th.State, th.Reason, th.Description = "unhealthy", "grader.Target.ResponseCodeMismatch", "Health checks failed with these codes: [500]"
			}},
		{name: "target initial", check: "alb.targets_healthy", want: grader.StatusFail, says: []string{"i-user01-2 initial", "health checks are still running"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				th := &tgOf(t, s, "user01").Targets[1]
				th.State, th.Reason = "initial", "Elb.RegistrationInProgress"
			}},
		{name: "one target only", check: "alb.targets_healthy", want: grader.StatusFail, says: []string{"1 registered targets in 1 AZs"}, hintSays: []string{"ターゲットの登録"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { tg := tgOf(t, s, "user01"); tg.Targets = tg.Targets[:1] }},
		{name: "no target", check: "alb.targets_healthy", want: grader.StatusFail, says: []string{"0 registered targets"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { tgOf(t, s, "user01").Targets = nil }},
		{name: "two targets in one AZ", check: "alb.targets_healthy", want: grader.StatusFail, says: []string{"2 registered targets in 1 AZs (ap-northeast-1d)"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				in := instanceNamed(t, s, "webserver#2-user01")
				in.AZ, in.SubnetID = "ap-northeast-1d", "subnet-user01-pubd"
			}},
		{name: "the target's own AZ wins over the instance's", check: "alb.targets_healthy", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#2-user01").AZ = "ap-northeast-1d"
				tgOf(t, s, "user01").Targets[1].AZ = "ap-northeast-1c"
			}},
		{name: "ip targets", check: "alb.targets_healthy", want: grader.StatusFail, says: []string{"target type is ip"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { tgOf(t, s, "user01").TargetType = "ip" }},
		{name: "blocked when the listener fails", check: "alb.targets_healthy", want: grader.StatusBlocked, says: []string{`"HTTP:80 listener"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { listenerOf(t, s, "user01").Port = 8080 }},
	})
}

func TestDedicatedAccountWithRenamedResourcesWarns(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.Images[0].Name = "golden image"
	lbOf(t, s, "user01").Name = "my-alb"
	tgOf(t, s, "user01").Name = "my-tg"
	sgNamed(t, s, "alb-user01").Name = "lb-sg"
	instanceNamed(t, s, "webserver#2-user01").Name = "web-two"
	want := map[string]grader.Status{
		"web.ami": grader.StatusWarn, "web.second_instance": grader.StatusWarn, "web.two_az": grader.StatusPass,
		"alb.exists": grader.StatusWarn, "alb.two_az": grader.StatusPass, "alb.security_group": grader.StatusWarn,
		"alb.listener": grader.StatusWarn,
		// Reading changed (RUBRIC.md, the dedicated-account fallback):
		// alb.targets_healthy names the target group's template, so it
		// warns too; the Go check passed.
		"alb.targets_healthy": grader.StatusWarn, "ingress.alb_only": grader.StatusPass,
	}
	for _, r := range evaluate(t, s, dedicatedStudent, nil, "").Results {
		if st, ok := want[r.CheckID]; ok {
			expectStatus(t, r, st)
			delete(want, r.CheckID)
		}
	}
	if len(want) > 0 {
		t.Errorf("no results for %v", want)
	}
}
