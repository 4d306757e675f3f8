package sim

import (
	"slices"
	"strings"
	"time"

	"labgrid/grader"
)

// AZs of the handout: ap-northeast-1c holds 10.0.1.0/24 and 10.0.3.0/24.
const (
	azC = "ap-northeast-1c"
	azD = "ap-northeast-1d"
)

// Names of the account's shared resources.
const (
	instanceType   = "t2.micro"
	dbClass        = "db.t2.small"
	dbEngine       = "aurora-mysql"
	amazonLinuxAMI = "amazon-linux-2"
)

// A real scan makes one list call per kind of data asked for, plus one
// DescribeListeners per load balancer and one DescribeTargetHealth per
// target group when listeners and target health are asked for (the
// operation names awssource counts by). Listeners and target health need
// their parents' list call, as in awssource.
var listCalls = []struct {
	op   string
	data []grader.Data // the kind it lists first; any of them makes the call
}{
	{"EC2.DescribeVpcs", []grader.Data{grader.DataVPCs}},
	{"EC2.DescribeSubnets", []grader.Data{grader.DataSubnets}},
	{"EC2.DescribeRouteTables", []grader.Data{grader.DataRouteTables}},
	{"EC2.DescribeInternetGateways", []grader.Data{grader.DataInternetGateways}},
	{"EC2.DescribeInstances", []grader.Data{grader.DataInstances}},
	{"EC2.DescribeImages", []grader.Data{grader.DataImages}},
	{"EC2.DescribeSecurityGroups", []grader.Data{grader.DataSecurityGroups}},
	{"EC2.DescribeKeyPairs", []grader.Data{grader.DataKeyPairs}},
	{"Elastic Load Balancing v2.DescribeLoadBalancers", []grader.Data{grader.DataLoadBalancers, grader.DataListeners}},
	{"Elastic Load Balancing v2.DescribeTargetGroups", []grader.Data{grader.DataTargetGroups, grader.DataTargetHealth}},
	{"RDS.DescribeDBClusters", []grader.Data{grader.DataDBClusters}},
	{"RDS.DescribeDBInstances", []grader.Data{grader.DataDBInstances}},
	{"RDS.DescribeDBSubnetGroups", []grader.Data{grader.DataDBSubnetGroups}},
	{"RDS.DescribeEvents", []grader.Data{grader.DataRDSEvents}},
}

const (
	opListeners    = "Elastic Load Balancing v2.DescribeListeners"
	opTargetHealth = "Elastic Load Balancing v2.DescribeTargetHealth"
)

func (c *Class) snapshotAt(t grader.Target, now time.Time, data []grader.Data) *grader.Snapshot {
	s := &grader.Snapshot{Target: t, TakenAt: now}
	d := c.offset(now)
	ids := c.ids[t.AccountID]
	c.addDefaultVPC(s, ids)
	for _, st := range c.roster {
		if st.AccountID != t.AccountID {
			continue
		}
		b := &builder{c: c, s: s, p: c.plans[st.Login], login: st.Login, d: d, ids: ids}
		b.build()
	}
	// DescribeEvents answers oldest first.
	slices.SortStableFunc(s.RDSEvents, func(a, b grader.RDSEvent) int { return a.Date.Compare(b.Date) })

	want := func(ds ...grader.Data) bool {
		return slices.ContainsFunc(ds, func(d grader.Data) bool { return slices.Contains(data, d) })
	}
	// Everything is built, then what a real scan would not have listed is
	// dropped: a few slices of one account, cheaper than a build per kind.
	s.CallsByOperation = make(map[string]int, len(listCalls)+2)
	for _, lc := range listCalls {
		if want(lc.data...) {
			s.CallsByOperation[lc.op] = 1
			s.AWSCalls++
		} else {
			s.Drop(lc.data[0])
		}
	}
	if !want(grader.DataListeners) {
		s.Drop(grader.DataListeners)
	} else if n := len(s.LoadBalancers); n > 0 {
		s.CallsByOperation[opListeners] = n
		s.AWSCalls += n
	}
	if !want(grader.DataTargetHealth) {
		s.Drop(grader.DataTargetHealth)
	} else if n := len(s.TargetGroups); n > 0 {
		s.CallsByOperation[opTargetHealth] = n
		s.AWSCalls += n
	}
	return s
}

// addDefaultVPC adds what every account has in the region: the default VPC
// with a public subnet per AZ.
func (c *Class) addDefaultVPC(s *grader.Snapshot, ids accountIDs) {
	const owner = "(account)"
	id := func(prefix, kind string) string { return ids.ec2ID(prefix, owner, kind) }
	vpc, igw := id("vpc", "default-vpc"), id("igw", "default-igw")
	s.VPCs = append(s.VPCs, grader.VPC{ID: vpc, CIDR: "172.31.0.0/16", IsDefault: true})
	s.InternetGateways = append(s.InternetGateways, grader.InternetGateway{ID: igw, VPCIDs: []string{vpc}})
	for i, az := range []string{"a", "c", "d"} {
		s.Subnets = append(s.Subnets, grader.Subnet{
			ID: id("subnet", "default-subnet-"+az), VPCID: vpc, AZ: c.opts.Region + az,
			CIDR: []string{"172.31.32.0/20", "172.31.0.0/20", "172.31.16.0/20"}[i], MapPublicIPOnLaunch: true,
		})
	}
	s.RouteTables = append(s.RouteTables, grader.RouteTable{ID: id("rtb", "default-rtb"), VPCID: vpc, Main: true, Routes: []grader.Route{
		{DestinationCIDR: "172.31.0.0/16", GatewayID: "local", State: "active"},
		{DestinationCIDR: "0.0.0.0/0", GatewayID: igw, State: "active"},
	}})
	sg := id("sg", "default-sg")
	s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{
		ID: sg, Name: "default", Description: "default VPC security group", VPCID: vpc,
		Inbound: []grader.Permission{{Protocol: "-1", GroupIDs: []string{sg}}},
	})
}

// builder adds one student's resources as they are d into the class.
type builder struct {
	c     *Class
	s     *grader.Snapshot
	p     *plan
	login string
	d     time.Duration
	ids   accountIDs // of the student's account
}

func (b *builder) did(ev event) bool { return b.p.did(ev, b.d) }

// when is the wall-clock time of ev.
func (b *builder) when(ev event) time.Time { return b.c.opts.Start.Add(b.p.at[ev]) }

func (b *builder) id(prefix, kind string) string { return b.ids.ec2ID(prefix, b.login, kind) }

// ids of the student's Step-1/2 resources.
func (b *builder) vpcID() string    { return b.id("vpc", "vpc") }
func (b *builder) pubD() string     { return b.id("subnet", "public-1d") }
func (b *builder) pubC() string     { return b.id("subnet", "public-1c") }
func (b *builder) privD() string    { return b.id("subnet", "private-1d") }
func (b *builder) privC() string    { return b.id("subnet", "private-1c") }
func (b *builder) webSG() string    { return b.id("sg", "web") }
func (b *builder) dbSG() string     { return b.id("sg", "db") }
func (b *builder) albSG() string    { return b.id("sg", "alb") }
func (b *builder) web1() string     { return b.id("i", "web1") }
func (b *builder) web2() string     { return b.id("i", "web2") }
func (b *builder) web2Bad() string  { return b.id("i", "web2-1d") }
func (b *builder) amiID() string    { return b.id("ami", "ami") }
func (b *builder) cluster() string  { return "wp-" + b.login + "-cluster" }
func (b *builder) writer() string   { return "wp-" + b.login }
func (b *builder) replica() string  { return "wp-" + b.login + "-slave" }
func (b *builder) dbSubnet() string { return "wp-" + b.login + "-subnetgroup" }

// gone reports whether the student's VPC and everything in it have been
// deleted at the end of the day.
func (b *builder) gone() bool { return b.did(evDeleteVPC) }

func (b *builder) build() {
	b.network()
	b.keyPair()
	b.securityGroups()
	b.instances()
	b.image()
	b.loadBalancer()
	b.aurora()
}

func (b *builder) network() {
	if !b.did(evVPCCreate) || b.gone() {
		return
	}
	s, login, vpc := b.s, b.login, b.vpcID()
	igw := b.id("igw", "igw")
	s.VPCs = append(s.VPCs, grader.VPC{ID: vpc, Name: "vpc-" + login, CIDR: "10.0.0.0/16"})
	if b.did(evIGWCreate) {
		g := grader.InternetGateway{ID: igw, Name: "igw-" + login}
		if b.did(evIGWAttach) {
			g.VPCIDs = []string{vpc}
		}
		s.InternetGateways = append(s.InternetGateways, g)
	}
	local := grader.Route{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"}
	main := grader.RouteTable{ID: b.id("rtb", "main"), VPCID: vpc, Main: true, Routes: []grader.Route{local}}
	if !b.did(evSubnets) {
		s.RouteTables = append(s.RouteTables, main)
		return
	}
	s.Subnets = append(s.Subnets,
		grader.Subnet{ID: b.pubD(), Name: "public-1d-" + login, VPCID: vpc, AZ: azD, CIDR: "10.0.0.0/24", MapPublicIPOnLaunch: true},
		grader.Subnet{ID: b.pubC(), Name: "public-1c-" + login, VPCID: vpc, AZ: azC, CIDR: "10.0.1.0/24", MapPublicIPOnLaunch: true},
		grader.Subnet{ID: b.privD(), Name: "private-1d-" + login, VPCID: vpc, AZ: azD, CIDR: "10.0.2.0/24"},
		grader.Subnet{ID: b.privC(), Name: "private-1c-" + login, VPCID: vpc, AZ: azC, CIDR: "10.0.3.0/24"},
	)
	s.RouteTables = append(s.RouteTables, main)
	if !b.did(evRoutes) {
		return
	}
	public := grader.RouteTable{ID: b.id("rtb", "public"), VPCID: vpc, SubnetIDs: []string{b.pubD(), b.pubC()}, Routes: []grader.Route{
		local, {DestinationCIDR: "0.0.0.0/0", GatewayID: igw, State: "active"},
	}}
	if b.p.routeMissing && !b.did(evRouteFixed) {
		public.Routes = public.Routes[:1]
	}
	s.RouteTables = append(s.RouteTables, public)
}

// keyPair is the key pair of Step 1, made before the class (web server #1
// uses it) or in the morning of a whole day.
func (b *builder) keyPair() {
	if !b.did(evKeyPair) || b.gone() {
		return
	}
	created := b.c.opts.Start.Add(-3*time.Hour - time.Duration(b.ids.number(60, b.login, "key-create"))*time.Minute)
	if b.p.wholeDay {
		created = b.when(evKeyPair)
	}
	fp := b.ids.hexOf(40, b.login, "key-fingerprint")
	pairs := make([]string, 0, 20)
	for i := 0; i < len(fp); i += 2 {
		pairs = append(pairs, fp[i:i+2])
	}
	b.s.KeyPairs = append(b.s.KeyPairs, grader.KeyPair{
		ID: b.id("key", "key-pair"), Name: "1day-" + b.login, Type: "rsa", Fingerprint: strings.Join(pairs, ":"),
		CreateTime: created,
	})
}

func (b *builder) securityGroups() {
	if !b.did(evVPCCreate) || b.gone() {
		return
	}
	s, p, login, vpc := b.s, b.p, b.login, b.vpcID()
	def := b.id("sg", "default")
	s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{
		ID: def, Name: "default", Description: "default VPC security group", VPCID: vpc,
		Inbound: []grader.Permission{{Protocol: "-1", GroupIDs: []string{def}}},
	})

	// EC2 reports one permission per protocol and port range, with every
	// source of that range in it.
	http := grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80}
	switch {
	case !b.did(evIngressEdit):
		http.IPv4Ranges = []string{"0.0.0.0/0"}
		if p.ipv6HTTP {
			http.IPv6Ranges = []string{"::/0"}
		}
	case p.httpOpen && !b.did(evIngressFixed):
		if p.openLeftover == "::/0" {
			http.IPv6Ranges = []string{"::/0"}
		} else {
			http.IPv4Ranges = []string{"0.0.0.0/0"}
			if p.ipv6HTTP {
				http.IPv6Ranges = []string{"::/0"}
			}
		}
		http.GroupIDs = []string{b.albSG()}
	default:
		http.GroupIDs = []string{b.albSG()}
	}
	if b.did(evWebSG) {
		s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{
			ID: b.webSG(), Name: "web-" + login, Description: "web-" + login, VPCID: vpc,
			Inbound: []grader.Permission{
				{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0"}},
				http,
			},
		})
	}

	// Step 2's database group: MySQL from the web servers' group (or, by
	// mistake, from anywhere until fixed).
	if b.did(evDBSG) {
		mysql := grader.Permission{Protocol: "tcp", FromPort: 3306, ToPort: 3306, GroupIDs: []string{b.webSG()}}
		if p.dbOpen && !b.did(evDBSGFixed) {
			mysql.GroupIDs, mysql.IPv4Ranges = nil, []string{"0.0.0.0/0"}
		}
		s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{
			ID: b.dbSG(), Name: "db-" + login, Description: "db-" + login, VPCID: vpc,
			Inbound: []grader.Permission{mysql},
		})
	}

	if b.did(evALBCreate) {
		alb := grader.Permission{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}}
		if p.ipv6HTTP {
			alb.IPv6Ranges = []string{"::/0"}
		}
		s.SecurityGroups = append(s.SecurityGroups, grader.SecurityGroup{
			ID: b.albSG(), Name: "alb-" + login, Description: "alb-" + login, VPCID: vpc,
			Inbound: []grader.Permission{alb},
		})
	}
}

func (b *builder) instances() {
	s, login, ids := b.s, b.login, b.ids
	vpc := b.vpcID()
	first := len(s.Instances)
	// Web server #1 was launched in Step 1, before the class or in the
	// morning of a whole day (perhaps twice: first without a public IP).
	web1 := func(id, kind string, launch, running event) grader.Instance {
		in := grader.Instance{
			ID: id, Name: "webserver#1-" + login, State: "running", Type: instanceType,
			AZ: azD, VPCID: vpc, SubnetID: b.pubD(),
			PublicIP: ids.publicIP(login, kind), PrivateIP: ids.privateIP("10.0.0", login, kind),
			ImageID: ids.ec2ID("ami", "(amazon)", amazonLinuxAMI), KeyName: "1day-" + login,
			SecurityGroupIDs: []string{b.webSG()},
			LaunchTime:       b.c.opts.Start.Add(-2*time.Hour - time.Duration(ids.number(60, login, "web1-launch"))*time.Minute),
		}
		if b.p.wholeDay {
			in.LaunchTime = b.when(launch)
			if !b.did(running) {
				in.State = "pending"
			}
		}
		return in
	}
	if b.p.noPublicIP && b.did(evWeb1BadLaunch) {
		in := web1(b.id("i", "web1-nopip"), "web1-nopip", evWeb1BadLaunch, evWeb1BadRunning)
		in.PublicIP = ""
		terminate(&in, b.did(evWeb1BadTerminate), b.did(evWeb1BadTerminated))
		s.Instances = append(s.Instances, in)
	}
	if b.did(evWeb1Launch) {
		s.Instances = append(s.Instances, web1(b.web1(), "web1", evWeb1Launch, evWeb1Running))
	}

	web2 := func(id, kind, subnet, az, prefix string, launch, running event) grader.Instance {
		in := grader.Instance{
			ID: id, Name: "webserver#2-" + login, State: "pending", Type: instanceType,
			AZ: az, VPCID: vpc, SubnetID: subnet,
			PublicIP: ids.publicIP(login, kind), PrivateIP: ids.privateIP(prefix, login, kind),
			ImageID: b.amiID(), KeyName: "1day-" + login, SecurityGroupIDs: []string{b.webSG()},
			LaunchTime: b.when(launch),
		}
		if b.did(running) {
			in.State = "running"
		}
		return in
	}
	if b.p.webSameAZ && b.did(evWrongLaunch) {
		in := web2(b.web2Bad(), "web2-1d", b.pubD(), azD, "10.0.0", evWrongLaunch, evWrongRunning)
		terminate(&in, b.did(evWrongTerminate), b.did(evWrongTerminated))
		s.Instances = append(s.Instances, in)
	}
	if b.did(evWeb2Launch) {
		s.Instances = append(s.Instances, web2(b.web2(), "web2", b.pubC(), azC, "10.0.1", evWeb2Launch, evWeb2Running))
	}

	// The end of the day: every instance terminated, but web server #1
	// stopped by a student who leaves it.
	if !b.did(evTerminate) {
		return
	}
	for i := first; i < len(s.Instances); i++ {
		in := &s.Instances[i]
		if in.State == "terminated" {
			continue
		}
		if b.p.leftInstance && in.ID == b.web1() {
			in.State, in.PublicIP = "stopping", ""
			if b.did(evTerminated) {
				in.State = "stopped"
			}
			continue
		}
		terminate(in, true, b.did(evTerminated))
	}
}

// terminate puts in in the state of an instance being terminated
// (shuttingDown) or terminated.
func terminate(in *grader.Instance, shuttingDown, terminated bool) {
	switch {
	case terminated:
		// A terminated instance keeps its name and placement but loses
		// its network interface. AWS lists it for about an hour; the
		// simulation keeps it for good.
		in.State = "terminated"
		in.VPCID, in.SubnetID, in.PublicIP, in.PrivateIP, in.SecurityGroupIDs = "", "", "", "", nil
	case shuttingDown:
		in.State = "shutting-down"
		in.PublicIP = ""
	}
}

func (b *builder) image() {
	if !b.did(evAMICreate) || b.did(evDeregister) {
		return
	}
	name := "sampleapp " + b.login
	im := grader.Image{
		ID: b.amiID(), Name: name, Description: name, State: "pending", OwnerID: b.ids.account,
		CreationDate: b.when(evAMICreate).UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if b.did(evAMIAvail) {
		im.State = "available"
	}
	b.s.Images = append(b.s.Images, im)
}

func (b *builder) loadBalancer() {
	if !b.did(evALBCreate) || b.did(evDeleteALB) {
		return
	}
	s, p, login, ids := b.s, b.p, b.login, b.ids
	lb := grader.LoadBalancer{
		ARN: ids.lbARN(login), Name: "elb-" + login, DNSName: ids.lbDNS(login),
		Type: "application", Scheme: "internet-facing", State: "provisioning", VPCID: b.vpcID(),
		Zones:            []grader.LBZone{{ZoneName: azC, SubnetID: b.pubC()}, {ZoneName: azD, SubnetID: b.pubD()}},
		SecurityGroupIDs: []string{b.albSG()},
	}
	if b.did(evALBActive) {
		lb.State = "active"
	}
	s.LoadBalancers = append(s.LoadBalancers, lb)
	s.Listeners = append(s.Listeners, grader.Listener{
		ARN: ids.listenerARN(login), LoadBalancerARN: lb.ARN, Protocol: "HTTP", Port: 80,
		DefaultActions: []grader.Action{{Type: "forward", TargetGroupARNs: []string{ids.tgARN(login)}}},
	})

	// The wizard registers both web servers while the ALB provisions.
	target := func(n int, id string) grader.TargetHealth {
		th := grader.TargetHealth{ID: id, Port: 80}
		switch {
		case !b.did(evALBActive):
			th.State, th.Reason, th.Description = "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
		case b.did(evTargetsHealthy):
			th.State = "healthy"
		case p.targetUnhealthy && b.did(evHealthChecked):
			if n == p.unhealthyWeb {
				th.State, th.Reason, th.Description = "unhealthy", "Target.FailedHealthChecks", "Health checks failed"
			} else {
				th.State = "healthy"
			}
		default:
			th.State, th.Reason, th.Description = "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"
		}
		return th
	}
	s.TargetGroups = append(s.TargetGroups, grader.TargetGroup{
		ARN: ids.tgARN(login), Name: "tg-elb-" + login, Protocol: "HTTP", Port: 80, TargetType: "instance",
		VPCID: b.vpcID(), LoadBalancerARNs: []string{lb.ARN},
		Targets: []grader.TargetHealth{target(1, b.web1()), target(2, b.web2())},
	})
}

func (b *builder) aurora() {
	s, p, ids := b.s, b.p, b.ids
	suffix := ids.rdsSuffix()
	region := b.c.opts.Region
	if b.did(evDBSubnetGroup) && !b.gone() {
		s.DBSubnetGroups = append(s.DBSubnetGroups, grader.DBSubnetGroup{
			Name: b.dbSubnet(), VPCID: b.vpcID(), SubnetIDs: []string{b.privD(), b.privC()},
		})
	}
	if !b.did(evClusterCreate) || b.did(evDBGone) {
		return
	}

	db := func(id, az string) grader.DBInstance {
		return grader.DBInstance{
			ID: id, ClusterID: b.cluster(), Class: dbClass, Engine: dbEngine, AZ: az,
			Status: "available", DBSubnetGroup: b.dbSubnet(),
		}
	}
	failedOver := b.did(evFailoverDone)
	writer := db(b.writer(), azD)
	if !b.did(evWriterAvail) {
		writer.Status = "creating"
	}
	members := []grader.DBClusterMember{{InstanceID: writer.ID, IsWriter: !failedOver}}
	instances := []grader.DBInstance{writer}

	// The replica, if any: the first one (perhaps in 1d, perhaps public)
	// until it is deleted, then the second one in 1c.
	var replica *grader.DBInstance
	switch {
	case p.replicaSameAZ && b.did(evReplica2Create):
		r := db(b.replica(), azC)
		if !b.did(evReplica2Avail) {
			r.Status = "creating"
		}
		replica = &r
	case b.did(evReplicaCreate) && !b.did(evReplicaGone):
		az := azC
		if p.replicaSameAZ {
			az = azD
		}
		r := db(b.replica(), az)
		r.PubliclyAccessible = p.replicaPublic && !b.did(evReplicaModified)
		switch {
		case !b.did(evReplicaAvail):
			r.Status = "creating"
		case b.did(evReplicaDelete):
			r.Status = "deleting"
		case b.did(evReplicaModify) && !b.did(evReplicaModified):
			r.Status = "modifying"
		}
		replica = &r
	}
	if replica != nil {
		members = append(members, grader.DBClusterMember{InstanceID: replica.ID, IsWriter: failedOver})
		instances = append(instances, *replica)
	}

	status := "available"
	switch {
	case b.did(evDeleteDB):
		status = "deleting"
		for i := range instances {
			instances[i].Status = "deleting"
		}
	case !b.did(evClusterAvail):
		status = "creating"
	case b.did(evFailoverStart) && !failedOver:
		status = "failing-over"
	}
	s.DBClusters = append(s.DBClusters, grader.DBCluster{
		ID: b.cluster(), ARN: ids.clusterARN(b.cluster()), Status: status, Engine: dbEngine,
		Endpoint:         b.cluster() + ".cluster-" + suffix + "." + region + ".rds.amazonaws.com",
		ReaderEndpoint:   b.cluster() + ".cluster-ro-" + suffix + "." + region + ".rds.amazonaws.com",
		DBSubnetGroup:    b.dbSubnet(),
		SecurityGroupIDs: []string{b.dbSG()},
		Members:          members,
	})
	s.DBInstances = append(s.DBInstances, instances...)

	// The events a scan asks for: the cluster's failover events.
	event := func(ev event, msg string) {
		s.RDSEvents = append(s.RDSEvents, grader.RDSEvent{
			SourceID: b.cluster(), SourceType: "db-cluster", SourceARN: ids.clusterARN(b.cluster()),
			Message: msg, Categories: []string{"failover"}, Date: b.when(ev),
		})
	}
	if b.did(evFailoverStart) {
		event(evFailoverStart, "Started cross AZ failover to DB instance: "+b.replica())
	}
	if failedOver {
		event(evFailoverDone, "Completed failover to DB instance: "+b.replica())
	}
}
