package step3_test

import (
	"testing"

	"labgrid/grader"
)

func TestNetworkChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		student grader.Student
		breakIt func(t *testing.T, s *grader.Snapshot)
		check   string
		want    grader.Status
		says    []string
	}{
		{name: "complete", check: "network.vpc", want: grader.StatusPass},
		{name: "complete public", check: "network.public_subnets", want: grader.StatusPass, says: []string{"2 public subnets in 2 AZs"}},
		{name: "complete private", check: "network.private_subnets", want: grader.StatusPass, says: []string{"2 private subnets in 2 AZs"}},
		{name: "no VPC", check: "network.vpc", want: grader.StatusFail, says: []string{`"vpc-user01"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "something-else" }},
		{name: "VPC name other case and spaces", check: "network.vpc", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "  VPC-User01 " }},
		{name: "VPC with another CIDR warns", check: "network.vpc", want: grader.StatusWarn, says: []string{"172.16.0.0/16"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].CIDR = "172.16.0.0/16" }},
		{name: "subnets blocked without VPC", check: "network.public_subnets", want: grader.StatusBlocked, says: []string{`prerequisite "VPC"`}, // by title, not id
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "x" }},
		{name: "dedicated account, lone VPC renamed", student: grader.Student{Login: "user01", AccountID: "111122223333", Dedicated: true},
			check: "network.vpc", want: grader.StatusWarn, says: []string{"differs"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs = s.VPCs[:1]; s.VPCs[0].Name = "my-vpc" }},
		{name: "shared account, renamed VPC not taken", check: "network.vpc", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "my-vpc" }},
		{name: "public route blackholed", check: "network.public_subnets", want: grader.StatusFail, says: []string{"Only 0 public"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.RouteTables[1].Routes[1].State = "blackhole" }},
		{name: "IGW route on main table makes every subnet public", check: "network.private_subnets", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.RouteTables[0].Routes = append(s.RouteTables[0].Routes, grader.Route{DestinationCIDR: "0.0.0.0/0", GatewayID: "igw-user01", State: "active"})
			}},
		{name: "NAT route is not public", check: "network.public_subnets", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.RouteTables[1].Routes[1] = grader.Route{DestinationCIDR: "0.0.0.0/0", NatGatewayID: "nat-1", State: "active"}
			}},
		{name: "both public subnets in one AZ", check: "network.public_subnets", want: grader.StatusFail, says: []string{"in 1 AZs"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Subnets[1].AZ = "ap-northeast-1d" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := classSnapshot("user01", "user02")
			if tc.breakIt != nil {
				tc.breakIt(t, s)
			}
			st := tc.student
			if st.Login == "" {
				st = student("user01")
			}
			expectStatus(t, resultOf(t, s, st, nil, tc.check), tc.want, tc.says...)
		})
	}
}
