package grader

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Aurora checks: Step 3 makes the Step-2 cluster Multi-AZ with a replica
// in the second AZ, keeps it private, and fails it over once. Every one of
// them needs the cluster itself.
var auroraChecks = []check{
	{
		id:    "aurora.cluster",
		reads: []Data{DataDBClusters},
		area:  "aurora",
		title: Text{JA: "Aurora クラスター", EN: "Aurora cluster"},
		hint: Text{
			JA: "Step-2: RDS → データベースの作成 で Aurora クラスター「wp-ユーザ名-cluster」を作成し、「利用可能」になるまで待ってください",
			EN: "Step 2: in RDS → Create database, create the Aurora cluster wp-<user>-cluster and wait until it is Available",
		},
		judge: judgeAuroraCluster,
	},
	{
		id:    "aurora.replica",
		reads: []Data{DataDBClusters, DataDBInstances},
		area:  "aurora",
		title: Text{JA: "Auroraレプリカ", EN: "Aurora replica"},
		hint: Text{
			JA: "RDS → インスタンス → wp-ユーザ名 を選択 → インスタンスの操作 → Auroraレプリカの作成",
			EN: "RDS → Instances → select wp-<user> → Instance actions → Create Aurora Replica",
		},
		needs: []string{"aurora.cluster"},
		judge: judgeAuroraReplica,
	},
	{
		id:    "aurora.multi_az",
		reads: []Data{DataDBClusters, DataDBInstances},
		area:  "aurora",
		title: Text{JA: "Aurora マルチAZ", EN: "Aurora Multi-AZ"},
		hint: Text{
			JA: "Auroraレプリカはライターと別のアベイラビリティゾーン(手順では ap-northeast-1c)に作成してください",
			EN: "Create the Aurora replica in another Availability Zone than the writer (ap-northeast-1c in the handout)",
		},
		needs: []string{"aurora.cluster"},
		judge: judgeAuroraMultiAZ,
	},
	{
		id:    "aurora.private",
		reads: []Data{DataDBClusters, DataDBInstances, DataDBSubnetGroups, DataVPCs, DataSubnets, DataRouteTables},
		area:  "aurora",
		title: Text{JA: "Aurora のプライベート配置", EN: "Aurora kept private"},
		hint: Text{
			JA: "Auroraレプリカの作成で パブリックアクセス可能 = いいえ を選び、DB サブネットグループにはプライベートサブネットだけを入れてください",
			EN: "When creating the Aurora replica choose Publicly accessible = No, and keep only private subnets in the DB subnet group",
		},
		needs: []string{"aurora.cluster"},
		judge: judgeAuroraPrivate,
	},
	{
		id:    "aurora.failover",
		reads: []Data{DataDBClusters, DataDBInstances},
		// The judge reports unreadable events itself, only when the writer
		// shows no failover.
		collects: []Data{DataRDSEvents},
		area:     "aurora",
		title:    Text{JA: "Aurora フェイルオーバー", EN: "Aurora failover"},
		hint: Text{
			JA: "RDS → インスタンス → wp-ユーザ名 を選択 → インスタンスの操作 → フェイルオーバー",
			EN: "RDS → Instances → select wp-<user> → Instance actions → Failover",
		},
		needs: []string{"aurora.cluster"},
		judge: judgeAuroraFailover,
	},
}

// rdsEventRetention is how long RDS keeps events: an older event returned
// by a source that ignores the request's window is not counted.
const rdsEventRetention = 14 * 24 * time.Hour

func judgeAuroraCluster(v *view) verdict {
	c := v.cluster.Item
	if c == nil {
		return failed(notFound("Aurora クラスター", "Aurora cluster", v.cluster.Expected)).withHint(textf(
			"Step-2: RDS → データベースの作成 で DBクラスター識別子「%s」の Aurora クラスターを作成してください",
			"Step 2: in RDS → Create database, create the Aurora cluster with DB cluster identifier %q",
			v.cluster.Expected))
	}
	evidence := fmt.Sprintf("%s (%s, %s, %d member(s), subnet group %s)", c.ID, orUnknown(c.Status), orUnknown(c.Engine), len(c.Members), orUnknown(c.DBSubnetGroup))
	var note Text
	if v.cluster.Renamed {
		note = renamedNote(c.ID, v.cluster.Expected)
	}
	if norm(c.Status) != "available" {
		msg := textf("Aurora クラスター %s の状態は「%s」で、まだ利用可能(available)ではありません",
			"Aurora cluster %s is %q, not yet available", c.ID, orUnknown(c.Status))
		return failed(join(msg, note), evidence).withHint(clusterStatusHint(c))
	}
	msg := textf("Aurora クラスター %s は利用可能(available)です", "Aurora cluster %s is available", c.ID)
	if v.cluster.Renamed {
		return warned(join(msg, note), evidence)
	}
	return passed(msg, evidence)
}

// clusterStatusHint says what to do about a cluster that is not available.
func clusterStatusHint(c *DBCluster) Text {
	switch norm(c.Status) {
	case "stopped", "stopping":
		return textf("クラスター %s は停止しています: RDS → データベース → %s を選択 → アクション → 開始",
			"Cluster %s is stopped: RDS → Databases → select %s → Actions → Start", c.ID, c.ID)
	case "deleting", "failed", "inaccessible-encryption-credentials", "incompatible-parameters", "incompatible-restore":
		return textf("クラスター %s は使えない状態です: Step-2 の手順でクラスターを作り直してください",
			"Cluster %s cannot be used: re-create it following Step 2", c.ID)
	}
	return textf("RDS → データベース で %s の状態が「利用可能」になるまで待ち、リロードしてください",
		"Wait in RDS → Databases until %s shows Available, then reload", c.ID)
}

// memberEvidence describes every member with the values the checks look at,
// e.g. "wp-user05-slave (db.t2.small, ap-northeast-1c, available, writer)".
func memberEvidence(members []clusterMember) []string {
	out := make([]string, 0, len(members))
	for _, m := range members {
		out = append(out, describeMember(m))
	}
	return out
}

func describeMember(m clusterMember) string {
	role := "reader"
	if m.IsWriter {
		role = "writer"
	}
	d := m.Instance
	if d == nil {
		return fmt.Sprintf("%s (not listed by DescribeDBInstances, %s)", m.ID, role)
	}
	return fmt.Sprintf("%s (%s, %s, %s, %s)", d.ID, orUnknown(d.Class), orUnknown(d.AZ), orUnknown(d.Status), role)
}

func memberIDs(members []clusterMember) string {
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, ", ")
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

// replicaHint is how the handout creates the replica, with this student's
// names and the rubric's expected values.
func (v *view) replicaHint() Text {
	source := v.writerID()
	if source == "" {
		source = v.expected(v.r.Names.DBWriter)
	}
	replica := v.expected(v.r.Names.DBReplica)
	ja := fmt.Sprintf("RDS → インスタンス → %s を選択 → インスタンスの操作 → Auroraレプリカの作成(", source)
	en := fmt.Sprintf("RDS → Instances → select %s → Instance actions → Create Aurora Replica (", source)
	if az := v.r.Expect.ReplicaAZ; az != "" {
		ja += fmt.Sprintf("アベイラビリティゾーン %s、", az)
		en += fmt.Sprintf("Availability Zone %s, ", az)
	}
	ja += "パブリックアクセス可能 = いいえ、"
	en += "Publicly accessible = No, "
	if class := v.r.Expect.DBInstanceClass; class != "" {
		ja += fmt.Sprintf("インスタンスの仕様 %s、", class)
		en += fmt.Sprintf("DB instance class %s, ", class)
	}
	ja += fmt.Sprintf("DBインスタンス識別子「%s」)", replica)
	en += fmt.Sprintf("DB instance identifier %q)", replica)
	return Text{JA: ja, EN: en}
}

func judgeAuroraReplica(v *view) verdict {
	c := v.cluster.Item
	members := v.clusterMembers()
	evidence := memberEvidence(members)
	if len(members) < 2 {
		return failed(textf("クラスター %s のメンバーは %d 台(%s)だけで、Auroraレプリカがありません",
			"Cluster %s has only %d member(s) (%s): there is no Aurora replica", c.ID, len(members), memberIDs(members)),
			evidence...).withHint(v.replicaHint())
	}
	readers := 0
	for _, m := range members {
		if !m.IsWriter {
			readers++
		}
	}
	if readers == 0 {
		return failed(textf("クラスター %s の %d 台のメンバーはどれも読み込み(リーダー)ではありません",
			"Cluster %s has %d members and none of them is a reader", c.ID, len(members)),
			evidence...).withHint(v.replicaHint())
	}
	var notReady, notReadyIDs []string
	for _, m := range members {
		switch {
		case m.Instance == nil:
			notReady = append(notReady, m.ID+" (not listed)")
		case norm(m.Instance.Status) != "available":
			notReady = append(notReady, fmt.Sprintf("%s (%s)", m.ID, orUnknown(m.Instance.Status)))
		default:
			continue
		}
		notReadyIDs = append(notReadyIDs, m.ID)
	}
	if len(notReady) > 0 {
		list := strings.Join(notReady, ", ")
		return failed(textf("クラスター %s のメンバーのうち利用可能(available)でないものがあります: %s",
			"Not every member of cluster %s is available: %s", c.ID, list),
			evidence...).withHint(textf(
			"RDS → インスタンス で %s が「利用可能」になるまで待ち、リロードしてください(約5分)。削除中・失敗の場合は Auroraレプリカを作り直してください",
			"Wait in RDS → Instances until %s shows Available, then reload (about 5 minutes); if it is deleting or failed, create the Aurora replica again",
			strings.Join(notReadyIDs, ", ")))
	}

	msg := textf("クラスター %s に %d 台のメンバー(読み込み %d 台)があり、すべて利用可能です",
		"Cluster %s has %d members (%d reader(s)), all available", c.ID, len(members), readers)
	caveat := false
	if want := v.r.Expect.DBInstanceClass; want != "" {
		var odd []string
		for _, m := range members {
			if norm(m.Instance.Class) != norm(want) {
				odd = append(odd, fmt.Sprintf("%s (%s)", m.ID, orUnknown(m.Instance.Class)))
			}
		}
		if len(odd) > 0 {
			list := strings.Join(odd, ", ")
			msg = join(msg, textf("(インスタンスクラスが手順の %s と異なります: %s)",
				" (instance class differs from the handout's %s: %s)", want, list))
			caveat = true
		}
	}
	replica := v.expected(v.r.Names.DBReplica)
	named := slices.ContainsFunc(members, func(m clusterMember) bool { return norm(m.ID) == norm(replica) })
	if !named {
		msg = join(msg, textf("(「%s」という名前のメンバーがありません: %s)",
			" (no member is named %q: %s)", replica, memberIDs(members)))
		caveat = true
	}
	if caveat {
		return warned(msg, evidence...)
	}
	return passed(msg, evidence...)
}

func judgeAuroraMultiAZ(v *view) verdict {
	c := v.cluster.Item
	members := v.clusterMembers()
	evidence := memberEvidence(members)
	var azs []string
	writerAZ := ""
	for _, m := range members {
		if m.Instance == nil || strings.TrimSpace(m.Instance.AZ) == "" {
			continue
		}
		if m.IsWriter {
			writerAZ = m.Instance.AZ
		}
		if !slices.Contains(azs, m.Instance.AZ) {
			azs = append(azs, m.Instance.AZ)
		}
	}
	slices.Sort(azs)
	list := strings.Join(azs, ", ")
	if len(azs) >= 2 {
		return passed(textf("クラスター %s のメンバーは %d つの AZ にあります: %s",
			"Cluster %s's members span %d AZs: %s", c.ID, len(azs), list), evidence...)
	}
	var msg Text
	switch {
	case len(members) == 0:
		msg = textf("クラスター %s にはメンバーがありません", "Cluster %s has no members", c.ID)
	case len(azs) == 0:
		msg = textf("クラスター %s のメンバー(%s)の AZ がわかりません", "The AZ of no member of cluster %s (%s) is known", c.ID, memberIDs(members))
	case len(members) == 1:
		msg = textf("クラスター %s のメンバーは %s にある 1 台だけです(2 つの AZ が必要です)",
			"Cluster %s has a single member, in %s (2 AZs are needed)", c.ID, list)
	default:
		msg = textf("クラスター %s の %d 台のメンバーはすべて %s にあります(2 つの AZ が必要です)",
			"Cluster %s's %d member(s) are all in %s (2 AZs are needed)", c.ID, len(members), list)
	}
	return failed(msg, evidence...).withHint(v.multiAZHint(writerAZ))
}

// multiAZHint names the AZ to create the replica in: the rubric's, unless
// the writer already sits there.
func (v *view) multiAZHint(writerAZ string) Text {
	az := v.r.Expect.ReplicaAZ
	if az == "" || az == writerAZ {
		az = ""
		for _, cand := range v.r.AZs {
			if cand != writerAZ {
				az = cand
				break
			}
		}
	}
	if az == "" {
		return Text{
			JA: "Auroraレプリカはライターと別のアベイラビリティゾーンに作成してください(同じ AZ のレプリカは削除して作り直します): RDS → インスタンスの操作 → Auroraレプリカの作成",
			EN: "Create the Aurora replica in another Availability Zone than the writer (delete a replica in the same AZ and create it again): RDS → Instance actions → Create Aurora Replica",
		}
	}
	return textf("Auroraレプリカはライターと別のアベイラビリティゾーン %s に作成してください(同じ AZ のレプリカは削除して作り直します): RDS → インスタンスの操作 → Auroraレプリカの作成 → アベイラビリティゾーン = %s",
		"Create the Aurora replica in Availability Zone %s, apart from the writer (delete a replica in the same AZ and create it again): RDS → Instance actions → Create Aurora Replica → Availability Zone = %s",
		az, az)
}

func judgeAuroraPrivate(v *view) verdict {
	c := v.cluster.Item
	members := v.clusterMembers()
	var evidence []string
	var problems []Text
	var hints []Text

	if len(members) == 0 {
		problems = append(problems, textf("クラスター %s にはメンバーがありません", "cluster %s has no members", c.ID))
		hints = append(hints, v.replicaHint())
	}
	var public []string
	for _, m := range members {
		if m.Instance == nil {
			evidence = append(evidence, m.ID+" (not listed by DescribeDBInstances)")
			problems = append(problems, textf("%s は一覧になく、パブリックアクセスを確認できません",
				"%s was not listed, so its public access cannot be confirmed", m.ID))
			hints = append(hints, textf("RDS → インスタンス で %s が「利用可能」か確認してください(なければ Auroraレプリカを作り直してください)",
				"Check in RDS → Instances that %s is Available (if it is gone, create the Aurora replica again)", m.ID))
			continue
		}
		evidence = append(evidence, fmt.Sprintf("%s (%s, PubliclyAccessible=%t)", m.ID, orUnknown(m.Instance.AZ), m.Instance.PubliclyAccessible))
		if m.Instance.PubliclyAccessible {
			public = append(public, m.ID)
		}
	}
	if len(public) > 0 {
		list := strings.Join(public, ", ")
		problems = append(problems, textf("%s がパブリックアクセス可能です", "%s is publicly accessible", list))
		hints = append(hints, textf("RDS → インスタンス → %s を選択 → 変更 → パブリックアクセス可能 = いいえ → すぐに適用",
			"RDS → Instances → select %s → Modify → Publicly accessible = No → Apply immediately", list))
	}

	subnetHinted := false
	subnetProblem := func(t Text) {
		problems = append(problems, t)
		if !subnetHinted {
			hints = append(hints, v.subnetGroupHint(c))
			subnetHinted = true
		}
	}
	vpc := v.vpc.Item
	group := v.ix.subnetGroupByNm[norm(c.DBSubnetGroup)]
	switch {
	case strings.TrimSpace(c.DBSubnetGroup) == "":
		subnetProblem(textf("クラスター %s に DB サブネットグループがありません", "cluster %s reports no DB subnet group", c.ID))
	case group == nil:
		subnetProblem(textf("クラスター %s の DB サブネットグループ「%s」が見つかりません",
			"cluster %s names DB subnet group %q, which was not found", c.ID, c.DBSubnetGroup))
	case vpc == nil:
		evidence = append(evidence, fmt.Sprintf("subnet group %s (%s, %d subnets)", group.Name, orUnknown(group.VPCID), len(group.SubnetIDs)))
		problems = append(problems, textf("VPC「%s」が見つからないため、サブネットがプライベートか確認できません",
			"the VPC %q was not found, so the subnets cannot be confirmed private", v.vpc.Expected))
		hints = append(hints, textf("Step-1: VPC「%s」を確認してください(network.vpc)", "Step 1: check the VPC %q (network.vpc)", v.vpc.Expected))
	case len(group.SubnetIDs) == 0:
		evidence = append(evidence, fmt.Sprintf("subnet group %s (%s, 0 subnets)", group.Name, orUnknown(group.VPCID)))
		subnetProblem(textf("DB サブネットグループ %s にサブネットがありません", "the DB subnet group %s has no subnets", group.Name))
	default:
		evidence = append(evidence, fmt.Sprintf("subnet group %s (%s, %d subnets)", group.Name, orUnknown(group.VPCID), len(group.SubnetIDs)))
		for _, id := range group.SubnetIDs {
			sn := v.ix.subnetByID[id]
			if sn == nil {
				evidence = append(evidence, id+" (not found)")
				subnetProblem(textf("サブネット %s が見つかりません", "subnet %s was not found", id))
				continue
			}
			kind := "private"
			if v.ix.publicSubnets[sn.ID] {
				kind = "public"
			}
			evidence = append(evidence, fmt.Sprintf("%s (%s, %s, %s, %s)", sn.ID, sn.CIDR, sn.AZ, sn.VPCID, kind))
			switch {
			case sn.VPCID != vpc.ID:
				subnetProblem(textf("サブネット %s は %s にあり、%s のサブネットではありません", "subnet %s is in %s, not in %s",
					sn.ID, orUnknown(sn.VPCID), vpc.ID))
			case kind == "public":
				subnetProblem(textf("サブネット %s(%s)はパブリックサブネットです", "subnet %s (%s) is a public subnet", sn.ID, sn.CIDR))
			}
		}
	}

	if len(problems) > 0 {
		msg := problems[0]
		for _, p := range problems[1:] {
			msg = join(msg, Text{JA: "。", EN: "; "}, p)
		}
		hint := hints[0]
		for _, h := range hints[1:] {
			hint = join(hint, Text{JA: "。", EN: "; "}, h)
		}
		msg = join(Text{JA: "Aurora がプライベートに保たれていません: ", EN: "Not private: "}, msg)
		return failed(msg, evidence...).withHint(hint)
	}
	return passed(textf("%d 台のメンバーはどれもパブリックアクセス不可で、DB サブネットグループ %s の %d 個のサブネットはすべて %s のプライベートサブネットです",
		"None of the %d members is publicly accessible, and DB subnet group %s holds %d subnets, all private subnets of %s",
		len(members), group.Name, len(group.SubnetIDs), vpc.ID), evidence...)
}

// subnetGroupHint lists the VPC's private subnets to keep in the group.
func (v *view) subnetGroupHint(c *DBCluster) Text {
	group := orUnknown(c.DBSubnetGroup)
	var private []string
	for _, sn := range v.vpcSubnets(false) {
		private = append(private, fmt.Sprintf("%s %s", sn.ID, sn.CIDR))
	}
	slices.Sort(private)
	if len(private) == 0 {
		return Text{
			JA: fmt.Sprintf("DB サブネットグループ %s には VPC「%s」のプライベートサブネットだけを入れてください: RDS → サブネットグループ → %s → 編集", group, v.vpc.Expected, group),
			EN: fmt.Sprintf("Keep only private subnets of the VPC %q in DB subnet group %s: RDS → Subnet groups → %s → Edit", v.vpc.Expected, group, group),
		}
	}
	list := strings.Join(private, ", ")
	return Text{
		JA: fmt.Sprintf("DB サブネットグループ %s には VPC「%s」のプライベートサブネット(%s)だけを入れてください: RDS → サブネットグループ → %s → 編集", group, v.vpc.Expected, list, group),
		EN: fmt.Sprintf("Keep only the private subnets of the VPC %q (%s) in DB subnet group %s: RDS → Subnet groups → %s → Edit", v.vpc.Expected, list, group, group),
	}
}

func judgeAuroraFailover(v *view) verdict {
	c := v.cluster.Item
	members := v.clusterMembers()
	evidence := memberEvidence(members)
	if len(members) < 2 {
		return failed(textf("クラスター %s のメンバーは %d 台(%s)だけで、フェイルオーバーできません",
			"Cluster %s has only %d member(s) (%s), so it cannot fail over", c.ID, len(members), memberIDs(members)),
			evidence...).withHint(Text{
			JA: "先に RDS → インスタンスの操作 → Auroraレプリカの作成 でレプリカを作り、利用可能になってから インスタンスの操作 → フェイルオーバー を実行してください",
			EN: "First create a replica (RDS → Instance actions → Create Aurora Replica); once it is Available, run Instance actions → Failover",
		})
	}

	var reasons []Text
	events := v.failoverEvents(c)
	for _, e := range events {
		evidence = append(evidence, fmt.Sprintf("event %s %s [%s]: %s", e.Date.UTC().Format(time.RFC3339), e.SourceID, strings.Join(e.Categories, ","), e.Message))
	}
	if len(events) > 0 {
		reasons = append(reasons, textf("%s のフェイルオーバーイベント %d 件", "%s has %d failover event(s)", c.ID, len(events)))
	}
	writer := v.writerID()
	step2 := v.expected(v.r.Names.DBWriter)
	writerMoved := writer != "" && norm(writer) != norm(step2)
	if writerMoved {
		reasons = append(reasons, Text{
			JA: fmt.Sprintf("書き込みが Step-2 の %s ではなく %s になっています", step2, writer),
			EN: fmt.Sprintf("the writer is %s, not the Step-2 writer %s", writer, step2),
		})
	}
	prev := v.prev.Writer
	seenChange := v.writerChangedSincePrev()
	switch {
	case seenChange:
		reasons = append(reasons, textf("前回のスキャンから書き込みが %s → %s に変わりました", "the grader saw the writer change from %s to %s", prev, writer))
		evidence = append(evidence, "previous writer "+prev)
	case v.prev.WriterChanged:
		// Seen in an earlier scan; a fail-back since does not undo it.
		seenChange = true
		reasons = append(reasons, Text{JA: "以前のスキャンで書き込みの切り替わりを確認済みです", EN: "the grader saw the writer change in an earlier scan"})
	}
	// The writer's name alone is weak evidence when no member bears the
	// Step-2 writer's name: it may simply have been named otherwise.
	step2Present := slices.ContainsFunc(members, func(m clusterMember) bool { return norm(m.ID) == norm(step2) })
	caveat := writerMoved && len(events) == 0 && !seenChange && !step2Present

	if len(reasons) > 0 {
		msg := join(textf("クラスター %s はフェイルオーバー済みです: ", "Cluster %s has failed over: ", c.ID), reasons[0])
		for _, r := range reasons[1:] {
			msg = join(msg, Text{JA: "、", EN: "; "}, r)
		}
		if caveat {
			msg = join(msg, textf("(Step-2 のライター「%s」という名前のメンバーがありません)",
				" (no member is named %q, the Step-2 writer)", step2))
			return warned(msg, evidence...)
		}
		return passed(msg, evidence...)
	}

	if err := v.snap.Unavailable[DataRDSEvents]; err != nil {
		// The writer shows no failover, but the events that could were not
		// read: the grader cannot tell.
		return unreadableVerdict(DataRDSEvents, err)
	}
	var msg Text
	if writer == "" {
		msg = textf("クラスター %s のフェイルオーバーイベントがなく、書き込み(ライター)のメンバーもありません",
			"No failover event for cluster %s, and no member is the writer", c.ID)
	} else {
		msg = textf("クラスター %s のフェイルオーバーイベントがなく、書き込みはまだ %s です",
			"No failover event for cluster %s, and the writer is still %s", c.ID, writer)
	}
	source := writer
	if source == "" {
		source = step2
	}
	return failed(msg, evidence...).withHint(textf(
		"RDS → インスタンス → %s を選択 → インスタンスの操作 → フェイルオーバー → フェイルオーバーボタンを押下し、レプリケーションロールの「書き込み」「読み込み」が入れ替わるまで待ってください",
		"RDS → Instances → select %s → Instance actions → Failover → press Failover, then wait until the Writer and Reader roles swap",
		source))
}

// failoverEvents are the RDS events that show a failover of cluster c. Both
// the source (through the index, keyed by SourceID) and the category are
// checked on every event, since emulators ignore the request's filters.
func (v *view) failoverEvents(c *DBCluster) []*RDSEvent {
	var out []*RDSEvent
	for _, e := range v.ix.eventsBySourceID[norm(c.ID)] {
		if st := norm(e.SourceType); st != "" && st != "db-cluster" {
			continue // an instance that happens to share the cluster's id
		}
		if !slices.ContainsFunc(e.Categories, func(cat string) bool { return norm(cat) == "failover" }) {
			continue
		}
		if !e.Date.IsZero() && !v.snap.TakenAt.IsZero() && e.Date.Before(v.snap.TakenAt.Add(-rdsEventRetention)) {
			continue // older than RDS keeps events: not this cluster's
		}
		out = append(out, e)
	}
	return out
}
