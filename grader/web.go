package grader

import (
	"fmt"
	"slices"
	"strings"
)

// The web checks look at Step 3's horizontal scaling: an AMI of web server
// #1, web server #2 launched from it, and the two servers in two AZs.
var webChecks = []check{
	{
		id:    "web.ami",
		reads: []Data{DataImages},
		area:  "web",
		title: Text{JA: "AMI の作成", EN: "AMI"},
		hint: Text{
			JA: "EC2 → インスタンス → webserver#1-ユーザ名 にチェック → アクション → イメージ → イメージの作成 で、イメージ名とイメージの説明を「sampleapp ユーザ名」にしてイメージの作成を押してください",
			EN: "EC2 → Instances → tick webserver#1-<user> → Actions → Image → Create image, with image name and description \"sampleapp <user>\"",
		},
		judge: judgeAMI,
	},
	{
		id:    "web.second_instance",
		reads: []Data{DataInstances, DataImages, DataVPCs, DataSubnets, DataRouteTables, DataSecurityGroups},
		area:  "web",
		title: Text{JA: "Webサーバ #2", EN: "Web server #2"},
		hint:  secondInstanceHint,
		// needs web.ami for the AMI part only: judgeSecondInstance reads the
		// web.ami result itself and still reports the instance.
		judge: judgeSecondInstance,
	},
	{
		id:    "web.two_az",
		reads: []Data{DataInstances, DataVPCs, DataSubnets, DataRouteTables},
		area:  "web",
		title: Text{JA: "Webサーバ 2 台が 2 つの AZ に", EN: "Two web servers in two AZs"},
		hint: Text{
			JA: "2 台のWebサーバは異なる AZ のパブリックサブネットで実行してください(#1 は ap-northeast-1d、#2 は ap-northeast-1c の 10.0.1.0/24)",
			EN: "The two web servers must run in public subnets of different AZs (#1 in ap-northeast-1d, #2 in ap-northeast-1c's 10.0.1.0/24)",
		},
		judge: judgeWebTwoAZ,
	},
}

var secondInstanceHint = Text{
	JA: "EC2 → AMI → 「sampleapp ユーザ名」にチェック → アクション → 作成 で、t2.micro、ネットワーク vpc-ユーザ名、サブネット ap-northeast-1c のパブリックサブネット 10.0.1.0/24、自動割り当てパブリックIP 有効化、タグ Name「webserver#2-ユーザ名」、セキュリティグループ web-ユーザ名 で起動してください",
	EN: "EC2 → AMIs → tick \"sampleapp <user>\" → Actions → Launch: t2.micro, network vpc-<user>, the public subnet 10.0.1.0/24 in ap-northeast-1c, auto-assign public IP enabled, tag Name \"webserver#2-<user>\", security group web-<user>",
}

func judgeAMI(v *view) verdict {
	im := v.ami.Item
	if im == nil {
		return failed(notFound("AMI", "AMI", v.ami.Expected))
	}
	ev := fmt.Sprintf("%s (Name=%q, State=%s, Owner=%s)", im.ID, im.Name, im.State, im.OwnerID)
	if im.CreationDate != "" {
		ev = strings.TrimSuffix(ev, ")") + ", Created=" + im.CreationDate + ")"
	}
	switch im.State {
	case "available":
	case "pending":
		return failed(
			textf("AMI %s(%s)はまだ作成中です(状態 pending)", "AMI %s (%q) is still being created (state pending)", im.ID, im.Name), ev,
		).withHint(Text{
			JA: "AMI の作成には数分掛かります。EC2 → AMI で状態が available になるまで待ってください",
			EN: "Creating an image takes a few minutes: wait until EC2 → AMIs shows it as available",
		})
	default:
		return failed(textf("AMI %s(%s)の状態が %s です(available が必要です)", "AMI %s (%q) is in state %s, not available", im.ID, im.Name, im.State), ev)
	}
	msg := textf("AMI %s(%s)は利用可能です", "AMI %s (%q) is available", im.ID, im.Name)
	if v.ami.Renamed {
		return warned(join(msg, renamedNote(im.Name, v.ami.Expected)), ev)
	}
	return passed(msg, ev)
}

// amiUsable reports whether the AMI part of web.second_instance can be
// judged: web.ami passed (or, when it is disabled, an available AMI was
// found).
func (v *view) amiUsable() bool {
	if res, judged := v.results["web.ami"]; judged {
		return res.Status.Passed() && v.ami.Item != nil
	}
	return v.ami.Item != nil && v.ami.Item.State == "available"
}

// secondInstance is web server #2: the instance named by the template or,
// in a dedicated account without one, the lone running instance launched
// from the student's AMI (renamed).
func (v *view) secondInstance() (*Instance, bool) {
	if v.web2.Item != nil {
		return v.web2.Item, v.web2.Renamed
	}
	if !v.st.Dedicated || !v.amiUsable() {
		return nil, false
	}
	var fromAMI []*Instance
	for _, in := range v.ix.liveInstances {
		if in.State == "running" && in.ImageID == v.ami.Item.ID && in != v.web1.Item {
			fromAMI = append(fromAMI, in)
		}
	}
	if len(fromAMI) == 1 {
		return fromAMI[0], true
	}
	return nil, false
}

// problem is one unmet condition of a check, with what to do about it.
type problem struct {
	msg  Text
	hint Text
}

func judgeSecondInstance(v *view) verdict {
	in, renamed := v.secondInstance()
	if in == nil {
		msg := notFound("インスタンス", "instance", v.web2.Expected)
		for _, t := range v.snap.Instances {
			if t.State == "terminated" || t.State == "shutting-down" {
				if norm(t.Name) == norm(v.web2.Expected) {
					msg = join(msg, textf("(終了済みの %s のみがあります)", " (only the terminated %s)", t.ID))
					break
				}
			}
		}
		return failed(msg)
	}
	evidence := []string{instanceEvidence(in)}
	var problems []problem
	var caveats []Text

	if in.State != "running" {
		p := problem{msg: textf("状態が %s です(running が必要です)", "its state is %s, not running", in.State), hint: secondInstanceHint}
		if in.State == "stopped" || in.State == "stopping" {
			p.hint = Text{
				JA: fmt.Sprintf("EC2 → インスタンス → %s にチェック → インスタンスの状態 → インスタンスを開始 を選んでください", in.Name),
				EN: fmt.Sprintf("EC2 → Instances → tick %s → Instance state → Start instance", in.Name),
			}
		}
		if in.State == "pending" {
			p.hint = Text{JA: "起動中です。数分待ってから再確認してください", EN: "It is starting: check again in a few minutes"}
		}
		problems = append(problems, p)
	}

	amiJudged := v.amiUsable()
	if amiJudged {
		im := v.ami.Item
		evidence = append(evidence, fmt.Sprintf("AMI %s (Name=%q)", im.ID, im.Name))
		if in.ImageID != im.ID {
			other := in.ImageID
			if o := v.ix.imageByID[in.ImageID]; o != nil {
				other = fmt.Sprintf("%s (%q)", o.ID, o.Name)
			}
			problems = append(problems, problem{
				msg:  textf("AMI %s から起動されています(%s の %s ではありません)", "it was launched from %s, not from %q (%s)", other, im.Name, im.ID),
				hint: secondInstanceHint,
			})
		}
	}

	sn := v.ix.subnetByID[in.SubnetID]
	if sn != nil {
		evidence = append(evidence, subnetEvidence(v, sn))
	}
	switch {
	case v.vpc.Item == nil:
		problems = append(problems, problem{
			msg:  textf("VPC「%s」が見つからないため、パブリックサブネットか確認できません", "the VPC %q was not found, so its subnet cannot be confirmed public", v.vpc.Expected),
			hint: Text{JA: "Step-1: VPC「vpc-ユーザ名」を作成してください", EN: "Step 1: create the VPC vpc-<user>"},
		})
	case in.VPCID != v.vpc.Item.ID:
		problems = append(problems, problem{
			msg:  textf("VPC %s にあります(%s の %s ではありません)", "it is in VPC %s, not in %s (%s)", in.VPCID, v.vpc.Item.Name, v.vpc.Item.ID),
			hint: secondInstanceHint,
		})
	case !v.isPublicSubnetOfVPC(in.SubnetID):
		cidr := ""
		if sn != nil {
			cidr = sn.CIDR
		}
		problems = append(problems, problem{
			msg:  textf("サブネット %s(%s)はパブリックサブネットではありません", "its subnet %s (%s) is not a public subnet", in.SubnetID, cidr),
			hint: secondInstanceHint,
		})
	}

	if in.PublicIP == "" {
		problems = append(problems, problem{
			msg:  Text{JA: "パブリックIPがありません", EN: "it has no public IP"},
			hint: secondInstanceHint,
		})
	}

	sgHint := Text{
		JA: fmt.Sprintf("EC2 → インスタンス → %s にチェック → アクション → セキュリティ → セキュリティグループを変更 で %s を追加してください", in.Name, v.webSG.Expected),
		EN: fmt.Sprintf("EC2 → Instances → tick %s → Actions → Security → Change security groups, and add %s", in.Name, v.webSG.Expected),
	}
	switch sg := v.webSG.Item; {
	case sg == nil:
		problems = append(problems, problem{
			msg:  textf("セキュリティグループ「%s」が見つかりません", "the security group %q was not found", v.webSG.Expected),
			hint: sgHint,
		})
	case !slices.Contains(in.SecurityGroupIDs, sg.ID):
		problems = append(problems, problem{
			msg: textf("セキュリティグループ %s(%s)が付いていません(付いているのは %s)", "it does not have the security group %s (%s) (its groups: %s)",
				sg.Name, sg.ID, v.sgLabels(in.SecurityGroupIDs)),
			hint: sgHint,
		})
	case v.webSG.Renamed:
		caveats = append(caveats, renamedNote(sg.Name, v.webSG.Expected))
	}

	if renamed {
		caveats = append(caveats, renamedNote(in.Name, v.web2.Expected))
	}
	if want := v.r.Expect.InstanceType; want != "" && in.Type != want {
		caveats = append(caveats, textf("(タイプが %s で、手順の %s と異なります)", " (its type is %s, not the handout's %s)", in.Type, want))
	}
	if want := v.r.Expect.SecondInstanceAZ; want != "" && in.AZ != want {
		caveats = append(caveats, textf("(AZ が %s で、手順の %s と異なります)", " (its AZ is %s, not the handout's %s)", in.AZ, want))
	}

	label := textf("インスタンス %s(%s)", "Instance %s (%s)", in.Name, in.ID)
	amiNote := Text{
		JA: "。前提のチェック web.ami が未達成のため、AMI から起動されたかは判定していません",
		EN: "; whether it was launched from the AMI was not judged: the prerequisite web.ami has not passed",
	}
	if len(problems) > 0 {
		msgs := make([]Text, len(problems))
		var hints []Text
		for i, p := range problems {
			msgs[i] = p.msg
			if !slices.Contains(hints, p.hint) {
				hints = append(hints, p.hint)
			}
		}
		msg := join(label, Text{JA: ": ", EN: ": "}, joinTexts(msgs, "。", "; "))
		if !amiJudged {
			msg = join(msg, amiNote)
		}
		return failed(msg, evidence...).withHint(joinTexts(hints, "。", ". "))
	}

	msg := join(label, textf("は running で、パブリックサブネット %s(%s)にあり、パブリックIP %s とセキュリティグループ %s があります",
		" is running in public subnet %s (%s) with public IP %s and security group %s", in.SubnetID, in.AZ, in.PublicIP, v.webSG.Item.Name))
	if !amiJudged {
		return verdict{
			status:   StatusBlocked,
			msg:      join(append(append([]Text{msg}, caveats...), amiNote)...),
			hint:     &Text{JA: "先に web.ami を完了してください", EN: "Complete web.ami first"},
			evidence: evidence,
		}
	}
	msg = join(msg, textf("(AMI %s から起動)", ", launched from AMI %s", v.ami.Item.ID))
	if len(caveats) > 0 {
		return warned(join(append([]Text{msg}, caveats...)...), evidence...)
	}
	return passed(msg, evidence...)
}

func judgeWebTwoAZ(v *view) verdict {
	if v.vpc.Item == nil {
		return failed(textf("VPC「%s」が見つからないため、パブリックサブネットのWebサーバを確認できません",
			"The VPC %q was not found, so no web server can be in its public subnets", v.vpc.Expected)).
			withHint(Text{JA: "Step-1: VPC「vpc-ユーザ名」を作成してください", EN: "Step 1: create the VPC vpc-<user>"})
	}
	var count int
	var azs, evidence []string
	for _, in := range v.webInstances() {
		if v.isPublicSubnetOfVPC(in.SubnetID) {
			count++
			if !slices.Contains(azs, in.AZ) {
				azs = append(azs, in.AZ)
			}
			evidence = append(evidence, fmt.Sprintf("%s (Name=%q, running, %s, public subnet %s)", in.ID, in.Name, in.AZ, in.SubnetID))
		} else {
			evidence = append(evidence, fmt.Sprintf("%s (Name=%q, running, %s, subnet %s: not a public subnet of %s)", in.ID, in.Name, in.AZ, in.SubnetID, v.vpc.Item.ID))
		}
	}
	slices.Sort(azs)
	slices.Sort(evidence)
	azList := strings.Join(azs, ", ")
	if count >= 2 && len(azs) >= 2 {
		return passed(textf("%s のパブリックサブネットで %d 台のWebサーバが %d つの AZ(%s)で実行中です",
			"%d running web servers in public subnets of %s, in %d AZs (%s)", count, v.vpc.Item.ID, len(azs), azList), evidence...)
	}
	msg := Text{
		JA: fmt.Sprintf("%s のパブリックサブネットで実行中のWebサーバは %d 台、%d つの AZ(%s)だけです(2 つの AZ に 2 台以上必要です)", v.vpc.Item.ID, count, len(azs), azList),
		EN: fmt.Sprintf("Only %d running web servers in public subnets of %s, in %d AZs (%s); 2 or more in 2 AZs are needed", count, v.vpc.Item.ID, len(azs), azList),
	}
	vd := failed(msg, evidence...)
	if count >= 2 {
		vd = vd.withHint(Text{
			JA: fmt.Sprintf("2 台のWebサーバが同じ AZ にあります。webserver#2-ユーザ名 を %s のパブリックサブネット(10.0.1.0/24)で起動し直してください", v.r.Expect.SecondInstanceAZ),
			EN: fmt.Sprintf("Both web servers are in one AZ: launch webserver#2-<user> again in the public subnet (10.0.1.0/24) of %s", v.r.Expect.SecondInstanceAZ),
		})
	}
	return vd
}

// instanceEvidence describes an instance for the evidence list.
func instanceEvidence(in *Instance) string {
	ip := in.PublicIP
	if ip == "" {
		ip = "none"
	}
	return fmt.Sprintf("%s (Name=%q, State=%s, Type=%s, AZ=%s, VPC=%s, Subnet=%s, Image=%s, PublicIP=%s, SGs=%s)",
		in.ID, in.Name, in.State, in.Type, in.AZ, in.VPCID, in.SubnetID, in.ImageID, ip, strings.Join(in.SecurityGroupIDs, ","))
}

// subnetEvidence describes a subnet and whether it is public.
func subnetEvidence(v *view, sn *Subnet) string {
	kind := "private"
	if v.ix.publicSubnets[sn.ID] {
		kind = "public"
	}
	return fmt.Sprintf("%s (VPC=%s, %s, %s, %s)", sn.ID, sn.VPCID, sn.AZ, sn.CIDR, kind)
}

// sgLabels names security groups by name and id, e.g. "web-user01 (sg-1)".
func (v *view) sgLabels(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = v.sgLabel(id)
	}
	return strings.Join(out, ", ")
}

func (v *view) sgLabel(id string) string {
	if sg := v.ix.sgByID[id]; sg != nil {
		return fmt.Sprintf("%s (%s)", sg.Name, sg.ID)
	}
	return id
}

// joinTexts joins texts with a separator per language.
func joinTexts(parts []Text, sepJA, sepEN string) Text {
	var t Text
	for i, p := range parts {
		if i > 0 {
			t.JA += sepJA
			t.EN += sepEN
		}
		t.JA += p.JA
		t.EN += p.EN
	}
	return t
}
