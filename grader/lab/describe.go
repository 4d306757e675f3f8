package lab

import (
	"fmt"
	"strings"
)

// The records' evidence lines: what a check shows of a resource it looked
// at, the same for every lab.

func (v *VPC) describe() string { return fmt.Sprintf("%s (Name=%q, %s)", v.ID, v.Name, v.CIDR) }

func (s *Subnet) describe() string {
	kind := "private"
	if s.Public {
		kind = "public"
	}
	return fmt.Sprintf("%s (VPC=%s, %s, %s, %s)", s.ID, s.VPCID, s.AZ, s.CIDR, kind)
}

func (in *Instance) describe() string {
	ip := in.PublicIP
	if ip == "" {
		ip = "none"
	}
	key := ""
	if in.KeyName != "" {
		key = ", Key=" + in.KeyName
	}
	return fmt.Sprintf("%s (Name=%q, State=%s, Type=%s, AZ=%s, VPC=%s, Subnet=%s, Image=%s, PublicIP=%s, SGs=%s%s)",
		in.ID, in.Name, in.State, in.Type, in.AZ, in.VPCID, in.SubnetID, in.ImageID, ip, strings.Join(in.SecurityGroupIDs, ","), key)
}

func (im *Image) describe() string {
	return fmt.Sprintf("%s (Name=%q, State=%s, Owner=%s)", im.ID, im.Name, im.State, im.OwnerID)
}

func (g *SecurityGroup) describe() string {
	rules := make([]string, 0, len(g.Inbound))
	for _, p := range g.Inbound {
		src := strings.Join(append(append(append([]string{}, p.IPv4Ranges...), p.IPv6Ranges...), append(p.PrefixListIDs, p.GroupIDs...)...), ", ")
		if src == "" {
			src = "nothing"
		}
		ports := fmt.Sprintf("%s %d-%d", p.Protocol, p.FromPort, p.ToPort)
		switch {
		case p.Protocol == "-1":
			ports = "all traffic"
		case p.FromPort == p.ToPort:
			ports = fmt.Sprintf("%s %d", p.Protocol, p.FromPort)
		}
		rules = append(rules, ports+" from "+src)
	}
	inbound := strings.Join(rules, "; ")
	if inbound == "" {
		inbound = "no inbound rules"
	}
	return fmt.Sprintf("%s (GroupName=%q, VPC=%s): %s", g.ID, g.Name, g.VPCID, inbound)
}

func (lb *LoadBalancer) describe() string {
	return fmt.Sprintf("%s (Name=%q, Type=%s, Scheme=%s, State=%s, VPC=%s, DNS=%s)", lb.ARN, lb.Name, lb.Type, lb.Scheme, lb.State, lb.VPCID, lb.DNSName)
}

func (tg *TargetGroup) describe() string {
	return fmt.Sprintf("%s (Name=%q, TargetType=%s, %s:%d, VPC=%s)", tg.ARN, tg.Name, tg.TargetType, tg.Protocol, tg.Port, tg.VPCID)
}

func (c *DBCluster) describe() string {
	sgs := ""
	if len(c.SecurityGroupIDs) > 0 {
		sgs = ", SGs=" + strings.Join(c.SecurityGroupIDs, ",")
	}
	return fmt.Sprintf("%s (%s, %s, %d member(s), subnet group %s%s)", c.ID, c.Status, c.Engine, len(c.Members), c.DBSubnetGroupName, sgs)
}

func (g *InternetGateway) describe() string {
	attached := strings.Join(g.VPCIDs, ",")
	if attached == "" {
		attached = "detached"
	}
	return fmt.Sprintf("%s (Name=%q, VPC=%s)", g.ID, g.Name, attached)
}

func (k *KeyPair) describe() string {
	return fmt.Sprintf("%s (Name=%q, %s, Fingerprint=%s)", k.ID, k.Name, k.Type, k.Fingerprint)
}

func (d *DBInstance) describe() string {
	return fmt.Sprintf("%s (%s, %s, %s, PubliclyAccessible=%t)", d.ID, d.Class, d.AZ, d.Status, d.PubliclyAccessible)
}
