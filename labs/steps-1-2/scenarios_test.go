package steps12_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/sim"
	"labgrid/labs/internal/fixture"
)

// The complete fixture passes every check of the lab, for each student of
// a shared account, with full points.
func TestCompleteFixturePassesAll(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02", "user03")
	for _, login := range []string{"user01", "user02", "user03"} {
		rep := evaluate(t, s, student(login))
		if len(rep.Results) != 11 {
			t.Fatalf("%s: %d results, want 11", login, len(rep.Results))
		}
		total := 0
		for _, r := range rep.Results {
			if r.Status != grader.StatusPass {
				t.Errorf("%s %s: %s %q", login, r.CheckID, r.Status, r.Message.EN)
			}
			total += r.Points
		}
		if total != 95 {
			t.Errorf("%s: %d points, want 95", login, total)
		}
	}
}

// Each case breaks one thing of user01's and names the check and status it
// must give; user02 keeps passing it.
func TestScenarios(t *testing.T) {
	t.Parallel()
	id := idsOf("user01")
	for _, tc := range []struct {
		name      string
		st        grader.Student
		mutate    func(t *testing.T, s *grader.Snapshot)
		check     string
		want      grader.Status
		fragments []string
	}{
		// s1.vpc
		{"no VPC", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.VPCs, func(v *grader.VPC) bool { return v.ID == id.VPC }, "VPC").Name = "my-vpc"
		}, "s1.vpc", grader.StatusFail, []string{`No VPC named "vpc-user01"`}},
		{"VPC CIDR differs", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.VPCs, func(v *grader.VPC) bool { return v.ID == id.VPC }, "VPC").CIDR = "10.1.0.0/16"
		}, "s1.vpc", grader.StatusWarn, []string{"10.1.0.0/16", "not the handout's 10.0.0.0/16"}},
		{"no VPC blocks the network checks", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.VPCs, func(v *grader.VPC) bool { return v.ID == id.VPC }, "VPC").Name = "my-vpc"
		}, "s1.public_subnets", grader.StatusBlocked, nil},

		// s1.internet_gateway
		{"no internet gateway", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			s.InternetGateways = fixture.RemoveWhere(s.InternetGateways, func(g *grader.InternetGateway) bool { return g.ID == id.IGW })
		}, "s1.internet_gateway", grader.StatusFail, []string{"No internet gateway is attached to VPC vpc-user01"}},
		{"internet gateway detached", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.InternetGateways, func(g *grader.InternetGateway) bool { return g.ID == id.IGW }, "IGW").VPCIDs = nil
		}, "s1.internet_gateway", grader.StatusFail, []string{"igw-user01 (igw-user01) exists but is attached to no VPC"}},
		{"unnamed gateway attached", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.InternetGateways, func(g *grader.InternetGateway) bool { return g.ID == id.IGW }, "IGW").Name = ""
		}, "s1.internet_gateway", grader.StatusPass, []string{"igw-user01"}},

		// s1.public_subnets
		{"one public subnet only", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			routeTable(t, s, id.PublicRT).SubnetIDs = []string{id.PubD}
		}, "s1.public_subnets", grader.StatusFail, []string{"Only 1 public subnet(s) in 1 AZ(s)", id.PubC + " (10.0.1.0/24)", "no route 0.0.0.0/0"}},
		{"public subnets in one AZ", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			subnet(t, s, id.PubC).AZ = "ap-northeast-1d"
		}, "s1.public_subnets", grader.StatusFail, []string{"Only 2 public subnet(s) in 1 AZ(s)"}},
		{"public subnet CIDR differs", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			subnet(t, s, id.PubC).CIDR = "10.0.11.0/24"
		}, "s1.public_subnets", grader.StatusWarn, []string{"10.0.1.0/24 ap-northeast-1c"}},
		{"the route is a blackhole", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			routeTable(t, s, id.PublicRT).Routes[1].State = "blackhole"
		}, "s1.public_subnets", grader.StatusFail, []string{"Only 0 public subnet(s)"}},

		// s1.private_subnets
		{"private subnet routed to the IGW", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			rt := routeTable(t, s, id.PublicRT)
			rt.SubnetIDs = append(rt.SubnetIDs, id.PrivD)
		}, "s1.private_subnets", grader.StatusFail, []string{"Only 1 private subnet(s)", id.PrivD + " (10.0.2.0/24) is not private"}},
		{"private subnet CIDR differs", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			subnet(t, s, id.PrivC).CIDR = "10.0.30.0/24"
		}, "s1.private_subnets", grader.StatusWarn, []string{"10.0.3.0/24 ap-northeast-1c"}},
		{"a third private subnet is fine", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			s.Subnets = append(s.Subnets, grader.Subnet{ID: "subnet-user01-extra", VPCID: id.VPC, AZ: "ap-northeast-1a", CIDR: "10.0.9.0/24"})
		}, "s1.private_subnets", grader.StatusPass, []string{"3 private subnets in 3 AZs"}},

		// s1.key_pair
		{"key pair missing", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			s.KeyPairs = fixture.RemoveWhere(s.KeyPairs, func(k *grader.KeyPair) bool { return k.ID == id.Key })
		}, "s1.key_pair", grader.StatusFail, []string{`No key pair named "1day-user01"`}},
		{"key pair name case-folded", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.KeyPairs, func(k *grader.KeyPair) bool { return k.ID == id.Key }, "key").Name = " 1Day-User01"
		}, "s1.key_pair", grader.StatusPass, nil},
		{"key pair renamed in a shared account fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			fixture.Find(t, s.KeyPairs, func(k *grader.KeyPair) bool { return k.ID == id.Key }, "key").Name = "mykey"
		}, "s1.key_pair", grader.StatusFail, nil},

		// s1.web_sg
		{"web SG without 22", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.WebSG).Inbound = sg(t, s, id.WebSG).Inbound[1:]
		}, "s1.web_sg", grader.StatusFail, []string{"does not allow TCP 22"}},
		{"web SG without 80", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.WebSG).Inbound = sg(t, s, id.WebSG).Inbound[:1]
		}, "s1.web_sg", grader.StatusFail, []string{"does not allow TCP 80"}},
		{"web SG with HTTP from anywhere (before Step 3)", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.WebSG).Inbound[1] = grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}
		}, "s1.web_sg", grader.StatusPass, nil},
		{"web SG missing", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.WebSG).Name = "launch-wizard-1"
		}, "s1.web_sg", grader.StatusFail, []string{`No security group named "web-user01"`}},

		// s1.web_server
		{"web server without public IP", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).PublicIP = ""
		}, "s1.web_server", grader.StatusFail, []string{"no public IP"}},
		{"web server in a private subnet", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).SubnetID = id.PrivD
		}, "s1.web_server", grader.StatusFail, []string{"subnet " + id.PrivD + " is not a public subnet"}},
		{"web server with another key", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).KeyName = "mykey"
		}, "s1.web_server", grader.StatusFail, []string{`key pair is "mykey", not "1day-user01"`}},
		{"web server without key", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).KeyName = ""
		}, "s1.web_server", grader.StatusFail, []string{`not "1day-user01"`}},
		{"web server t3.micro", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).Type = "t3.micro"
		}, "s1.web_server", grader.StatusWarn, []string{"t3.micro", "t2.micro"}},
		{"web server stopped", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).State = "stopped"
		}, "s1.web_server", grader.StatusFail, []string{"its state is stopped"}},
		{"web server without web SG", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).SecurityGroupIDs = []string{id.DefaultSG}
		}, "s1.web_server", grader.StatusFail, []string{"does not have the security group web-user01"}},
		{"web server missing", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			instance(t, s, id.Web1).Name = "web1"
		}, "s1.web_server", grader.StatusFail, []string{`No instance named "webserver#1-user01"`}},
		// With no public subnet the missing route is charged to
		// s1.public_subnets alone: the web server's subnet is not judged.
		{"subnet part skipped when s1.public_subnets fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			routeTable(t, s, id.PublicRT).Routes = routeTable(t, s, id.PublicRT).Routes[:1]
		}, "s1.web_server", grader.StatusWarn, []string{"whether its subnet is public was not judged"}},
		{"the rest still decides when s1.public_subnets fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			routeTable(t, s, id.PublicRT).Routes = routeTable(t, s, id.PublicRT).Routes[:1]
			instance(t, s, id.Web1).PublicIP = ""
		}, "s1.web_server", grader.StatusFail, []string{"no public IP"}},

		// s2.db_subnet_group
		{"DB subnet group with a public subnet", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			g := fixture.Find(t, s.DBSubnetGroups, func(g *grader.DBSubnetGroup) bool { return g.Name == id.SubnetGroup }, "subnet group")
			g.SubnetIDs = []string{id.PrivD, id.PubC}
		}, "s2.db_subnet_group", grader.StatusFail, []string{"has public subnets: " + id.PubC + " (10.0.1.0/24)"}},
		{"DB subnet group in one AZ", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			subnet(t, s, id.PrivC).AZ = "ap-northeast-1d"
		}, "s2.db_subnet_group", grader.StatusFail, []string{"only in AZ ap-northeast-1d"}},
		{"DB subnet group of another VPC", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			g := fixture.Find(t, s.DBSubnetGroups, func(g *grader.DBSubnetGroup) bool { return g.Name == id.SubnetGroup }, "subnet group")
			g.SubnetIDs = []string{idsOf("user02").PrivD, idsOf("user02").PrivC}
		}, "s2.db_subnet_group", grader.StatusFail, []string{"outside VPC vpc-user01"}},

		// s2.cluster
		{"no cluster", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			cluster(t, s, id.Cluster).ID = "mydb"
		}, "s2.cluster", grader.StatusFail, []string{`No Aurora cluster named "wp-user01-cluster"`}},
		{"no cluster blocks the DB checks", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			cluster(t, s, id.Cluster).ID = "mydb"
		}, "s2.db_access", grader.StatusBlocked, nil},
		{"cluster engine postgres", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			cluster(t, s, id.Cluster).Engine = "aurora-postgresql"
		}, "s2.cluster", grader.StatusFail, []string{"runs aurora-postgresql"}},
		{"cluster engine aurora (MySQL 5.6)", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			cluster(t, s, id.Cluster).Engine = "aurora"
		}, "s2.cluster", grader.StatusPass, nil},
		{"cluster creating", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			cluster(t, s, id.Cluster).Status = "creating"
		}, "s2.cluster", grader.StatusFail, []string{`is "creating", not available`}},
		{"writer after failover still passes", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			c := cluster(t, s, id.Cluster)
			if c.Members[0].InstanceID != id.Writer || c.Members[0].IsWriter {
				t.Fatal("the fixture's wp-user01 should be the reader after the failover")
			}
		}, "s2.cluster", grader.StatusPass, []string{"wp-user01"}},
		{"no member wp-user01", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			c := cluster(t, s, id.Cluster)
			c.Members = c.Members[1:]
		}, "s2.cluster", grader.StatusFail, []string{`has no member "wp-user01"`, "wp-user01-slave"}},
		{"member class differs", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			dbInstance(t, s, id.Writer).Class = "db.r5.large"
		}, "s2.cluster", grader.StatusWarn, []string{"db.r5.large", "db.t2.small"}},

		// s2.db_private
		{"public member", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			dbInstance(t, s, id.Replica).PubliclyAccessible = true
		}, "s2.db_private", grader.StatusFail, []string{"Publicly accessible members: wp-user01-slave"}},

		// s2.db_access
		{"3306 open to the world fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			g := sg(t, s, id.DBSG)
			g.Inbound = append(g.Inbound, grader.Permission{Protocol: "tcp", FromPort: 3306, ToPort: 3306, IPv4Ranges: []string{"0.0.0.0/0"}})
		}, "s2.db_access", grader.StatusFail, []string{"db-user01 (" + id.DBSG + ")", "opens TCP 3306 to the internet"}},
		{"all traffic from ::/0 fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			g := sg(t, s, id.DBSG)
			g.Inbound = append(g.Inbound, grader.Permission{Protocol: "-1", FromPort: -1, ToPort: -1, IPv6Ranges: []string{"::/0"}})
		}, "s2.db_access", grader.StatusFail, []string{"opens TCP 3306 to the internet"}},
		{"3306 from the web SG passes", student("user01"), nil, "s2.db_access", grader.StatusPass, []string{"db-user01"}},
		{"3306 from 10.0.0.0/16 passes", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.DBSG).Inbound = []grader.Permission{{Protocol: "tcp", FromPort: 3306, ToPort: 3306, IPv4Ranges: []string{"10.0.0.0/16"}}}
		}, "s2.db_access", grader.StatusPass, nil},
		{"3306 from a public subnet's range passes", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.DBSG).Inbound = []grader.Permission{{Protocol: "tcp", FromPort: 3306, ToPort: 3306, IPv4Ranges: []string{"10.0.0.0/24"}}}
		}, "s2.db_access", grader.StatusPass, nil},
		{"3306 from outside the VPC fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.DBSG).Inbound = []grader.Permission{{Protocol: "tcp", FromPort: 3306, ToPort: 3306, IPv4Ranges: []string{"192.168.0.0/16"}}}
		}, "s2.db_access", grader.StatusFail, []string{"sources allowed: 192.168.0.0/16"}},
		{"3306 from another SG fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.DBSG).Inbound[0].GroupIDs = []string{id.ALBSG}
		}, "s2.db_access", grader.StatusFail, []string{"from web-user01"}},
		{"another port from the web SG fails", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			sg(t, s, id.DBSG).Inbound[0].FromPort, sg(t, s, id.DBSG).Inbound[0].ToPort = 5432, 5432
		}, "s2.db_access", grader.StatusFail, nil},
		{"the cluster has the default SG only", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			cluster(t, s, id.Cluster).SecurityGroupIDs = []string{id.DefaultSG}
		}, "s2.db_access", grader.StatusFail, []string{"sources allowed: " + id.DefaultSG}},
		{"an unlisted SG of the cluster warns", student("user01"), func(t *testing.T, s *grader.Snapshot) {
			c := cluster(t, s, id.Cluster)
			c.SecurityGroupIDs = append(c.SecurityGroupIDs, "sg-gone")
		}, "s2.db_access", grader.StatusWarn, []string{"sg-gone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := classSnapshot("user01", "user02")
			if tc.mutate != nil {
				tc.mutate(t, s)
			}
			expectStatus(t, resultIn(t, evaluate(t, s, tc.st), tc.check), tc.want, tc.fragments...)
			if other := resultIn(t, evaluate(t, s, student("user02")), tc.check); other.Status != grader.StatusPass {
				t.Errorf("user02's %s: %s %q, a mistake of user01's leaked", tc.check, other.Status, other.Message.EN)
			}
		})
	}
}

// In an account of the student's own, a lone key pair under another name
// is the student's: the check warns. Two such pairs: none is taken.
func TestKeyPairDedicatedFallback(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.KeyPairs[0].Name = "my-laptop"
	instance(t, s, idsOf("user01").Web1).KeyName = "my-laptop"
	rep := evaluate(t, s, dedicatedStudent)
	expectStatus(t, resultIn(t, rep, "s1.key_pair"), grader.StatusWarn, `"my-laptop" differs from the expected "1day-user01"`)
	// The web server's key is the key pair found.
	expectStatus(t, resultIn(t, rep, "s1.web_server"), grader.StatusPass)

	expectStatus(t, resultIn(t, evaluate(t, s, student("user01")), "s1.key_pair"), grader.StatusFail, `No key pair named "1day-user01"`)

	s.KeyPairs = append(s.KeyPairs, grader.KeyPair{ID: "key-other", Name: "old-key"})
	expectStatus(t, resultIn(t, evaluate(t, s, dedicatedStudent), "s1.key_pair"), grader.StatusFail, `No key pair named "1day-user01"`)
}

// Without the key pair, a web server launched with it still has its key:
// the instance is judged by the name it carries.
func TestWebServerKeyWithoutTheKeyPair(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.KeyPairs = nil
	rep := evaluate(t, s, student("user01"))
	expectStatus(t, resultIn(t, rep, "s1.key_pair"), grader.StatusFail)
	expectStatus(t, resultIn(t, rep, "s1.web_server"), grader.StatusPass)
}

// A snapshot that could not read key pairs makes the checks that read
// them error, and no other.
func TestKeyPairsUnreadable(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.KeyPairs = nil
	s.MarkUnavailable(grader.DataKeyPairs, errors.New("AccessDenied"))
	rep := evaluate(t, s, student("user01"))
	for _, r := range rep.Results {
		wantErr := r.CheckID == "s1.key_pair" || r.CheckID == "s1.web_server"
		if (r.Status == grader.StatusError) != wantErr {
			t.Errorf("%s: %s %q (error expected: %t)", r.CheckID, r.Status, r.Message.EN, wantErr)
		}
	}
}

// The lab reads the key pairs and the internet gateways, and nothing of
// load balancers, images or RDS events.
func TestCollects(t *testing.T) {
	t.Parallel()
	data := morning(t).Collects()
	for _, d := range []grader.Data{grader.DataKeyPairs, grader.DataInternetGateways, grader.DataSecurityGroups, grader.DataDBClusters} {
		if !slices.Contains(data, d) {
			t.Errorf("Collects %v, without %s", data, d)
		}
	}
	for _, d := range []grader.Data{grader.DataLoadBalancers, grader.DataImages, grader.DataRDSEvents, grader.DataTargetHealth} {
		if slices.Contains(data, d) {
			t.Errorf("Collects %v, with %s", data, d)
		}
	}
}

// The simulated class starts at the end of Step 2 with the morning done
// right: every student passes the whole lab at the start and at the end,
// but for a replica left public by a student who gave up on fixing it.
func TestSimClassPassesTheMorning(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	for _, opts := range []sim.Options{
		{Students: 30, Seed: 7, Start: start},
		{Students: 6, Accounts: 6, Seed: 11, Start: start},
	} {
		for _, at := range []time.Time{start, start.Add(3 * time.Hour)} {
			opts.Now = func() time.Time { return at }
			class := sim.New(opts)
			set := morning(t)
			judged := 0
			for _, g := range grader.Groups(class.Roster(), "ap-northeast-1") {
				snap, err := class.Snapshot(t.Context(), g.Target, set.Collects())
				if err != nil {
					t.Fatal(err)
				}
				j := set.Prepare(snap)
				for _, st := range g.Students {
					judged++
					public := slices.Contains(class.Mistakes(st.Login, at), sim.MistakeReplicaPublic)
					for _, r := range j.Evaluate(st, nil).Results {
						if r.Status == grader.StatusPass || (public && r.CheckID == "s2.db_private" && r.Status == grader.StatusFail) {
							continue
						}
						t.Errorf("%s (%d accounts) +%s %s: %s %q", st.Login, opts.Accounts, at.Sub(start), r.CheckID, r.Status, r.Message.EN)
					}
				}
			}
			if judged != opts.Students {
				t.Errorf("%d students judged, want %d", judged, opts.Students)
			}
		}
	}
}
