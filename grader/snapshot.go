package grader

import (
	"context"
	"fmt"
	"time"
)

// Target is one set of AWS credentials in one region: everything a single
// set of Describe calls can see. Students who share an account, region and
// role share a target and are scanned together.
type Target struct {
	AccountID  string
	Region     string
	RoleARN    string // empty: the grader's own credentials
	ExternalID string
}

// String names the target in logs and messages. It never includes the
// external id, which is a shared secret between the grader and the account.
func (t Target) String() string {
	if t.RoleARN == "" {
		return fmt.Sprintf("%s/%s", t.AccountID, t.Region)
	}
	return fmt.Sprintf("%s/%s via %s", t.AccountID, t.Region, t.RoleARN)
}

// Source produces the Snapshot of one target. awssource reads real AWS; sim
// simulates a class. data is what to collect (Rubric.Collects, AllData for
// everything): the other kinds are left empty, without a call and without
// being marked unavailable.
type Source interface {
	Snapshot(ctx context.Context, t Target, data []Data) (*Snapshot, error)
}

// Snapshot is the AWS state of one target at one moment, as plain structs.
// Checks read only this; they never call AWS.
type Snapshot struct {
	Target  Target
	TakenAt time.Time
	// AWSCalls is the number of AWS API operations the snapshot took (not
	// counting SDK retries, which are in Retries).
	AWSCalls int
	Retries  int
	// CallsByOperation counts calls per "Service.Operation".
	CallsByOperation map[string]int

	VPCs             []VPC
	Subnets          []Subnet
	RouteTables      []RouteTable
	InternetGateways []InternetGateway
	Instances        []Instance
	Images           []Image
	SecurityGroups   []SecurityGroup
	KeyPairs         []KeyPair

	LoadBalancers []LoadBalancer
	Listeners     []Listener
	TargetGroups  []TargetGroup

	DBSubnetGroups []DBSubnetGroup
	DBClusters     []DBCluster
	DBInstances    []DBInstance
	RDSEvents      []RDSEvent

	// Probes are the answers of active HTTP probes (see Prober), keyed by
	// the probed URL. Sources leave it empty; a Prober fills it after the
	// snapshot is taken, only when an enabled check asks for a probe.
	Probes map[string]ProbeResult

	// Unavailable holds the data the source could not read, with why (an
	// AccessDenied on RDS alone, say). The checks that read it report error;
	// the others are judged as usual.
	Unavailable map[Data]error
}

// Data names one kind of data of a Snapshot. Each check lists the kinds it
// reads, so a partial snapshot still judges what it can.
type Data string

const (
	DataVPCs             Data = "vpcs"
	DataSubnets          Data = "subnets"
	DataRouteTables      Data = "route tables"
	DataInternetGateways Data = "internet gateways"
	DataInstances        Data = "instances"
	DataImages           Data = "images"
	DataSecurityGroups   Data = "security groups"
	DataKeyPairs         Data = "key pairs"
	DataLoadBalancers    Data = "load balancers"
	DataListeners        Data = "listeners"
	DataTargetGroups     Data = "target groups"
	DataTargetHealth     Data = "target health"
	DataDBClusters       Data = "DB clusters"
	DataDBInstances      Data = "DB instances"
	DataDBSubnetGroups   Data = "DB subnet groups"
	DataRDSEvents        Data = "RDS events"
	DataProbes           Data = "HTTP probes"
)

// AllData is every kind of data a source can collect (the probes are the
// prober's, not a source's).
func AllData() []Data {
	return []Data{
		DataVPCs, DataSubnets, DataRouteTables, DataInternetGateways, DataInstances, DataImages, DataSecurityGroups, DataKeyPairs,
		DataLoadBalancers, DataListeners, DataTargetGroups, DataTargetHealth,
		DataDBClusters, DataDBInstances, DataDBSubnetGroups, DataRDSEvents,
	}
}

// Drop empties the data of kind d in s, without marking it unavailable:
// for data read only in part, or not asked for. Dropping target health
// keeps the target groups and empties their targets; the probes are the
// prober's and are left alone.
func (s *Snapshot) Drop(d Data) {
	switch d {
	case DataVPCs:
		s.VPCs = nil
	case DataSubnets:
		s.Subnets = nil
	case DataRouteTables:
		s.RouteTables = nil
	case DataInternetGateways:
		s.InternetGateways = nil
	case DataInstances:
		s.Instances = nil
	case DataImages:
		s.Images = nil
	case DataSecurityGroups:
		s.SecurityGroups = nil
	case DataKeyPairs:
		s.KeyPairs = nil
	case DataLoadBalancers:
		s.LoadBalancers = nil
	case DataListeners:
		s.Listeners = nil
	case DataTargetGroups:
		s.TargetGroups = nil
	case DataTargetHealth:
		for i := range s.TargetGroups {
			s.TargetGroups[i].Targets = nil
		}
	case DataDBClusters:
		s.DBClusters = nil
	case DataDBInstances:
		s.DBInstances = nil
	case DataDBSubnetGroups:
		s.DBSubnetGroups = nil
	case DataRDSEvents:
		s.RDSEvents = nil
	}
}

// MarkUnavailable records that data could not be read.
func (s *Snapshot) MarkUnavailable(d Data, err error) {
	if s.Unavailable == nil {
		s.Unavailable = map[Data]error{}
	}
	s.Unavailable[d] = err
}

// ProbeResult is what one HTTP GET of an active probe got.
type ProbeResult struct {
	URL string
	// Status is the HTTP status code of the answer; 0 when nothing
	// answered (timeout, refused or reset connection, unreachable host).
	Status int
	// Err says why there was no answer ("" when Status is set).
	Err      string
	Duration time.Duration
	At       time.Time // when the request was sent
}

// Answered reports whether an HTTP answer came back.
func (p ProbeResult) Answered() bool { return p.Status != 0 }

// RecordProbe stores a probe result under its URL. It is not safe for
// concurrent use: a prober serializes its calls.
func (s *Snapshot) RecordProbe(p ProbeResult) {
	if s.Probes == nil {
		s.Probes = map[string]ProbeResult{}
	}
	s.Probes[p.URL] = p
}

type VPC struct {
	ID        string
	Name      string // tag Name
	CIDR      string
	IsDefault bool
}

type Subnet struct {
	ID                  string
	Name                string
	VPCID               string
	AZ                  string
	CIDR                string
	MapPublicIPOnLaunch bool
}

type RouteTable struct {
	ID    string
	VPCID string
	// Main is true when this is the VPC's main route table, used by every
	// subnet without an explicit association.
	Main      bool
	SubnetIDs []string // explicit associations
	Routes    []Route
}

type Route struct {
	DestinationCIDR     string
	DestinationIPv6CIDR string
	GatewayID           string // igw-…, local, vgw-…
	NatGatewayID        string
	State               string // active, blackhole
}

type InternetGateway struct {
	ID     string
	Name   string
	VPCIDs []string // attached VPCs
}

type Instance struct {
	ID               string
	Name             string
	State            string // pending, running, stopping, stopped, shutting-down, terminated
	Type             string
	AZ               string
	VPCID            string
	SubnetID         string
	PublicIP         string
	PrivateIP        string
	ImageID          string
	KeyName          string
	SecurityGroupIDs []string
	LaunchTime       time.Time
}

type Image struct {
	ID           string
	Name         string
	Description  string
	State        string // pending, available, failed, …
	OwnerID      string
	CreationDate string
}

type SecurityGroup struct {
	ID          string
	Name        string // GroupName
	Description string
	VPCID       string
	Inbound     []Permission
}

// KeyPair is an EC2 key pair (the account's, in the target's region).
type KeyPair struct {
	ID          string // key-…
	Name        string
	Type        string // rsa, ed25519
	Fingerprint string
	CreateTime  time.Time
}

// Permission is one inbound rule set as EC2 reports it: a protocol and port
// range opened to any number of sources.
type Permission struct {
	// Protocol is "tcp", "udp", "icmp", "icmpv6", "-1" (all traffic) or a
	// protocol number such as "6".
	Protocol string
	// FromPort and ToPort are the port range; both are -1 or 0 for all-traffic
	// rules, where they carry no meaning.
	FromPort      int32
	ToPort        int32
	IPv4Ranges    []string
	IPv6Ranges    []string
	PrefixListIDs []string
	GroupIDs      []string // referenced security groups
}

type LoadBalancer struct {
	ARN              string
	Name             string
	DNSName          string
	Type             string // application, network, gateway
	Scheme           string // internet-facing, internal
	State            string // active, provisioning, active_impaired, failed
	VPCID            string
	Zones            []LBZone
	SecurityGroupIDs []string
}

type LBZone struct {
	ZoneName string
	SubnetID string
}

type Listener struct {
	ARN             string
	LoadBalancerARN string
	Protocol        string
	Port            int32
	DefaultActions  []Action
}

type Action struct {
	Type string // forward, redirect, fixed-response, …
	// TargetGroupARNs are the groups a forward action sends to, from either
	// TargetGroupArn or ForwardConfig.
	TargetGroupARNs []string
}

type TargetGroup struct {
	ARN              string
	Name             string
	Protocol         string
	Port             int32
	TargetType       string // instance, ip, lambda, alb
	VPCID            string
	LoadBalancerARNs []string
	Targets          []TargetHealth // from DescribeTargetHealth
}

type TargetHealth struct {
	ID          string // instance id or IP
	Port        int32
	AZ          string // set by AWS only for some targets; use the instance's
	State       string // initial, healthy, unhealthy, unused, draining, unavailable
	Reason      string
	Description string
}

type DBSubnetGroup struct {
	Name      string
	VPCID     string
	SubnetIDs []string
}

type DBCluster struct {
	ID             string // DBClusterIdentifier
	ARN            string
	Status         string
	Engine         string
	Endpoint       string
	ReaderEndpoint string
	DBSubnetGroup  string
	// SecurityGroupIDs are the cluster's VPC security groups.
	SecurityGroupIDs []string
	Members          []DBClusterMember
}

type DBClusterMember struct {
	InstanceID string
	IsWriter   bool
}

type DBInstance struct {
	ID                 string // DBInstanceIdentifier
	ClusterID          string
	Class              string
	Engine             string
	AZ                 string
	Status             string
	PubliclyAccessible bool
	DBSubnetGroup      string
}

type RDSEvent struct {
	SourceID   string
	SourceType string // db-cluster, db-instance, …
	SourceARN  string
	Message    string
	Categories []string
	Date       time.Time
}
