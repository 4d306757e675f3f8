package awssource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"labgrid/grader"
)

// eventRetentionMinutes is how far back DescribeEvents looks: RDS keeps events for
// 14 days, the most Duration accepts.
const eventRetentionMinutes = 14 * 24 * 60

// collect fills snap with the calls that DataOperations names for data,
// concurrency calls at a time; the other calls are not made. A failed call
// marks its data unavailable in snap and leaves the other calls running,
// so one denied service does not hide the rest. collect returns an error
// only when nothing could be read, or the context ended.
func (c *clients) collect(ctx context.Context, concurrency int, data []grader.Data, snap *grader.Snapshot) error {
	need := operationsNeeded(data)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		calls    int
		failures []error
	)
	sem := make(chan struct{}, concurrency)
	// A call still waiting for a slot when the context ends does not run;
	// the context's error is returned for the whole target below.
	run := func(op string, data grader.Data, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			err := fn(ctx)
			mu.Lock()
			defer mu.Unlock()
			calls++
			if err != nil {
				err = fmt.Errorf("%s: %w", op, err)
				failures = append(failures, err)
				snap.MarkUnavailable(data, err)
			}
		}()
	}

	// Listeners are kept per load balancer so the follow-up calls write
	// disjoint slots; they are flattened in load balancer order afterwards.
	// Listeners and target health are listed per parent: DataOperations
	// names the parent's call for them, so need holds it.
	var listeners [][]grader.Listener
	lists := []struct {
		op   string
		data grader.Data
		list func(context.Context) error
	}{
		{"ec2:DescribeVpcs", grader.DataVPCs, func(ctx context.Context) error { return c.vpcs(ctx, snap) }},
		{"ec2:DescribeSubnets", grader.DataSubnets, func(ctx context.Context) error { return c.subnets(ctx, snap) }},
		{"ec2:DescribeRouteTables", grader.DataRouteTables, func(ctx context.Context) error { return c.routeTables(ctx, snap) }},
		{"ec2:DescribeInternetGateways", grader.DataInternetGateways, func(ctx context.Context) error { return c.internetGateways(ctx, snap) }},
		{"ec2:DescribeInstances", grader.DataInstances, func(ctx context.Context) error { return c.instances(ctx, snap) }},
		{"ec2:DescribeImages", grader.DataImages, func(ctx context.Context) error { return c.images(ctx, snap) }},
		{"ec2:DescribeSecurityGroups", grader.DataSecurityGroups, func(ctx context.Context) error { return c.securityGroups(ctx, snap) }},
		{"ec2:DescribeKeyPairs", grader.DataKeyPairs, func(ctx context.Context) error { return c.keyPairs(ctx, snap) }},
		{"elasticloadbalancing:DescribeLoadBalancers", grader.DataLoadBalancers, func(ctx context.Context) error {
			if err := c.loadBalancers(ctx, snap); err != nil || !need["elasticloadbalancing:DescribeListeners"] {
				return err
			}
			listeners = make([][]grader.Listener, len(snap.LoadBalancers))
			for i, lb := range snap.LoadBalancers {
				run("elasticloadbalancing:DescribeListeners", grader.DataListeners, func(ctx context.Context) error {
					var err error
					listeners[i], err = c.listeners(ctx, lb.ARN)
					return err
				})
			}
			return nil
		}},
		{"elasticloadbalancing:DescribeTargetGroups", grader.DataTargetGroups, func(ctx context.Context) error {
			if err := c.targetGroups(ctx, snap); err != nil || !need["elasticloadbalancing:DescribeTargetHealth"] {
				return err
			}
			for i := range snap.TargetGroups {
				tg := &snap.TargetGroups[i]
				run("elasticloadbalancing:DescribeTargetHealth", grader.DataTargetHealth, func(ctx context.Context) error {
					var err error
					tg.Targets, err = c.targetHealth(ctx, tg.ARN)
					return err
				})
			}
			return nil
		}},
		{"rds:DescribeDBClusters", grader.DataDBClusters, func(ctx context.Context) error { return c.dbClusters(ctx, snap) }},
		{"rds:DescribeDBInstances", grader.DataDBInstances, func(ctx context.Context) error { return c.dbInstances(ctx, snap) }},
		{"rds:DescribeDBSubnetGroups", grader.DataDBSubnetGroups, func(ctx context.Context) error { return c.dbSubnetGroups(ctx, snap) }},
		{"rds:DescribeEvents", grader.DataRDSEvents, func(ctx context.Context) error { return c.rdsEvents(ctx, snap) }},
	}
	for _, l := range lists {
		if need[l.op] {
			run(l.op, l.data, l.list)
		}
	}

	wg.Wait()
	if err := ctx.Err(); err != nil {
		// A snapshot cut short by its deadline is not a picture of the
		// account; name a call that was slow when there is one.
		for _, f := range failures {
			if errors.Is(f, context.DeadlineExceeded) || errors.Is(f, context.Canceled) {
				return f
			}
		}
		return fmt.Errorf("calls not finished: %w", context.Cause(ctx))
	}
	if calls > 0 && len(failures) == calls {
		return failures[0] // nothing could be read: the target failed
	}
	if snap.Unavailable[grader.DataListeners] != nil {
		listeners = nil // some are missing: none is better than a partial list
	}
	for _, ls := range listeners {
		snap.Listeners = append(snap.Listeners, ls...)
	}
	dropPartial(snap)
	return nil
}

// dropPartial empties the lists of data that could not be read completely
// (a pagination that failed on page two), so no check judges half a list.
func dropPartial(snap *grader.Snapshot) {
	for d := range snap.Unavailable {
		snap.Drop(d)
	}
}

// The paginators stop on a repeated token: an emulator that echoes the
// token back would otherwise loop until the target timeout.

func (c *clients) vpcs(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeVpcsPaginator(c.ec2, &ec2.DescribeVpcsInput{},
		func(o *ec2.DescribeVpcsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, v := range out.Vpcs {
			snap.VPCs = append(snap.VPCs, grader.VPC{
				ID:        aws.ToString(v.VpcId),
				Name:      nameTag(v.Tags),
				CIDR:      aws.ToString(v.CidrBlock),
				IsDefault: aws.ToBool(v.IsDefault),
			})
		}
	}
	return nil
}

func (c *clients) subnets(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeSubnetsPaginator(c.ec2, &ec2.DescribeSubnetsInput{},
		func(o *ec2.DescribeSubnetsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range out.Subnets {
			snap.Subnets = append(snap.Subnets, grader.Subnet{
				ID:                  aws.ToString(s.SubnetId),
				Name:                nameTag(s.Tags),
				VPCID:               aws.ToString(s.VpcId),
				AZ:                  aws.ToString(s.AvailabilityZone),
				CIDR:                aws.ToString(s.CidrBlock),
				MapPublicIPOnLaunch: aws.ToBool(s.MapPublicIpOnLaunch),
			})
		}
	}
	return nil
}

func (c *clients) routeTables(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeRouteTablesPaginator(c.ec2, &ec2.DescribeRouteTablesInput{},
		func(o *ec2.DescribeRouteTablesPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, rt := range out.RouteTables {
			snap.RouteTables = append(snap.RouteTables, mapRouteTable(rt))
		}
	}
	return nil
}

func mapRouteTable(rt ec2types.RouteTable) grader.RouteTable {
	out := grader.RouteTable{ID: aws.ToString(rt.RouteTableId), VPCID: aws.ToString(rt.VpcId)}
	for _, a := range rt.Associations {
		// A disassociated or failed association no longer routes the subnet.
		if a.AssociationState != nil {
			switch a.AssociationState.State {
			case ec2types.RouteTableAssociationStateCodeDisassociated, ec2types.RouteTableAssociationStateCodeFailed:
				continue
			}
		}
		if aws.ToBool(a.Main) {
			out.Main = true
		}
		if id := aws.ToString(a.SubnetId); id != "" {
			out.SubnetIDs = append(out.SubnetIDs, id)
		}
	}
	for _, r := range rt.Routes {
		out.Routes = append(out.Routes, grader.Route{
			DestinationCIDR:     aws.ToString(r.DestinationCidrBlock),
			DestinationIPv6CIDR: aws.ToString(r.DestinationIpv6CidrBlock),
			GatewayID:           aws.ToString(r.GatewayId),
			NatGatewayID:        aws.ToString(r.NatGatewayId),
			State:               string(r.State),
		})
	}
	return out
}

func (c *clients) internetGateways(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeInternetGatewaysPaginator(c.ec2, &ec2.DescribeInternetGatewaysInput{},
		func(o *ec2.DescribeInternetGatewaysPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, igw := range out.InternetGateways {
			g := grader.InternetGateway{ID: aws.ToString(igw.InternetGatewayId), Name: nameTag(igw.Tags)}
			for _, a := range igw.Attachments {
				if id := aws.ToString(a.VpcId); id != "" {
					g.VPCIDs = append(g.VPCIDs, id)
				}
			}
			snap.InternetGateways = append(snap.InternetGateways, g)
		}
	}
	return nil
}

func (c *clients) instances(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{},
		func(o *ec2.DescribeInstancesPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				snap.Instances = append(snap.Instances, mapInstance(in))
			}
		}
	}
	return nil
}

func mapInstance(in ec2types.Instance) grader.Instance {
	out := grader.Instance{
		ID:         aws.ToString(in.InstanceId),
		Name:       nameTag(in.Tags),
		Type:       string(in.InstanceType),
		VPCID:      aws.ToString(in.VpcId),
		SubnetID:   aws.ToString(in.SubnetId),
		PublicIP:   aws.ToString(in.PublicIpAddress),
		PrivateIP:  aws.ToString(in.PrivateIpAddress),
		ImageID:    aws.ToString(in.ImageId),
		KeyName:    aws.ToString(in.KeyName),
		LaunchTime: aws.ToTime(in.LaunchTime),
	}
	if in.State != nil {
		out.State = string(in.State.Name)
	}
	if in.Placement != nil {
		out.AZ = aws.ToString(in.Placement.AvailabilityZone)
	}
	for _, g := range in.SecurityGroups {
		if id := aws.ToString(g.GroupId); id != "" {
			out.SecurityGroupIDs = append(out.SecurityGroupIDs, id)
		}
	}
	return out
}

func (c *clients) images(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeImagesPaginator(c.ec2, &ec2.DescribeImagesInput{Owners: []string{"self"}},
		func(o *ec2.DescribeImagesPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, im := range out.Images {
			snap.Images = append(snap.Images, grader.Image{
				ID:           aws.ToString(im.ImageId),
				Name:         aws.ToString(im.Name),
				Description:  aws.ToString(im.Description),
				State:        string(im.State),
				OwnerID:      aws.ToString(im.OwnerId),
				CreationDate: aws.ToString(im.CreationDate),
			})
		}
	}
	return nil
}

func (c *clients) securityGroups(ctx context.Context, snap *grader.Snapshot) error {
	p := ec2.NewDescribeSecurityGroupsPaginator(c.ec2, &ec2.DescribeSecurityGroupsInput{},
		func(o *ec2.DescribeSecurityGroupsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, sg := range out.SecurityGroups {
			g := grader.SecurityGroup{
				ID:          aws.ToString(sg.GroupId),
				Name:        aws.ToString(sg.GroupName),
				Description: aws.ToString(sg.Description),
				VPCID:       aws.ToString(sg.VpcId),
			}
			for _, perm := range sg.IpPermissions {
				g.Inbound = append(g.Inbound, mapPermission(perm))
			}
			snap.SecurityGroups = append(snap.SecurityGroups, g)
		}
	}
	return nil
}

// keyPairs lists the region's key pairs (the API is not paginated).
func (c *clients) keyPairs(ctx context.Context, snap *grader.Snapshot) error {
	out, err := c.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
	if err != nil {
		return err
	}
	for _, k := range out.KeyPairs {
		snap.KeyPairs = append(snap.KeyPairs, grader.KeyPair{
			ID:          aws.ToString(k.KeyPairId),
			Name:        aws.ToString(k.KeyName),
			Type:        string(k.KeyType),
			Fingerprint: aws.ToString(k.KeyFingerprint),
			CreateTime:  aws.ToTime(k.CreateTime),
		})
	}
	return nil
}

func mapPermission(p ec2types.IpPermission) grader.Permission {
	out := grader.Permission{
		Protocol: aws.ToString(p.IpProtocol),
		FromPort: portOr(p.FromPort),
		ToPort:   portOr(p.ToPort),
	}
	for _, r := range p.IpRanges {
		if v := aws.ToString(r.CidrIp); v != "" {
			out.IPv4Ranges = append(out.IPv4Ranges, v)
		}
	}
	for _, r := range p.Ipv6Ranges {
		if v := aws.ToString(r.CidrIpv6); v != "" {
			out.IPv6Ranges = append(out.IPv6Ranges, v)
		}
	}
	for _, r := range p.PrefixListIds {
		if v := aws.ToString(r.PrefixListId); v != "" {
			out.PrefixListIDs = append(out.PrefixListIDs, v)
		}
	}
	for _, r := range p.UserIdGroupPairs {
		if v := aws.ToString(r.GroupId); v != "" {
			out.GroupIDs = append(out.GroupIDs, v)
		}
	}
	return out
}

// portOr is the port, or -1 when EC2 leaves it out (all-traffic rules).
func portOr(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

func nameTag(tags []ec2types.Tag) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == "Name" {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func (c *clients) loadBalancers(ctx context.Context, snap *grader.Snapshot) error {
	p := elbv2.NewDescribeLoadBalancersPaginator(c.elbv2, &elbv2.DescribeLoadBalancersInput{},
		func(o *elbv2.DescribeLoadBalancersPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, lb := range out.LoadBalancers {
			snap.LoadBalancers = append(snap.LoadBalancers, mapLoadBalancer(lb))
		}
	}
	return nil
}

func mapLoadBalancer(lb elbtypes.LoadBalancer) grader.LoadBalancer {
	out := grader.LoadBalancer{
		ARN:              aws.ToString(lb.LoadBalancerArn),
		Name:             aws.ToString(lb.LoadBalancerName),
		DNSName:          aws.ToString(lb.DNSName),
		Type:             string(lb.Type),
		Scheme:           string(lb.Scheme),
		VPCID:            aws.ToString(lb.VpcId),
		SecurityGroupIDs: lb.SecurityGroups,
	}
	if lb.State != nil {
		out.State = string(lb.State.Code)
	}
	for _, z := range lb.AvailabilityZones {
		out.Zones = append(out.Zones, grader.LBZone{
			ZoneName: aws.ToString(z.ZoneName),
			SubnetID: aws.ToString(z.SubnetId),
		})
	}
	return out
}

// listeners lists one load balancer's listeners. A load balancer deleted
// since DescribeLoadBalancers has none, rather than failing the scan.
func (c *clients) listeners(ctx context.Context, lbARN string) ([]grader.Listener, error) {
	p := elbv2.NewDescribeListenersPaginator(c.elbv2, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)},
		func(o *elbv2.DescribeListenersPaginatorOptions) { o.StopOnDuplicateToken = true })
	var ls []grader.Listener
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if ErrorCode(err) == "LoadBalancerNotFound" {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, l := range out.Listeners {
			ls = append(ls, mapListener(l))
		}
	}
	return ls, nil
}

func mapListener(l elbtypes.Listener) grader.Listener {
	out := grader.Listener{
		ARN:             aws.ToString(l.ListenerArn),
		LoadBalancerARN: aws.ToString(l.LoadBalancerArn),
		Protocol:        string(l.Protocol),
		Port:            aws.ToInt32(l.Port),
	}
	for _, a := range l.DefaultActions {
		act := grader.Action{Type: string(a.Type)}
		// A forward action names its group in TargetGroupArn, in
		// ForwardConfig, or (as the console writes it) in both.
		add := func(arn string) {
			if arn != "" && !slices.Contains(act.TargetGroupARNs, arn) {
				act.TargetGroupARNs = append(act.TargetGroupARNs, arn)
			}
		}
		add(aws.ToString(a.TargetGroupArn))
		if a.ForwardConfig != nil {
			for _, tg := range a.ForwardConfig.TargetGroups {
				add(aws.ToString(tg.TargetGroupArn))
			}
		}
		out.DefaultActions = append(out.DefaultActions, act)
	}
	return out
}

func (c *clients) targetGroups(ctx context.Context, snap *grader.Snapshot) error {
	p := elbv2.NewDescribeTargetGroupsPaginator(c.elbv2, &elbv2.DescribeTargetGroupsInput{},
		func(o *elbv2.DescribeTargetGroupsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, tg := range out.TargetGroups {
			snap.TargetGroups = append(snap.TargetGroups, grader.TargetGroup{
				ARN:              aws.ToString(tg.TargetGroupArn),
				Name:             aws.ToString(tg.TargetGroupName),
				Protocol:         string(tg.Protocol),
				Port:             aws.ToInt32(tg.Port),
				TargetType:       string(tg.TargetType),
				VPCID:            aws.ToString(tg.VpcId),
				LoadBalancerARNs: tg.LoadBalancerArns,
			})
		}
	}
	return nil
}

// targetHealth reads one target group's targets (the API is not paginated).
// A group deleted since DescribeTargetGroups has none.
func (c *clients) targetHealth(ctx context.Context, tgARN string) ([]grader.TargetHealth, error) {
	out, err := c.elbv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
	if ErrorCode(err) == "TargetGroupNotFound" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ts []grader.TargetHealth
	for _, d := range out.TargetHealthDescriptions {
		var th grader.TargetHealth
		if d.Target != nil {
			th.ID = aws.ToString(d.Target.Id)
			th.Port = aws.ToInt32(d.Target.Port)
			th.AZ = aws.ToString(d.Target.AvailabilityZone)
		}
		if d.TargetHealth != nil {
			th.State = string(d.TargetHealth.State)
			th.Reason = string(d.TargetHealth.Reason)
			th.Description = aws.ToString(d.TargetHealth.Description)
		}
		ts = append(ts, th)
	}
	return ts, nil
}

func (c *clients) dbClusters(ctx context.Context, snap *grader.Snapshot) error {
	p := rds.NewDescribeDBClustersPaginator(c.rds, &rds.DescribeDBClustersInput{},
		func(o *rds.DescribeDBClustersPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, dc := range out.DBClusters {
			snap.DBClusters = append(snap.DBClusters, mapDBCluster(dc))
		}
	}
	return nil
}

func mapDBCluster(dc rdstypes.DBCluster) grader.DBCluster {
	out := grader.DBCluster{
		ID:             aws.ToString(dc.DBClusterIdentifier),
		ARN:            aws.ToString(dc.DBClusterArn),
		Status:         aws.ToString(dc.Status),
		Engine:         aws.ToString(dc.Engine),
		Endpoint:       aws.ToString(dc.Endpoint),
		ReaderEndpoint: aws.ToString(dc.ReaderEndpoint),
		DBSubnetGroup:  aws.ToString(dc.DBSubnetGroup),
	}
	for _, g := range dc.VpcSecurityGroups {
		if id := aws.ToString(g.VpcSecurityGroupId); id != "" {
			out.SecurityGroupIDs = append(out.SecurityGroupIDs, id)
		}
	}
	for _, m := range dc.DBClusterMembers {
		out.Members = append(out.Members, grader.DBClusterMember{
			InstanceID: aws.ToString(m.DBInstanceIdentifier),
			IsWriter:   aws.ToBool(m.IsClusterWriter),
		})
	}
	return out
}

func (c *clients) dbInstances(ctx context.Context, snap *grader.Snapshot) error {
	p := rds.NewDescribeDBInstancesPaginator(c.rds, &rds.DescribeDBInstancesInput{},
		func(o *rds.DescribeDBInstancesPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, db := range out.DBInstances {
			in := grader.DBInstance{
				ID:                 aws.ToString(db.DBInstanceIdentifier),
				ClusterID:          aws.ToString(db.DBClusterIdentifier),
				Class:              aws.ToString(db.DBInstanceClass),
				Engine:             aws.ToString(db.Engine),
				AZ:                 aws.ToString(db.AvailabilityZone),
				Status:             aws.ToString(db.DBInstanceStatus),
				PubliclyAccessible: aws.ToBool(db.PubliclyAccessible),
			}
			if db.DBSubnetGroup != nil {
				in.DBSubnetGroup = aws.ToString(db.DBSubnetGroup.DBSubnetGroupName)
			}
			snap.DBInstances = append(snap.DBInstances, in)
		}
	}
	return nil
}

func (c *clients) dbSubnetGroups(ctx context.Context, snap *grader.Snapshot) error {
	p := rds.NewDescribeDBSubnetGroupsPaginator(c.rds, &rds.DescribeDBSubnetGroupsInput{},
		func(o *rds.DescribeDBSubnetGroupsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, sg := range out.DBSubnetGroups {
			g := grader.DBSubnetGroup{Name: aws.ToString(sg.DBSubnetGroupName), VPCID: aws.ToString(sg.VpcId)}
			for _, s := range sg.Subnets {
				if id := aws.ToString(s.SubnetIdentifier); id != "" {
					g.SubnetIDs = append(g.SubnetIDs, id)
				}
			}
			snap.DBSubnetGroups = append(snap.DBSubnetGroups, g)
		}
	}
	return nil
}

// rdsEvents asks for cluster failover events of the whole retention window.
// Every event returned is kept: the checks filter on category and source
// again, since emulators may ignore the request's filters.
func (c *clients) rdsEvents(ctx context.Context, snap *grader.Snapshot) error {
	in := &rds.DescribeEventsInput{
		SourceType:      rdstypes.SourceTypeDbCluster,
		EventCategories: []string{"failover"},
		Duration:        aws.Int32(eventRetentionMinutes),
	}
	p := rds.NewDescribeEventsPaginator(c.rds, in,
		func(o *rds.DescribeEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, e := range out.Events {
			snap.RDSEvents = append(snap.RDSEvents, grader.RDSEvent{
				SourceID:   aws.ToString(e.SourceIdentifier),
				SourceType: string(e.SourceType),
				SourceARN:  aws.ToString(e.SourceArn),
				Message:    aws.ToString(e.Message),
				Categories: e.EventCategories,
				Date:       aws.ToTime(e.Date),
			})
		}
	}
	return nil
}
