package awstest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"labgrid/grader"
)

// rendered is a snapshot as item XML, per action.
type rendered struct {
	account string
	takenAt time.Time
	// lists holds the items of the actions that answer the whole list.
	lists map[string][]string
	// listeners and health are keyed by load balancer and target group ARN;
	// every ARN of the snapshot has an entry, perhaps empty.
	listeners map[string][]string
	health    map[string][]string
	images    []imageItem
	events    []eventItem
}

type imageItem struct {
	owner string
	xml   string
}

type eventItem struct {
	sourceType, sourceID string
	categories           []string
	date                 time.Time
	xml                  string
}

// timeFormat is how EC2 and RDS write times: UTC, milliseconds. EC2's
// launch times are whole seconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func render(snap *grader.Snapshot) *rendered {
	r := &rendered{
		lists:     make(map[string][]string),
		listeners: make(map[string][]string),
		health:    make(map[string][]string),
	}
	if snap == nil {
		return r
	}
	c := &renderer{snap: snap, account: snap.Target.AccountID, region: snap.Target.Region}
	r.account, r.takenAt = c.account, snap.TakenAt

	for _, v := range snap.VPCs {
		r.lists["DescribeVpcs"] = append(r.lists["DescribeVpcs"], c.vpc(v))
	}
	for _, s := range snap.Subnets {
		r.lists["DescribeSubnets"] = append(r.lists["DescribeSubnets"], c.subnet(s))
	}
	for _, rt := range snap.RouteTables {
		r.lists["DescribeRouteTables"] = append(r.lists["DescribeRouteTables"], c.routeTable(rt))
	}
	for _, g := range snap.InternetGateways {
		r.lists["DescribeInternetGateways"] = append(r.lists["DescribeInternetGateways"], c.internetGateway(g))
	}
	for _, res := range reservations(snap.Instances) {
		r.lists["DescribeInstances"] = append(r.lists["DescribeInstances"], c.reservation(res))
	}
	for _, im := range snap.Images {
		r.images = append(r.images, imageItem{owner: im.OwnerID, xml: c.image(im)})
	}
	for _, sg := range snap.SecurityGroups {
		r.lists["DescribeSecurityGroups"] = append(r.lists["DescribeSecurityGroups"], c.securityGroup(sg))
	}
	for _, k := range snap.KeyPairs {
		r.lists["DescribeKeyPairs"] = append(r.lists["DescribeKeyPairs"], c.keyPair(k))
	}

	for _, lb := range snap.LoadBalancers {
		r.lists["DescribeLoadBalancers"] = append(r.lists["DescribeLoadBalancers"], c.loadBalancer(lb))
		r.listeners[lb.ARN] = []string{}
	}
	for _, l := range snap.Listeners {
		if items, ok := r.listeners[l.LoadBalancerARN]; ok {
			r.listeners[l.LoadBalancerARN] = append(items, c.listener(l))
		}
	}
	for _, tg := range snap.TargetGroups {
		r.lists["DescribeTargetGroups"] = append(r.lists["DescribeTargetGroups"], c.targetGroup(tg))
		items := []string{}
		for _, th := range tg.Targets {
			items = append(items, c.targetHealth(th))
		}
		r.health[tg.ARN] = items
	}

	for _, dc := range snap.DBClusters {
		r.lists["DescribeDBClusters"] = append(r.lists["DescribeDBClusters"], c.dbCluster(dc))
	}
	for _, db := range snap.DBInstances {
		r.lists["DescribeDBInstances"] = append(r.lists["DescribeDBInstances"], c.dbInstance(db))
	}
	for _, g := range snap.DBSubnetGroups {
		r.lists["DescribeDBSubnetGroups"] = append(r.lists["DescribeDBSubnetGroups"], c.dbSubnetGroup(g))
	}
	for _, e := range snap.RDSEvents {
		r.events = append(r.events, eventItem{
			sourceType: e.SourceType, sourceID: e.SourceID, categories: e.Categories, date: e.Date, xml: c.event(e),
		})
	}
	return r
}

// reservations groups instances as RunInstances launched them: consecutive
// instances with the same launch time, image and key form one reservation.
func reservations(ins []grader.Instance) [][]grader.Instance {
	var out [][]grader.Instance
	for i, in := range ins {
		if i > 0 {
			prev := ins[i-1]
			if in.LaunchTime.Equal(prev.LaunchTime) && in.ImageID == prev.ImageID && in.KeyName == prev.KeyName {
				out[len(out)-1] = append(out[len(out)-1], in)
				continue
			}
		}
		out = append(out, []grader.Instance{in})
	}
	return out
}

// renderer renders the resources of one snapshot.
type renderer struct {
	snap            *grader.Snapshot
	account, region string
}

// xb builds item XML. Every value is escaped; empty strings are left out,
// as AWS leaves out absent fields.
type xb struct{ strings.Builder }

func (b *xb) open(name string)  { b.WriteString("<" + name + ">") }
func (b *xb) close(name string) { b.WriteString("</" + name + ">") }

// str writes <name>v</name> unless v is empty.
func (b *xb) str(name, v string) {
	if v == "" {
		return
	}
	b.open(name)
	b.WriteString(escape(v))
	b.close(name)
}

func (b *xb) boolean(name string, v bool) { b.str(name, strconv.FormatBool(v)) }

func (b *xb) num(name string, v int64) { b.str(name, strconv.FormatInt(v, 10)) }

// list writes <name><item>…</item>…</name>, or <name/> when n is 0.
func (b *xb) list(name, item string, n int, each func(i int)) {
	if n == 0 {
		b.WriteString("<" + name + "/>")
		return
	}
	b.open(name)
	for i := range n {
		b.open(item)
		each(i)
		b.close(item)
	}
	b.close(name)
}

// values writes a list of plain values.
func (b *xb) values(name, item string, vs []string) {
	b.list(name, item, len(vs), func(i int) { b.WriteString(escape(vs[i])) })
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// derived is a stable made-up id for things the snapshot does not name
// (association ids, reservation ids): prefix-0 and 16 hex digits.
func derived(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + "-0" + hex.EncodeToString(h[:8])
}

// tagSet writes the Name tag, the only tag the snapshot keeps. AWS leaves
// tagSet out of untagged resources.
func (b *xb) tagSet(name string) {
	if name == "" {
		return
	}
	b.WriteString("<tagSet><item><key>Name</key><value>" + escape(name) + "</value></item></tagSet>")
}

func (c *renderer) vpc(v grader.VPC) string {
	var b xb
	b.str("vpcId", v.ID)
	b.str("ownerId", c.account)
	b.str("state", "available")
	b.str("cidrBlock", v.CIDR)
	if v.CIDR != "" {
		b.WriteString("<cidrBlockAssociationSet><item>")
		b.str("associationId", derived("vpc-cidr-assoc", v.ID, v.CIDR))
		b.str("cidrBlock", v.CIDR)
		b.WriteString("<cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet>")
	}
	b.str("instanceTenancy", "default")
	b.boolean("isDefault", v.IsDefault)
	b.tagSet(v.Name)
	return b.String()
}

func (c *renderer) subnet(s grader.Subnet) string {
	defaultVPC := false
	for _, v := range c.snap.VPCs {
		if v.ID == s.VPCID {
			defaultVPC = v.IsDefault
		}
	}
	var b xb
	b.str("subnetId", s.ID)
	if c.region != "" && c.account != "" {
		b.str("subnetArn", "arn:aws:ec2:"+c.region+":"+c.account+":subnet/"+s.ID)
	}
	b.str("state", "available")
	b.str("ownerId", c.account)
	b.str("vpcId", s.VPCID)
	b.str("cidrBlock", s.CIDR)
	b.str("availabilityZone", s.AZ)
	b.boolean("defaultForAz", defaultVPC)
	b.boolean("mapPublicIpOnLaunch", s.MapPublicIPOnLaunch)
	b.tagSet(s.Name)
	return b.String()
}

func (c *renderer) routeTable(rt grader.RouteTable) string {
	var b xb
	b.str("routeTableId", rt.ID)
	b.str("vpcId", rt.VPCID)
	b.str("ownerId", c.account)
	b.list("routeSet", "item", len(rt.Routes), func(i int) {
		r := rt.Routes[i]
		b.str("destinationCidrBlock", r.DestinationCIDR)
		b.str("destinationIpv6CidrBlock", r.DestinationIPv6CIDR)
		b.str("gatewayId", r.GatewayID)
		b.str("natGatewayId", r.NatGatewayID)
		b.str("state", r.State)
		origin := "CreateRoute"
		if r.GatewayID == "local" {
			origin = "CreateRouteTable"
		}
		b.str("origin", origin)
	})
	// The main association names no subnet; then one per explicit subnet.
	type assoc struct {
		subnet string
		main   bool
	}
	var assocs []assoc
	if rt.Main {
		assocs = append(assocs, assoc{main: true})
	}
	for _, s := range rt.SubnetIDs {
		assocs = append(assocs, assoc{subnet: s})
	}
	b.list("associationSet", "item", len(assocs), func(i int) {
		a := assocs[i]
		b.str("routeTableAssociationId", derived("rtbassoc", rt.ID, a.subnet))
		b.str("routeTableId", rt.ID)
		b.str("subnetId", a.subnet)
		b.boolean("main", a.main)
		b.WriteString("<associationState><state>associated</state></associationState>")
	})
	b.WriteString("<propagatingVgwSet/>")
	return b.String()
}

func (c *renderer) internetGateway(g grader.InternetGateway) string {
	var b xb
	b.str("internetGatewayId", g.ID)
	b.str("ownerId", c.account)
	b.list("attachmentSet", "item", len(g.VPCIDs), func(i int) {
		b.str("vpcId", g.VPCIDs[i])
		b.str("state", "available")
	})
	b.tagSet(g.Name)
	return b.String()
}

// instanceStateCodes are the codes EC2 pairs with each state name.
var instanceStateCodes = map[string]int64{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

func (c *renderer) reservation(ins []grader.Instance) string {
	var b xb
	b.str("reservationId", derived("r", ins[0].ID))
	b.str("ownerId", c.account)
	b.WriteString("<groupSet/>")
	b.list("instancesSet", "item", len(ins), func(i int) { c.instance(&b, ins[i], i) })
	return b.String()
}

func (c *renderer) instance(b *xb, in grader.Instance, launchIndex int) {
	b.str("instanceId", in.ID)
	b.str("imageId", in.ImageID)
	b.open("instanceState")
	b.num("code", instanceStateCodes[in.State])
	b.str("name", in.State)
	b.close("instanceState")
	if in.PrivateIP != "" && c.region != "" {
		b.str("privateDnsName", "ip-"+strings.ReplaceAll(in.PrivateIP, ".", "-")+"."+c.region+".compute.internal")
	}
	if in.PublicIP != "" && c.region != "" {
		b.str("dnsName", "ec2-"+strings.ReplaceAll(in.PublicIP, ".", "-")+"."+c.region+".compute.amazonaws.com")
	}
	b.str("keyName", in.KeyName)
	b.num("amiLaunchIndex", int64(launchIndex))
	b.str("instanceType", in.Type)
	if !in.LaunchTime.IsZero() {
		b.str("launchTime", in.LaunchTime.UTC().Truncate(time.Second).Format(timeFormat))
	}
	b.open("placement")
	b.str("availabilityZone", in.AZ)
	b.str("tenancy", "default")
	b.close("placement")
	b.WriteString("<monitoring><state>disabled</state></monitoring>")
	b.str("subnetId", in.SubnetID)
	b.str("vpcId", in.VPCID)
	b.str("privateIpAddress", in.PrivateIP)
	b.str("ipAddress", in.PublicIP)
	b.list("groupSet", "item", len(in.SecurityGroupIDs), func(i int) {
		id := in.SecurityGroupIDs[i]
		b.str("groupId", id)
		for _, sg := range c.snap.SecurityGroups {
			if sg.ID == id {
				b.str("groupName", sg.Name)
				break
			}
		}
	})
	b.str("architecture", "x86_64")
	b.str("rootDeviceType", "ebs")
	b.str("virtualizationType", "hvm")
	b.tagSet(in.Name)
	b.str("hypervisor", "xen")
}

func (c *renderer) image(im grader.Image) string {
	var b xb
	b.str("imageId", im.ID)
	if im.OwnerID != "" && im.Name != "" {
		b.str("imageLocation", im.OwnerID+"/"+im.Name)
	}
	b.str("imageState", im.State)
	b.str("imageOwnerId", im.OwnerID)
	b.str("creationDate", im.CreationDate)
	b.boolean("isPublic", false)
	b.str("architecture", "x86_64")
	b.str("imageType", "machine")
	b.str("name", im.Name)
	b.str("description", im.Description)
	b.str("rootDeviceType", "ebs")
	b.str("virtualizationType", "hvm")
	b.str("hypervisor", "xen")
	return b.String()
}

func (c *renderer) securityGroup(sg grader.SecurityGroup) string {
	var b xb
	b.str("ownerId", c.account)
	b.str("groupId", sg.ID)
	b.str("groupName", sg.Name)
	b.str("groupDescription", sg.Description)
	b.str("vpcId", sg.VPCID)
	b.list("ipPermissions", "item", len(sg.Inbound), func(i int) { c.permission(&b, sg.Inbound[i]) })
	// The snapshot keeps no outbound rules: every group has the default one.
	b.WriteString("<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/>" +
		"<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress>")
	return b.String()
}

func (c *renderer) keyPair(k grader.KeyPair) string {
	var b xb
	b.str("keyPairId", k.ID)
	b.str("keyFingerprint", k.Fingerprint)
	b.str("keyName", k.Name)
	b.str("keyType", k.Type)
	if !k.CreateTime.IsZero() {
		b.str("createTime", k.CreateTime.UTC().Truncate(time.Second).Format(timeFormat))
	}
	return b.String()
}

func (c *renderer) permission(b *xb, p grader.Permission) {
	b.str("ipProtocol", p.Protocol)
	// EC2 leaves the ports out of all-traffic rules.
	if p.Protocol != "-1" {
		b.num("fromPort", int64(p.FromPort))
		b.num("toPort", int64(p.ToPort))
	}
	b.list("groups", "item", len(p.GroupIDs), func(i int) {
		b.str("userId", c.account)
		b.str("groupId", p.GroupIDs[i])
	})
	b.list("ipRanges", "item", len(p.IPv4Ranges), func(i int) { b.str("cidrIp", p.IPv4Ranges[i]) })
	b.list("ipv6Ranges", "item", len(p.IPv6Ranges), func(i int) { b.str("cidrIpv6", p.IPv6Ranges[i]) })
	b.list("prefixListIds", "item", len(p.PrefixListIDs), func(i int) { b.str("prefixListId", p.PrefixListIDs[i]) })
}

func (c *renderer) loadBalancer(lb grader.LoadBalancer) string {
	var b xb
	b.str("LoadBalancerArn", lb.ARN)
	b.str("DNSName", lb.DNSName)
	b.str("LoadBalancerName", lb.Name)
	b.str("Scheme", lb.Scheme)
	b.str("VpcId", lb.VPCID)
	if lb.State != "" {
		b.WriteString("<State><Code>" + escape(lb.State) + "</Code></State>")
	}
	b.str("Type", lb.Type)
	// ELBv2 leaves out the lists a load balancer or group does not have
	// (an NLB's SecurityGroups, say).
	if len(lb.Zones) > 0 {
		b.list("AvailabilityZones", "member", len(lb.Zones), func(i int) {
			b.str("ZoneName", lb.Zones[i].ZoneName)
			b.str("SubnetId", lb.Zones[i].SubnetID)
			b.WriteString("<LoadBalancerAddresses/>")
		})
	}
	if len(lb.SecurityGroupIDs) > 0 {
		b.values("SecurityGroups", "member", lb.SecurityGroupIDs)
	}
	b.str("IpAddressType", "ipv4")
	return b.String()
}

func (c *renderer) listener(l grader.Listener) string {
	var b xb
	b.str("ListenerArn", l.ARN)
	b.str("LoadBalancerArn", l.LoadBalancerARN)
	if l.Port != 0 {
		b.num("Port", int64(l.Port))
	}
	b.str("Protocol", l.Protocol)
	b.list("DefaultActions", "member", len(l.DefaultActions), func(i int) {
		a := l.DefaultActions[i]
		b.str("Type", a.Type)
		// As the console writes a forward to one group: TargetGroupArn and
		// ForwardConfig both. A forward to several has only ForwardConfig.
		if len(a.TargetGroupARNs) == 1 {
			b.str("TargetGroupArn", a.TargetGroupARNs[0])
		}
		if len(a.TargetGroupARNs) > 0 {
			b.open("ForwardConfig")
			b.list("TargetGroups", "member", len(a.TargetGroupARNs), func(j int) {
				b.str("TargetGroupArn", a.TargetGroupARNs[j])
				b.num("Weight", 1)
			})
			b.WriteString("<TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig>")
			b.close("ForwardConfig")
		}
		b.num("Order", int64(i+1))
	})
	return b.String()
}

func (c *renderer) targetGroup(tg grader.TargetGroup) string {
	var b xb
	b.str("TargetGroupArn", tg.ARN)
	b.str("TargetGroupName", tg.Name)
	b.str("Protocol", tg.Protocol)
	if tg.Port != 0 {
		b.num("Port", int64(tg.Port))
	}
	b.str("VpcId", tg.VPCID)
	if tg.Protocol != "" {
		b.str("HealthCheckProtocol", tg.Protocol)
		b.str("HealthCheckPort", "traffic-port")
		b.boolean("HealthCheckEnabled", true)
		b.str("HealthCheckPath", "/")
	}
	if len(tg.LoadBalancerARNs) > 0 {
		b.values("LoadBalancerArns", "member", tg.LoadBalancerARNs)
	}
	b.str("TargetType", tg.TargetType)
	return b.String()
}

func (c *renderer) targetHealth(th grader.TargetHealth) string {
	var b xb
	b.open("Target")
	b.str("Id", th.ID)
	if th.Port != 0 {
		b.num("Port", int64(th.Port))
	}
	b.str("AvailabilityZone", th.AZ)
	b.close("Target")
	if th.Port != 0 {
		b.num("HealthCheckPort", int64(th.Port))
	}
	b.open("TargetHealth")
	b.str("State", th.State)
	b.str("Reason", th.Reason)
	b.str("Description", th.Description)
	b.close("TargetHealth")
	return b.String()
}

func (c *renderer) dbCluster(dc grader.DBCluster) string {
	azs := map[string]bool{}
	for _, m := range dc.Members {
		for _, db := range c.snap.DBInstances {
			if db.ID == m.InstanceID && db.AZ != "" {
				azs[db.AZ] = true
			}
		}
	}
	var b xb
	b.str("DBClusterIdentifier", dc.ID)
	b.str("DBClusterArn", dc.ARN)
	b.str("Status", dc.Status)
	b.str("Engine", dc.Engine)
	b.str("Endpoint", dc.Endpoint)
	b.str("ReaderEndpoint", dc.ReaderEndpoint)
	b.boolean("MultiAZ", len(azs) > 1)
	b.str("DBSubnetGroup", dc.DBSubnetGroup)
	b.list("VpcSecurityGroups", "VpcSecurityGroupMembership", len(dc.SecurityGroupIDs), func(i int) {
		b.str("VpcSecurityGroupId", dc.SecurityGroupIDs[i])
		b.str("Status", "active")
	})
	b.list("DBClusterMembers", "DBClusterMember", len(dc.Members), func(i int) {
		b.str("DBInstanceIdentifier", dc.Members[i].InstanceID)
		b.boolean("IsClusterWriter", dc.Members[i].IsWriter)
		b.str("DBClusterParameterGroupStatus", "in-sync")
		b.num("PromotionTier", 1)
	})
	return b.String()
}

func (c *renderer) dbInstance(db grader.DBInstance) string {
	var b xb
	b.str("DBInstanceIdentifier", db.ID)
	b.str("DBInstanceClass", db.Class)
	b.str("Engine", db.Engine)
	b.str("DBInstanceStatus", db.Status)
	b.str("AvailabilityZone", db.AZ)
	b.boolean("PubliclyAccessible", db.PubliclyAccessible)
	b.str("DBClusterIdentifier", db.ClusterID)
	if db.DBSubnetGroup != "" {
		// AWS nests the whole subnet group; the snapshot names it.
		g := grader.DBSubnetGroup{Name: db.DBSubnetGroup}
		for _, sg := range c.snap.DBSubnetGroups {
			if sg.Name == db.DBSubnetGroup {
				g = sg
				break
			}
		}
		b.open("DBSubnetGroup")
		c.dbSubnetGroupFields(&b, g)
		b.close("DBSubnetGroup")
	}
	return b.String()
}

func (c *renderer) dbSubnetGroup(g grader.DBSubnetGroup) string {
	var b xb
	c.dbSubnetGroupFields(&b, g)
	if c.region != "" && c.account != "" {
		b.str("DBSubnetGroupArn", "arn:aws:rds:"+c.region+":"+c.account+":subgrp:"+g.Name)
	}
	return b.String()
}

func (c *renderer) dbSubnetGroupFields(b *xb, g grader.DBSubnetGroup) {
	b.str("DBSubnetGroupName", g.Name)
	b.str("DBSubnetGroupDescription", g.Name)
	b.str("VpcId", g.VPCID)
	b.str("SubnetGroupStatus", "Complete")
	b.list("Subnets", "Subnet", len(g.SubnetIDs), func(i int) {
		id := g.SubnetIDs[i]
		b.str("SubnetIdentifier", id)
		for _, s := range c.snap.Subnets {
			if s.ID == id && s.AZ != "" {
				b.WriteString("<SubnetAvailabilityZone><Name>" + escape(s.AZ) + "</Name></SubnetAvailabilityZone>")
				break
			}
		}
		b.str("SubnetStatus", "Active")
	})
}

func (c *renderer) event(e grader.RDSEvent) string {
	var b xb
	b.str("SourceIdentifier", e.SourceID)
	b.str("SourceType", e.SourceType)
	b.str("Message", e.Message)
	if len(e.Categories) > 0 {
		b.values("EventCategories", "EventCategory", e.Categories)
	}
	if !e.Date.IsZero() {
		b.str("Date", e.Date.UTC().Truncate(time.Millisecond).Format(timeFormat))
	}
	b.str("SourceArn", e.SourceARN)
	return b.String()
}
