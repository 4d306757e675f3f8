package grader

import "strings"

// norm is how names are compared: students mistype case and add spaces.
func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// index holds the lookups of one Snapshot. It is built once, on the first
// Evaluate, and then shared by every student of the target, so a student's
// evaluation costs map lookups, not scans of the whole account.
type index struct {
	vpcsByName     map[string][]*VPC
	vpcByID        map[string]*VPC
	nonDefaultVPCs []*VPC

	subnetByID    map[string]*Subnet
	subnetsByVPC  map[string][]*Subnet
	publicSubnets map[string]bool

	// Every resource of the kinds a dedicated account's lone resource may
	// stand for (see pick), built once instead of once per student.
	allImages        []*Image
	allClusters      []*DBCluster
	allLoadBalancers []*LoadBalancer
	allTargetGroups  []*TargetGroup

	instancesByName  map[string][]*Instance
	instancesByVPC   map[string][]*Instance
	instanceByID     map[string]*Instance
	liveInstances    []*Instance // not terminated or shutting down
	imagesByName     map[string][]*Image
	imageByID        map[string]*Image
	sgByID           map[string]*SecurityGroup
	sgsByName        map[string][]*SecurityGroup
	lbsByName        map[string][]*LoadBalancer
	lbByARN          map[string]*LoadBalancer
	listenersByLB    map[string][]*Listener
	tgsByName        map[string][]*TargetGroup
	tgByARN          map[string]*TargetGroup
	clustersByID     map[string][]*DBCluster
	dbInstanceByID   map[string]*DBInstance
	subnetGroupByNm  map[string]*DBSubnetGroup
	eventsBySourceID map[string][]*RDSEvent
}

// lookups returns the snapshot's index, building it on first use. The
// snapshot must not change afterwards.
func (s *Snapshot) lookups() *index {
	s.indexOnce.Do(func() { s.index = buildIndex(s) })
	return s.index
}

func buildIndex(s *Snapshot) *index {
	ix := &index{
		vpcsByName: map[string][]*VPC{}, vpcByID: map[string]*VPC{},
		subnetByID: map[string]*Subnet{}, subnetsByVPC: map[string][]*Subnet{}, publicSubnets: map[string]bool{},
		instancesByName: map[string][]*Instance{}, instancesByVPC: map[string][]*Instance{}, instanceByID: map[string]*Instance{},
		imagesByName: map[string][]*Image{}, imageByID: map[string]*Image{},
		sgByID: map[string]*SecurityGroup{}, sgsByName: map[string][]*SecurityGroup{},
		lbsByName: map[string][]*LoadBalancer{}, lbByARN: map[string]*LoadBalancer{}, listenersByLB: map[string][]*Listener{},
		tgsByName: map[string][]*TargetGroup{}, tgByARN: map[string]*TargetGroup{},
		clustersByID: map[string][]*DBCluster{}, dbInstanceByID: map[string]*DBInstance{},
		subnetGroupByNm: map[string]*DBSubnetGroup{}, eventsBySourceID: map[string][]*RDSEvent{},
	}
	for i := range s.VPCs {
		v := &s.VPCs[i]
		ix.vpcsByName[norm(v.Name)] = append(ix.vpcsByName[norm(v.Name)], v)
		ix.vpcByID[v.ID] = v
		if !v.IsDefault {
			ix.nonDefaultVPCs = append(ix.nonDefaultVPCs, v)
		}
	}
	for i := range s.Subnets {
		sn := &s.Subnets[i]
		ix.subnetByID[sn.ID] = sn
		ix.subnetsByVPC[sn.VPCID] = append(ix.subnetsByVPC[sn.VPCID], sn)
	}
	ix.classifySubnets(s)
	ix.allImages, ix.allClusters = pointers(s.Images), pointers(s.DBClusters)
	ix.allLoadBalancers, ix.allTargetGroups = pointers(s.LoadBalancers), pointers(s.TargetGroups)
	for i := range s.Instances {
		in := &s.Instances[i]
		ix.instanceByID[in.ID] = in
		if in.State == "terminated" || in.State == "shutting-down" {
			continue // gone for the student; AWS lists them for an hour
		}
		ix.liveInstances = append(ix.liveInstances, in)
		ix.instancesByName[norm(in.Name)] = append(ix.instancesByName[norm(in.Name)], in)
		ix.instancesByVPC[in.VPCID] = append(ix.instancesByVPC[in.VPCID], in)
	}
	for i := range s.Images {
		im := &s.Images[i]
		ix.imagesByName[norm(im.Name)] = append(ix.imagesByName[norm(im.Name)], im)
		ix.imageByID[im.ID] = im
	}
	for i := range s.SecurityGroups {
		sg := &s.SecurityGroups[i]
		ix.sgByID[sg.ID] = sg
		ix.sgsByName[norm(sg.Name)] = append(ix.sgsByName[norm(sg.Name)], sg)
	}
	for i := range s.LoadBalancers {
		lb := &s.LoadBalancers[i]
		ix.lbsByName[norm(lb.Name)] = append(ix.lbsByName[norm(lb.Name)], lb)
		ix.lbByARN[lb.ARN] = lb
	}
	for i := range s.Listeners {
		l := &s.Listeners[i]
		ix.listenersByLB[l.LoadBalancerARN] = append(ix.listenersByLB[l.LoadBalancerARN], l)
	}
	for i := range s.TargetGroups {
		tg := &s.TargetGroups[i]
		ix.tgsByName[norm(tg.Name)] = append(ix.tgsByName[norm(tg.Name)], tg)
		ix.tgByARN[tg.ARN] = tg
	}
	for i := range s.DBClusters {
		c := &s.DBClusters[i]
		ix.clustersByID[norm(c.ID)] = append(ix.clustersByID[norm(c.ID)], c)
	}
	for i := range s.DBInstances {
		d := &s.DBInstances[i]
		ix.dbInstanceByID[norm(d.ID)] = d
	}
	for i := range s.DBSubnetGroups {
		g := &s.DBSubnetGroups[i]
		ix.subnetGroupByNm[norm(g.Name)] = g
	}
	for i := range s.RDSEvents {
		e := &s.RDSEvents[i]
		ix.eventsBySourceID[norm(e.SourceID)] = append(ix.eventsBySourceID[norm(e.SourceID)], e)
	}
	return ix
}

// classifySubnets marks a subnet public when its route table (its explicit
// association, else the VPC's main table) sends 0.0.0.0/0 to an internet
// gateway.
func (ix *index) classifySubnets(s *Snapshot) {
	explicit := map[string]*RouteTable{}
	mainOf := map[string]*RouteTable{}
	for i := range s.RouteTables {
		rt := &s.RouteTables[i]
		for _, id := range rt.SubnetIDs {
			explicit[id] = rt
		}
		if rt.Main {
			mainOf[rt.VPCID] = rt
		}
	}
	for _, sn := range ix.subnetByID {
		rt := explicit[sn.ID]
		if rt == nil {
			rt = mainOf[sn.VPCID]
		}
		ix.publicSubnets[sn.ID] = rt != nil && routesToInternet(rt)
	}
}

func routesToInternet(rt *RouteTable) bool {
	for _, r := range rt.Routes {
		if r.DestinationCIDR == "0.0.0.0/0" && strings.HasPrefix(r.GatewayID, "igw-") && r.State != "blackhole" {
			return true
		}
	}
	return false
}
