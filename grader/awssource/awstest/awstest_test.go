package awstest_test

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elbschemas "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/schemas"
	rdsschemas "github.com/aws/aws-sdk-go-v2/service/rds/schemas"
	stsschemas "github.com/aws/aws-sdk-go-v2/service/sts/schemas"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/traits"

	"labgrid/grader"
	"labgrid/grader/awssource"
	"labgrid/grader/awssource/awstest"
)

const (
	account   = "123456789012"
	region    = "ap-northeast-1"
	accessKey = "AKIAIOSFODNN7EXAMPLE"
	lb1       = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/elb-user01/50dc6c495c0c9188"
	lb2       = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/elb-user02/0467ef3c8400ae65"
	tg1       = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/tg-elb-user01/73e2d6bc24d8a067"
	tg2       = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/tg-lambda/f2f7dc8efc522ab2"
	cluster1  = "arn:aws:rds:ap-northeast-1:123456789012:cluster:wp-user01-cluster"
)

// tricky is a snapshot with every field set somewhere, and values that
// need escaping. served is what AWS answers of it to awssource's calls:
// another owner's image and the events outside the request's filters are
// left out.
func tricky(now time.Time) (snap, served *grader.Snapshot) {
	launch := time.Date(2024, 5, 1, 1, 2, 3, 0, time.UTC)
	local := grader.Route{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"}
	snap = &grader.Snapshot{
		Target:  grader.Target{AccountID: account, Region: region},
		TakenAt: now,
		VPCs: []grader.VPC{
			{ID: "vpc-1", Name: `vpc-user01 <本番> & "test"`, CIDR: "10.0.0.0/16"},
			{ID: "vpc-def", CIDR: "172.31.0.0/16", IsDefault: true},
		},
		Subnets: []grader.Subnet{
			{ID: "subnet-1", Name: "パブリック 1c", VPCID: "vpc-1", AZ: "ap-northeast-1c", CIDR: "10.0.1.0/24", MapPublicIPOnLaunch: true},
			{ID: "subnet-2", Name: "private'2", VPCID: "vpc-1", AZ: "ap-northeast-1d", CIDR: "10.0.2.0/24"},
			{ID: "subnet-def", VPCID: "vpc-def", AZ: "ap-northeast-1a", CIDR: "172.31.0.0/20", MapPublicIPOnLaunch: true},
		},
		RouteTables: []grader.RouteTable{
			{ID: "rtb-main", VPCID: "vpc-1", Main: true, Routes: []grader.Route{
				local, {DestinationCIDR: "0.0.0.0/0", NatGatewayID: "nat-1", State: "blackhole"},
			}},
			{ID: "rtb-pub", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Routes: []grader.Route{
				local,
				{DestinationCIDR: "0.0.0.0/0", GatewayID: "igw-1", State: "active"},
				{DestinationIPv6CIDR: "::/0", GatewayID: "igw-1", State: "active"},
			}},
			{ID: "rtb-def", VPCID: "vpc-def", Main: true, SubnetIDs: []string{"subnet-def"}},
		},
		InternetGateways: []grader.InternetGateway{
			{ID: "igw-1", Name: "igw <user01>", VPCIDs: []string{"vpc-1"}},
			{ID: "igw-loose"},
		},
		Instances: []grader.Instance{
			// Launched together: one reservation.
			{ID: "i-1", Name: "webserver#1-user01", State: "running", Type: "t2.micro", AZ: "ap-northeast-1c",
				VPCID: "vpc-1", SubnetID: "subnet-1", PublicIP: "13.112.1.2", PrivateIP: "10.0.1.10", ImageID: "ami-base",
				KeyName: "1day-user01", SecurityGroupIDs: []string{"sg-web", "sg-ssh"}, LaunchTime: launch},
			{ID: "i-2", Name: "webserver#2-user01", State: "pending", Type: "t3.small", AZ: "ap-northeast-1c",
				VPCID: "vpc-1", SubnetID: "subnet-1", PrivateIP: "10.0.1.11", ImageID: "ami-base",
				KeyName: "1day-user01", SecurityGroupIDs: []string{"sg-web"}, LaunchTime: launch},
			{ID: "i-3", Name: "ウェブ#3 'old' & <gone>", State: "terminated", Type: "t2.micro", AZ: "ap-northeast-1d",
				ImageID: "ami-1", LaunchTime: launch.Add(-time.Hour)},
			{ID: "i-4", State: "stopped", Type: "t2.micro", AZ: "ap-northeast-1d", VPCID: "vpc-1", SubnetID: "subnet-2",
				PrivateIP: "10.0.2.4", ImageID: "ami-1", LaunchTime: launch.Add(time.Hour)},
		},
		Images: []grader.Image{
			{ID: "ami-1", Name: "sampleapp user01", Description: "sampleapp user01 — 日本語 <説明>", State: "available",
				OwnerID: account, CreationDate: "2024-05-01T02:00:00.000Z"},
			{ID: "ami-other", Name: "not mine", State: "available", OwnerID: "999988887777", CreationDate: "2023-01-01T00:00:00.000Z"},
		},
		SecurityGroups: []grader.SecurityGroup{
			{ID: "sg-web", Name: "web-user01", Description: "web & <servers>", VPCID: "vpc-1", Inbound: []grader.Permission{
				{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{"sg-alb"}},
				{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0", "192.168.0.0/16"},
					IPv6Ranges: []string{"::/0"}, PrefixListIDs: []string{"pl-61a54008"}},
				{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{"sg-web"}},
				{Protocol: "icmp", FromPort: -1, ToPort: -1, IPv4Ranges: []string{"10.0.0.0/8"}},
			}},
			{ID: "sg-alb", Name: "alb-user01", Description: "alb", VPCID: "vpc-1", Inbound: []grader.Permission{
				{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}, IPv6Ranges: []string{"::/0"}},
			}},
			{ID: "sg-ssh", Name: "ssh", Description: "no rules", VPCID: "vpc-1"},
		},
		LoadBalancers: []grader.LoadBalancer{
			{ARN: lb1, Name: "elb-user01", DNSName: "elb-user01-1234567890.ap-northeast-1.elb.amazonaws.com",
				Type: "application", Scheme: "internet-facing", State: "active", VPCID: "vpc-1",
				Zones:            []grader.LBZone{{ZoneName: "ap-northeast-1c", SubnetID: "subnet-1"}, {ZoneName: "ap-northeast-1d", SubnetID: "subnet-2"}},
				SecurityGroupIDs: []string{"sg-alb", "sg-web"}},
			{ARN: lb2, Name: "elb-user02", Type: "network", Scheme: "internal", State: "provisioning", VPCID: "vpc-1"},
		},
		Listeners: []grader.Listener{
			{ARN: lb1 + "/l80", LoadBalancerARN: lb1, Protocol: "HTTP", Port: 80,
				DefaultActions: []grader.Action{{Type: "forward", TargetGroupARNs: []string{tg1}}}},
			{ARN: lb1 + "/l81", LoadBalancerARN: lb1, Protocol: "HTTP", Port: 81,
				DefaultActions: []grader.Action{{Type: "forward", TargetGroupARNs: []string{tg1, tg2}}}},
			{ARN: lb1 + "/l8080", LoadBalancerARN: lb1, Protocol: "HTTP", Port: 8080,
				DefaultActions: []grader.Action{{Type: "fixed-response"}, {Type: "forward", TargetGroupARNs: []string{tg2}}}},
			{ARN: lb2 + "/l443", LoadBalancerARN: lb2, Protocol: "TLS", Port: 443,
				DefaultActions: []grader.Action{{Type: "redirect"}}},
		},
		TargetGroups: []grader.TargetGroup{
			{ARN: tg1, Name: "tg-elb-user01", Protocol: "HTTP", Port: 80, TargetType: "instance", VPCID: "vpc-1",
				LoadBalancerARNs: []string{lb1}, Targets: []grader.TargetHealth{
					{ID: "i-1", Port: 80, State: "healthy"},
					{ID: "i-2", Port: 80, AZ: "ap-northeast-1c", State: "unhealthy", Reason: "Target.ResponseCodeMismatch",
						Description: "Health checks failed with these codes: [502]"},
				}},
			{ARN: tg2, Name: "tg-lambda", TargetType: "lambda"},
		},
		DBSubnetGroups: []grader.DBSubnetGroup{
			{Name: "wp-user01-subnet", VPCID: "vpc-1", SubnetIDs: []string{"subnet-2", "subnet-1"}},
			{Name: "default", VPCID: "vpc-def", SubnetIDs: []string{"subnet-def"}},
		},
		DBClusters: []grader.DBCluster{
			{ID: "wp-user01-cluster", ARN: cluster1, Status: "available", Engine: "aurora-mysql",
				Endpoint:       "wp-user01-cluster.cluster-c1.ap-northeast-1.rds.amazonaws.com",
				ReaderEndpoint: "wp-user01-cluster.cluster-ro-c1.ap-northeast-1.rds.amazonaws.com",
				DBSubnetGroup:  "wp-user01-subnet",
				Members:        []grader.DBClusterMember{{InstanceID: "wp-user01"}, {InstanceID: "wp-user01-slave", IsWriter: true}}},
			{ID: "wp-user02-cluster", Status: "creating", Engine: "aurora-mysql"},
		},
		DBInstances: []grader.DBInstance{
			{ID: "wp-user01", ClusterID: "wp-user01-cluster", Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1d",
				Status: "available", DBSubnetGroup: "wp-user01-subnet"},
			{ID: "wp-user01-slave", ClusterID: "wp-user01-cluster", Class: "db.r5.large", Engine: "aurora-mysql", AZ: "ap-northeast-1c",
				Status: "modifying", PubliclyAccessible: true, DBSubnetGroup: "wp-user01-subnet"},
			{ID: "wp-user02", ClusterID: "wp-user02-cluster", Status: "creating"},
		},
		RDSEvents: []grader.RDSEvent{
			{SourceID: "wp-user01-cluster", SourceType: "db-cluster", SourceARN: cluster1, Message: "Started cross AZ failover to DB instance: wp-user01-slave",
				Categories: []string{"notification", "failover"}, Date: now.Add(-50 * time.Hour).Truncate(time.Millisecond)},
			{SourceID: "wp-user01-cluster", SourceType: "db-cluster", SourceARN: cluster1, Message: "フェイルオーバー <完了> & done",
				Categories: []string{"failover"}, Date: now.Add(-time.Hour).Truncate(time.Millisecond)},
			// Older than the 14 days asked for.
			{SourceID: "wp-user01-cluster", SourceType: "db-cluster", Message: "old", Categories: []string{"failover"}, Date: now.Add(-15 * 24 * time.Hour)},
			// Another category, another source type.
			{SourceID: "wp-user01-cluster", SourceType: "db-cluster", Message: "created", Categories: []string{"creation"}, Date: now.Add(-2 * time.Hour)},
			{SourceID: "wp-user01", SourceType: "db-instance", Message: "rebooted", Categories: []string{"failover"}, Date: now.Add(-2 * time.Hour)},
		},
	}
	served = &grader.Snapshot{}
	*served = grader.Snapshot{ // every field but the filtered lists
		VPCs: snap.VPCs, Subnets: snap.Subnets, RouteTables: snap.RouteTables, InternetGateways: snap.InternetGateways,
		Instances: snap.Instances, Images: snap.Images[:1], SecurityGroups: snap.SecurityGroups,
		LoadBalancers: snap.LoadBalancers, Listeners: snap.Listeners, TargetGroups: snap.TargetGroups,
		DBSubnetGroups: snap.DBSubnetGroups, DBClusters: snap.DBClusters, DBInstances: snap.DBInstances,
		RDSEvents: snap.RDSEvents[:2],
	}
	return snap, served
}

func newSource(t *testing.T, url string) *awssource.Source {
	t.Helper()
	src, err := awssource.New(t.Context(), awssource.Options{MaxBackoff: time.Millisecond, TargetTimeout: 10 * time.Second},
		config.WithBaseEndpoint(url),
		config.WithRegion(region),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, "secret", "")),
	)
	if err != nil {
		t.Fatalf("awssource.New: %v", err)
	}
	return src
}

func newServer(t *testing.T) *awstest.Server {
	t.Helper()
	s := awstest.NewServer()
	t.Cleanup(s.Close)
	s.Handler().OnUnexpected(t.Errorf)
	return s
}

// resources is every resource field of s, by name.
func resources(s *grader.Snapshot) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); v.Type().Field(i).IsExported() && f.Kind() == reflect.Slice {
			out[v.Type().Field(i).Name] = f.Interface()
		}
	}
	return out
}

func TestServerRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 2, 3, 4, 5, 0, time.UTC)
	snap, want := tricky(now)
	s := newServer(t)
	s.SetSnapshot(snap)
	s.SetPageSize(1)

	got, err := newSource(t, s.URL()).Snapshot(t.Context(), snap.Target, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	g, w := resources(got), resources(want)
	if len(w) < 14 {
		t.Fatalf("%d resource fields", len(w))
	}
	for name := range w {
		if !reflect.DeepEqual(g[name], w[name]) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, g[name], w[name])
		}
	}
	if s.Handler().Count("DescribeVpcs") != 2 || s.Handler().Count("DescribeListeners") != 4 {
		t.Errorf("with page size 1: %d DescribeVpcs, %d DescribeListeners; want 2, 4 pages",
			s.Handler().Count("DescribeVpcs"), s.Handler().Count("DescribeListeners"))
	}
	for _, r := range s.Requests() {
		if r.AccessKey != accessKey || r.Region != region {
			t.Errorf("%s: access key %q, region %q", r.Action, r.AccessKey, r.Region)
		}
		if !slices.Contains(awssource.Operations, r.IAMAction()) {
			t.Errorf("%s: IAMAction %q not in awssource.Operations", r.Action, r.IAMAction())
		}
	}
}

// TestServerReservations checks that instances launched together share a
// reservation, and that the rest get one each.
func TestServerReservations(t *testing.T) {
	t.Parallel()
	snap, _ := tricky(time.Now())
	s := newServer(t)
	s.SetSnapshot(snap)
	_, body := post(t, s.URL(), "DescribeInstances", awstest.EC2Version, nil)
	root := parse(t, body)
	var counts []int
	for _, r := range root.child("reservationSet").children {
		counts = append(counts, len(r.child("instancesSet").children))
	}
	if !slices.Equal(counts, []int{2, 1, 1}) {
		t.Errorf("instances per reservation = %v, want [2 1 1]", counts)
	}
}

func TestServerFilters(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 2, 3, 4, 5, 0, time.UTC)
	snap, _ := tricky(now)
	s := newServer(t)
	s.SetSnapshot(snap)
	texts := func(body []byte, list, field string) []string {
		var out []string
		for _, it := range parse(t, body).find(list).children {
			out = append(out, it.child(field).text)
		}
		return out
	}
	for _, tc := range []struct {
		form url.Values
		want []string
	}{
		{url.Values{}, []string{"ami-1", "ami-other"}},
		{url.Values{"Owner.1": {"self"}}, []string{"ami-1"}},
		{url.Values{"Owner.1": {"999988887777"}, "Owner.2": {"amazon"}}, []string{"ami-other"}},
	} {
		_, body := post(t, s.URL(), "DescribeImages", awstest.EC2Version, tc.form)
		if got := texts(body, "imagesSet", "imageId"); !slices.Equal(got, tc.want) {
			t.Errorf("DescribeImages %v = %v, want %v", tc.form, got, tc.want)
		}
	}
	for _, tc := range []struct {
		form url.Values
		want []string
	}{
		// Default: the last hour before TakenAt.
		{url.Values{}, []string{"フェイルオーバー <完了> & done"}},
		{url.Values{"Duration": {"20160"}}, []string{"Started cross AZ failover to DB instance: wp-user01-slave", "フェイルオーバー <完了> & done", "created", "rebooted"}},
		{url.Values{"Duration": {"20160"}, "SourceType": {"db-cluster"}, "EventCategories.EventCategory.1": {"failover"}},
			[]string{"Started cross AZ failover to DB instance: wp-user01-slave", "フェイルオーバー <完了> & done"}},
		{url.Values{"StartTime": {"2024-04-01T00:00:00Z"}, "EndTime": {"2024-04-30T00:00:00Z"}}, []string{"old"}},
		{url.Values{"StartTime": {"2024-04-01T00:00:00Z"}, "SourceIdentifier": {"wp-user01"}}, []string{"rebooted"}},
	} {
		_, body := post(t, s.URL(), "DescribeEvents", awstest.RDSVersion, tc.form)
		if got := texts(body, "Events", "Message"); !slices.Equal(got, tc.want) {
			t.Errorf("DescribeEvents %v = %q, want %q", tc.form, got, tc.want)
		}
	}
	for _, tc := range []struct{ action, param, arn, code string }{
		{"DescribeListeners", "LoadBalancerArn", lb1 + "-gone", "LoadBalancerNotFound"},
		{"DescribeTargetHealth", "TargetGroupArn", tg1 + "-gone", "TargetGroupNotFound"},
	} {
		status, body := post(t, s.URL(), tc.action, awstest.ELBv2Version, url.Values{tc.param: {tc.arn}})
		if code := parse(t, body).find("Code").text; status != 400 || code != tc.code {
			t.Errorf("%s of an unknown ARN: %d %s, want 400 %s", tc.action, status, code, tc.code)
		}
	}
	// An empty target group answers an empty list.
	if status, body := post(t, s.URL(), "DescribeTargetHealth", awstest.ELBv2Version, url.Values{"TargetGroupArn": {tg2}}); status != 200 ||
		len(parse(t, body).find("TargetHealthDescriptions").children) != 0 {
		t.Errorf("DescribeTargetHealth of an empty group: %d %s", status, body)
	}
}

// TestServerPaging follows each protocol's page tokens by hand.
func TestServerPaging(t *testing.T) {
	t.Parallel()
	snap, _ := tricky(time.Now())
	s := newServer(t)
	s.SetSnapshot(snap)
	s.SetPageSize(2)
	s.Handler().SetPageSize(1, "DescribeSecurityGroups")
	for _, tc := range []struct {
		action, version, list, inTok, outTok string
		extra                                url.Values
		pages                                []int
	}{
		{"DescribeSubnets", awstest.EC2Version, "subnetSet", "NextToken", "nextToken", nil, []int{2, 1}},
		{"DescribeSecurityGroups", awstest.EC2Version, "securityGroupInfo", "NextToken", "nextToken", nil, []int{1, 1, 1}},
		{"DescribeRouteTables", awstest.EC2Version, "routeTableSet", "NextToken", "nextToken", url.Values{"MaxResults": {"1"}}, []int{1, 1, 1}},
		{"DescribeListeners", awstest.ELBv2Version, "Listeners", "Marker", "NextMarker", url.Values{"LoadBalancerArn": {lb1}}, []int{2, 1}},
		{"DescribeDBInstances", awstest.RDSVersion, "DBInstances", "Marker", "Marker", nil, []int{2, 1}},
		{"DescribeDBInstances", awstest.RDSVersion, "DBInstances", "Marker", "Marker", url.Values{"MaxRecords": {"20"}}, []int{2, 1}},
	} {
		var pages []int
		token := ""
		for range 10 {
			form := url.Values{}
			for k, v := range tc.extra {
				form[k] = v
			}
			if token != "" {
				form.Set(tc.inTok, token)
			}
			_, body := post(t, s.URL(), tc.action, tc.version, form)
			root := parse(t, body)
			pages = append(pages, len(root.find(tc.list).children))
			if token = root.find(tc.outTok).text; token == "" {
				break
			}
		}
		if !slices.Equal(pages, tc.pages) {
			t.Errorf("%s %v: pages of %v, want %v", tc.action, tc.extra, pages, tc.pages)
		}
	}
	// DescribeTargetHealth has no pages.
	_, body := post(t, s.URL(), "DescribeTargetHealth", awstest.ELBv2Version, url.Values{"TargetGroupArn": {tg1}})
	if n := len(parse(t, body).find("TargetHealthDescriptions").children); n != 2 {
		t.Errorf("DescribeTargetHealth answered %d of 2 targets", n)
	}
}

func TestServerFail(t *testing.T) {
	t.Parallel()
	s := awstest.NewServer()
	defer s.Close()
	var unexpected []string
	var mu sync.Mutex
	s.Handler().OnUnexpected(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		unexpected = append(unexpected, format)
	})

	s.Fail("DescribeVpcs", 403, "UnauthorizedOperation", `You are not authorized <&> "here"`, 2)
	s.Fail("DescribeDBClusters", 503, "InternalFailure", "boom", 1)
	s.Fail("DescribeLoadBalancers", 400, "Throttling", "Rate exceeded", -1)
	s.Fail("DescribeSubnets", 500, "Never", "times 0 is nothing", 0)
	for range 2 {
		status, body := post(t, s.URL(), "DescribeVpcs", awstest.EC2Version, nil)
		root := parse(t, body)
		if status != 403 || root.name != "Response" || !slices.Equal(root.paths(""), []string{
			"Errors", "Errors/Error", "Errors/Error/Code", "Errors/Error/Message", "RequestID",
		}) || root.find("Code").text != "UnauthorizedOperation" || root.find("Message").text != `You are not authorized <&> "here"` {
			t.Errorf("EC2 error: %d %s", status, body)
		}
	}
	if status, _ := post(t, s.URL(), "DescribeVpcs", awstest.EC2Version, nil); status != 200 {
		t.Errorf("third DescribeVpcs: %d, want 200 after two errors", status)
	}
	status, body := post(t, s.URL(), "DescribeDBClusters", awstest.RDSVersion, nil)
	root := parse(t, body)
	if status != 503 || root.name != "ErrorResponse" || root.ns != "http://rds.amazonaws.com/doc/2014-10-31/" || !slices.Equal(root.paths(""), []string{
		"Error", "Error/Code", "Error/Message", "Error/Type", "RequestId",
	}) || root.find("Type").text != "Receiver" || root.find("Code").text != "InternalFailure" {
		t.Errorf("RDS error: %d %s", status, body)
	}
	for range 3 {
		status, body := post(t, s.URL(), "DescribeLoadBalancers", awstest.ELBv2Version, nil)
		if root := parse(t, body); status != 400 || root.find("Type").text != "Sender" || root.find("Code").text != "Throttling" {
			t.Errorf("ELBv2 error: %d %s", status, body)
		}
	}
	if status, _ := post(t, s.URL(), "DescribeSubnets", awstest.EC2Version, nil); status != 200 {
		t.Errorf("DescribeSubnets: %d, want 200 (Fail 0 times)", status)
	}
	s.Fail("*", 403, "AccessDenied", "denied", -1)
	for _, a := range []struct{ action, version string }{{"DescribeSubnets", awstest.EC2Version}, {"DescribeEvents", awstest.RDSVersion}, {"AssumeRole", awstest.STSVersion}} {
		if status, body := post(t, s.URL(), a.action, a.version, url.Values{"RoleArn": {"arn:aws:iam::210987654321:role/r"}, "RoleSessionName": {"s"}}); status != 403 ||
			parse(t, body).find("Code").text != "AccessDenied" {
			t.Errorf("%s with Fail(*): %d %s", a.action, status, body)
		}
	}

	// Requests the emulator does not know are errors, and reported.
	if status, body := post(t, s.URL(), "RunInstances", awstest.EC2Version, nil); status != 400 || parse(t, body).find("Code").text != "InvalidAction" {
		t.Errorf("RunInstances: %d %s", status, body)
	}
	if status, _ := post(t, s.URL(), "DescribeVpcs", awstest.RDSVersion, nil); status != 400 {
		t.Errorf("DescribeVpcs with RDS's version: %d", status)
	}
	mu.Lock()
	if len(unexpected) != 2 {
		t.Errorf("OnUnexpected told %d times, want 2: %q", len(unexpected), unexpected)
	}
	mu.Unlock()
	if n := len(s.Requests()); n != 13 {
		t.Errorf("%d requests recorded, want 13", n)
	}
}

// TestServerThroughSDKErrors checks that the SDK reads the error shapes:
// codes reach awssource.ErrorCode, retryable errors are retried.
func TestServerThroughSDKErrors(t *testing.T) {
	t.Parallel()
	snap, _ := tricky(time.Now())

	s := newServer(t)
	s.SetSnapshot(snap)
	s.Fail("DescribeVpcs", 500, "InternalError", "try again", 2)
	s.Fail("DescribeTargetGroups", 503, "ServiceUnavailable", "try again", 1)
	got, err := newSource(t, s.URL()).Snapshot(t.Context(), snap.Target, grader.AllData())
	if err != nil || got.Retries != 3 || len(got.VPCs) != 2 {
		t.Errorf("after 3 transient errors: err %v, %d retries, %d VPCs; want nil, 3, 2", err, got.Retries, len(got.VPCs))
	}

	// A denied call leaves the rest of the snapshot readable and marks
	// only its own data unavailable.
	for _, tc := range []struct {
		action, code, op string
		data             grader.Data
	}{
		{"DescribeInstances", "UnauthorizedOperation", "ec2:DescribeInstances", grader.DataInstances},
		{"DescribeListeners", "AccessDenied", "elasticloadbalancing:DescribeListeners", grader.DataListeners},
		{"DescribeDBSubnetGroups", "AccessDenied", "rds:DescribeDBSubnetGroups", grader.DataDBSubnetGroups},
	} {
		s := newServer(t)
		s.SetSnapshot(snap)
		s.Fail(tc.action, 403, tc.code, "not authorized", -1)
		got, err := newSource(t, s.URL()).Snapshot(t.Context(), snap.Target, grader.AllData())
		if err != nil {
			t.Errorf("Fail(%s): %v, want a partial snapshot", tc.action, err)
			continue
		}
		unavailable := got.Unavailable[tc.data]
		if awssource.ErrorCode(unavailable) != tc.code || !strings.HasPrefix(unavailable.Error(), tc.op+": ") {
			t.Errorf("Fail(%s): unavailable %v, code %q; want %s: … %s", tc.action, unavailable, awssource.ErrorCode(unavailable), tc.op, tc.code)
		}
	}
}

func TestServerAssumeRole(t *testing.T) {
	t.Parallel()
	snap, _ := tricky(time.Now())
	s := newServer(t)
	s.SetSnapshot(snap)
	target := grader.Target{AccountID: "210987654321", Region: region, RoleARN: "arn:aws:iam::210987654321:role/path/labgrid-read", ExternalID: "ext-id"}
	if _, err := newSource(t, s.URL()).Snapshot(t.Context(), target, grader.AllData()); err != nil {
		t.Fatalf("Snapshot via a role: %v", err)
	}
	reqs := s.Requests()
	if reqs[0].Action != "AssumeRole" || reqs[0].AccessKey != accessKey || reqs[0].Form.Get("ExternalId") != "ext-id" {
		t.Errorf("first request %+v, want AssumeRole with the base key and the external id", reqs[0])
	}
	for _, r := range reqs[1:] {
		if r.AccessKey != awstest.TempAccessKeyID || r.Token != awstest.TempSessionToken {
			t.Errorf("%s signed with %q/%q, want the role's credentials", r.Action, r.AccessKey, r.Token)
		}
	}
	_, body := post(t, s.URL(), "AssumeRole", awstest.STSVersion, url.Values{"RoleArn": {target.RoleARN}, "RoleSessionName": {"a&b"}})
	if arn := parse(t, body).find("Arn").text; arn != "arn:aws:sts::210987654321:assumed-role/labgrid-read/a&b" {
		t.Errorf("assumed role ARN %q", arn)
	}

	denied := newServer(t)
	denied.Fail("AssumeRole", 403, "AccessDenied", "not authorized to perform: sts:AssumeRole", -1)
	_, err := newSource(t, denied.URL()).Snapshot(t.Context(), target, grader.AllData())
	if awssource.ErrorCode(err) != "AccessDenied" || !strings.HasPrefix(err.Error(), "sts:AssumeRole ") {
		t.Errorf("refused AssumeRole: %v", err)
	}
}

// TestServerSetSnapshotWhileServing swaps the snapshot under running scans
// (run with -race).
func TestServerSetSnapshotWhileServing(t *testing.T) {
	t.Parallel()
	a, _ := tricky(time.Now())
	b := &grader.Snapshot{Target: a.Target, VPCs: []grader.VPC{{ID: "vpc-b"}}}
	s := newServer(t)
	s.SetSnapshot(a)
	src := newSource(t, s.URL())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			s.SetSnapshot([]*grader.Snapshot{a, b, nil}[i%3])
		}
	})
	for range 5 {
		if _, err := src.Snapshot(t.Context(), a.Target, grader.AllData()); err != nil {
			t.Errorf("Snapshot: %v", err)
		}
	}
	close(done)
	wg.Wait()
	s.SetSnapshot(b)
	got, err := src.Snapshot(t.Context(), a.Target, grader.AllData())
	if err != nil || len(got.VPCs) != 1 || got.VPCs[0].ID != "vpc-b" || len(got.Subnets) != 0 {
		t.Errorf("after SetSnapshot(b): %v, %+v", err, got)
	}
}

func TestServerLocalAndClose(t *testing.T) {
	t.Parallel()
	s := awstest.NewServer()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s, want 127.0.0.1", s.URL())
	}
	s.Handler().SetHang(true)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.PostForm(s.URL(), url.Values{"Action": {"DescribeVpcs"}, "Version": {awstest.EC2Version}})
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a request hung")
	}
	if err := <-errc; err == nil {
		t.Error("the hanging request got an answer")
	}
}

// TestServerResponseShapes checks every element name, case included,
// against the services' models: the SDK's Smithy schemas for ELBv2, RDS and
// STS, and the EC2 API reference (below) for EC2, whose SDK has no schemas.
// The SDK's own decoders ignore case, so a round trip cannot catch a
// misspelt element.
func TestServerResponseShapes(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	snap, _ := tricky(now)
	s := newServer(t)
	s.SetSnapshot(snap)
	s.SetPageSize(1) // tokens appear

	query := []struct {
		action, version, ns string
		output              *smithy.Schema
		form                url.Values
		inTok, outTok       string
	}{
		{"DescribeLoadBalancers", awstest.ELBv2Version, "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", elbschemas.DescribeLoadBalancersOutput, nil, "Marker", "NextMarker"},
		{"DescribeTargetGroups", awstest.ELBv2Version, "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", elbschemas.DescribeTargetGroupsOutput, nil, "Marker", "NextMarker"},
		{"DescribeListeners", awstest.ELBv2Version, "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", elbschemas.DescribeListenersOutput, url.Values{"LoadBalancerArn": {lb1}}, "Marker", "NextMarker"},
		{"DescribeTargetHealth", awstest.ELBv2Version, "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", elbschemas.DescribeTargetHealthOutput, url.Values{"TargetGroupArn": {tg1}}, "", ""},
		{"DescribeDBClusters", awstest.RDSVersion, "http://rds.amazonaws.com/doc/2014-10-31/", rdsschemas.DBClusterMessage, nil, "Marker", "Marker"},
		{"DescribeDBInstances", awstest.RDSVersion, "http://rds.amazonaws.com/doc/2014-10-31/", rdsschemas.DBInstanceMessage, nil, "Marker", "Marker"},
		{"DescribeDBSubnetGroups", awstest.RDSVersion, "http://rds.amazonaws.com/doc/2014-10-31/", rdsschemas.DBSubnetGroupMessage, nil, "Marker", "Marker"},
		{"DescribeEvents", awstest.RDSVersion, "http://rds.amazonaws.com/doc/2014-10-31/", rdsschemas.EventsMessage, url.Values{"Duration": {"20160"}}, "Marker", "Marker"},
		{"AssumeRole", awstest.STSVersion, "https://sts.amazonaws.com/doc/2011-06-15/", stsschemas.AssumeRoleResponse,
			url.Values{"RoleArn": {"arn:aws:iam::210987654321:role/r"}, "RoleSessionName": {"s"}}, "", ""},
	}
	for _, tc := range query {
		for _, root := range allPages(t, s.URL(), tc.action, tc.version, tc.form, tc.inTok, tc.outTok) {
			if root.name != tc.action+"Response" || root.ns != tc.ns {
				t.Errorf("%s: root <%s xmlns=%q>", tc.action, root.name, root.ns)
			}
			if names := root.childNames(); !slices.Equal(names, []string{tc.action + "Result", "ResponseMetadata"}) {
				t.Errorf("%s: root holds %v", tc.action, names)
			}
			if md := root.child("ResponseMetadata"); md == nil || !slices.Equal(md.childNames(), []string{"RequestId"}) || md.child("RequestId").text == "" {
				t.Errorf("%s: bad ResponseMetadata", tc.action)
			}
			if res := root.child(tc.action + "Result"); res != nil {
				checkSchema(t, tc.action+"Result", res, tc.output)
			}
		}
	}

	for action, allowed := range ec2Shapes {
		seen := map[string]bool{}
		for _, root := range allPages(t, s.URL(), action, awstest.EC2Version, nil, "NextToken", "nextToken") {
			if root.name != action+"Response" || root.ns != "http://ec2.amazonaws.com/doc/2016-11-15/" {
				t.Errorf("%s: root <%s xmlns=%q>", action, root.name, root.ns)
			}
			if names := root.childNames(); len(names) == 0 || names[0] != "requestId" {
				t.Errorf("%s: root holds %v, want requestId first", action, names)
			}
			for _, p := range root.paths("") {
				seen[p] = true
			}
		}
		for p := range seen {
			if !slices.Contains(allowed, p) {
				t.Errorf("%s: element %s is not in the API reference", action, p)
			}
		}
		for _, p := range allowed {
			if !seen[p] {
				t.Errorf("%s: %s never rendered (the fixture should hold every field)", action, p)
			}
		}
	}
}

// ec2Shapes are the element paths of the EC2 responses, under the root,
// as the EC2 API reference writes them (only those awstest renders).
var ec2Shapes = map[string][]string{
	"DescribeVpcs": ec2Paths("vpcSet",
		"vpcId", "ownerId", "state", "cidrBlock",
		"cidrBlockAssociationSet", "cidrBlockAssociationSet/item", "cidrBlockAssociationSet/item/associationId",
		"cidrBlockAssociationSet/item/cidrBlock", "cidrBlockAssociationSet/item/cidrBlockState", "cidrBlockAssociationSet/item/cidrBlockState/state",
		"instanceTenancy", "isDefault", tagSet, tagSetItem, tagSetKey, tagSetValue),
	"DescribeSubnets": ec2Paths("subnetSet",
		"subnetId", "subnetArn", "state", "ownerId", "vpcId", "cidrBlock", "availabilityZone", "defaultForAz",
		"mapPublicIpOnLaunch", tagSet, tagSetItem, tagSetKey, tagSetValue),
	"DescribeRouteTables": ec2Paths("routeTableSet",
		"routeTableId", "vpcId", "ownerId",
		"routeSet", "routeSet/item", "routeSet/item/destinationCidrBlock", "routeSet/item/destinationIpv6CidrBlock",
		"routeSet/item/gatewayId", "routeSet/item/natGatewayId", "routeSet/item/state", "routeSet/item/origin",
		"associationSet", "associationSet/item", "associationSet/item/routeTableAssociationId", "associationSet/item/routeTableId",
		"associationSet/item/subnetId", "associationSet/item/main", "associationSet/item/associationState",
		"associationSet/item/associationState/state", "propagatingVgwSet"),
	"DescribeInternetGateways": ec2Paths("internetGatewaySet",
		"internetGatewayId", "ownerId", "attachmentSet", "attachmentSet/item", "attachmentSet/item/vpcId", "attachmentSet/item/state",
		tagSet, tagSetItem, tagSetKey, tagSetValue),
	"DescribeInstances": ec2Paths("reservationSet",
		"reservationId", "ownerId", "groupSet", "instancesSet", "instancesSet/item",
		"instancesSet/item/instanceId", "instancesSet/item/imageId", "instancesSet/item/instanceState",
		"instancesSet/item/instanceState/code", "instancesSet/item/instanceState/name",
		"instancesSet/item/privateDnsName", "instancesSet/item/dnsName", "instancesSet/item/keyName",
		"instancesSet/item/amiLaunchIndex", "instancesSet/item/instanceType", "instancesSet/item/launchTime",
		"instancesSet/item/placement", "instancesSet/item/placement/availabilityZone", "instancesSet/item/placement/tenancy",
		"instancesSet/item/monitoring", "instancesSet/item/monitoring/state",
		"instancesSet/item/subnetId", "instancesSet/item/vpcId", "instancesSet/item/privateIpAddress", "instancesSet/item/ipAddress",
		"instancesSet/item/groupSet", "instancesSet/item/groupSet/item", "instancesSet/item/groupSet/item/groupId",
		"instancesSet/item/groupSet/item/groupName", "instancesSet/item/architecture", "instancesSet/item/rootDeviceType",
		"instancesSet/item/virtualizationType", "instancesSet/item/hypervisor",
		"instancesSet/item/tagSet", "instancesSet/item/tagSet/item", "instancesSet/item/tagSet/item/key", "instancesSet/item/tagSet/item/value"),
	"DescribeImages": ec2Paths("imagesSet",
		"imageId", "imageLocation", "imageState", "imageOwnerId", "creationDate", "isPublic", "architecture", "imageType",
		"name", "description", "rootDeviceType", "virtualizationType", "hypervisor"),
	"DescribeSecurityGroups": ec2Paths("securityGroupInfo",
		"ownerId", "groupId", "groupName", "groupDescription", "vpcId",
		"ipPermissions", "ipPermissions/item", "ipPermissions/item/ipProtocol", "ipPermissions/item/fromPort", "ipPermissions/item/toPort",
		"ipPermissions/item/groups", "ipPermissions/item/groups/item", "ipPermissions/item/groups/item/userId", "ipPermissions/item/groups/item/groupId",
		"ipPermissions/item/ipRanges", "ipPermissions/item/ipRanges/item", "ipPermissions/item/ipRanges/item/cidrIp",
		"ipPermissions/item/ipv6Ranges", "ipPermissions/item/ipv6Ranges/item", "ipPermissions/item/ipv6Ranges/item/cidrIpv6",
		"ipPermissions/item/prefixListIds", "ipPermissions/item/prefixListIds/item", "ipPermissions/item/prefixListIds/item/prefixListId",
		"ipPermissionsEgress", "ipPermissionsEgress/item", "ipPermissionsEgress/item/ipProtocol", "ipPermissionsEgress/item/groups",
		"ipPermissionsEgress/item/ipRanges", "ipPermissionsEgress/item/ipRanges/item", "ipPermissionsEgress/item/ipRanges/item/cidrIp",
		"ipPermissionsEgress/item/ipv6Ranges", "ipPermissionsEgress/item/prefixListIds"),
}

const (
	tagSet      = "tagSet"
	tagSetItem  = "tagSet/item"
	tagSetKey   = "tagSet/item/key"
	tagSetValue = "tagSet/item/value"
)

// ec2Paths is requestId, nextToken, the list, its items and the items'
// fields.
func ec2Paths(list string, fields ...string) []string {
	out := []string{"requestId", "nextToken", list, list + "/item"}
	for _, f := range fields {
		out = append(out, list+"/item/"+f)
	}
	return out
}

// checkSchema checks n's element names against a Smithy schema, exactly as
// the awsquery protocol names them: a member's xmlName or its name, list
// entries "member" or the list member's xmlName.
func checkSchema(t *testing.T, path string, n *node, s *smithy.Schema) {
	t.Helper()
	switch s.Type() {
	case smithy.ShapeTypeStructure, smithy.ShapeTypeUnion:
		for _, c := range n.children {
			var m *smithy.Schema
			for _, cand := range s.Members() {
				if xmlName(cand) == c.name {
					m = cand
				}
			}
			if m == nil {
				t.Errorf("%s/%s: no such member in %s", path, c.name, cmp.Or(s.TargetID().Name, s.ID().Name))
				continue
			}
			checkSchema(t, path+"/"+c.name, c, m)
		}
	case smithy.ShapeTypeList, smithy.ShapeTypeSet:
		if _, flat := smithy.SchemaTrait[*traits.XMLFlattened](s); flat {
			t.Fatalf("%s: flattened lists are not checked", path)
		}
		lm := s.ListMember()
		for _, c := range n.children {
			if c.name != xmlName(lm) {
				t.Errorf("%s/%s: list entries are <%s>", path, c.name, xmlName(lm))
				continue
			}
			checkSchema(t, path+"/"+c.name, c, lm)
		}
	case smithy.ShapeTypeMap:
		t.Errorf("%s: maps are not expected", path)
	default:
		if len(n.children) > 0 {
			t.Errorf("%s: a %v value holds elements", path, s.Type())
		}
		var err error
		switch s.Type() {
		case smithy.ShapeTypeBoolean:
			_, err = strconv.ParseBool(n.text)
			if n.text != "true" && n.text != "false" {
				t.Errorf("%s: boolean %q", path, n.text)
			}
		case smithy.ShapeTypeInteger, smithy.ShapeTypeLong:
			_, err = strconv.ParseInt(n.text, 10, 64)
		case smithy.ShapeTypeTimestamp:
			_, err = time.Parse(time.RFC3339Nano, n.text)
		}
		if err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func xmlName(m *smithy.Schema) string {
	if tr, ok := smithy.SchemaDirectTrait[*traits.XMLName](m); ok {
		return tr.Name
	}
	return m.MemberName()
}

// post sends one unsigned query-protocol request (the emulator does not
// check signatures).
func post(t *testing.T, base, action, version string, form url.Values) (int, []byte) {
	t.Helper()
	f := url.Values{"Action": {action}, "Version": {version}}
	for k, v := range form {
		f[k] = v
	}
	resp, err := http.PostForm(base, f)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("%s: Content-Type %q", action, ct)
	}
	return resp.StatusCode, body
}

// allPages fetches every page of a list, following its tokens.
func allPages(t *testing.T, base, action, version string, form url.Values, inTok, outTok string) []*node {
	t.Helper()
	var out []*node
	token := ""
	for range 100 {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if token != "" {
			f.Set(inTok, token)
		}
		status, body := post(t, base, action, version, f)
		if status != 200 {
			t.Fatalf("%s: %d %s", action, status, body)
		}
		root := parse(t, body)
		out = append(out, root)
		if outTok == "" {
			break
		}
		if token = root.find(outTok).text; token == "" {
			break
		}
	}
	return out
}

// node is an XML element.
type node struct {
	name, ns string
	text     string
	children []*node
}

func parse(t *testing.T, body []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("bad XML: %v\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, ns: tok.Name.Space}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatalf("no XML: %s", body)
	}
	return root
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// find is the first element named name, depth first; an empty node if none.
func (n *node) find(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
		if f := c.find(name); f.name != "" {
			return f
		}
	}
	return &node{}
}

func (n *node) childNames() []string {
	var out []string
	for _, c := range n.children {
		out = append(out, c.name)
	}
	return out
}

// paths lists every element path under n, sorted and without repeats.
func (n *node) paths(prefix string) []string {
	set := map[string]bool{}
	var walk func(n *node, prefix string)
	walk = func(n *node, prefix string) {
		for _, c := range n.children {
			p := prefix + c.name
			set[p] = true
			walk(c, p+"/")
		}
	}
	walk(n, prefix)
	var out []string
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
