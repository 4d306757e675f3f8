package grader

import (
	"fmt"
	"slices"
	"strings"
)

// The ingress check looks at the last part of Step 3: the web servers accept
// HTTP only from the load balancer's security group.
var ingressChecks = []check{
	{
		id:    "ingress.alb_only",
		reads: []Data{DataInstances, DataSecurityGroups, DataLoadBalancers, DataVPCs},
		area:  "ingress",
		title: Text{JA: "Webサーバへの HTTP は ALB 経由のみ", EN: "HTTP to the web servers only via the ALB"},
		hint:  ingressHint("web-ユーザ名", "alb-ユーザ名", "web-<user>", "alb-<user>", nil),
		judge: judgeALBOnly,
	},
}

// ingressHint is the handout's instruction, with the other groups that open
// port 80 named when there are any.
func ingressHint(webJA, albJA, webEN, albEN string, others []string) Text {
	h := Text{
		JA: fmt.Sprintf("EC2 → セキュリティグループ → %s → インバウンドルールの編集: %s のHTTPルールのソースを %s にし、もう一つのHTTPルール(0.0.0.0/0 や ::/0 などIPアドレスのソース)はバツボタンで削除して保存してください", webJA, webJA, albJA),
		EN: fmt.Sprintf("EC2 → Security Groups → %s → Edit inbound rules: set the source of %s's HTTP rule to %s, delete the other HTTP rules (0.0.0.0/0, ::/0 or any IP range) and save", webEN, webEN, albEN),
	}
	if len(others) > 0 {
		list := strings.Join(others, ", ")
		h = join(h, textf("。%s のポート80のルールも削除するか、そのセキュリティグループをインスタンスから外してください", ". Also delete the port-80 rules of %s, or remove that group from the instance", list))
	}
	return h
}

// coversPort reports whether a rule lets TCP traffic to port through: an
// all-traffic rule, or a TCP rule whose range contains the port.
func coversPort(p Permission, port int32) bool {
	switch strings.ToLower(strings.TrimSpace(p.Protocol)) {
	case "-1", "all":
		return true
	case "tcp", "6":
		return p.FromPort <= port && port <= p.ToPort
	}
	return false
}

// ipSources are a rule's sources that are address ranges: IPv4 and IPv6
// CIDR blocks and prefix lists.
func ipSources(p Permission) []string {
	var out []string
	out = append(out, p.IPv4Ranges...)
	out = append(out, p.IPv6Ranges...)
	out = append(out, p.PrefixListIDs...)
	return out
}

// describeRule names a rule's protocol and ports, e.g. "tcp 80",
// "tcp 0-65535", "all traffic".
func describeRule(p Permission) string {
	proto := strings.ToLower(strings.TrimSpace(p.Protocol))
	switch proto {
	case "-1", "all":
		return "all traffic"
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	}
	if p.FromPort == p.ToPort {
		return fmt.Sprintf("%s %d", proto, p.FromPort)
	}
	return fmt.Sprintf("%s %d-%d", proto, p.FromPort, p.ToPort)
}

// describeSources lists every source of a rule.
func describeSources(p Permission) string {
	src := append(ipSources(p), p.GroupIDs...)
	if len(src) == 0 {
		return "nothing"
	}
	return strings.Join(src, ", ")
}

// sgEvidence describes a security group and its inbound rules.
func sgEvidence(sg *SecurityGroup) string {
	rules := make([]string, len(sg.Inbound))
	for i, p := range sg.Inbound {
		rules[i] = describeRule(p) + " from " + describeSources(p)
	}
	inbound := strings.Join(rules, "; ")
	if inbound == "" {
		inbound = "no inbound rules"
	}
	return fmt.Sprintf("%s (GroupName=%q, VPC=%s): %s", sg.ID, sg.Name, sg.VPCID, inbound)
}

func judgeALBOnly(v *view) verdict {
	webName, albName := v.webSG.Expected, v.albSG.Expected
	if v.webSG.Item != nil {
		webName = v.webSG.Item.Name
	}
	if v.albSG.Item != nil {
		albName = v.albSG.Item.Name
	}

	instances := v.webInstances()
	if len(instances) == 0 {
		return failed(textf("実行中のWebサーバがありません(%s、%s、VPC %s 内の実行中インスタンスのいずれも)",
			"No running web server was found (neither %s, %s nor a running instance in the VPC %s)",
			v.web1.Expected, v.web2.Expected, v.vpc.Expected)).
			withHint(Text{
				JA: "EC2 → インスタンス で webserver#1-ユーザ名 と webserver#2-ユーザ名 を起動(インスタンスの状態 → インスタンスを開始)してください",
				EN: "EC2 → Instances: start webserver#1-<user> and webserver#2-<user> (Instance state → Start instance)",
			})
	}

	// The ALB's groups: those of the load balancer, or alb-{user} when no
	// load balancer was found.
	var albGroups []string
	switch {
	case v.lb.Item != nil:
		albGroups = v.lb.Item.SecurityGroupIDs
	case v.albSG.Item != nil:
		albGroups = []string{v.albSG.Item.ID}
	}

	var evidence, openRules, otherSGs []string
	var withoutALB []*Instance
	seen := map[string]bool{}
	for _, in := range instances {
		evidence = append(evidence, fmt.Sprintf("%s (Name=%q, SGs=%s)", in.ID, in.Name, strings.Join(in.SecurityGroupIDs, ",")))
		fromALB := false
		for _, id := range in.SecurityGroupIDs {
			sg := v.ix.sgByID[id]
			if sg == nil {
				if !seen[id] {
					seen[id] = true
					evidence = append(evidence, id+" (not listed by DescribeSecurityGroups)")
				}
				continue
			}
			for _, p := range sg.Inbound {
				if coversPort(p, 80) && slices.ContainsFunc(p.GroupIDs, func(g string) bool { return slices.Contains(albGroups, g) }) {
					fromALB = true
				}
			}
			if seen[id] {
				continue // its rules are already listed
			}
			seen[id] = true
			evidence = append(evidence, sgEvidence(sg))
			for _, p := range sg.Inbound {
				if src := ipSources(p); coversPort(p, 80) && len(src) > 0 {
					openRules = append(openRules, fmt.Sprintf("%s %s from %s", v.sgLabel(sg.ID), describeRule(p), strings.Join(src, ", ")))
					if v.webSG.Item != sg && !slices.Contains(otherSGs, sg.Name) {
						otherSGs = append(otherSGs, sg.Name)
					}
				}
			}
		}
		if !fromALB {
			withoutALB = append(withoutALB, in)
		}
	}

	var problems []Text
	if len(openRules) > 0 {
		list := strings.Join(openRules, "; ")
		problems = append(problems, textf("ポート80がIPアドレス範囲に開いています: %s", "Port 80 is open to IP ranges: %s", list))
	}
	if len(withoutALB) > 0 {
		names := make([]string, len(withoutALB))
		for i, in := range withoutALB {
			names[i] = fmt.Sprintf("%s (%s)", in.Name, in.ID)
		}
		list := strings.Join(names, ", ")
		if len(albGroups) == 0 {
			problems = append(problems, textf("ALB のセキュリティグループ(%s)が見つからないため、%s でALBからのポート80の許可を確認できません",
				"No ALB security group (%q) was found, so port 80 from the ALB cannot be confirmed on %s", v.albSG.Expected, list))
		} else {
			groups := v.sgLabels(albGroups)
			problems = append(problems, Text{
				JA: fmt.Sprintf("%s で ALB のセキュリティグループ %s からのポート80が許可されていません", list, groups),
				EN: fmt.Sprintf("Port 80 is not allowed from the ALB's security group %s on %s", groups, list),
			})
		}
	}
	if len(problems) > 0 {
		return failed(joinTexts(problems, "。", ". "), evidence...).withHint(ingressHint(webName, albName, webName, albName, otherSGs))
	}
	return passed(textf("実行中のWebサーバ %d 台のセキュリティグループは、ポート80をIPアドレス範囲に開かず、ALB のセキュリティグループ %s から許可しています",
		"On the security groups of the %d running web servers, port 80 is open to no IP range and allowed from the ALB's security group %s",
		len(instances), v.sgLabels(albGroups)), evidence...)
}
