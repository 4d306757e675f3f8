package step3_test

import (
	"reflect"

	"labgrid/grader"
	"labgrid/labs/internal/fixture"
	"slices"
	"strings"
	"testing"
	"time"
)

// beforeFailover puts login's cluster as it is once the replica exists but
// before the handout's failover: wp-login writes, the replica reads, and
// there is no failover event.
func beforeFailover(t *testing.T, s *grader.Snapshot, login string) {
	t.Helper()
	id := idsOf(login)
	cluster(t, s, id.Cluster).Members = []grader.DBClusterMember{{InstanceID: id.Writer, IsWriter: true}, {InstanceID: id.Replica}}
	s.RDSEvents = fixture.RemoveWhere(s.RDSEvents, func(e *grader.RDSEvent) bool { return e.SourceID == id.Cluster })
}

// singleInstance leaves login's cluster with Step 2's lone writer: no
// replica was ever created.
func singleInstance(t *testing.T, s *grader.Snapshot, login string) {
	t.Helper()
	id := idsOf(login)
	cluster(t, s, id.Cluster).Members = []grader.DBClusterMember{{InstanceID: id.Writer, IsWriter: true}}
	s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == id.Replica })
	s.RDSEvents = fixture.RemoveWhere(s.RDSEvents, func(e *grader.RDSEvent) bool { return e.SourceID == id.Cluster })
}

func noEvents(login string) func(t *testing.T, s *grader.Snapshot) {
	return func(t *testing.T, s *grader.Snapshot) {
		id := idsOf(login)
		s.RDSEvents = fixture.RemoveWhere(s.RDSEvents, func(e *grader.RDSEvent) bool { return e.SourceID == id.Cluster })
	}
}

func TestAuroraChecks(t *testing.T) {
	t.Parallel()
	u1 := idsOf("user01")
	dedicated := grader.Student{Login: "user01", AccountID: "111122223333", Dedicated: true}
	cases := []struct {
		name    string
		student grader.Student
		prev    grader.Memory
		breakIt func(t *testing.T, s *grader.Snapshot)
		check   string
		want    grader.Status
		says    []string // fragments of the English message
		saysNot []string // fragments the English message must not hold
		saysJA  []string // fragments of the Japanese message
		hint    []string // fragments of the Japanese hint
		hintEN  []string // fragments of the English hint
		// evidence fragments that must appear; for pass, warn and fail the
		// evidence must be non-empty unless noEvidence.
		evidence    []string
		notEvidence []string // fragments no evidence may hold
		noEvidence  bool
	}{
		// aurora.cluster
		{name: "complete cluster", check: "aurora.cluster", want: grader.StatusPass, says: []string{"wp-user01-cluster is available"},
			evidence: []string{"wp-user01-cluster (available, aurora-mysql, 2 member(s)"}},
		{name: "cluster missing", check: "aurora.cluster", want: grader.StatusFail, says: []string{`"wp-user01-cluster"`}, noEvidence: true,
			hint: []string{"wp-user01-cluster"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == u1.Cluster })
			}},
		{name: "cluster creating", check: "aurora.cluster", want: grader.StatusFail, says: []string{`"creating"`, "not yet available"},
			evidence: []string{"(creating,"}, hint: []string{"利用可能"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).Status = "creating" }},
		{name: "cluster modifying", check: "aurora.cluster", want: grader.StatusFail, says: []string{`"modifying"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).Status = "modifying" }},
		{name: "cluster stopped", check: "aurora.cluster", want: grader.StatusFail, says: []string{`"stopped"`}, hint: []string{"開始"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).Status = "stopped" }},
		{name: "cluster name other case and spaces", check: "aurora.cluster", want: grader.StatusPass, saysNot: []string{"differs"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).ID = "  WP-User01-Cluster " }},
		{name: "dedicated account, lone cluster renamed", student: dedicated, check: "aurora.cluster", want: grader.StatusWarn,
			says: []string{"my-aurora", "differs", "wp-user01-cluster"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID != u1.Cluster })
				s.DBClusters[0].ID = "my-aurora"
			}},
		{name: "dedicated account, renamed cluster not available", student: dedicated, check: "aurora.cluster", want: grader.StatusFail,
			// The lab appends the name warning only to a passing check.
			says: []string{"my-aurora", `"creating"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID != u1.Cluster })
				s.DBClusters[0].ID, s.DBClusters[0].Status = "my-aurora", "creating"
			}},
		{name: "dedicated account, two clusters, neither named", student: dedicated, check: "aurora.cluster", want: grader.StatusFail, noEvidence: true,
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).ID = "my-aurora" }},
		{name: "shared account, renamed cluster not taken", check: "aurora.cluster", want: grader.StatusFail, says: []string{`"wp-user01-cluster"`}, noEvidence: true,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID != u1.Cluster })
				s.DBClusters[0].ID = "my-aurora"
			}},

		// aurora.replica
		{name: "complete replica (after failover the reader is wp-user01)", check: "aurora.replica", want: grader.StatusPass,
			says: []string{"2 members (1 reader(s)), all available"},
			// The lab's evidence shows each member, not its role.
			evidence: []string{"wp-user01-slave (db.t2.small, ap-northeast-1c, available", "wp-user01 (db.t2.small, ap-northeast-1d, available"}},
		{name: "replica before failover", check: "aurora.replica", want: grader.StatusPass,
			evidence: []string{"wp-user01-slave (db.t2.small, ap-northeast-1c, available"},
			breakIt:  func(t *testing.T, s *grader.Snapshot) { beforeFailover(t, s, "user01") }},
		{name: "single-instance cluster", check: "aurora.replica", want: grader.StatusFail, says: []string{"only 1 member(s) (wp-user01)"},
			hint:     []string{"インスタンスの操作 → Auroraレプリカの作成", "ap-northeast-1c", "パブリックアクセス可能 = いいえ", "db.t2.small", "wp-user01-slave"},
			evidence: []string{"wp-user01 (db.t2.small, ap-northeast-1d, available"},
			breakIt:  func(t *testing.T, s *grader.Snapshot) { singleInstance(t, s, "user01") }},
		{name: "cluster without members", check: "aurora.replica", want: grader.StatusFail, says: []string{"only 0 member(s)"}, noEvidence: true,
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).Members = nil }},
		{name: "replica still creating", check: "aurora.replica", want: grader.StatusFail, says: []string{"is available: wp-user01-slave"},
			hint: []string{"利用可能"}, evidence: []string{"wp-user01-slave (db.t2.small, ap-northeast-1c, creating"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				dbInstance(t, s, u1.Replica).Status = "creating"
			}},
		{name: "writer rebooting", check: "aurora.replica", want: grader.StatusFail, says: []string{"is available: wp-user01"}, evidence: []string{"wp-user01 (db.t2.small, ap-northeast-1d, rebooting"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { dbInstance(t, s, u1.Writer).Status = "rebooting" }},
		{name: "member not listed by DescribeDBInstances is not available", check: "aurora.replica", want: grader.StatusFail,
			// The unlisted member shows no empty description in the evidence.
			says: []string{"is available: wp-user01-slave"}, evidence: []string{"wp-user01 (db.t2.small"}, notEvidence: []string{" (, , "},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == u1.Replica })
			}},
		{name: "no reader", check: "aurora.replica", want: grader.StatusFail, says: []string{"none of them is a reader"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				cluster(t, s, u1.Cluster).Members = []grader.DBClusterMember{{InstanceID: u1.Writer, IsWriter: true}, {InstanceID: u1.Replica, IsWriter: true}}
			}},
		{name: "replica class db.r5.large warns", check: "aurora.replica", want: grader.StatusWarn,
			says: []string{"db.t2.small", "wp-user01-slave (db.r5.large)"}, saysNot: []string{"wp-user01 (db"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { dbInstance(t, s, u1.Replica).Class = "db.r5.large" }},
		{name: "replica not named -slave warns", check: "aurora.replica", want: grader.StatusWarn,
			says: []string{`no member is named "wp-user01-slave"`, "wp-user01-replica"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				dbInstance(t, s, u1.Replica).ID = "wp-user01-replica"
				cluster(t, s, u1.Cluster).Members[1].InstanceID = "wp-user01-replica"
			}},
		{name: "replica name other case and spaces", check: "aurora.replica", want: grader.StatusPass, saysNot: []string{"named"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				dbInstance(t, s, u1.Replica).ID = " WP-User01-Slave "
				cluster(t, s, u1.Cluster).Members[1].InstanceID = " WP-User01-Slave "
			}},
		{name: "three members, one reader creating", check: "aurora.replica", want: grader.StatusFail, says: []string{"is available: wp-user01-slave2"}, evidence: []string{"wp-user01-slave2 (db.t2.small, ap-northeast-1c, creating"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				c := cluster(t, s, u1.Cluster)
				c.Members = append(c.Members, grader.DBClusterMember{InstanceID: "wp-user01-slave2"})
				s.DBInstances = append(s.DBInstances, grader.DBInstance{ID: "wp-user01-slave2", ClusterID: u1.Cluster, Class: "db.t2.small", AZ: "ap-northeast-1c", Status: "creating"})
			}},

		// aurora.multi_az
		{name: "complete multi-AZ", check: "aurora.multi_az", want: grader.StatusPass, says: []string{"span 2 AZs: ap-northeast-1c, ap-northeast-1d"},
			evidence: []string{"ap-northeast-1c", "ap-northeast-1d"}},
		{name: "replica in the writer's AZ", check: "aurora.multi_az", want: grader.StatusFail, says: []string{"2 member(s) are only in AZ ap-northeast-1d"},
			hint: []string{"ap-northeast-1c", "Auroraレプリカの作成"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				dbInstance(t, s, u1.Replica).AZ = "ap-northeast-1d"
			}},
		{name: "writer in the handout's replica AZ, replica too", check: "aurora.multi_az", want: grader.StatusFail, says: []string{"2 member(s) are only in AZ ap-northeast-1c"},
			hint: []string{"ap-northeast-1d"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				dbInstance(t, s, u1.Writer).AZ = "ap-northeast-1c"
			}},
		{name: "single-instance cluster is not multi-AZ", check: "aurora.multi_az", want: grader.StatusFail, says: []string{"1 member(s) are only in AZ ap-northeast-1d"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { singleInstance(t, s, "user01") }},
		{name: "unlisted replica's AZ does not count", check: "aurora.multi_az", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == u1.Replica })
			}},

		// aurora.private
		{name: "complete private", check: "aurora.private", want: grader.StatusPass,
			says:     []string{"None of the 2 members is publicly accessible", "wp-user01-subnetgroup holds 2 subnets"},
			evidence: []string{"wp-user01-slave (db.t2.small, ap-northeast-1c, available, PubliclyAccessible=false)", "subnet-user01-privc (VPC=vpc-user01, ap-northeast-1c, 10.0.3.0/24, private)"}},
		{name: "single-instance cluster can still be private", check: "aurora.private", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { singleInstance(t, s, "user01") }},
		{name: "publicly accessible replica", check: "aurora.private", want: grader.StatusFail, says: []string{"wp-user01-slave is publicly accessible"},
			hint: []string{"パブリックアクセス可能 = いいえ", "wp-user01-slave"}, evidence: []string{"PubliclyAccessible=true"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { dbInstance(t, s, u1.Replica).PubliclyAccessible = true }},
		{name: "subnet group holds a public subnet", check: "aurora.private", want: grader.StatusFail,
			says: []string{"subnets subnet-user01-pubc (10.0.1.0/24) are public subnets"}, hint: []string{"サブネットグループ", "subnet-user01-privc 10.0.3.0/24"},
			hintEN:   []string{`VPC "vpc-user01" (subnet-user01-privc 10.0.3.0/24, subnet-user01-privd 10.0.2.0/24) in DB subnet group wp-user01-subnetgroup`},
			evidence: []string{"subnet-user01-pubc (VPC=vpc-user01, ap-northeast-1c, 10.0.1.0/24, public)"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				g := subnetGroup(t, s, u1.SubnetGroup)
				g.SubnetIDs = append(g.SubnetIDs, u1.PubC)
			}},
		{name: "subnet group in another VPC", check: "aurora.private", want: grader.StatusFail, says: []string{"subnet-user02-privd (vpc-user02)", "are not in vpc-user01"},
			saysJA: []string{"subnet-user02-privd (vpc-user02)", "vpc-user01 のサブネットではありません"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				u2 := idsOf("user02")
				g := subnetGroup(t, s, u1.SubnetGroup)
				g.VPCID, g.SubnetIDs = u2.VPC, []string{u2.PrivD, u2.PrivC}
			}},
		{name: "subnet group not found", check: "aurora.private", want: grader.StatusFail,
			says:    []string{`names DB subnet group "wp-user01-typo", which was not found`},
			saysJA:  []string{"DB サブネットグループ「wp-user01-typo」が見つかりません"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).DBSubnetGroup = "wp-user01-typo" }},
		{name: "subnet group name other case", check: "aurora.private", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				cluster(t, s, u1.Cluster).DBSubnetGroup = "WP-User01-SubnetGroup"
			}},
		{name: "subnet group empty", check: "aurora.private", want: grader.StatusFail, says: []string{"has no subnets"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { subnetGroup(t, s, u1.SubnetGroup).SubnetIDs = nil }},
		{name: "subnet of the group not listed", check: "aurora.private", want: grader.StatusFail, says: []string{"subnet subnet-gone was not found"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				g := subnetGroup(t, s, u1.SubnetGroup)
				g.SubnetIDs = append(g.SubnetIDs, "subnet-gone")
			}},
		{name: "no VPC found", check: "aurora.private", want: grader.StatusFail, says: []string{`VPC "vpc-user01" was not found`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "something-else" }},
		{name: "member unlisted cannot be confirmed private", check: "aurora.private", want: grader.StatusFail, says: []string{"wp-user01-slave was not listed, so its public access cannot be confirmed"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == u1.Replica })
			}},
		{name: "no members is not private by absence", check: "aurora.private", want: grader.StatusFail, says: []string{"has no members"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).Members = nil }},
		{name: "public replica and public subnet both reported", check: "aurora.private", want: grader.StatusFail,
			says: []string{"wp-user01-slave is publicly accessible", "subnet-user01-pubd (10.0.0.0/24) are public subnets"}, hint: []string{"パブリックアクセス可能 = いいえ", "サブネットグループ"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				dbInstance(t, s, u1.Replica).PubliclyAccessible = true
				g := subnetGroup(t, s, u1.SubnetGroup)
				g.SubnetIDs = append(g.SubnetIDs, u1.PubD)
			}},

		// aurora.failover
		{name: "complete failover: event and writer", check: "aurora.failover", want: grader.StatusPass,
			// The lab's message gives the writer and the events' count,
			// whichever of them (or the memory) showed the failover.
			says:     []string{"wp-user01-cluster has failed over (writer wp-user01-slave, 1 failover event(s))"},
			evidence: []string{"event 2026-11-27T09:30:00Z wp-user01-cluster [failover]"}},
		{name: "failover seen only through the event", check: "aurora.failover", want: grader.StatusPass,
			says: []string{"(writer wp-user01, 1 failover event(s))"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				cluster(t, s, u1.Cluster).Members = []grader.DBClusterMember{{InstanceID: u1.Writer, IsWriter: true}, {InstanceID: u1.Replica}}
			}},
		{name: "failover seen only through the writer name", check: "aurora.failover", want: grader.StatusPass,
			says:    []string{"(writer wp-user01-slave, 0 failover event(s))"},
			saysJA:  []string{"書き込み wp-user01-slave、フェイルオーバーイベント 0 件"},
			breakIt: noEvents("user01")},
		{name: "failover seen only through memory (failed back)", check: "aurora.failover", want: grader.StatusPass,
			prev:     rememberWriter(u1.Replica),
			says:     []string{"(writer wp-user01, 0 failover event(s))"},
			evidence: []string{"previous writer wp-user01-slave"},
			breakIt:  func(t *testing.T, s *grader.Snapshot) { beforeFailover(t, s, "user01") }},
		{name: "memory of the same writer is no evidence", check: "aurora.failover", want: grader.StatusFail, prev: rememberWriter(" WP-User01 "),
			breakIt: func(t *testing.T, s *grader.Snapshot) { beforeFailover(t, s, "user01") }},
		{name: "no failover at all", check: "aurora.failover", want: grader.StatusFail, says: []string{"No failover event", "the writer is still wp-user01"},
			hint: []string{"インスタンスの操作 → フェイルオーバー", "wp-user01"}, hintEN: []string{"select wp-user01 → Instance actions → Failover"}, evidence: []string{"wp-user01 (db.t2.small, ap-northeast-1d, available"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { beforeFailover(t, s, "user01") }},
		{name: "failover event of another student's cluster not counted", check: "aurora.failover", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{SourceID: "wp-user011-cluster", SourceType: "db-cluster", Categories: []string{"failover"}, Date: fixtureTime.Add(-time.Hour)})
				if !slices.ContainsFunc(s.RDSEvents, func(e grader.RDSEvent) bool { return e.SourceID == "wp-user02-cluster" }) {
					t.Fatal("fixture lost user02's failover event")
				}
			}},
		{name: "event for the cluster with category notification not counted", check: "aurora.failover", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{SourceID: u1.Cluster, SourceType: "db-cluster", Categories: []string{"notification"},
					Message: "DB cluster created", Date: fixtureTime.Add(-time.Hour)})
			}},
		{name: "event category and source compared without case", check: "aurora.failover", want: grader.StatusPass, says: []string{"1 failover event(s)"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{SourceID: "WP-User01-Cluster", SourceType: "db-cluster", Categories: []string{"notification", " FailOver "},
					Date: fixtureTime.Add(-time.Hour)})
			}},
		{name: "failover event of a DB instance sharing the cluster's id not counted", check: "aurora.failover", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{SourceID: u1.Cluster, SourceType: "db-instance", Categories: []string{"failover"}, Date: fixtureTime.Add(-time.Hour)})
			}},
		{name: "failover event older than RDS keeps events not counted", check: "aurora.failover", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{SourceID: u1.Cluster, SourceType: "db-cluster", Categories: []string{"failover"}, Date: fixtureTime.Add(-20 * 24 * time.Hour)})
			}},
		{name: "single-instance cluster fails even with a failover event", check: "aurora.failover", want: grader.StatusFail,
			says: []string{"only 1 member(s)", "cannot fail over"}, hint: []string{"Auroraレプリカの作成", "フェイルオーバー"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				singleInstance(t, s, "user01")
				s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{SourceID: u1.Cluster, SourceType: "db-cluster", Categories: []string{"failover"}, Date: fixtureTime.Add(-time.Hour)})
			}},
		{name: "single-instance cluster fails even when the lone writer is not wp-user01", check: "aurora.failover", want: grader.StatusFail,
			prev: rememberWriter(u1.Writer), says: []string{"wp-user01-cluster has only 1 member(s)", "cannot fail over"}, evidence: []string{"wp-user01-slave (db.t2.small"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				cluster(t, s, u1.Cluster).Members = []grader.DBClusterMember{{InstanceID: u1.Replica, IsWriter: true}}
				s.DBInstances = fixture.RemoveWhere(s.DBInstances, func(d *grader.DBInstance) bool { return d.ID == u1.Writer })
			}},
		{name: "no writer member is no evidence", check: "aurora.failover", want: grader.StatusFail, prev: rememberWriter(u1.Replica),
			// "(none)": no member is the writer.
			says: []string{"the writer is still (none)"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				noEvents("user01")(t, s)
				cluster(t, s, u1.Cluster).Members = []grader.DBClusterMember{{InstanceID: u1.Writer}, {InstanceID: u1.Replica}}
			}},
		{name: "writer name only, Step-2 writer misnamed, warns", check: "aurora.failover", want: grader.StatusWarn,
			says: []string{"(writer wp-user01-slave, 0 failover event(s))", `no member is named "wp-user01"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				noEvents("user01")(t, s)
				dbInstance(t, s, u1.Writer).ID = "wp-user1"
				cluster(t, s, u1.Cluster).Members[0].InstanceID = "wp-user1"
			}},
		{name: "writer named wp-user01 with other case is not a failover", check: "aurora.failover", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				beforeFailover(t, s, "user01")
				dbInstance(t, s, u1.Writer).ID = "WP-USER01"
				cluster(t, s, u1.Cluster).Members[0].InstanceID = "WP-USER01"
			}},
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
			r := resultOf(t, s, st, tc.prev, tc.check)
			expectStatus(t, r, tc.want, tc.says...)
			for _, f := range tc.saysNot {
				if strings.Contains(r.Message.EN, f) {
					t.Errorf("%s: message %q mentions %q", r.CheckID, r.Message.EN, f)
				}
			}
			for _, f := range tc.saysJA {
				if !strings.Contains(r.Message.JA, f) {
					t.Errorf("%s: message %q does not mention %q", r.CheckID, r.Message.JA, f)
				}
			}
			for _, f := range tc.hint {
				if !strings.Contains(r.Hint.JA, f) {
					t.Errorf("%s: hint %q does not mention %q", r.CheckID, r.Hint.JA, f)
				}
			}
			for _, f := range tc.hintEN {
				if !strings.Contains(r.Hint.EN, f) {
					t.Errorf("%s: hint %q does not mention %q", r.CheckID, r.Hint.EN, f)
				}
			}
			all := strings.Join(r.Evidence, "\n")
			for _, f := range tc.evidence {
				if !strings.Contains(all, f) {
					t.Errorf("%s: evidence %q does not hold %q", r.CheckID, r.Evidence, f)
				}
			}
			if !tc.noEvidence && len(r.Evidence) == 0 {
				t.Errorf("%s: %s without evidence", r.CheckID, r.Status)
			}
			for _, f := range tc.notEvidence {
				if strings.Contains(strings.Join(r.Evidence, "\n"), f) {
					t.Errorf("%s: evidence %q holds %q", r.CheckID, r.Evidence, f)
				}
			}
			if r.Status.Passed() && (r.Hint.JA != "" || r.Hint.EN != "") {
				t.Errorf("%s: passed with a hint %+v", r.CheckID, r.Hint)
			}
			if strings.ContainsAny(r.Message.EN+r.Message.JA, "\n") {
				t.Errorf("%s: message is not one line: %+v", r.CheckID, r.Message)
			}
		})
	}
}

var auroraIDs = []string{"aurora.cluster", "aurora.replica", "aurora.multi_az", "aurora.private", "aurora.failover"}

func TestAuroraBlockedWithoutCluster(t *testing.T) {
	t.Parallel()
	u1 := idsOf("user01")
	breaks := map[string]func(t *testing.T, s *grader.Snapshot){
		"missing": func(t *testing.T, s *grader.Snapshot) {
			s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == u1.Cluster })
		},
		"creating": func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u1.Cluster).Status = "creating" },
	}
	for name, breakIt := range breaks {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := classSnapshot("user01", "user02")
			breakIt(t, s)
			rep := evaluate(t, s, student("user01"), rememberWriter(u1.Writer), "")
			for _, r := range rep.Results {
				if !strings.HasPrefix(r.CheckID, "aurora.") {
					continue
				}
				if r.CheckID == "aurora.cluster" {
					expectStatus(t, r, grader.StatusFail)
					continue
				}
				// The prerequisite by its title, as students read it.
				expectStatus(t, r, grader.StatusBlocked, `"Aurora cluster"`)
				if !strings.Contains(r.Message.JA, "「Aurora クラスター」") || !strings.Contains(r.Hint.EN, `"Aurora cluster"`) {
					t.Errorf("%s: blocked message/hint does not name the Aurora cluster check: %+v %+v", r.CheckID, r.Message, r.Hint)
				}
				if r.Points != 0 {
					t.Errorf("%s: blocked earned %d points", r.CheckID, r.Points)
				}
			}
		})
	}
}

func TestAuroraCompleteEarnsEverything(t *testing.T) {
	t.Parallel()
	rep := evaluate(t, classSnapshot("user01", "user02"), student("user01"), nil, "")
	seen := 0
	for _, r := range rep.Results {
		if !strings.HasPrefix(r.CheckID, "aurora.") {
			continue
		}
		seen++
		expectStatus(t, r, grader.StatusPass)
		if r.Points != r.MaxPoints || r.MaxPoints == 0 {
			t.Errorf("%s: %d of %d points", r.CheckID, r.Points, r.MaxPoints)
		}
	}
	if seen != len(auroraIDs) {
		t.Fatalf("%d aurora results, want %d", seen, len(auroraIDs))
	}
	if w, _ := writerMemory(rep); w != "wp-user01-slave" {
		t.Errorf("memory keeps writer %q, want wp-user01-slave", w)
	}
}

func TestAuroraCatalog(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, c := range step3(t).Checks {
		if c.Area != "aurora" {
			continue
		}
		ids = append(ids, c.ID)
		if c.Title.JA == "" || c.Title.EN == "" || c.Hint.JA.Source == "" || c.Hint.EN.Source == "" {
			t.Errorf("%s: title or hint missing: %+v", c.ID, c)
		}
		if c.ID != "aurora.cluster" && !slices.Equal(c.Needs, []string{"aurora.cluster"}) {
			t.Errorf("%s needs %v, want [aurora.cluster]", c.ID, c.Needs)
		}
	}
	if !slices.Equal(ids, auroraIDs) {
		t.Errorf("aurora checks %v, want %v", ids, auroraIDs)
	}
}

// TestAuroraOtherStudentNeverCounts breaks user02 in every way the table
// above breaks user01: user01's verdicts must not move.
func TestAuroraOtherStudentNeverCounts(t *testing.T) {
	t.Parallel()
	u2 := idsOf("user02")
	breaks := map[string]func(t *testing.T, s *grader.Snapshot){
		"cluster missing": func(t *testing.T, s *grader.Snapshot) {
			s.DBClusters = fixture.RemoveWhere(s.DBClusters, func(c *grader.DBCluster) bool { return c.ID == u2.Cluster })
		},
		"cluster creating": func(t *testing.T, s *grader.Snapshot) { cluster(t, s, u2.Cluster).Status = "creating" },
		"single instance":  func(t *testing.T, s *grader.Snapshot) { singleInstance(t, s, "user02") },
		"replica public, creating, big, elsewhere": func(t *testing.T, s *grader.Snapshot) {
			d := dbInstance(t, s, u2.Replica)
			d.PubliclyAccessible, d.Status, d.Class, d.AZ = true, "creating", "db.r5.large", "ap-northeast-1d"
		},
		"subnet group public": func(t *testing.T, s *grader.Snapshot) {
			g := subnetGroup(t, s, u2.SubnetGroup)
			g.SubnetIDs = append(g.SubnetIDs, u2.PubC, u2.PubD)
		},
		"no failover": func(t *testing.T, s *grader.Snapshot) { beforeFailover(t, s, "user02") },
		"VPC renamed": func(t *testing.T, s *grader.Snapshot) { s.VPCs[1].Name = "x" },
	}
	for name, breakIt := range breaks {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, prev := range []grader.Memory{nil, rememberWriter("wp-user01-slave")} {
				clean := evaluate(t, classSnapshot("user01", "user02"), student("user01"), prev, "")
				s := classSnapshot("user01", "user02")
				breakIt(t, s)
				broken := evaluate(t, s, student("user01"), prev, "")
				if got, want := auroraResults(broken), auroraResults(clean); !slices.EqualFunc(got, want, sameResult) {
					t.Errorf("user02's change moved user01's verdicts:\n got %+v\nwant %+v", got, want)
				}
			}
		})
	}
	// And the reverse: user01 without a failover gets nothing from user02's.
	s := classSnapshot("user01", "user02")
	beforeFailover(t, s, "user01")
	expectStatus(t, resultOf(t, s, student("user01"), nil, "aurora.failover"), grader.StatusFail)
	expectStatus(t, resultOf(t, s, student("user02"), nil, "aurora.failover"), grader.StatusPass)
}

func auroraResults(rep grader.Report) []grader.Result {
	var out []grader.Result
	for _, r := range rep.Results {
		if strings.HasPrefix(r.CheckID, "aurora.") {
			out = append(out, r)
		}
	}
	return out
}

func sameResult(a, b grader.Result) bool {
	return a.CheckID == b.CheckID && a.Status == b.Status && a.Message == b.Message && a.Hint == b.Hint &&
		slices.Equal(a.Evidence, b.Evidence) && a.Points == b.Points
}

// A failover that the grader saw, followed by a fail-back, still counts on
// every later scan, though no RDS event is left to prove it.
func TestAuroraFailoverMemoryIsSticky(t *testing.T) {
	t.Parallel()
	st := student("user01")
	failedBack := func() *grader.Snapshot {
		s := classSnapshot("user01")
		s.RDSEvents = nil
		c := cluster(t, s, "wp-user01-cluster")
		c.Members[0].IsWriter, c.Members[1].IsWriter = true, false // wp-user01 writes again
		return s
	}
	first := evaluate(t, failedBack(), st, nil, "")
	if got := resultIn(t, first, "aurora.failover").Status; got != grader.StatusFail {
		t.Fatalf("no evidence yet: %s, want fail", got)
	}
	moved := classSnapshot("user01")
	moved.RDSEvents = nil
	second := evaluate(t, moved, st, first.Memory, "") // writer wp-user01 → wp-user01-slave
	if w, changed := writerMemory(second); !changed || w != "wp-user01-slave" {
		t.Fatalf("memory after the change = %+v", second.Memory)
	}
	third := evaluate(t, failedBack(), st, second.Memory, "")
	fourth := evaluate(t, failedBack(), st, third.Memory, "")
	for i, rep := range []grader.Report{second, third, fourth} {
		if got := resultIn(t, rep, "aurora.failover").Status; got != grader.StatusPass {
			t.Errorf("scan %d after the change: %s, want pass", i+2, got)
		}
	}
	gone := evaluate(t, &grader.Snapshot{TakenAt: fixtureTime}, st, fourth.Memory, "")
	if !reflect.DeepEqual(gone.Memory, fourth.Memory) {
		t.Errorf("a scan without the cluster erased the memory: %+v", gone.Memory)
	}
}
