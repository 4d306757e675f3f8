package grader

import (
	"fmt"
	"slices"
)

// The network checks look at what Steps 1 and 2 built. They are advisory:
// Step 3 is graded on what it adds, but a missing VPC explains a lot.
var networkChecks = []check{
	{
		id:    "network.vpc",
		reads: []Data{DataVPCs},
		area:  "network",
		title: Text{JA: "VPC", EN: "VPC"},
		hint:  Text{JA: "Step-1: VPC「vpc-ユーザ名」を作成してください", EN: "Step 1: create the VPC vpc-<user>"},
		judge: judgeVPC,
	},
	{
		id:    "network.public_subnets",
		reads: []Data{DataVPCs, DataSubnets, DataRouteTables},
		area:  "network",
		title: Text{JA: "パブリックサブネット", EN: "Public subnets"},
		hint:  Text{JA: "Step-1: パブリックサブネットのルートテーブルで 0.0.0.0/0 をインターネットゲートウェイに向けてください", EN: "Step 1: route 0.0.0.0/0 to the internet gateway in the public subnets' route table"},
		needs: []string{"network.vpc"},
		judge: judgePublicSubnets,
	},
	{
		id:    "network.private_subnets",
		reads: []Data{DataVPCs, DataSubnets, DataRouteTables},
		area:  "network",
		title: Text{JA: "プライベートサブネット", EN: "Private subnets"},
		hint:  Text{JA: "Step-1/2: Aurora 用に 2 つの AZ にプライベートサブネットを作成してください", EN: "Steps 1–2: create private subnets in two AZs for Aurora"},
		needs: []string{"network.vpc"},
		judge: judgePrivateSubnets,
	},
}

func judgeVPC(v *view) verdict {
	vpc := v.vpc.Item
	if vpc == nil {
		return failed(notFound("VPC", "VPC", v.vpc.Expected))
	}
	evidence := fmt.Sprintf("%s (Name=%q, %s)", vpc.ID, vpc.Name, vpc.CIDR)
	msg := textf("VPC %s があります", "VPC %s exists", vpc.ID)
	caveat := false
	if v.vpc.Renamed {
		msg = join(msg, renamedNote(vpc.Name, v.vpc.Expected))
		caveat = true
	}
	if want := v.r.Expect.VPCCIDR; want != "" && vpc.CIDR != want {
		msg = join(msg, textf("(CIDR が %s で、手順の %s と異なります)", " (its CIDR is %s, not the handout's %s)", vpc.CIDR, want))
		caveat = true
	}
	if caveat {
		return warned(msg, evidence)
	}
	return passed(msg, evidence)
}

func judgePublicSubnets(v *view) verdict {
	return judgeSubnetPair(v, true)
}

func judgePrivateSubnets(v *view) verdict {
	return judgeSubnetPair(v, false)
}

// judgeSubnetPair passes when the VPC has at least two subnets of the kind
// in at least two AZs.
func judgeSubnetPair(v *view, public bool) verdict {
	kind := Text{JA: "プライベート", EN: "private"}
	if public {
		kind = Text{JA: "パブリック", EN: "public"}
	}
	subnets := v.vpcSubnets(public)
	var azs, evidence []string
	for _, sn := range subnets {
		evidence = append(evidence, fmt.Sprintf("%s (%s, %s)", sn.ID, sn.CIDR, sn.AZ))
		if !slices.Contains(azs, sn.AZ) {
			azs = append(azs, sn.AZ)
		}
	}
	slices.Sort(evidence)
	if len(subnets) >= 2 && len(azs) >= 2 {
		return passed(Text{
			JA: fmt.Sprintf("%sサブネットが %d 個、%d つの AZ にあります", kind.JA, len(subnets), len(azs)),
			EN: fmt.Sprintf("%d %s subnets in %d AZs", len(subnets), kind.EN, len(azs)),
		}, evidence...)
	}
	return failed(Text{
		JA: fmt.Sprintf("%sサブネットが %d 個、%d つの AZ にしかありません(2 つの AZ に 2 個以上必要です)", kind.JA, len(subnets), len(azs)),
		EN: fmt.Sprintf("Only %d %s subnets in %d AZs (2 or more in 2 AZs are needed)", len(subnets), kind.EN, len(azs)),
	}, evidence...)
}
