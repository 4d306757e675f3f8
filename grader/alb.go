package grader

import (
	"fmt"
	"slices"
	"strings"
)

// The ALB checks look at the load balancer of Step 3: an internet-facing
// Application Load Balancer across two AZs, its security group, its HTTP
// listener and the target group holding both web servers.
var albChecks = []check{
	{
		id:    "alb.exists",
		reads: []Data{DataLoadBalancers, DataVPCs},
		area:  "alb",
		title: Text{JA: "ロードバランサー", EN: "Load balancer"},
		hint: Text{
			JA: "EC2 → ロードバランサー → ロードバランサーの作成 → Application Load Balancer の作成 で、名前「elb-ユーザ名」、スキーム インターネット向け、VPC vpc-ユーザ名 で作成してください",
			EN: "EC2 → Load Balancers → Create load balancer → Application Load Balancer: name elb-<user>, scheme internet-facing, VPC vpc-<user>",
		},
		judge: judgeALBExists,
	},
	{
		id:    "alb.two_az",
		reads: []Data{DataLoadBalancers, DataVPCs, DataSubnets, DataRouteTables},
		area:  "alb",
		title: Text{JA: "ALB が 2 つの AZ に", EN: "ALB in two AZs"},
		hint: Text{
			JA: "ロードバランサー elb-ユーザ名 → アクション → サブネットの編集 で ap-northeast-1c、ap-northeast-1d の両方にチェックし、表示されたパブリックサブネットを両方選択してください",
			EN: "Load balancer elb-<user> → Actions → Edit subnets: tick both ap-northeast-1c and ap-northeast-1d and choose the public subnet of each",
		},
		needs: []string{"alb.exists"},
		judge: judgeALBTwoAZ,
	},
	{
		id:    "alb.security_group",
		reads: []Data{DataLoadBalancers, DataSecurityGroups},
		area:  "alb",
		title: Text{JA: "ALB のセキュリティグループ", EN: "ALB security group"},
		hint: Text{
			JA: "セキュリティグループの設定で「新しいセキュリティグループを作成する」を選び、セキュリティグループ名と説明を「alb-ユーザ名」、タイプを「HTTP」(ソース 0.0.0.0/0)にして、ロードバランサー elb-ユーザ名 に割り当ててください",
			EN: "Create the security group alb-<user> (name and description) with an inbound rule of type HTTP from 0.0.0.0/0, and attach it to the load balancer elb-<user>",
		},
		needs: []string{"alb.exists"},
		judge: judgeALBSecurityGroup,
	},
	{
		id:    "alb.listener",
		reads: []Data{DataLoadBalancers, DataListeners, DataTargetGroups},
		area:  "alb",
		title: Text{JA: "リスナー HTTP:80", EN: "HTTP:80 listener"},
		hint: Text{
			JA: "ロードバランサー elb-ユーザ名 → リスナー で HTTP:80 のリスナーを作り、ルーティングの設定でデフォルトアクションをターゲットグループ「tg-elb-ユーザ名」への転送にしてください",
			EN: "Load balancer elb-<user> → Listeners: add an HTTP:80 listener whose default action forwards to the target group tg-elb-<user> (Configure routing)",
		},
		needs: []string{"alb.exists"},
		judge: judgeALBListener,
	},
	{
		id:    "alb.targets_healthy",
		reads: []Data{DataTargetGroups, DataTargetHealth, DataInstances},
		area:  "alb",
		title: Text{JA: "ターゲットが healthy", EN: "Targets healthy"},
		hint: Text{
			JA: "ターゲットグループ tg-elb-ユーザ名 → ターゲット → 編集(ターゲットの登録)で webserver#1-ユーザ名 と webserver#2-ユーザ名 の両方を登録済みに追加し、両方で nginx が起動していることを確認してください",
			EN: "Target group tg-elb-<user> → Targets → Edit (Register targets): add both webserver#1-<user> and webserver#2-<user>, and check that nginx is running on both",
		},
		needs: []string{"alb.listener"},
		judge: judgeTargetsHealthy,
	},
}

// lbEvidence describes a load balancer for the evidence list.
func lbEvidence(lb *LoadBalancer) string {
	return fmt.Sprintf("%s (Name=%q, Type=%s, Scheme=%s, State=%s, VPC=%s, DNS=%s)",
		lb.ARN, lb.Name, lb.Type, lb.Scheme, lb.State, lb.VPCID, lb.DNSName)
}

// missingLB is the verdict of a check that needs the load balancer when
// there is none (possible only when alb.exists is disabled).
func missingLB(v *view) verdict {
	return failed(notFound("ロードバランサー", "load balancer", v.lb.Expected))
}

func judgeALBExists(v *view) verdict {
	lb := v.lb.Item
	if lb == nil {
		return missingLB(v)
	}
	var problems []Text
	if lb.Type != "application" {
		problems = append(problems, textf("タイプが %s です(application が必要です)", "its type is %s, not application", lb.Type))
	}
	if lb.Scheme != "internet-facing" {
		problems = append(problems, textf("スキームが %s です(インターネット向け internet-facing が必要です)", "its scheme is %s, not internet-facing", lb.Scheme))
	}
	recreate := len(problems) > 0
	switch lb.State {
	case "active":
	case "provisioning":
		problems = append(problems, Text{JA: "まだプロビジョニング中です(provisioning)", EN: "it is still provisioning"})
	default:
		problems = append(problems, textf("状態が %s です(active が必要です)", "its state is %s, not active", lb.State))
	}
	switch {
	case v.vpc.Item == nil:
		problems = append(problems, textf("VPC「%s」が見つかりません", "the VPC %q was not found", v.vpc.Expected))
	case lb.VPCID != v.vpc.Item.ID:
		problems = append(problems, textf("VPC %s にあります(%s の %s ではありません)", "it is in VPC %s, not in %s (%s)", lb.VPCID, v.vpc.Item.Name, v.vpc.Item.ID))
	}
	ev := lbEvidence(lb)
	label := textf("ロードバランサー %s", "Load balancer %s", lb.Name)
	if len(problems) > 0 {
		vd := failed(join(label, Text{JA: ": ", EN: ": "}, joinTexts(problems, "。", "; ")), ev)
		switch {
		case recreate:
			vd = vd.withHint(Text{
				JA: "タイプとスキームは後から変更できません。このロードバランサーを削除し、Application Load Balancer(インターネット向け)として作成し直してください",
				EN: "The type and scheme cannot be changed: delete this load balancer and create an internet-facing Application Load Balancer",
			})
		case lb.State == "provisioning" && len(problems) == 1:
			vd = vd.withHint(Text{JA: "作成には数分掛かります。状態が active になるまで待ってください", EN: "Creating a load balancer takes a few minutes: wait until its state is active"})
		}
		return vd
	}
	msg := join(label, textf(" は Application Load Balancer(インターネット向け、active)で、VPC %s にあります",
		" is an active internet-facing Application Load Balancer in VPC %s", lb.VPCID))
	if v.lb.Renamed {
		return warned(join(msg, renamedNote(lb.Name, v.lb.Expected)), ev)
	}
	return passed(msg, ev)
}

func judgeALBTwoAZ(v *view) verdict {
	lb := v.lb.Item
	if lb == nil {
		return missingLB(v)
	}
	var azs, evidence, bad []string
	for _, z := range lb.Zones {
		if !slices.Contains(azs, z.ZoneName) {
			azs = append(azs, z.ZoneName)
		}
		if sn := v.ix.subnetByID[z.SubnetID]; sn != nil {
			evidence = append(evidence, subnetEvidence(v, sn))
		} else {
			evidence = append(evidence, fmt.Sprintf("%s (%s, not listed by DescribeSubnets)", z.SubnetID, z.ZoneName))
		}
		if !v.isPublicSubnetOfVPC(z.SubnetID) {
			bad = append(bad, fmt.Sprintf("%s (%s)", z.SubnetID, z.ZoneName))
		}
	}
	slices.Sort(azs)
	azList := strings.Join(azs, ", ")
	var problems []Text
	if len(azs) < 2 {
		problems = append(problems, textf("%d つの AZ(%s)にしかありません(2 つ必要です)", "it is in only %d AZ (%s); 2 are needed", len(azs), azList))
	}
	if len(bad) > 0 {
		vpc := v.vpc.Expected
		if v.vpc.Item != nil {
			vpc = v.vpc.Item.ID
		}
		problems = append(problems, textf("サブネット %s は %s のパブリックサブネットではありません", "its subnets %s are not public subnets of %s", strings.Join(bad, ", "), vpc))
	}
	label := textf("ロードバランサー %s", "Load balancer %s", lb.Name)
	if len(problems) > 0 {
		return failed(join(label, Text{JA: ": ", EN: ": "}, joinTexts(problems, "。", "; ")), evidence...)
	}
	return passed(join(label, textf(" は %d つの AZ(%s)のパブリックサブネットにあります", " is in public subnets of %d AZs (%s)", len(azs), azList)), evidence...)
}

// allowsHTTPFromAnywhere reports whether a group lets TCP 80 in from
// 0.0.0.0/0 or ::/0.
func allowsHTTPFromAnywhere(sg *SecurityGroup) bool {
	for _, p := range sg.Inbound {
		if coversPort(p, 80) && (slices.Contains(p.IPv4Ranges, "0.0.0.0/0") || slices.Contains(p.IPv6Ranges, "::/0")) {
			return true
		}
	}
	return false
}

func judgeALBSecurityGroup(v *view) verdict {
	lb := v.lb.Item
	if lb == nil {
		return missingLB(v)
	}
	want := v.albSG.Expected
	var evidence []string
	var sg *SecurityGroup
	renamed := false
	for _, id := range lb.SecurityGroupIDs {
		g := v.ix.sgByID[id]
		if g == nil {
			evidence = append(evidence, id+" (not listed by DescribeSecurityGroups)")
			continue
		}
		evidence = append(evidence, sgEvidence(g))
		if sg == nil && norm(g.Name) == norm(want) {
			sg = g
		}
	}
	if sg == nil && v.st.Dedicated && len(lb.SecurityGroupIDs) == 1 {
		if g := v.ix.sgByID[lb.SecurityGroupIDs[0]]; g != nil && g.Name != "default" {
			sg, renamed = g, true
		}
	}
	attached := v.sgLabels(lb.SecurityGroupIDs)
	if sg == nil {
		for _, g := range v.ix.sgsByName[norm(want)] {
			if v.vpc.Item == nil || g.VPCID == v.vpc.Item.ID {
				evidence = append(evidence, sgEvidence(g))
				return failed(textf("セキュリティグループ %s(%s)はありますが、ロードバランサー %s に割り当てられていません(割り当て済み: %s)",
					"The security group %s (%s) exists but is not attached to the load balancer %s (attached: %s)", g.Name, g.ID, lb.Name, attached), evidence...).
					withHint(Text{
						JA: fmt.Sprintf("ロードバランサー %s → アクション → セキュリティグループの編集 で %s を割り当ててください", lb.Name, g.Name),
						EN: fmt.Sprintf("Load balancer %s → Actions → Edit security groups: attach %s", lb.Name, g.Name),
					})
			}
		}
		return failed(textf("ロードバランサー %s にセキュリティグループ「%s」がありません(割り当て済み: %s)",
			"The load balancer %s has no security group named %q (attached: %s)", lb.Name, want, attached), evidence...)
	}
	if !allowsHTTPFromAnywhere(sg) {
		return failed(textf("セキュリティグループ %s(%s)が TCP 80 を 0.0.0.0/0 から許可していません", "The security group %s (%s) does not allow TCP 80 inbound from 0.0.0.0/0 or ::/0", sg.Name, sg.ID), evidence...).
			withHint(Text{
				JA: fmt.Sprintf("EC2 → セキュリティグループ → %s → インバウンドルールの編集 で、タイプ「HTTP」、ソース 0.0.0.0/0 のルールを追加してください", sg.Name),
				EN: fmt.Sprintf("EC2 → Security Groups → %s → Edit inbound rules: add a rule of type HTTP from 0.0.0.0/0", sg.Name),
			})
	}
	msg := textf("ロードバランサー %s のセキュリティグループ %s(%s)は TCP 80 をインターネットから許可しています",
		"The load balancer %s has the security group %s (%s), which allows TCP 80 from the internet", lb.Name, sg.Name, sg.ID)
	if renamed {
		return warned(join(msg, renamedNote(sg.Name, want)), evidence...)
	}
	return passed(msg, evidence...)
}

func listenerEvidence(l *Listener) string {
	var actions []string
	for _, a := range l.DefaultActions {
		if len(a.TargetGroupARNs) > 0 {
			actions = append(actions, a.Type+" → "+strings.Join(a.TargetGroupARNs, ", "))
		} else {
			actions = append(actions, a.Type)
		}
	}
	return fmt.Sprintf("%s (%s:%d, default actions: %s)", l.ARN, l.Protocol, l.Port, strings.Join(actions, "; "))
}

func judgeALBListener(v *view) verdict {
	lb := v.lb.Item
	if lb == nil {
		return missingLB(v)
	}
	listeners := v.ix.listenersByLB[lb.ARN]
	var evidence, found []string
	var http80 *Listener
	for _, l := range listeners {
		evidence = append(evidence, listenerEvidence(l))
		found = append(found, fmt.Sprintf("%s:%d", l.Protocol, l.Port))
		if strings.EqualFold(l.Protocol, "HTTP") && l.Port == 80 {
			http80 = l
		}
	}
	if http80 == nil {
		list := strings.Join(found, ", ")
		if list == "" {
			list = "none"
		}
		return failed(textf("ロードバランサー %s に HTTP:80 のリスナーがありません(リスナー: %s)",
			"The load balancer %s has no HTTP:80 listener (listeners: %s)", lb.Name, list), evidence...)
	}

	want := v.tg.Expected
	var others []string
	var nonForward []string
	for _, a := range http80.DefaultActions {
		if a.Type != "forward" {
			nonForward = append(nonForward, a.Type)
			continue
		}
		for _, arn := range a.TargetGroupARNs {
			tg := v.ix.tgByARN[arn]
			switch {
			case tg != nil && norm(tg.Name) == norm(want):
				msg := textf("ロードバランサー %s のリスナー HTTP:80 はターゲットグループ %s に転送します", "The HTTP:80 listener of %s forwards to the target group %s", lb.Name, tg.Name)
				return passed(msg, evidence...)
			case tg != nil && v.tg.Renamed && tg == v.tg.Item:
				msg := textf("ロードバランサー %s のリスナー HTTP:80 はターゲットグループ %s に転送します", "The HTTP:80 listener of %s forwards to the target group %s", lb.Name, tg.Name)
				return warned(join(msg, renamedNote(tg.Name, want)), evidence...)
			case tg != nil:
				others = append(others, fmt.Sprintf("%s (%s)", tg.Name, tg.ARN))
			default:
				others = append(others, arn)
			}
		}
	}
	tgHint := Text{
		JA: fmt.Sprintf("ロードバランサー %s → リスナー → HTTP:80 → 編集 で、デフォルトアクションをターゲットグループ「%s」への転送にしてください", lb.Name, want),
		EN: fmt.Sprintf("Load balancer %s → Listeners → HTTP:80 → Edit: make the default action forward to the target group %s", lb.Name, want),
	}
	if len(others) > 0 {
		return failed(textf("リスナー HTTP:80 は %s に転送しており、%s ではありません", "The HTTP:80 listener forwards to %s, not to %s", strings.Join(others, ", "), want), evidence...).withHint(tgHint)
	}
	if len(nonForward) > 0 {
		return failed(textf("リスナー HTTP:80 のデフォルトアクションが %s で、%s への転送ではありません", "The HTTP:80 listener's default action is %s, not a forward to %s", strings.Join(nonForward, ", "), want), evidence...).withHint(tgHint)
	}
	return failed(textf("リスナー HTTP:80 にデフォルトアクションがありません", "The HTTP:80 listener has no default action forwarding to %s", want), evidence...).withHint(tgHint)
}

func judgeTargetsHealthy(v *view) verdict {
	tg := v.tg.Item
	if tg == nil {
		return failed(notFound("ターゲットグループ", "target group", v.tg.Expected))
	}
	label := textf("ターゲットグループ %s", "Target group %s", tg.Name)
	evidence := []string{fmt.Sprintf("%s (Name=%q, TargetType=%s, %s:%d, VPC=%s)", tg.ARN, tg.Name, tg.TargetType, tg.Protocol, tg.Port, tg.VPCID)}
	if tg.TargetType != "" && tg.TargetType != "instance" {
		return failed(join(label, textf(": ターゲットタイプが %s です(インスタンスが必要です)", ": its target type is %s, not instance", tg.TargetType)), evidence...).
			withHint(Text{
				JA: "ターゲットタイプ「インスタンス」でターゲットグループ tg-elb-ユーザ名 を作成し直し、2 台のWebサーバを登録してください",
				EN: "Create the target group tg-elb-<user> again with target type Instance and register both web servers",
			})
	}

	var azs, notHealthy []string
	initial := 0
	for _, th := range tg.Targets {
		az := th.AZ
		if az == "" {
			if in := v.ix.instanceByID[th.ID]; in != nil {
				az = in.AZ
			}
		}
		if az != "" && !slices.Contains(azs, az) {
			azs = append(azs, az)
		}
		state := th.State
		if th.Reason != "" {
			state += " (" + th.Reason + ")"
		}
		ev := fmt.Sprintf("%s:%d (AZ=%s, State=%s", th.ID, th.Port, az, th.State)
		if th.Reason != "" {
			ev += ", Reason=" + th.Reason
		}
		if th.Description != "" {
			ev += ", " + th.Description
		}
		evidence = append(evidence, ev+")")
		if th.State != "healthy" {
			notHealthy = append(notHealthy, th.ID+" "+state)
			if th.State == "initial" {
				initial++
			}
		}
	}
	slices.Sort(azs)
	azList := strings.Join(azs, ", ")

	var problems []Text
	var hint *Text
	if len(tg.Targets) < 2 || len(azs) < 2 {
		problems = append(problems, textf("登録済みターゲットが %d 個、%d つの AZ(%s)だけです(2 つの AZ に 2 個以上必要です)",
			"%d registered targets in %d AZs (%s); 2 or more in 2 AZs are needed", len(tg.Targets), len(azs), azList))
	}
	if len(notHealthy) > 0 {
		problems = append(problems, textf("healthy でないターゲット: %s", "targets not healthy: %s", strings.Join(notHealthy, ", ")))
		switch {
		case initial == len(notHealthy) && len(problems) == 1:
			problems = append(problems, Text{JA: "ヘルスチェックの実行中です", EN: "health checks are still running"})
			hint = &Text{JA: "登録直後はヘルスチェックに数分掛かります。しばらく待ってから再確認してください", EN: "Health checks take a few minutes after registering: check again shortly"}
		case len(problems) == 1:
			hint = &Text{
				JA: "healthy でないWebサーバで nginx が起動していること(sudo systemctl status nginx)と、セキュリティグループ web-ユーザ名 が alb-ユーザ名 からの HTTP を許可していることを確認してください",
				EN: "On each unhealthy web server check that nginx is running (sudo systemctl status nginx) and that the security group web-<user> allows HTTP from alb-<user>",
			}
		}
	}
	if len(problems) > 0 {
		vd := failed(join(label, Text{JA: ": ", EN: ": "}, joinTexts(problems, "。", "; ")), evidence...)
		if hint != nil {
			vd = vd.withHint(*hint)
		}
		return vd
	}
	return passed(join(label, textf(": %d 個のターゲットが %d つの AZ(%s)ですべて healthy です", ": all %d targets are healthy, in %d AZs (%s)", len(tg.Targets), len(azs), azList)), evidence...)
}
