package lab

import (
	"slices"
	"strings"
	"sync"

	"labgrid/grader"
)

// World is one Snapshot as the lab's rules see it: linked records and the
// lookups that attribute them to students. It is built once per snapshot
// and shared by every student of the target (read-only).
type World struct {
	snap  *grader.Snapshot
	kinds map[string]*catalog // by kind name
	// probes are the snapshot's probe answers, keyed by URL.
	probes map[string]*Probe
	// unreadable names the data the snapshot could not read.
	unreadable []string
	// described caches the records' descriptions: a record is shown by
	// several checks (a DB instance by four) and students may be judged
	// in parallel.
	mu        sync.Mutex
	described map[describer]string
}

// describer is a record that evidence shows in a standard form.
type describer interface{ describe() string }

// describe is r.describe(), made once per World.
func (w *World) describe(r describer) string {
	if w == nil {
		return r.describe()
	}
	w.mu.Lock()
	s, ok := w.described[r]
	w.mu.Unlock()
	if ok {
		return s
	}
	s = r.describe()
	w.mu.Lock()
	if w.described == nil {
		w.described = map[describer]string{}
	}
	w.described[r] = s
	w.mu.Unlock()
	return s
}

// catalog holds the records of one kind.
type catalog struct {
	all    []*entry
	byName map[string][]*entry // by norm(name)
}

// entry is one record with what attribution needs to know of it.
type entry struct {
	name  string // as AWS reports it
	norm  string // norm(name), as names are compared
	vpcID string
	rec   any // *VPC, *Instance, …
	// exempt records are never a fallback candidate: default VPCs, their
	// subnets and security groups named default.
	exempt bool
	rank   int // higher is preferred among several matches
}

func (c *catalog) add(e *entry) {
	e.norm = norm(e.name)
	c.all = append(c.all, e)
	c.byName[e.norm] = append(c.byName[e.norm], e)
}

// NewWorld builds the records of snap. The snapshot must not change
// afterwards.
func NewWorld(snap *grader.Snapshot) *World {
	w := &World{snap: snap, kinds: map[string]*catalog{}, probes: map[string]*Probe{}}
	// Sized up front: a class's account holds hundreds of each.
	sizes := map[string]int{"ec2.vpc": len(snap.VPCs), "ec2.subnet": len(snap.Subnets), "ec2.instance": len(snap.Instances),
		"ec2.image": len(snap.Images), "ec2.security_group": len(snap.SecurityGroups), "elbv2.load_balancer": len(snap.LoadBalancers),
		"elbv2.target_group": len(snap.TargetGroups), "rds.cluster": len(snap.DBClusters), "rds.instance": len(snap.DBInstances),
		"ec2.internet_gateway": len(snap.InternetGateways), "ec2.key_pair": len(snap.KeyPairs)}
	for _, k := range kinds {
		n := sizes[k.Name]
		w.kinds[k.Name] = &catalog{all: make([]*entry, 0, n), byName: make(map[string][]*entry, n)}
	}

	subnets := make(map[string]*Subnet, len(snap.Subnets))
	explicit, mainOf := map[string]*grader.RouteTable{}, map[string]*grader.RouteTable{}
	for i := range snap.RouteTables {
		rt := &snap.RouteTables[i]
		for _, id := range rt.SubnetIDs {
			explicit[id] = rt
		}
		if rt.Main {
			mainOf[rt.VPCID] = rt
		}
	}
	// A default VPC's subnets are its default parts, as the VPC is exempt.
	defaultVPC := map[string]bool{}
	for _, v := range snap.VPCs {
		if v.IsDefault {
			defaultVPC[v.ID] = true
		}
	}
	for _, s := range snap.Subnets {
		rt := explicit[s.ID]
		if rt == nil {
			rt = mainOf[s.VPCID]
		}
		sn := &Subnet{ID: s.ID, Name: s.Name, VPCID: s.VPCID, AZ: s.AZ, CIDR: s.CIDR, MapPublicIPOnLaunch: s.MapPublicIPOnLaunch,
			Public: rt != nil && routesToInternet(rt)}
		subnets[s.ID] = sn
		w.kinds["ec2.subnet"].add(&entry{name: s.Name, vpcID: s.VPCID, rec: sn, exempt: defaultVPC[s.VPCID]})
	}
	// Grouped once: a class's account holds a VPC per student.
	subnetsOf := make(map[string][]*Subnet, len(snap.VPCs))
	for _, s := range snap.Subnets {
		subnetsOf[s.VPCID] = append(subnetsOf[s.VPCID], subnets[s.ID])
	}
	gatewaysOf := make(map[string][]*InternetGateway, len(snap.VPCs))
	for _, g := range snap.InternetGateways {
		rec := &InternetGateway{ID: g.ID, Name: g.Name, VPCIDs: orEmpty(g.VPCIDs)}
		for _, id := range g.VPCIDs {
			gatewaysOf[id] = append(gatewaysOf[id], rec)
		}
		w.kinds["ec2.internet_gateway"].add(&entry{name: g.Name, rec: rec})
	}
	for _, v := range snap.VPCs {
		vpc := &VPC{ID: v.ID, Name: v.Name, CIDR: v.CIDR, IsDefault: v.IsDefault, Subnets: subnetsOf[v.ID], InternetGateways: gatewaysOf[v.ID]}
		if vpc.Subnets == nil {
			vpc.Subnets = []*Subnet{}
		}
		if vpc.InternetGateways == nil {
			vpc.InternetGateways = []*InternetGateway{}
		}
		w.kinds["ec2.vpc"].add(&entry{name: v.Name, vpcID: v.ID, rec: vpc, exempt: v.IsDefault})
	}

	groups := make(map[string]*SecurityGroup, len(snap.SecurityGroups))
	for _, g := range snap.SecurityGroups {
		sg := &SecurityGroup{ID: g.ID, Name: g.Name, Description: g.Description, VPCID: g.VPCID, Inbound: []*Permission{}}
		for _, p := range g.Inbound {
			sg.Inbound = append(sg.Inbound, &Permission{Protocol: p.Protocol, FromPort: int(p.FromPort), ToPort: int(p.ToPort),
				IPv4Ranges: orEmpty(p.IPv4Ranges), IPv6Ranges: orEmpty(p.IPv6Ranges), PrefixListIDs: orEmpty(p.PrefixListIDs), GroupIDs: orEmpty(p.GroupIDs)})
		}
		groups[g.ID] = sg
		w.kinds["ec2.security_group"].add(&entry{name: g.Name, vpcID: g.VPCID, rec: sg, exempt: g.Name == "default"})
	}
	groupsOf := func(ids []string) []*SecurityGroup {
		out := []*SecurityGroup{}
		for _, id := range ids {
			if g := groups[id]; g != nil {
				out = append(out, g)
			}
		}
		return out
	}

	for _, k := range snap.KeyPairs {
		w.kinds["ec2.key_pair"].add(&entry{name: k.Name, rec: &KeyPair{ID: k.ID, Name: k.Name, Type: k.Type,
			Fingerprint: k.Fingerprint, CreateTime: k.CreateTime}})
	}

	instances := make(map[string]*Instance, len(snap.Instances))
	for _, in := range snap.Instances {
		rec := &Instance{ID: in.ID, Name: in.Name, State: in.State, Type: in.Type, AZ: in.AZ, VPCID: in.VPCID, SubnetID: in.SubnetID,
			Subnet: subnets[in.SubnetID], PublicIP: in.PublicIP, PrivateIP: in.PrivateIP, ImageID: in.ImageID, KeyName: in.KeyName,
			SecurityGroupIDs: orEmpty(in.SecurityGroupIDs), SecurityGroups: groupsOf(in.SecurityGroupIDs), LaunchTime: in.LaunchTime}
		instances[in.ID] = rec
		if in.State == "terminated" || in.State == "shutting-down" {
			continue // gone for the student; AWS lists them for an hour
		}
		w.kinds["ec2.instance"].add(&entry{name: in.Name, vpcID: in.VPCID, rec: rec, rank: instanceRank[in.State]})
	}
	for _, im := range snap.Images {
		rank := 0
		if im.State == "available" {
			rank = 1
		}
		w.kinds["ec2.image"].add(&entry{name: im.Name, rec: &Image{ID: im.ID, Name: im.Name, Description: im.Description,
			State: im.State, OwnerID: im.OwnerID, CreationDate: im.CreationDate}, rank: rank})
	}

	tgs := map[string]*TargetGroup{}
	for _, g := range snap.TargetGroups {
		tg := &TargetGroup{ARN: g.ARN, Name: g.Name, Protocol: g.Protocol, Port: int(g.Port), TargetType: g.TargetType, VPCID: g.VPCID,
			LoadBalancerARNs: orEmpty(g.LoadBalancerARNs), Targets: []*Target{}}
		for _, th := range g.Targets {
			t := &Target{ID: th.ID, Port: int(th.Port), AZ: th.AZ, State: th.State, Reason: th.Reason, Description: th.Description, Instance: instances[th.ID]}
			if t.AZ == "" && t.Instance != nil {
				t.AZ = t.Instance.AZ
			}
			tg.Targets = append(tg.Targets, t)
		}
		tgs[g.ARN] = tg
		w.kinds["elbv2.target_group"].add(&entry{name: g.Name, vpcID: g.VPCID, rec: tg})
	}
	listenersOf := make(map[string][]*grader.Listener, len(snap.LoadBalancers))
	for i := range snap.Listeners {
		ls := &snap.Listeners[i]
		listenersOf[ls.LoadBalancerARN] = append(listenersOf[ls.LoadBalancerARN], ls)
	}
	for _, l := range snap.LoadBalancers {
		lb := &LoadBalancer{ARN: l.ARN, Name: l.Name, DNSName: l.DNSName, Type: l.Type, Scheme: l.Scheme, State: l.State, VPCID: l.VPCID,
			Zones: []*LBZone{}, SecurityGroupIDs: orEmpty(l.SecurityGroupIDs), SecurityGroups: groupsOf(l.SecurityGroupIDs), Listeners: []*Listener{}}
		for _, z := range l.Zones {
			lb.Zones = append(lb.Zones, &LBZone{ZoneName: z.ZoneName, SubnetID: z.SubnetID, Subnet: subnets[z.SubnetID]})
		}
		for _, ls := range listenersOf[l.ARN] {
			rec := &Listener{ARN: ls.ARN, Protocol: ls.Protocol, Port: int(ls.Port), DefaultActions: []*Action{}}
			for _, a := range ls.DefaultActions {
				act := &Action{Type: a.Type, TargetGroupARNs: orEmpty(a.TargetGroupARNs), TargetGroups: []*TargetGroup{}}
				for _, arn := range a.TargetGroupARNs {
					if tg := tgs[arn]; tg != nil {
						act.TargetGroups = append(act.TargetGroups, tg)
					}
				}
				rec.DefaultActions = append(rec.DefaultActions, act)
			}
			lb.Listeners = append(lb.Listeners, rec)
		}
		w.kinds["elbv2.load_balancer"].add(&entry{name: l.Name, vpcID: l.VPCID, rec: lb})
	}

	subnetGroups := map[string]*DBSubnetGroup{}
	for _, g := range snap.DBSubnetGroups {
		rec := &DBSubnetGroup{Name: g.Name, VPCID: g.VPCID, SubnetIDs: orEmpty(g.SubnetIDs), Subnets: []*Subnet{}}
		for _, id := range g.SubnetIDs {
			if sn := subnets[id]; sn != nil {
				rec.Subnets = append(rec.Subnets, sn)
			}
		}
		subnetGroups[norm(g.Name)] = rec
	}
	// An RDS record is in the VPC of its DB subnet group.
	vpcOfGroup := func(name string) string {
		if g := subnetGroups[norm(name)]; g != nil {
			return g.VPCID
		}
		return ""
	}
	dbInstances := map[string]*DBInstance{}
	for _, d := range snap.DBInstances {
		rec := &DBInstance{ID: d.ID, ClusterID: d.ClusterID, Class: d.Class, Engine: d.Engine, AZ: d.AZ, Status: d.Status,
			PubliclyAccessible: d.PubliclyAccessible, DBSubnetGroup: d.DBSubnetGroup}
		dbInstances[norm(d.ID)] = rec
		w.kinds["rds.instance"].add(&entry{name: d.ID, vpcID: vpcOfGroup(d.DBSubnetGroup), rec: rec})
	}
	events := map[string][]*RDSEvent{}
	for _, e := range snap.RDSEvents {
		events[norm(e.SourceID)] = append(events[norm(e.SourceID)], &RDSEvent{SourceID: e.SourceID, SourceType: e.SourceType,
			SourceARN: e.SourceARN, Message: e.Message, Categories: orEmpty(e.Categories), Date: e.Date})
	}
	for _, c := range snap.DBClusters {
		rec := &DBCluster{ID: c.ID, ARN: c.ARN, Status: c.Status, Engine: c.Engine, Endpoint: c.Endpoint, ReaderEndpoint: c.ReaderEndpoint,
			DBSubnetGroupName: c.DBSubnetGroup, SubnetGroup: subnetGroups[norm(c.DBSubnetGroup)], Members: []*ClusterMember{},
			SecurityGroupIDs: orEmpty(c.SecurityGroupIDs), SecurityGroups: groupsOf(c.SecurityGroupIDs),
			Events: events[norm(c.ID)]}
		if rec.Events == nil {
			rec.Events = []*RDSEvent{}
		}
		for _, m := range c.Members {
			rec.Members = append(rec.Members, &ClusterMember{InstanceID: m.InstanceID, IsWriter: m.IsWriter, Instance: dbInstances[norm(m.InstanceID)]})
		}
		w.kinds["rds.cluster"].add(&entry{name: c.ID, vpcID: vpcOfGroup(c.DBSubnetGroup), rec: rec})
	}

	w.unreadable = []string{}
	for d := range snap.Unavailable {
		w.unreadable = append(w.unreadable, string(d))
	}
	slices.Sort(w.unreadable)
	for url, p := range snap.Probes {
		w.probes[url] = &Probe{URL: p.URL, Status: p.Status, Err: p.Err, Duration: p.Duration, At: p.At}
	}
	return w
}

var instanceRank = map[string]int{"running": 4, "pending": 3, "stopping": 2, "stopped": 1}

func routesToInternet(rt *grader.RouteTable) bool {
	for _, r := range rt.Routes {
		if r.DestinationCIDR == "0.0.0.0/0" && strings.HasPrefix(r.GatewayID, "igw-") && r.State != "blackhole" {
			return true
		}
	}
	return false
}

// orEmpty keeps a nil slice from reading as null in CEL.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
