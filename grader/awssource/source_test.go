package awssource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

const (
	lbARN  = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/elb-user05/50dc6c495c0c9188"
	tgARN  = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/tg-elb-user05/73e2d6bc24d8a067"
	l80ARN = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/elb-user05/50dc6c495c0c9188/f2f7dc8efc522ab2"
	l81ARN = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/elb-user05/50dc6c495c0c9188/0467ef3c8400ae65"
	dbcARN = "arn:aws:rds:ap-northeast-1:123456789012:cluster:wp-user05-cluster"
)

var target = grader.Target{AccountID: "123456789012", Region: "ap-northeast-1"}

// fullTarget loads one student's complete Step-3 state into f.
func fullTarget(f *fakeAWS) {
	f.Add("DescribeVpcs",
		`<vpcId>vpc-0a1</vpcId><ownerId>123456789012</ownerId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock>
		<cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock><associationId>vpc-cidr-assoc-1</associationId><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet>
		<dhcpOptionsId>dopt-1</dhcpOptionsId><tagSet><item><key>Owner</key><value>user05</value></item><item><key>Name</key><value>vpc-user05</value></item></tagSet>
		<instanceTenancy>default</instanceTenancy><isDefault>false</isDefault>`,
		`<vpcId>vpc-def</vpcId><state>available</state><cidrBlock>172.31.0.0/16</cidrBlock><isDefault>true</isDefault>`)
	subnet := func(id, name, az, cidr string, public bool) string {
		return fmt.Sprintf(`<subnetId>%s</subnetId><subnetArn>arn:aws:ec2:ap-northeast-1:123456789012:subnet/%s</subnetArn><state>available</state>
		<vpcId>vpc-0a1</vpcId><cidrBlock>%s</cidrBlock><availableIpAddressCount>251</availableIpAddressCount>
		<availabilityZone>%s</availabilityZone><availabilityZoneId>apne1-az1</availabilityZoneId><defaultForAz>false</defaultForAz>
		<mapPublicIpOnLaunch>%t</mapPublicIpOnLaunch><tagSet><item><key>Name</key><value>%s</value></item></tagSet>`, id, id, cidr, az, public, name)
	}
	f.Add("DescribeSubnets",
		subnet("subnet-pub1", "public1-user05", "ap-northeast-1d", "10.0.0.0/24", true),
		subnet("subnet-pub2", "public2-user05", "ap-northeast-1c", "10.0.1.0/24", true),
		subnet("subnet-priv1", "private1-user05", "ap-northeast-1d", "10.0.2.0/24", false),
		subnet("subnet-priv2", "private2-user05", "ap-northeast-1c", "10.0.3.0/24", false))
	f.Add("DescribeRouteTables",
		`<routeTableId>rtb-main</routeTableId><vpcId>vpc-0a1</vpcId><ownerId>123456789012</ownerId>
		<routeSet>
		  <item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item>
		  <item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>nat-0f1</natGatewayId><state>blackhole</state><origin>CreateRoute</origin></item>
		</routeSet>
		<associationSet><item><routeTableAssociationId>rtbassoc-m</routeTableAssociationId><routeTableId>rtb-main</routeTableId><main>true</main><associationState><state>associated</state></associationState></item></associationSet>
		<propagatingVgwSet/><tagSet/>`,
		`<routeTableId>rtb-pub</routeTableId><vpcId>vpc-0a1</vpcId>
		<routeSet>
		  <item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state></item>
		  <item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>igw-1</gatewayId><state>active</state></item>
		  <item><destinationIpv6CidrBlock>::/0</destinationIpv6CidrBlock><gatewayId>igw-1</gatewayId><state>active</state></item>
		</routeSet>
		<associationSet>
		  <item><routeTableAssociationId>rtbassoc-1</routeTableAssociationId><routeTableId>rtb-pub</routeTableId><subnetId>subnet-pub1</subnetId><main>false</main><associationState><state>associated</state></associationState></item>
		  <item><routeTableAssociationId>rtbassoc-2</routeTableAssociationId><routeTableId>rtb-pub</routeTableId><subnetId>subnet-pub2</subnetId><main>false</main></item>
		  <item><routeTableAssociationId>rtbassoc-3</routeTableAssociationId><routeTableId>rtb-pub</routeTableId><subnetId>subnet-priv1</subnetId><main>false</main><associationState><state>disassociated</state></associationState></item>
		</associationSet>
		<tagSet><item><key>Name</key><value>public-rt-user05</value></item></tagSet>`)
	f.Add("DescribeInternetGateways",
		`<internetGatewayId>igw-1</internetGatewayId><ownerId>123456789012</ownerId>
		<attachmentSet><item><vpcId>vpc-0a1</vpcId><state>available</state></item></attachmentSet>
		<tagSet><item><key>Name</key><value>igw-user05</value></item></tagSet>`,
		`<internetGatewayId>igw-loose</internetGatewayId><attachmentSet/>`)
	f.Add("DescribeInstances",
		`<reservationId>r-1</reservationId><ownerId>123456789012</ownerId><groupSet/>
		<instancesSet><item>
		  <instanceId>i-web1</instanceId><imageId>ami-base</imageId>
		  <instanceState><code>16</code><name>running</name></instanceState>
		  <privateDnsName>ip-10-0-0-10.ap-northeast-1.compute.internal</privateDnsName><dnsName>ec2-54-1-2-3.ap-northeast-1.compute.amazonaws.com</dnsName>
		  <keyName>1day-user05</keyName><amiLaunchIndex>0</amiLaunchIndex><instanceType>t2.micro</instanceType>
		  <launchTime>2024-05-01T01:02:03.000Z</launchTime>
		  <placement><availabilityZone>ap-northeast-1d</availabilityZone><groupName/><tenancy>default</tenancy></placement>
		  <monitoring><state>disabled</state></monitoring>
		  <subnetId>subnet-pub1</subnetId><vpcId>vpc-0a1</vpcId>
		  <privateIpAddress>10.0.0.10</privateIpAddress><ipAddress>54.1.2.3</ipAddress>
		  <groupSet><item><groupId>sg-web</groupId><groupName>web-user05</groupName></item><item><groupId>sg-ssh</groupId><groupName>ssh</groupName></item></groupSet>
		  <tagSet><item><key>Name</key><value>webserver#1-user05</value></item></tagSet>
		</item></instancesSet>`,
		// Terminated: AWS drops the network fields.
		`<reservationId>r-2</reservationId><ownerId>123456789012</ownerId>
		<instancesSet><item>
		  <instanceId>i-old</instanceId><imageId>ami-sample</imageId>
		  <instanceState><code>48</code><name>terminated</name></instanceState>
		  <instanceType>t2.micro</instanceType><launchTime>2024-04-30T09:00:00.000Z</launchTime>
		  <placement><availabilityZone>ap-northeast-1c</availabilityZone></placement>
		  <groupSet/><tagSet><item><key>Name</key><value>webserver#2-user05</value></item></tagSet>
		</item></instancesSet>`)
	f.Add("DescribeImages",
		`<imageId>ami-sample</imageId><imageLocation>123456789012/sampleapp user05</imageLocation><imageState>available</imageState>
		<imageOwnerId>123456789012</imageOwnerId><creationDate>2024-05-01T02:00:00.000Z</creationDate><isPublic>false</isPublic>
		<architecture>x86_64</architecture><imageType>machine</imageType><name>sampleapp user05</name><description>sampleapp user05</description>
		<rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName><virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>`)
	f.Add("DescribeKeyPairs",
		`<keyPairId>key-0a1</keyPairId><keyFingerprint>1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f</keyFingerprint>
		<keyName>1day-user05</keyName><keyType>rsa</keyType><tagSet/><createTime>2024-04-30T23:01:02.000Z</createTime>`,
		`<keyPairId>key-0b2</keyPairId><keyName>other</keyName><keyType>ed25519</keyType>`)
	f.Add("DescribeSecurityGroups",
		`<ownerId>123456789012</ownerId><groupId>sg-web</groupId><groupName>web-user05</groupName><groupDescription>web servers</groupDescription><vpcId>vpc-0a1</vpcId>
		<ipPermissions>
		  <item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort>
		    <groups><item><userId>123456789012</userId><groupId>sg-alb</groupId></item></groups><ipRanges/><ipv6Ranges/><prefixListIds/></item>
		  <item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><groups/>
		    <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp><description>ssh</description></item><item><cidrIp>192.168.0.0/16</cidrIp></item></ipRanges>
		    <ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges>
		    <prefixListIds><item><prefixListId>pl-61a54008</prefixListId></item></prefixListIds></item>
		  <item><ipProtocol>-1</ipProtocol><groups><item><groupId>sg-web</groupId></item></groups></item>
		</ipPermissions>
		<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissionsEgress>`,
		`<ownerId>123456789012</ownerId><groupId>sg-alb</groupId><groupName>alb-user05</groupName><groupDescription>alb</groupDescription><vpcId>vpc-0a1</vpcId>
		<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort>
		  <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges></item></ipPermissions>`)

	f.Add("DescribeLoadBalancers",
		`<LoadBalancerArn>`+lbARN+`</LoadBalancerArn><DNSName>elb-user05-1234567890.ap-northeast-1.elb.amazonaws.com</DNSName>
		<CanonicalHostedZoneId>Z14GRHDCWA56QT</CanonicalHostedZoneId><CreatedTime>2024-05-01T03:00:00.000Z</CreatedTime>
		<LoadBalancerName>elb-user05</LoadBalancerName><Scheme>internet-facing</Scheme><VpcId>vpc-0a1</VpcId>
		<State><Code>active</Code></State><Type>application</Type>
		<AvailabilityZones>
		  <member><ZoneName>ap-northeast-1c</ZoneName><SubnetId>subnet-pub2</SubnetId><LoadBalancerAddresses/></member>
		  <member><ZoneName>ap-northeast-1d</ZoneName><SubnetId>subnet-pub1</SubnetId></member>
		</AvailabilityZones>
		<SecurityGroups><member>sg-alb</member></SecurityGroups><IpAddressType>ipv4</IpAddressType>`)
	f.Add("DescribeListeners|"+lbARN,
		`<ListenerArn>`+l80ARN+`</ListenerArn><LoadBalancerArn>`+lbARN+`</LoadBalancerArn><Port>80</Port><Protocol>HTTP</Protocol>
		<DefaultActions><member><Type>forward</Type><TargetGroupArn>`+tgARN+`</TargetGroupArn>
		  <ForwardConfig><TargetGroups><member><TargetGroupArn>`+tgARN+`</TargetGroupArn><Weight>1</Weight></member></TargetGroups>
		  <TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig></ForwardConfig></member></DefaultActions>`,
		`<ListenerArn>`+l81ARN+`</ListenerArn><LoadBalancerArn>`+lbARN+`</LoadBalancerArn><Port>81</Port><Protocol>HTTP</Protocol>
		<DefaultActions><member><Type>fixed-response</Type><Order>1</Order>
		  <FixedResponseConfig><StatusCode>503</StatusCode><ContentType>text/plain</ContentType></FixedResponseConfig></member></DefaultActions>`)
	f.Add("DescribeTargetGroups",
		`<TargetGroupArn>`+tgARN+`</TargetGroupArn><TargetGroupName>tg-elb-user05</TargetGroupName><Protocol>HTTP</Protocol><Port>80</Port>
		<VpcId>vpc-0a1</VpcId><HealthCheckProtocol>HTTP</HealthCheckProtocol><HealthCheckPort>traffic-port</HealthCheckPort>
		<HealthCheckEnabled>true</HealthCheckEnabled><HealthCheckPath>/</HealthCheckPath><Matcher><HttpCode>200</HttpCode></Matcher>
		<LoadBalancerArns><member>`+lbARN+`</member></LoadBalancerArns><TargetType>instance</TargetType><IpAddressType>ipv4</IpAddressType>`)
	f.Add("DescribeTargetHealth|"+tgARN,
		`<HealthCheckPort>80</HealthCheckPort><Target><Id>i-web1</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth>`,
		`<HealthCheckPort>80</HealthCheckPort><Target><Id>i-web2</Id><Port>80</Port><AvailabilityZone>ap-northeast-1c</AvailabilityZone></Target>
		<TargetHealth><State>unhealthy</State><Reason>Target.ResponseCodeMismatch</Reason><Description>Health checks failed with these codes: [502]</Description></TargetHealth>`)

	f.Add("DescribeDBClusters",
		`<DBClusterIdentifier>wp-user05-cluster</DBClusterIdentifier><DBClusterArn>`+dbcARN+`</DBClusterArn>
		<AllocatedStorage>1</AllocatedStorage><AvailabilityZones><AvailabilityZone>ap-northeast-1c</AvailabilityZone><AvailabilityZone>ap-northeast-1d</AvailabilityZone></AvailabilityZones>
		<Status>available</Status><Engine>aurora-mysql</Engine><EngineVersion>8.0.mysql_aurora.3.05.2</EngineVersion>
		<Endpoint>wp-user05-cluster.cluster-c1.ap-northeast-1.rds.amazonaws.com</Endpoint>
		<ReaderEndpoint>wp-user05-cluster.cluster-ro-c1.ap-northeast-1.rds.amazonaws.com</ReaderEndpoint>
		<MultiAZ>true</MultiAZ><Port>3306</Port><DBSubnetGroup>wp-user05-subnet</DBSubnetGroup>
		<DBClusterMembers>
		  <DBClusterMember><DBInstanceIdentifier>wp-user05</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter><DBClusterParameterGroupStatus>in-sync</DBClusterParameterGroupStatus><PromotionTier>1</PromotionTier></DBClusterMember>
		  <DBClusterMember><DBInstanceIdentifier>wp-user05-slave</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter><PromotionTier>1</PromotionTier></DBClusterMember>
		</DBClusterMembers>
		<VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-db</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>`)
	dbInstance := func(id, az string) string {
		return `<DBInstanceIdentifier>` + id + `</DBInstanceIdentifier><DBInstanceClass>db.t2.small</DBInstanceClass><Engine>aurora-mysql</Engine>
		<DBInstanceStatus>available</DBInstanceStatus><Endpoint><Address>` + id + `.c1.ap-northeast-1.rds.amazonaws.com</Address><Port>3306</Port></Endpoint>
		<AvailabilityZone>` + az + `</AvailabilityZone><PubliclyAccessible>false</PubliclyAccessible><DBClusterIdentifier>wp-user05-cluster</DBClusterIdentifier>
		<DBSubnetGroup><DBSubnetGroupName>wp-user05-subnet</DBSubnetGroupName><DBSubnetGroupDescription>wp</DBSubnetGroupDescription><VpcId>vpc-0a1</VpcId>
		  <SubnetGroupStatus>Complete</SubnetGroupStatus><Subnets><Subnet><SubnetIdentifier>subnet-priv1</SubnetIdentifier></Subnet></Subnets></DBSubnetGroup>`
	}
	f.Add("DescribeDBInstances",
		dbInstance("wp-user05", "ap-northeast-1d"),
		dbInstance("wp-user05-slave", "ap-northeast-1c"),
		// Another student's instance, still being created: most fields are absent.
		`<DBInstanceIdentifier>wp-user06</DBInstanceIdentifier><DBInstanceStatus>creating</DBInstanceStatus><PubliclyAccessible>true</PubliclyAccessible>`)
	f.Add("DescribeDBSubnetGroups",
		`<DBSubnetGroupName>wp-user05-subnet</DBSubnetGroupName><DBSubnetGroupDescription>wp</DBSubnetGroupDescription><VpcId>vpc-0a1</VpcId>
		<SubnetGroupStatus>Complete</SubnetGroupStatus>
		<Subnets>
		  <Subnet><SubnetIdentifier>subnet-priv1</SubnetIdentifier><SubnetAvailabilityZone><Name>ap-northeast-1d</Name></SubnetAvailabilityZone><SubnetStatus>Active</SubnetStatus></Subnet>
		  <Subnet><SubnetIdentifier>subnet-priv2</SubnetIdentifier><SubnetAvailabilityZone><Name>ap-northeast-1c</Name></SubnetAvailabilityZone><SubnetStatus>Active</SubnetStatus></Subnet>
		</Subnets>
		<DBSubnetGroupArn>arn:aws:rds:ap-northeast-1:123456789012:subgrp:wp-user05-subnet</DBSubnetGroupArn>`)
	f.Add("DescribeEvents",
		`<SourceIdentifier>wp-user05-cluster</SourceIdentifier><SourceType>db-cluster</SourceType>
		<Message>Completed failover to DB instance: wp-user05-slave</Message>
		<EventCategories><EventCategory>failover</EventCategory></EventCategories>
		<Date>2024-05-01T03:04:05.123Z</Date><SourceArn>`+dbcARN+`</SourceArn>`,
		// Emulators may ignore the category filter: such events are kept.
		`<SourceIdentifier>wp-user06-cluster</SourceIdentifier><SourceType>db-cluster</SourceType><Message>DB cluster created</Message>
		<EventCategories><EventCategory>creation</EventCategory></EventCategories><Date>2024-05-01T00:00:00Z</Date>`)
}

func TestSnapshotFullTarget(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	fullTarget(f)
	s := newTestSource(t, f, Options{})

	before := time.Now()
	snap, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if snap.Target != target {
		t.Errorf("Target = %v, want %v", snap.Target, target)
	}
	if snap.TakenAt.Before(before) || snap.TakenAt.After(time.Now()) {
		t.Errorf("TakenAt = %v, not during the call", snap.TakenAt)
	}

	want := &grader.Snapshot{
		VPCs: []grader.VPC{
			{ID: "vpc-0a1", Name: "vpc-user05", CIDR: "10.0.0.0/16"},
			{ID: "vpc-def", CIDR: "172.31.0.0/16", IsDefault: true},
		},
		Subnets: []grader.Subnet{
			{ID: "subnet-pub1", Name: "public1-user05", VPCID: "vpc-0a1", AZ: "ap-northeast-1d", CIDR: "10.0.0.0/24", MapPublicIPOnLaunch: true},
			{ID: "subnet-pub2", Name: "public2-user05", VPCID: "vpc-0a1", AZ: "ap-northeast-1c", CIDR: "10.0.1.0/24", MapPublicIPOnLaunch: true},
			{ID: "subnet-priv1", Name: "private1-user05", VPCID: "vpc-0a1", AZ: "ap-northeast-1d", CIDR: "10.0.2.0/24"},
			{ID: "subnet-priv2", Name: "private2-user05", VPCID: "vpc-0a1", AZ: "ap-northeast-1c", CIDR: "10.0.3.0/24"},
		},
		RouteTables: []grader.RouteTable{
			{ID: "rtb-main", VPCID: "vpc-0a1", Main: true, Routes: []grader.Route{
				{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"},
				{DestinationCIDR: "0.0.0.0/0", NatGatewayID: "nat-0f1", State: "blackhole"},
			}},
			{ID: "rtb-pub", VPCID: "vpc-0a1", SubnetIDs: []string{"subnet-pub1", "subnet-pub2"}, Routes: []grader.Route{
				{DestinationCIDR: "10.0.0.0/16", GatewayID: "local", State: "active"},
				{DestinationCIDR: "0.0.0.0/0", GatewayID: "igw-1", State: "active"},
				{DestinationIPv6CIDR: "::/0", GatewayID: "igw-1", State: "active"},
			}},
		},
		InternetGateways: []grader.InternetGateway{
			{ID: "igw-1", Name: "igw-user05", VPCIDs: []string{"vpc-0a1"}},
			{ID: "igw-loose"},
		},
		Instances: []grader.Instance{
			{ID: "i-web1", Name: "webserver#1-user05", State: "running", Type: "t2.micro", AZ: "ap-northeast-1d",
				VPCID: "vpc-0a1", SubnetID: "subnet-pub1", PublicIP: "54.1.2.3", PrivateIP: "10.0.0.10", ImageID: "ami-base",
				KeyName: "1day-user05", SecurityGroupIDs: []string{"sg-web", "sg-ssh"}, LaunchTime: time.Date(2024, 5, 1, 1, 2, 3, 0, time.UTC)},
			{ID: "i-old", Name: "webserver#2-user05", State: "terminated", Type: "t2.micro", AZ: "ap-northeast-1c",
				ImageID: "ami-sample", LaunchTime: time.Date(2024, 4, 30, 9, 0, 0, 0, time.UTC)},
		},
		Images: []grader.Image{
			{ID: "ami-sample", Name: "sampleapp user05", Description: "sampleapp user05", State: "available",
				OwnerID: "123456789012", CreationDate: "2024-05-01T02:00:00.000Z"},
		},
		SecurityGroups: []grader.SecurityGroup{
			{ID: "sg-web", Name: "web-user05", Description: "web servers", VPCID: "vpc-0a1", Inbound: []grader.Permission{
				{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{"sg-alb"}},
				{Protocol: "tcp", FromPort: 22, ToPort: 22, IPv4Ranges: []string{"0.0.0.0/0", "192.168.0.0/16"},
					IPv6Ranges: []string{"::/0"}, PrefixListIDs: []string{"pl-61a54008"}},
				{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{"sg-web"}},
			}},
			{ID: "sg-alb", Name: "alb-user05", Description: "alb", VPCID: "vpc-0a1", Inbound: []grader.Permission{
				{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv4Ranges: []string{"0.0.0.0/0"}, IPv6Ranges: []string{"::/0"}},
			}},
		},
		LoadBalancers: []grader.LoadBalancer{
			{ARN: lbARN, Name: "elb-user05", DNSName: "elb-user05-1234567890.ap-northeast-1.elb.amazonaws.com",
				Type: "application", Scheme: "internet-facing", State: "active", VPCID: "vpc-0a1",
				Zones:            []grader.LBZone{{ZoneName: "ap-northeast-1c", SubnetID: "subnet-pub2"}, {ZoneName: "ap-northeast-1d", SubnetID: "subnet-pub1"}},
				SecurityGroupIDs: []string{"sg-alb"}},
		},
		Listeners: []grader.Listener{
			{ARN: l80ARN, LoadBalancerARN: lbARN, Protocol: "HTTP", Port: 80,
				DefaultActions: []grader.Action{{Type: "forward", TargetGroupARNs: []string{tgARN}}}},
			{ARN: l81ARN, LoadBalancerARN: lbARN, Protocol: "HTTP", Port: 81,
				DefaultActions: []grader.Action{{Type: "fixed-response"}}},
		},
		TargetGroups: []grader.TargetGroup{
			{ARN: tgARN, Name: "tg-elb-user05", Protocol: "HTTP", Port: 80, TargetType: "instance", VPCID: "vpc-0a1",
				LoadBalancerARNs: []string{lbARN}, Targets: []grader.TargetHealth{
					{ID: "i-web1", Port: 80, State: "healthy"},
					{ID: "i-web2", Port: 80, AZ: "ap-northeast-1c", State: "unhealthy", Reason: "Target.ResponseCodeMismatch",
						Description: "Health checks failed with these codes: [502]"},
				}},
		},
		KeyPairs: []grader.KeyPair{
			{ID: "key-0a1", Name: "1day-user05", Type: "rsa", Fingerprint: "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f",
				CreateTime: time.Date(2024, 4, 30, 23, 1, 2, 0, time.UTC)},
			{ID: "key-0b2", Name: "other", Type: "ed25519"},
		},
		DBSubnetGroups: []grader.DBSubnetGroup{
			{Name: "wp-user05-subnet", VPCID: "vpc-0a1", SubnetIDs: []string{"subnet-priv1", "subnet-priv2"}},
		},
		DBClusters: []grader.DBCluster{
			{ID: "wp-user05-cluster", ARN: dbcARN, Status: "available", Engine: "aurora-mysql",
				Endpoint:         "wp-user05-cluster.cluster-c1.ap-northeast-1.rds.amazonaws.com",
				ReaderEndpoint:   "wp-user05-cluster.cluster-ro-c1.ap-northeast-1.rds.amazonaws.com",
				DBSubnetGroup:    "wp-user05-subnet",
				SecurityGroupIDs: []string{"sg-db"},
				Members:          []grader.DBClusterMember{{InstanceID: "wp-user05"}, {InstanceID: "wp-user05-slave", IsWriter: true}}},
		},
		DBInstances: []grader.DBInstance{
			{ID: "wp-user05", ClusterID: "wp-user05-cluster", Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1d",
				Status: "available", DBSubnetGroup: "wp-user05-subnet"},
			{ID: "wp-user05-slave", ClusterID: "wp-user05-cluster", Class: "db.t2.small", Engine: "aurora-mysql", AZ: "ap-northeast-1c",
				Status: "available", DBSubnetGroup: "wp-user05-subnet"},
			{ID: "wp-user06", Status: "creating", PubliclyAccessible: true},
		},
		RDSEvents: []grader.RDSEvent{
			{SourceID: "wp-user05-cluster", SourceType: "db-cluster", SourceARN: dbcARN,
				Message: "Completed failover to DB instance: wp-user05-slave", Categories: []string{"failover"},
				Date: time.Date(2024, 5, 1, 3, 4, 5, 123e6, time.UTC)},
			{SourceID: "wp-user06-cluster", SourceType: "db-cluster", Message: "DB cluster created",
				Categories: []string{"creation"}, Date: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
		},
	}
	compareField(t, "VPCs", snap.VPCs, want.VPCs)
	compareField(t, "Subnets", snap.Subnets, want.Subnets)
	compareField(t, "RouteTables", snap.RouteTables, want.RouteTables)
	compareField(t, "InternetGateways", snap.InternetGateways, want.InternetGateways)
	compareField(t, "Instances", snap.Instances, want.Instances)
	compareField(t, "Images", snap.Images, want.Images)
	compareField(t, "SecurityGroups", snap.SecurityGroups, want.SecurityGroups)
	compareField(t, "KeyPairs", snap.KeyPairs, want.KeyPairs)
	compareField(t, "LoadBalancers", snap.LoadBalancers, want.LoadBalancers)
	compareField(t, "Listeners", snap.Listeners, want.Listeners)
	compareField(t, "TargetGroups", snap.TargetGroups, want.TargetGroups)
	compareField(t, "DBSubnetGroups", snap.DBSubnetGroups, want.DBSubnetGroups)
	compareField(t, "DBClusters", snap.DBClusters, want.DBClusters)
	compareField(t, "DBInstances", snap.DBInstances, want.DBInstances)
	compareField(t, "RDSEvents", snap.RDSEvents, want.RDSEvents)

	// The request parameters the grader depends on.
	for _, r := range f.Requests() {
		switch r.Action {
		case "DescribeImages":
			if got := r.Form.Get("Owner.1"); got != "self" {
				t.Errorf("DescribeImages Owner.1 = %q, want self (form %v)", got, r.Form)
			}
		case "DescribeEvents":
			for k, v := range map[string]string{"SourceType": "db-cluster", "Duration": "20160", "EventCategories.EventCategory.1": "failover"} {
				if got := r.Form.Get(k); got != v {
					t.Errorf("DescribeEvents %s = %q, want %q (form %v)", k, got, v, r.Form)
				}
			}
		case "DescribeInstances", "DescribeVpcs", "DescribeSubnets":
			if slices.ContainsFunc(slices.Collect(maps.Keys(r.Form)), func(k string) bool { return strings.HasPrefix(k, "Filter") }) {
				t.Errorf("%s sent a server-side filter: %v", r.Action, r.Form)
			}
		}
		if r.AccessKey != baseAccessKey {
			t.Errorf("%s signed with access key %q, want %q", r.Action, r.AccessKey, baseAccessKey)
		}
	}
}

func compareField[T any](t *testing.T, name string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
	}
}

func TestSnapshotPagination(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	f.Add("DescribeInstances", instanceReservation("i-1", "i-2"), instanceReservation("i-3"), instanceReservation("i-4"))
	f.SetPageSize(2, "DescribeInstances")
	f.Add("DescribeDBInstances", dbInstanceItem("db-1"), dbInstanceItem("db-2"), dbInstanceItem("db-3"))
	f.SetPageSize(2, "DescribeDBInstances")
	for i := range 5 {
		f.Add("DescribeTargetGroups", tgItem(fmt.Sprintf("arn:tg/%d", i), fmt.Sprintf("tg-%d", i)))
	}
	f.SetPageSize(2, "DescribeTargetGroups")
	s := newTestSource(t, f, Options{})

	snap, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	var ids []string
	for _, in := range snap.Instances {
		ids = append(ids, in.ID)
	}
	compareField(t, "instance ids", ids, []string{"i-1", "i-2", "i-3", "i-4"})
	ids = nil
	for _, db := range snap.DBInstances {
		ids = append(ids, db.ID)
	}
	compareField(t, "DB instance ids", ids, []string{"db-1", "db-2", "db-3"})
	ids = nil
	for _, tg := range snap.TargetGroups {
		ids = append(ids, tg.Name)
	}
	compareField(t, "target group names", ids, []string{"tg-0", "tg-1", "tg-2", "tg-3", "tg-4"})

	// Every page is a call, with the previous page's token.
	tokens := map[string][]string{}
	for _, r := range f.Requests() {
		switch r.Action {
		case "DescribeInstances":
			tokens[r.Action] = append(tokens[r.Action], r.Form.Get("NextToken"))
		case "DescribeDBInstances", "DescribeTargetGroups":
			tokens[r.Action] = append(tokens[r.Action], r.Form.Get("Marker"))
		}
	}
	compareField(t, "DescribeInstances tokens", tokens["DescribeInstances"], []string{"", "page-2"})
	compareField(t, "DescribeDBInstances markers", tokens["DescribeDBInstances"], []string{"", "page-2"})
	compareField(t, "DescribeTargetGroups markers", tokens["DescribeTargetGroups"], []string{"", "page-2", "page-4"})
	for op, n := range map[string]int{"EC2.DescribeInstances": 2, "RDS.DescribeDBInstances": 2, "Elastic Load Balancing v2.DescribeTargetGroups": 3} {
		if snap.CallsByOperation[op] != n {
			t.Errorf("CallsByOperation[%q] = %d, want %d", op, snap.CallsByOperation[op], n)
		}
	}
	if want := 14 + 4 + 5; snap.AWSCalls != want { // 4 more pages, 5 DescribeTargetHealth
		t.Errorf("AWSCalls = %d, want %d", snap.AWSCalls, want)
	}
}

func TestSnapshotThrottlingRetried(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	fullTarget(f)
	// After a throttle the adaptive retryer rations that client's attempts
	// (about one per 1-2 s at first), which is what it is for. The delay and
	// the high concurrency let every other call take its attempt token
	// before the throttle lands, so only the two retries wait.
	f.Fail("DescribeDBClusters", fakeErr{Status: 400, Code: "Throttling", Message: "Rate exceeded", Delay: 50 * time.Millisecond}, 1)
	f.Fail("DescribeSubnets", fakeErr{Status: 503, Code: "RequestLimitExceeded", Message: "Request limit exceeded.", Delay: 50 * time.Millisecond}, 1)
	s := newTestSource(t, f, Options{Concurrency: 32})

	snap, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if snap.Retries != 2 {
		t.Errorf("Retries = %d, want 2", snap.Retries)
	}
	if snap.AWSCalls != 14+1+1 {
		t.Errorf("AWSCalls = %d, want %d: retries are not calls", snap.AWSCalls, 14+1+1)
	}
	if n := f.Count("DescribeDBClusters"); n != 2 {
		t.Errorf("server saw DescribeDBClusters %d times, want 2", n)
	}
	if len(snap.DBClusters) != 1 || len(snap.Subnets) != 4 {
		t.Errorf("after retries: %d clusters, %d subnets; want 1, 4", len(snap.DBClusters), len(snap.Subnets))
	}
}

// A call that is denied while the others succeed marks only its data
// unavailable: the rest of the target is still judged.
func TestSnapshotAccessDeniedOnOneCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		action string
		err    fakeErr
		op     string
		data   grader.Data
	}{
		{"DescribeInstances", fakeErr{Status: 403, Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}, "ec2:DescribeInstances", grader.DataInstances},
		{"DescribeDBClusters", fakeErr{Status: 403, Code: "AccessDenied", Message: "User: arn:aws:iam::123456789012:user/grader is not authorized to perform: rds:DescribeDBClusters"}, "rds:DescribeDBClusters", grader.DataDBClusters},
		{"DescribeTargetHealth", fakeErr{Status: 403, Code: "AccessDenied", Message: "not authorized"}, "elasticloadbalancing:DescribeTargetHealth", grader.DataTargetHealth},
	} {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			f := newFakeAWS(t)
			fullTarget(f)
			f.Fail(tc.action, tc.err, 5)
			s := newTestSource(t, f, Options{})

			snap, err := s.Snapshot(t.Context(), target, grader.AllData())
			if err != nil {
				t.Fatalf("Snapshot: %v, want a partial snapshot", err)
			}
			got := snap.Unavailable[tc.data]
			if len(snap.Unavailable) != 1 || got == nil {
				t.Fatalf("Unavailable = %v, want only %s", snap.Unavailable, tc.data)
			}
			if code := ErrorCode(got); code != tc.err.Code {
				t.Errorf("ErrorCode = %q, want %q (err: %v)", code, tc.err.Code, got)
			}
			if !strings.HasPrefix(got.Error(), tc.op+": ") {
				t.Errorf("error %q does not start with the operation %q", got, tc.op)
			}
			if n := f.Count(tc.action); n != 1 {
				t.Errorf("%s requested %d times; access errors are not retried", tc.action, n)
			}
			if len(snap.VPCs) == 0 || len(snap.SecurityGroups) == 0 {
				t.Error("the data that could be read is missing")
			}
			switch tc.data {
			case grader.DataInstances:
				if snap.Instances != nil {
					t.Error("instances listed although unreadable")
				}
			case grader.DataTargetHealth:
				for _, tg := range snap.TargetGroups {
					if tg.Targets != nil {
						t.Error("target health listed although unreadable")
					}
				}
			}
		})
	}
}

// A target where every call is denied failed as a whole; its error still
// tells how many calls it cost.
func TestSnapshotAccessDeniedEverywhere(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	fullTarget(f)
	f.Fail("*", fakeErr{Status: 403, Code: "AccessDenied", Message: "no"}, -1)
	s := newTestSource(t, f, Options{})
	snap, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err == nil {
		t.Fatalf("Snapshot = %v, want an error", snap)
	}
	if ErrorCode(err) != "AccessDenied" {
		t.Errorf("ErrorCode = %q", ErrorCode(err))
	}
	var counted interface{ AWSCallCount() int }
	if !errors.As(err, &counted) || counted.AWSCallCount() != 14 {
		t.Errorf("error %v does not count the 14 calls made", err)
	}
}

func TestSnapshotAssumeRole(t *testing.T) {
	t.Parallel()
	const (
		role = "arn:aws:iam::210987654321:role/labgrid-read"
		ext  = "s3cr3t-external-id"
	)
	f := newFakeAWS(t)
	fullTarget(f)
	var logs bytes.Buffer
	s := newTestSource(t, f, Options{
		SessionName: "labgrid-test",
		Logger:      slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	tgt := grader.Target{AccountID: "210987654321", Region: "ap-northeast-1", RoleARN: role, ExternalID: ext}

	for range 2 {
		if _, err := s.Snapshot(t.Context(), tgt, grader.AllData()); err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
	}
	reqs := f.Requests()
	var assume []fakeReq
	for _, r := range reqs {
		if r.Action == "AssumeRole" {
			assume = append(assume, r)
			continue
		}
		if r.AccessKey != "ASIATEMPORARYKEY" || r.Token != "FwoGZXIvYXdzEBYaDEXAMPLETOKEN" {
			t.Errorf("%s signed with key %q token %q, want the assumed role's", r.Action, r.AccessKey, r.Token)
		}
	}
	if len(assume) != 1 {
		t.Fatalf("AssumeRole called %d times over two snapshots, want 1", len(assume))
	}
	a := assume[0]
	for k, v := range map[string]string{"RoleArn": role, "ExternalId": ext, "RoleSessionName": "labgrid-test"} {
		if got := a.Form.Get(k); got != v {
			t.Errorf("AssumeRole %s = %q, want %q", k, got, v)
		}
	}
	if a.AccessKey != baseAccessKey {
		t.Errorf("AssumeRole signed with %q, want the base key", a.AccessKey)
	}
	if reqs[0].Action != "AssumeRole" {
		t.Errorf("first request %s, want AssumeRole before any Describe", reqs[0].Action)
	}
	if strings.Contains(logs.String(), ext) {
		t.Errorf("logs contain the external id:\n%s", logs.String())
	}
	if logs.Len() == 0 {
		t.Errorf("no debug log lines")
	}
}

func TestSnapshotAssumeRoleDenied(t *testing.T) {
	t.Parallel()
	const ext = "another-s3cr3t"
	f := newFakeAWS(t)
	fullTarget(f)
	f.Fail("AssumeRole", fakeErr{Status: 403, Code: "AccessDenied", Message: "User: arn:aws:iam::123456789012:user/grader is not authorized to perform: sts:AssumeRole"}, 1)
	s := newTestSource(t, f, Options{})

	_, err := s.Snapshot(t.Context(), grader.Target{AccountID: "210987654321", Region: "ap-northeast-1",
		RoleARN: "arn:aws:iam::210987654321:role/labgrid-read", ExternalID: ext}, grader.AllData())
	if err == nil {
		t.Fatal("Snapshot succeeded, want an AssumeRole error")
	}
	if ErrorCode(err) != "AccessDenied" || !strings.HasPrefix(err.Error(), "sts:AssumeRole ") {
		t.Errorf("err = %v (code %q), want sts:AssumeRole … AccessDenied", err, ErrorCode(err))
	}
	if strings.Contains(err.Error(), ext) {
		t.Errorf("error contains the external id: %v", err)
	}
	for _, r := range f.Requests() {
		if r.Action != "AssumeRole" {
			t.Errorf("%s called although AssumeRole failed", r.Action)
		}
	}
}

func TestSnapshotCallCount(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	for i := range 3 {
		lb := fmt.Sprintf("arn:lb/%d", i)
		f.Add("DescribeLoadBalancers", lbItem(lb, fmt.Sprintf("elb-user%02d", i)))
		f.Add("DescribeListeners|"+lb, `<ListenerArn>`+lb+`/l</ListenerArn><LoadBalancerArn>`+lb+`</LoadBalancerArn><Port>80</Port><Protocol>HTTP</Protocol>`)
		tg := fmt.Sprintf("arn:tg/%d", i)
		f.Add("DescribeTargetGroups", tgItem(tg, fmt.Sprintf("tg-elb-user%02d", i)))
		f.Add("DescribeTargetHealth|"+tg, `<Target><Id>i-`+fmt.Sprint(i)+`</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth>`)
	}
	s := newTestSource(t, f, Options{Concurrency: 3})

	snap, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	want := map[string]int{
		"EC2.DescribeVpcs": 1, "EC2.DescribeSubnets": 1, "EC2.DescribeRouteTables": 1, "EC2.DescribeInternetGateways": 1,
		"EC2.DescribeInstances": 1, "EC2.DescribeImages": 1, "EC2.DescribeSecurityGroups": 1, "EC2.DescribeKeyPairs": 1,
		"Elastic Load Balancing v2.DescribeLoadBalancers": 1, "Elastic Load Balancing v2.DescribeTargetGroups": 1,
		"Elastic Load Balancing v2.DescribeListeners": 3, "Elastic Load Balancing v2.DescribeTargetHealth": 3,
		"RDS.DescribeDBClusters": 1, "RDS.DescribeDBInstances": 1, "RDS.DescribeDBSubnetGroups": 1, "RDS.DescribeEvents": 1,
	}
	compareField(t, "CallsByOperation", snap.CallsByOperation, want)
	if snap.AWSCalls != 8+2+4+3+3 || snap.Retries != 0 {
		t.Errorf("AWSCalls, Retries = %d, %d; want %d, 0", snap.AWSCalls, snap.Retries, 8+2+4+3+3)
	}
	if len(snap.Listeners) != 3 {
		t.Errorf("%d listeners, want 3", len(snap.Listeners))
	}
	for _, tg := range snap.TargetGroups {
		if len(tg.Targets) != 1 {
			t.Errorf("target group %s has %d targets, want 1", tg.Name, len(tg.Targets))
		}
	}

	// What the server saw matches, and is all on the read-only list.
	reqs := f.Requests()
	if len(reqs) != snap.AWSCalls {
		t.Errorf("server saw %d requests, snapshot counted %d", len(reqs), snap.AWSCalls)
	}
	for _, r := range reqs {
		if op := r.IAMAction(); !slices.Contains(Operations, op) {
			t.Errorf("requested %s, not in Operations", op)
		}
	}
	for _, op := range Operations {
		if !strings.HasPrefix(strings.SplitN(op, ":", 2)[1], "Describe") && op != "sts:AssumeRole" {
			t.Errorf("Operations lists %s, which is not read-only", op)
		}
	}
}

func TestSnapshotTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	f.SetHang(true)
	s := newTestSource(t, f, Options{TargetTimeout: 200 * time.Millisecond})

	start := time.Now()
	_, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err == nil {
		t.Fatal("Snapshot succeeded against a hanging server")
	}
	if got := ErrorCode(err); got != "Timeout" {
		t.Errorf("ErrorCode = %q, want Timeout (err: %v)", got, err)
	}
	// The error names a call that was in flight, not one still queued.
	op, _, _ := strings.Cut(err.Error(), ": ")
	if !slices.Contains(Operations, op) || !strings.Contains(err.Error(), "target timeout 200ms") {
		t.Errorf("err = %q, want it to start with an operation and name the target timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Snapshot took %v with a 200ms TargetTimeout", d)
	}
}

func TestSnapshotRegion(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	s := newTestSource(t, f, Options{})

	for _, region := range []string{"eu-west-1", "", "eu-west-1"} {
		if _, err := s.Snapshot(t.Context(), grader.Target{AccountID: "123456789012", Region: region}, grader.AllData()); err != nil {
			t.Fatalf("Snapshot(%q): %v", region, err)
		}
	}
	regions := map[string]int{}
	for _, r := range f.Requests() {
		regions[r.Region]++
	}
	// An empty target region falls back to the configured one.
	compareField(t, "requests per signing region", regions, map[string]int{"eu-west-1": 28, "ap-northeast-1": 14})
	if len(s.clients) != 2 {
		t.Errorf("%d client sets cached, want 2 (one per region)", len(s.clients))
	}
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("boom"), ""},
		{fmt.Errorf("ec2:DescribeVpcs: %w", context.DeadlineExceeded), "Timeout"},
		{context.Canceled, ""},
	} {
		if got := ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
