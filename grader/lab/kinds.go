package lab

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"

	"labgrid/grader"
)

// The records below are what a lab's rules see of a Snapshot: one Go struct
// per kind, exposed to CEL through ext.NativeTypes under the snake_case
// names of their cel tags. They are linked: an instance carries its subnet
// and security groups, a load balancer its listeners, a cluster its members'
// DB instances, so rules follow references instead of looking ids up.
// Derived facts the engine knows better than a rule (is a subnet public)
// are fields too. The CEL type of a record is "lab.<Go name>"; what a lab
// author reads (problems, errors) names it by its kind (typeNames).

// VPC is an ec2.vpc.
type VPC struct {
	ID        string    `cel:"id"`
	Name      string    `cel:"name"` // tag Name
	CIDR      string    `cel:"cidr"`
	IsDefault bool      `cel:"is_default"`
	Subnets   []*Subnet `cel:"subnets"`
	// InternetGateways are the gateways attached to it.
	InternetGateways []*InternetGateway `cel:"internet_gateways"`
}

// InternetGateway is an ec2.internet_gateway with the VPCs it is attached
// to.
type InternetGateway struct {
	ID     string   `cel:"id"`
	Name   string   `cel:"name"` // tag Name
	VPCIDs []string `cel:"vpc_ids"`
}

// KeyPair is an ec2.key_pair.
type KeyPair struct {
	ID          string    `cel:"id"`
	Name        string    `cel:"name"`
	Type        string    `cel:"type"` // rsa, ed25519
	Fingerprint string    `cel:"fingerprint"`
	CreateTime  time.Time `cel:"create_time"`
}

// Subnet is an ec2.subnet. Public is true when its route table (its own,
// else the VPC's main one) sends 0.0.0.0/0 to an internet gateway.
type Subnet struct {
	ID                  string `cel:"id"`
	Name                string `cel:"name"`
	VPCID               string `cel:"vpc_id"`
	AZ                  string `cel:"az"`
	CIDR                string `cel:"cidr"`
	MapPublicIPOnLaunch bool   `cel:"map_public_ip_on_launch"`
	Public              bool   `cel:"public"`
}

// Instance is an ec2.instance.
type Instance struct {
	ID               string           `cel:"id"`
	Name             string           `cel:"name"`
	State            string           `cel:"state"`
	Type             string           `cel:"type"`
	AZ               string           `cel:"az"`
	VPCID            string           `cel:"vpc_id"`
	SubnetID         string           `cel:"subnet_id"`
	Subnet           *Subnet          `cel:"subnet"` // null when not listed
	PublicIP         string           `cel:"public_ip"`
	PrivateIP        string           `cel:"private_ip"`
	ImageID          string           `cel:"image_id"`
	KeyName          string           `cel:"key_name"`
	SecurityGroupIDs []string         `cel:"security_group_ids"`
	SecurityGroups   []*SecurityGroup `cel:"security_groups"` // those listed
	LaunchTime       time.Time        `cel:"launch_time"`
}

// Image is an ec2.image (an AMI owned by the account).
type Image struct {
	ID           string `cel:"id"`
	Name         string `cel:"name"`
	Description  string `cel:"description"`
	State        string `cel:"state"`
	OwnerID      string `cel:"owner_id"`
	CreationDate string `cel:"creation_date"`
}

// SecurityGroup is an ec2.security_group.
type SecurityGroup struct {
	ID          string        `cel:"id"`
	Name        string        `cel:"name"` // GroupName
	Description string        `cel:"description"`
	VPCID       string        `cel:"vpc_id"`
	Inbound     []*Permission `cel:"inbound"`
}

// Permission is one inbound rule set of a security group.
type Permission struct {
	Protocol      string   `cel:"protocol"` // tcp, udp, icmp, -1 (all traffic), or a number
	FromPort      int      `cel:"from_port"`
	ToPort        int      `cel:"to_port"`
	IPv4Ranges    []string `cel:"ipv4_ranges"`
	IPv6Ranges    []string `cel:"ipv6_ranges"`
	PrefixListIDs []string `cel:"prefix_list_ids"`
	GroupIDs      []string `cel:"group_ids"`
}

// LoadBalancer is an elbv2.load_balancer, with its listeners.
type LoadBalancer struct {
	ARN              string           `cel:"arn"`
	Name             string           `cel:"name"`
	DNSName          string           `cel:"dns_name"`
	Type             string           `cel:"type"`   // application, network, gateway
	Scheme           string           `cel:"scheme"` // internet-facing, internal
	State            string           `cel:"state"`
	VPCID            string           `cel:"vpc_id"`
	Zones            []*LBZone        `cel:"zones"`
	SecurityGroupIDs []string         `cel:"security_group_ids"`
	SecurityGroups   []*SecurityGroup `cel:"security_groups"`
	Listeners        []*Listener      `cel:"listeners"`
}

// LBZone is one zone of a load balancer.
type LBZone struct {
	ZoneName string  `cel:"zone_name"`
	SubnetID string  `cel:"subnet_id"`
	Subnet   *Subnet `cel:"subnet"`
}

// Listener is one listener of a load balancer.
type Listener struct {
	ARN            string    `cel:"arn"`
	Protocol       string    `cel:"protocol"`
	Port           int       `cel:"port"`
	DefaultActions []*Action `cel:"default_actions"`
}

// Action is a listener's default action.
type Action struct {
	Type            string         `cel:"type"` // forward, redirect, fixed-response
	TargetGroupARNs []string       `cel:"target_group_arns"`
	TargetGroups    []*TargetGroup `cel:"target_groups"`
}

// TargetGroup is an elbv2.target_group with the health of its targets.
type TargetGroup struct {
	ARN              string    `cel:"arn"`
	Name             string    `cel:"name"`
	Protocol         string    `cel:"protocol"`
	Port             int       `cel:"port"`
	TargetType       string    `cel:"target_type"`
	VPCID            string    `cel:"vpc_id"`
	LoadBalancerARNs []string  `cel:"load_balancer_arns"`
	Targets          []*Target `cel:"targets"`
}

// Target is one registered target and its health. AZ is AWS's, else the
// instance's.
type Target struct {
	ID          string    `cel:"id"`
	Port        int       `cel:"port"`
	AZ          string    `cel:"az"`
	State       string    `cel:"state"` // initial, healthy, unhealthy, unused, draining
	Reason      string    `cel:"reason"`
	Description string    `cel:"description"`
	Instance    *Instance `cel:"instance"` // null when not an instance or not listed
}

// DBCluster is an rds.cluster with its members, subnet group and events.
type DBCluster struct {
	ID                string           `cel:"id"`
	ARN               string           `cel:"arn"`
	Status            string           `cel:"status"`
	Engine            string           `cel:"engine"`
	Endpoint          string           `cel:"endpoint"`
	ReaderEndpoint    string           `cel:"reader_endpoint"`
	DBSubnetGroupName string           `cel:"db_subnet_group_name"`
	SubnetGroup       *DBSubnetGroup   `cel:"subnet_group"` // null when not listed
	SecurityGroupIDs  []string         `cel:"security_group_ids"`
	SecurityGroups    []*SecurityGroup `cel:"security_groups"` // those listed
	Members           []*ClusterMember `cel:"members"`
	Events            []*RDSEvent      `cel:"events"` // events whose source is the cluster
}

// ClusterMember is one member of a cluster. Instance is null when
// DescribeDBInstances did not list it.
type ClusterMember struct {
	InstanceID string      `cel:"instance_id"`
	IsWriter   bool        `cel:"is_writer"`
	Instance   *DBInstance `cel:"instance"`
}

// DBSubnetGroup is a DB subnet group with its subnets (those listed).
type DBSubnetGroup struct {
	Name      string    `cel:"name"`
	VPCID     string    `cel:"vpc_id"`
	SubnetIDs []string  `cel:"subnet_ids"`
	Subnets   []*Subnet `cel:"subnets"`
}

// DBInstance is an rds.instance.
type DBInstance struct {
	ID                 string `cel:"id"`
	ClusterID          string `cel:"cluster_id"`
	Class              string `cel:"class"`
	Engine             string `cel:"engine"`
	AZ                 string `cel:"az"`
	Status             string `cel:"status"`
	PubliclyAccessible bool   `cel:"publicly_accessible"`
	DBSubnetGroup      string `cel:"db_subnet_group"`
}

// RDSEvent is one RDS event.
type RDSEvent struct {
	SourceID   string    `cel:"source_id"`
	SourceType string    `cel:"source_type"`
	SourceARN  string    `cel:"source_arn"`
	Message    string    `cel:"message"`
	Categories []string  `cel:"categories"`
	Date       time.Time `cel:"date"`
}

// Probe is the answer of an active HTTP probe.
type Probe struct {
	URL      string        `cel:"url"`
	Status   int           `cel:"status"` // 0: nothing answered
	Err      string        `cel:"error"`
	Duration time.Duration `cel:"duration"`
	At       time.Time     `cel:"at"`
}

// Remembered is one value a lab keeps of a student between scans (see
// the lab file's memory section).
type Remembered struct {
	Previous string `cel:"previous"` // the value the last scans saw
	Current  string `cel:"current"`  // this scan's value
	// Changed is true when Previous and Current are both known and differ.
	Changed bool `cel:"changed"`
	// ChangedBefore stays true once a change was seen in an earlier scan.
	ChangedBefore bool `cel:"changed_before"`
}

// Kind is an AWS resource kind a lab can find per student.
type Kind struct {
	Name string // as written in a lab file: ec2.vpc
	typ  reflect.Type
	// Reads are the Snapshot data the records of the kind come from; a
	// check that reads a resource of the kind is error when any is
	// unavailable.
	Reads []grader.Data
	// InVPC is true for kinds that a resource can scope to a VPC.
	InVPC bool
	// ScopeReads is the data that says which VPC a record is in when
	// Reads do not (an RDS record's DB subnet group): read too by a
	// resource scoped to a VPC.
	ScopeReads []grader.Data
}

// CELType is the kind's record type in CEL.
func (k *Kind) CELType() *cel.Type { return cel.ObjectType(celTypeName(k.typ)) }

func celTypeName(t reflect.Type) string { return "lab." + t.Name() }

// kinds is every kind the engine knows. A new kind is a record above, its
// entry here (with the data its records come from) and its collector.
var kinds = []*Kind{
	{Name: "ec2.vpc", typ: reflect.TypeFor[VPC](), Reads: []grader.Data{grader.DataVPCs}},
	{Name: "ec2.subnet", typ: reflect.TypeFor[Subnet](), Reads: []grader.Data{grader.DataSubnets}, InVPC: true},
	{Name: "ec2.instance", typ: reflect.TypeFor[Instance](), Reads: []grader.Data{grader.DataInstances}, InVPC: true},
	{Name: "ec2.image", typ: reflect.TypeFor[Image](), Reads: []grader.Data{grader.DataImages}},
	{Name: "ec2.security_group", typ: reflect.TypeFor[SecurityGroup](), Reads: []grader.Data{grader.DataSecurityGroups}, InVPC: true},
	{Name: "ec2.internet_gateway", typ: reflect.TypeFor[InternetGateway](), Reads: []grader.Data{grader.DataInternetGateways}},
	{Name: "ec2.key_pair", typ: reflect.TypeFor[KeyPair](), Reads: []grader.Data{grader.DataKeyPairs}},
	{Name: "elbv2.load_balancer", typ: reflect.TypeFor[LoadBalancer](), Reads: []grader.Data{grader.DataLoadBalancers}, InVPC: true},
	{Name: "elbv2.target_group", typ: reflect.TypeFor[TargetGroup](), Reads: []grader.Data{grader.DataTargetGroups}, InVPC: true},
	{Name: "rds.cluster", typ: reflect.TypeFor[DBCluster](), Reads: []grader.Data{grader.DataDBClusters},
		InVPC: true, ScopeReads: []grader.Data{grader.DataDBSubnetGroups}},
	{Name: "rds.instance", typ: reflect.TypeFor[DBInstance](), Reads: []grader.Data{grader.DataDBInstances},
		InVPC: true, ScopeReads: []grader.Data{grader.DataDBSubnetGroups}},
}

// records names the records that are no kind for a lab author: what
// problems and errors call their CEL types (see typeNames).
var records = []struct {
	name string
	typ  reflect.Type
}{
	{"ec2.permission", reflect.TypeFor[Permission]()},
	{"elbv2.zone", reflect.TypeFor[LBZone]()},
	{"elbv2.listener", reflect.TypeFor[Listener]()},
	{"elbv2.action", reflect.TypeFor[Action]()},
	{"elbv2.target", reflect.TypeFor[Target]()},
	{"rds.cluster_member", reflect.TypeFor[ClusterMember]()},
	{"rds.subnet_group", reflect.TypeFor[DBSubnetGroup]()},
	{"rds.event", reflect.TypeFor[RDSEvent]()},
	{"probe", reflect.TypeFor[Probe]()},
	{"memory", reflect.TypeFor[Remembered]()},
}

// typeNames rewrites a text of CEL's (a type, a type error) to name the
// kinds and records as a lab file does (ec2.vpc), not as the engine's Go
// types (lab.VPC): a lab author never sees the latter.
var typeNames = func() *strings.Replacer {
	type pair struct{ from, to string }
	var ps []pair
	for _, k := range kinds {
		ps = append(ps, pair{celTypeName(k.typ), k.Name})
	}
	for _, r := range records {
		ps = append(ps, pair{celTypeName(r.typ), r.name})
	}
	// Longest first, so that lab.DBCluster is not read as lab.DB….
	slices.SortFunc(ps, func(a, b pair) int { return len(b.from) - len(a.from) })
	var pairs []string
	for _, p := range ps {
		pairs = append(pairs, p.from, p.to)
	}
	return strings.NewReplacer(pairs...)
}()

// fieldReads are the data behind the linked and derived fields of the
// records: a check selecting one reads that data too, so that a partial
// snapshot makes error only the checks that look at what is missing.
// RDS events (DBCluster.events) are not here: a rule decides, with
// unreadable, whether their absence matters.
var fieldReads = map[string][]grader.Data{
	"lab.VPC.subnets":                  {grader.DataSubnets},
	"lab.VPC.internet_gateways":        {grader.DataInternetGateways},
	"lab.Subnet.public":                {grader.DataRouteTables},
	"lab.Instance.subnet":              {grader.DataSubnets},
	"lab.Instance.security_groups":     {grader.DataSecurityGroups},
	"lab.LoadBalancer.zones":           {},
	"lab.LBZone.subnet":                {grader.DataSubnets},
	"lab.LoadBalancer.security_groups": {grader.DataSecurityGroups},
	"lab.LoadBalancer.listeners":       {grader.DataListeners},
	"lab.Action.target_groups":         {grader.DataTargetGroups},
	"lab.TargetGroup.targets":          {grader.DataTargetHealth},
	"lab.Target.instance":              {grader.DataInstances},
	"lab.Target.az":                    {grader.DataInstances}, // AWS's, else the instance's
	"lab.ClusterMember.instance":       {grader.DataDBInstances},
	"lab.DBCluster.subnet_group":       {grader.DataDBSubnetGroups},
	"lab.DBCluster.security_groups":    {grader.DataSecurityGroups},
	"lab.DBSubnetGroup.subnets":        {grader.DataSubnets},
}

// KindNames lists the kinds a lab file may name.
func KindNames() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name
	}
	return out
}

func kindByName(name string) *Kind {
	i := slices.IndexFunc(kinds, func(k *Kind) bool { return k.Name == name })
	if i < 0 {
		return nil
	}
	return kinds[i]
}

// nativeTypes are the Go types handed to ext.NativeTypes; the records they
// link to are found through them.
func nativeTypes() []any {
	out := []any{reflect.TypeFor[Probe](), reflect.TypeFor[Remembered]()}
	for _, k := range kinds {
		out = append(out, k.typ)
	}
	return out
}
