package sim

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"labgrid/grader"
)

var classStart = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// newClass is a default-sized class whose clock is set per snapshot.
func newClass(seed int64) *Class {
	return New(Options{Seed: seed, Start: classStart})
}

// snapshotAt takes the class's snapshot at start+d through the public API.
func snapshotAt(t *testing.T, c *Class, d time.Duration) *grader.Snapshot {
	t.Helper()
	at := c.opts.Start.Add(d)
	c2 := *c
	c2.opts.Now = func() time.Time { return at }
	snap, err := c2.Snapshot(context.Background(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot at +%s: %v", d, err)
	}
	return snap
}

// snapshotData is the exported content of a Snapshot, comparable with
// reflect.DeepEqual (a Snapshot itself holds a sync.Once and its index).
type snapshotData struct {
	Target           grader.Target
	TakenAt          time.Time
	AWSCalls         int
	Retries          int
	CallsByOperation map[string]int
	VPCs             []grader.VPC
	Subnets          []grader.Subnet
	RouteTables      []grader.RouteTable
	InternetGateways []grader.InternetGateway
	Instances        []grader.Instance
	Images           []grader.Image
	SecurityGroups   []grader.SecurityGroup
	KeyPairs         []grader.KeyPair
	LoadBalancers    []grader.LoadBalancer
	Listeners        []grader.Listener
	TargetGroups     []grader.TargetGroup
	DBSubnetGroups   []grader.DBSubnetGroup
	DBClusters       []grader.DBCluster
	DBInstances      []grader.DBInstance
	RDSEvents        []grader.RDSEvent
}

func dataOf(s *grader.Snapshot) snapshotData {
	return snapshotData{
		Target: s.Target, TakenAt: s.TakenAt, AWSCalls: s.AWSCalls, Retries: s.Retries, CallsByOperation: s.CallsByOperation,
		VPCs: s.VPCs, Subnets: s.Subnets, RouteTables: s.RouteTables, InternetGateways: s.InternetGateways,
		Instances: s.Instances, Images: s.Images, SecurityGroups: s.SecurityGroups, KeyPairs: s.KeyPairs,
		LoadBalancers: s.LoadBalancers, Listeners: s.Listeners, TargetGroups: s.TargetGroups,
		DBSubnetGroups: s.DBSubnetGroups, DBClusters: s.DBClusters, DBInstances: s.DBInstances, RDSEvents: s.RDSEvents,
	}
}

// every calls fn at each step from the class start to 3×Duration.
func every(c *Class, step time.Duration, fn func(d time.Duration)) {
	for d := time.Duration(0); d <= 3*c.opts.Duration; d += step {
		fn(d)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, 7 * time.Minute, 23*time.Minute + 17*time.Second, 41 * time.Minute, 3 * time.Hour} {
		a := dataOf(snapshotAt(t, newClass(42), d))
		b := dataOf(snapshotAt(t, newClass(42), d))
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("+%s: two classes with the same seed differ", d)
		}
		for _, st := range newClass(42).Roster() {
			at := classStart.Add(d)
			if p, q := newClass(42).Progress(st.Login, at), newClass(42).Progress(st.Login, at); p != q {
				t.Fatalf("%s +%s: progress %s then %s", st.Login, d, p, q)
			}
		}
	}
	// A class started at another moment is the same class shifted in time.
	later := New(Options{Seed: 42, Start: classStart.Add(24 * time.Hour)})
	a, b := dataOf(snapshotAt(t, newClass(42), 31*time.Minute)), dataOf(snapshotAt(t, later, 31*time.Minute))
	if len(a.Instances) != len(b.Instances) || len(a.DBInstances) != len(b.DBInstances) || len(a.LoadBalancers) != len(b.LoadBalancers) {
		t.Fatal("the same seed at the same offset from the start gave different classes")
	}
	// Another seed is another class.
	if reflect.DeepEqual(dataOf(snapshotAt(t, newClass(42), 30*time.Minute)), dataOf(snapshotAt(t, newClass(43), 30*time.Minute))) {
		t.Fatal("seeds 42 and 43 gave the same class at +30m")
	}
}

func TestSnapshotUsesClockAndCountsCalls(t *testing.T) {
	t.Parallel()
	at := classStart.Add(33 * time.Minute)
	c := New(Options{Seed: 7, Start: classStart, Now: func() time.Time { return at }})
	snap, err := c.Snapshot(context.Background(), grader.Target{AccountID: "111122223333", Region: "ap-northeast-1"}, grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	if !snap.TakenAt.Equal(at) {
		t.Errorf("TakenAt %s, want %s", snap.TakenAt, at)
	}
	if len(snap.LoadBalancers) == 0 || len(snap.TargetGroups) == 0 {
		t.Fatal("no load balancer at +33m: the call counts are not exercised")
	}
	if want := 14 + len(snap.LoadBalancers) + len(snap.TargetGroups); snap.AWSCalls != want {
		t.Errorf("AWSCalls %d, want %d", snap.AWSCalls, want)
	}
	total := 0
	for _, n := range snap.CallsByOperation {
		total += n
	}
	if total != snap.AWSCalls {
		t.Errorf("CallsByOperation sums to %d, AWSCalls is %d", total, snap.AWSCalls)
	}
	if got := snap.CallsByOperation["Elastic Load Balancing v2.DescribeTargetHealth"]; got != len(snap.TargetGroups) {
		t.Errorf("DescribeTargetHealth %d, want one per target group (%d)", got, len(snap.TargetGroups))
	}
	if got := snap.CallsByOperation["EC2.DescribeInstances"]; got != 1 {
		t.Errorf("DescribeInstances %d, want 1", got)
	}
	// The role does not matter: it reaches the same account.
	if _, err := c.Snapshot(context.Background(), grader.Target{AccountID: "111122223333", Region: "ap-northeast-1", RoleARN: "arn:aws:iam::111122223333:role/labgrid"}, grader.AllData()); err != nil {
		t.Errorf("with a role: %v", err)
	}
}

func TestUnknownTarget(t *testing.T) {
	t.Parallel()
	c := newClass(1)
	cases := []struct {
		name string
		ctx  context.Context
		t    grader.Target
		code string
	}{
		{"other account", context.Background(), grader.Target{AccountID: "999988887777", Region: "ap-northeast-1"}, "AccessDenied"},
		{"other account via role", context.Background(), grader.Target{AccountID: "999988887777", Region: "ap-northeast-1", RoleARN: "arn:aws:iam::999988887777:role/labgrid"}, "AccessDenied"},
		{"other region", context.Background(), grader.Target{AccountID: "111122223333", Region: "us-east-1"}, "AuthFailure"},
		{"canceled", canceled(), c.Target(), "Canceled"},
	}
	for _, tc := range cases {
		snap, err := c.Snapshot(tc.ctx, tc.t, grader.AllData())
		if err == nil || snap != nil {
			t.Errorf("%s: snapshot %v, err %v; want an error", tc.name, snap != nil, err)
			continue
		}
		if got := grader.ErrorCode(err); got != tc.code {
			t.Errorf("%s: ErrorCode %q, want %q (err: %v)", tc.name, got, tc.code, err)
		}
	}
	var apiErr *APIError
	_, err := c.Snapshot(context.Background(), grader.Target{AccountID: "999988887777", Region: "ap-northeast-1"}, grader.AllData())
	if !errors.As(err, &apiErr) || apiErr.ErrorMessage() == "" {
		t.Errorf("the error does not wrap an *APIError with a message: %v", err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestRoster(t *testing.T) {
	t.Parallel()
	c := newClass(3)
	roster := c.Roster()
	if len(roster) != 30 {
		t.Fatalf("%d students, want 30", len(roster))
	}
	names := map[string]bool{}
	for i, st := range roster {
		if want := fmt.Sprintf("user%02d", i+1); st.Login != want {
			t.Errorf("student %d is %q, want %q", i, st.Login, want)
		}
		if st.AccountID != "111122223333" || st.Region != "ap-northeast-1" || st.Dedicated || st.RoleARN != "" {
			t.Errorf("%s: %+v, want the shared account in ap-northeast-1", st.Login, st)
		}
		if st.TargetOf("") != c.Target() {
			t.Errorf("%s: target %s, want %s", st.Login, st.TargetOf(""), c.Target())
		}
		family, given, ok := strings.Cut(st.DisplayName, " ")
		if !ok || !isJapanese(family) || !isJapanese(given) {
			t.Errorf("%s: display name %q is not a Japanese family and given name", st.Login, st.DisplayName)
		}
		if names[st.DisplayName] {
			t.Errorf("%s: display name %q repeats", st.Login, st.DisplayName)
		}
		names[st.DisplayName] = true
	}
	roster[0].Login = "changed"
	if c.Roster()[0].Login != "user01" {
		t.Error("Roster returns the class's own slice")
	}
	if groups := grader.Groups(c.Roster(), "ap-northeast-1"); len(groups) != 1 {
		t.Errorf("%d targets, want one shared target", len(groups))
	}

	big := New(Options{Students: 120, Start: classStart}).Roster()
	if big[0].Login != "user001" || big[119].Login != "user120" {
		t.Errorf("a class of 120 runs %s…%s, want user001…user120", big[0].Login, big[119].Login)
	}
}

func isJapanese(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) && r != '々' {
			return false
		}
	}
	return true
}

// TestStartIsStep2: at the start everyone has exactly Step 2.
func TestStartIsStep2(t *testing.T) {
	t.Parallel()
	c := newClass(5)
	snap := snapshotAt(t, c, 0)
	if len(snap.Images) != 0 || len(snap.LoadBalancers) != 0 || len(snap.Listeners) != 0 || len(snap.TargetGroups) != 0 || len(snap.RDSEvents) != 0 {
		t.Fatalf("Step-3 resources at the start: %d images, %d LBs, %d listeners, %d TGs, %d events",
			len(snap.Images), len(snap.LoadBalancers), len(snap.Listeners), len(snap.TargetGroups), len(snap.RDSEvents))
	}
	for _, st := range c.Roster() {
		if got := c.Progress(st.Login, classStart); got != StageStep2 {
			t.Errorf("%s: %s at the start", st.Login, got)
		}
		if got := c.Progress(st.Login, classStart.Add(-time.Hour)); got != StageStep2 {
			t.Errorf("%s: %s before the start", st.Login, got)
		}
		if m := c.Mistakes(st.Login, classStart); len(m) != 0 {
			t.Errorf("%s: mistakes %v at the start", st.Login, m)
		}
		e := envOf(snap, st.Login)
		if e.vpc == nil || e.vpc.CIDR != "10.0.0.0/16" {
			t.Fatalf("%s: no VPC 10.0.0.0/16", st.Login)
		}
		byCIDR := map[string]grader.Subnet{}
		for _, sn := range e.subnets {
			byCIDR[sn.CIDR] = sn
		}
		for cidr, az := range map[string]string{"10.0.0.0/24": azD, "10.0.1.0/24": azC, "10.0.2.0/24": azD, "10.0.3.0/24": azC} {
			if byCIDR[cidr].AZ != az {
				t.Errorf("%s: subnet %s in %q, want %s", st.Login, cidr, byCIDR[cidr].AZ, az)
			}
		}
		if len(e.instances) != 1 || e.instances[0].Name != "webserver#1-"+st.Login || e.instances[0].State != "running" {
			t.Errorf("%s: instances %+v, want only webserver#1 running", st.Login, e.instances)
		}
		if e.webSG == nil || !opensHTTPToWorld(e.webSG) || !opens(e.webSG, 22, "0.0.0.0/0") || e.albSG != nil {
			t.Errorf("%s: web SG %+v, alb SG %+v; want web open on 22 and 80, no alb SG", st.Login, e.webSG, e.albSG)
		}
		if e.cluster == nil || len(e.cluster.Members) != 1 || !e.cluster.Members[0].IsWriter || e.cluster.Members[0].InstanceID != "wp-"+st.Login {
			t.Errorf("%s: cluster %+v, want the single writer wp-%s", st.Login, e.cluster, st.Login)
		}
		if e.subnetGroup == nil || !slices.Equal(e.subnetGroup.SubnetIDs, []string{byCIDR["10.0.2.0/24"].ID, byCIDR["10.0.3.0/24"].ID}) {
			t.Errorf("%s: DB subnet group %+v, want the private subnets", st.Login, e.subnetGroup)
		}
	}
}

// TestMostFinish: by 3×Duration most students are done and nothing moves
// any more.
func TestMostFinish(t *testing.T) {
	t.Parallel()
	for seed := int64(1); seed <= 8; seed++ {
		c := newClass(seed)
		end := classStart.Add(3 * c.opts.Duration)
		done := 0
		for _, st := range c.Roster() {
			if c.Progress(st.Login, end) == StageDone {
				done++
			}
			if m := c.Mistakes(st.Login, end); len(m) != 0 && c.Progress(st.Login, end) == StageDone {
				t.Errorf("seed %d, %s: done with mistakes %v", seed, st.Login, m)
			}
		}
		if done*10 < len(c.Roster())*8 {
			t.Errorf("seed %d: %d of %d done at 3×Duration, want ≥ 80%%", seed, done, len(c.Roster()))
		}
		a, b := dataOf(snapshotAt(t, c, 3*c.opts.Duration)), dataOf(snapshotAt(t, c, 10*c.opts.Duration))
		a.TakenAt, b.TakenAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("seed %d: the class still changes after 3×Duration", seed)
		}
	}
	// Somebody is fast: done within 1.25×Duration.
	c := newClass(1)
	fast := 0
	for _, st := range c.Roster() {
		if c.Progress(st.Login, classStart.Add(c.opts.Duration*5/4)) == StageDone {
			fast++
		}
	}
	if fast == 0 {
		t.Error("nobody is done at 1.25×Duration")
	}
}

func TestProgressOnlyMovesForward(t *testing.T) {
	t.Parallel()
	c := newClass(11)
	for _, st := range c.Roster() {
		last := StageStep2
		every(c, 20*time.Second, func(d time.Duration) {
			got := c.Progress(st.Login, classStart.Add(d))
			if got < last {
				t.Errorf("%s: back from %s to %s at +%s", st.Login, last, got, d)
			}
			last = got
		})
	}
}

// TestDurationScales: a shorter class is the same class, faster.
func TestDurationScales(t *testing.T) {
	t.Parallel()
	long := New(Options{Seed: 9, Start: classStart, Duration: 20 * time.Minute})
	short := New(Options{Seed: 9, Start: classStart, Duration: 2 * time.Minute})
	for _, st := range long.Roster() {
		for _, f := range []float64{0.3, 1, 1.7, 3} {
			a := long.Progress(st.Login, classStart.Add(time.Duration(f*float64(20*time.Minute))))
			b := short.Progress(st.Login, classStart.Add(time.Duration(f*float64(2*time.Minute))))
			if a != b {
				t.Errorf("%s at %.1f×Duration: %s in a 20m class, %s in a 2m class", st.Login, f, a, b)
			}
		}
	}
}

func TestIDsUnique(t *testing.T) {
	t.Parallel()
	c := newClass(2)
	for _, d := range []time.Duration{0, 25 * time.Minute, 35 * time.Minute, 3 * c.opts.Duration} {
		snap := snapshotAt(t, c, d)
		seen := map[string]string{}
		add := func(kind, id string) {
			if id == "" {
				t.Errorf("+%s: %s with an empty id", d, kind)
				return
			}
			if prev, ok := seen[id]; ok {
				t.Errorf("+%s: id %s is both a %s and a %s", d, id, prev, kind)
			}
			seen[id] = kind
		}
		for _, x := range snap.VPCs {
			add("vpc", x.ID)
		}
		for _, x := range snap.Subnets {
			add("subnet", x.ID)
		}
		for _, x := range snap.RouteTables {
			add("route table", x.ID)
		}
		for _, x := range snap.InternetGateways {
			add("igw", x.ID)
		}
		for _, x := range snap.Instances {
			add("instance", x.ID)
		}
		for _, x := range snap.Images {
			add("image", x.ID)
		}
		for _, x := range snap.SecurityGroups {
			add("security group", x.ID)
		}
		for _, x := range snap.KeyPairs {
			add("key pair", x.ID)
		}
		for _, x := range snap.LoadBalancers {
			add("load balancer", x.ARN)
			add("load balancer DNS name", x.DNSName)
		}
		for _, x := range snap.Listeners {
			add("listener", x.ARN)
		}
		for _, x := range snap.TargetGroups {
			add("target group", x.ARN)
		}
		for _, x := range snap.DBSubnetGroups {
			add("DB subnet group", x.Name)
		}
		for _, x := range snap.DBClusters {
			add("DB cluster", x.ID)
			add("DB cluster ARN", x.ARN)
		}
		for _, x := range snap.DBInstances {
			add("DB instance", x.ID)
		}
		ec2Kinds := set[string]{"vpc": true, "subnet": true, "route table": true, "igw": true, "instance": true, "image": true, "security group": true}
		for id, kind := range seen {
			if !ec2Kinds[kind] {
				continue
			}
			prefix, hexPart, _ := strings.Cut(id, "-")
			if prefix == "" || len(hexPart) != 17 || strings.Trim(hexPart, "0123456789abcdef") != "" {
				t.Errorf("%s id %s is not a prefix and 17 hex digits", kind, id)
			}
		}
	}
	a, b := idsOfKind(snapshotAt(t, newClass(2), 0)), idsOfKind(snapshotAt(t, newClass(99), 0))
	if !slices.Equal(a, b) {
		t.Error("resource ids depend on the seed; they should depend only on account, region and login")
	}
}

func idsOfKind(s *grader.Snapshot) []string {
	var out []string
	for _, v := range s.VPCs {
		out = append(out, v.ID)
	}
	return out
}

// TestWellFormed: at every moment, everything a resource refers to exists.
func TestWellFormed(t *testing.T) {
	t.Parallel()
	c := newClass(4)
	every(c, 30*time.Second, func(d time.Duration) {
		if t.Failed() {
			return
		}
		checkWellFormed(t, snapshotAt(t, c, d), d)
	})
}

func checkWellFormed(t *testing.T, s *grader.Snapshot, d time.Duration) {
	t.Helper()
	vpcs, subnets, sgs, instances, images := set[string]{}, map[string]grader.Subnet{}, set[string]{}, map[string]grader.Instance{}, set[string]{}
	for _, v := range s.VPCs {
		vpcs[v.ID] = true
	}
	for _, sn := range s.Subnets {
		subnets[sn.ID] = sn
		if !vpcs[sn.VPCID] {
			t.Errorf("+%s: subnet %s in unknown VPC %s", d, sn.ID, sn.VPCID)
		}
	}
	for _, sg := range s.SecurityGroups {
		sgs[sg.ID] = true
	}
	for _, im := range s.Images {
		images[im.ID] = true
	}
	for _, rt := range s.RouteTables {
		for _, id := range rt.SubnetIDs {
			if subnets[id].VPCID != rt.VPCID {
				t.Errorf("+%s: route table %s associated with %s outside its VPC", d, rt.ID, id)
			}
		}
	}
	for _, sg := range s.SecurityGroups {
		if !vpcs[sg.VPCID] {
			t.Errorf("+%s: SG %s in unknown VPC", d, sg.ID)
		}
		for _, p := range sg.Inbound {
			for _, g := range p.GroupIDs {
				if !sgs[g] {
					t.Errorf("+%s: SG %s refers to unknown SG %s", d, sg.ID, g)
				}
			}
		}
	}
	for _, in := range s.Instances {
		instances[in.ID] = in
		if in.State == "terminated" {
			if in.SubnetID != "" || in.PublicIP != "" {
				t.Errorf("+%s: terminated %s still has a subnet or address", d, in.ID)
			}
			continue
		}
		sn, ok := subnets[in.SubnetID]
		if !ok || sn.VPCID != in.VPCID || sn.AZ != in.AZ {
			t.Errorf("+%s: instance %s in subnet %q (%+v), VPC %s, AZ %s", d, in.ID, in.SubnetID, sn, in.VPCID, in.AZ)
		}
		if !strings.HasPrefix(in.PrivateIP, strings.TrimSuffix(sn.CIDR, "0/24")) {
			t.Errorf("+%s: instance %s has private IP %s outside %s", d, in.ID, in.PrivateIP, sn.CIDR)
		}
		for _, g := range in.SecurityGroupIDs {
			if !sgs[g] {
				t.Errorf("+%s: instance %s has unknown SG %s", d, in.ID, g)
			}
		}
		if strings.HasPrefix(in.Name, "webserver#2") && !images[in.ImageID] {
			t.Errorf("+%s: %s launched from unknown image %s", d, in.ID, in.ImageID)
		}
	}
	lbs, tgs := set[string]{}, set[string]{}
	for _, lb := range s.LoadBalancers {
		lbs[lb.ARN] = true
		for _, z := range lb.Zones {
			if subnets[z.SubnetID].AZ != z.ZoneName || subnets[z.SubnetID].VPCID != lb.VPCID {
				t.Errorf("+%s: LB %s zone %+v", d, lb.Name, z)
			}
		}
		for _, g := range lb.SecurityGroupIDs {
			if !sgs[g] {
				t.Errorf("+%s: LB %s has unknown SG %s", d, lb.Name, g)
			}
		}
	}
	for _, tg := range s.TargetGroups {
		tgs[tg.ARN] = true
		for _, arn := range tg.LoadBalancerARNs {
			if !lbs[arn] {
				t.Errorf("+%s: TG %s serves unknown LB %s", d, tg.Name, arn)
			}
		}
		for _, th := range tg.Targets {
			if in, ok := instances[th.ID]; !ok || in.VPCID != tg.VPCID {
				t.Errorf("+%s: TG %s has target %s not in its VPC", d, tg.Name, th.ID)
			}
		}
	}
	for _, l := range s.Listeners {
		if !lbs[l.LoadBalancerARN] {
			t.Errorf("+%s: listener %s of unknown LB %s", d, l.ARN, l.LoadBalancerARN)
		}
		for _, a := range l.DefaultActions {
			for _, arn := range a.TargetGroupARNs {
				if !tgs[arn] {
					t.Errorf("+%s: listener %s forwards to unknown TG %s", d, l.ARN, arn)
				}
			}
		}
	}
	dbs := map[string]grader.DBInstance{}
	for _, db := range s.DBInstances {
		dbs[db.ID] = db
	}
	groups := map[string]grader.DBSubnetGroup{}
	for _, g := range s.DBSubnetGroups {
		groups[g.Name] = g
		for _, id := range g.SubnetIDs {
			if subnets[id].VPCID != g.VPCID {
				t.Errorf("+%s: DB subnet group %s has subnet %s outside its VPC", d, g.Name, id)
			}
		}
	}
	clusters, members := set[string]{}, 0
	for _, cl := range s.DBClusters {
		clusters[cl.ID] = true
		if _, ok := groups[cl.DBSubnetGroup]; !ok {
			t.Errorf("+%s: cluster %s has unknown subnet group %s", d, cl.ID, cl.DBSubnetGroup)
		}
		writers := 0
		for _, m := range cl.Members {
			members++
			db, ok := dbs[m.InstanceID]
			if !ok || db.ClusterID != cl.ID {
				t.Errorf("+%s: cluster %s member %s has no DB instance of the cluster", d, cl.ID, m.InstanceID)
			}
			if db.AZ != subnets[groups[cl.DBSubnetGroup].SubnetIDs[0]].AZ && db.AZ != subnets[groups[cl.DBSubnetGroup].SubnetIDs[1]].AZ {
				t.Errorf("+%s: %s in %s, outside its subnet group", d, db.ID, db.AZ)
			}
			if m.IsWriter {
				writers++
			}
		}
		if writers != 1 {
			t.Errorf("+%s: cluster %s has %d writers", d, cl.ID, writers)
		}
	}
	if members != len(s.DBInstances) {
		t.Errorf("+%s: %d cluster members, %d DB instances", d, members, len(s.DBInstances))
	}
	for _, e := range s.RDSEvents {
		if !clusters[e.SourceID] || e.SourceType != "db-cluster" || !slices.Contains(e.Categories, "failover") || e.Date.After(s.TakenAt) {
			t.Errorf("+%s: event %+v", d, e)
		}
	}
	if want := 14 + len(s.LoadBalancers) + len(s.TargetGroups); s.AWSCalls != want {
		t.Errorf("+%s: AWSCalls %d, want %d", d, s.AWSCalls, want)
	}
}

type set[K comparable] map[K]bool

// env is one student's resources, found by name and VPC.
type env struct {
	vpc         *grader.VPC
	subnets     []grader.Subnet
	instances   []grader.Instance // not terminated
	webSG       *grader.SecurityGroup
	albSG       *grader.SecurityGroup
	tg          *grader.TargetGroup
	cluster     *grader.DBCluster
	dbs         map[string]grader.DBInstance
	subnetGroup *grader.DBSubnetGroup
}

func envOf(s *grader.Snapshot, login string) env {
	e := env{dbs: map[string]grader.DBInstance{}}
	for i := range s.VPCs {
		if s.VPCs[i].Name == "vpc-"+login {
			e.vpc = &s.VPCs[i]
		}
	}
	if e.vpc == nil {
		return e
	}
	for _, sn := range s.Subnets {
		if sn.VPCID == e.vpc.ID {
			e.subnets = append(e.subnets, sn)
		}
	}
	for _, in := range s.Instances {
		if in.VPCID == e.vpc.ID && in.State != "terminated" {
			e.instances = append(e.instances, in)
		}
	}
	for i, sg := range s.SecurityGroups {
		switch {
		case sg.VPCID == e.vpc.ID && sg.Name == "web-"+login:
			e.webSG = &s.SecurityGroups[i]
		case sg.VPCID == e.vpc.ID && sg.Name == "alb-"+login:
			e.albSG = &s.SecurityGroups[i]
		}
	}
	for i := range s.TargetGroups {
		if s.TargetGroups[i].Name == "tg-elb-"+login {
			e.tg = &s.TargetGroups[i]
		}
	}
	for i := range s.DBClusters {
		if s.DBClusters[i].ID == "wp-"+login+"-cluster" {
			e.cluster = &s.DBClusters[i]
		}
	}
	for _, db := range s.DBInstances {
		if db.ClusterID == "wp-"+login+"-cluster" {
			e.dbs[db.ID] = db
		}
	}
	for i := range s.DBSubnetGroups {
		if s.DBSubnetGroups[i].VPCID == e.vpc.ID {
			e.subnetGroup = &s.DBSubnetGroups[i]
		}
	}
	return e
}

// opens reports whether sg lets source in on port.
func opens(sg *grader.SecurityGroup, port int32, source string) bool {
	for _, p := range sg.Inbound {
		if p.Protocol == "tcp" && p.FromPort <= port && port <= p.ToPort &&
			(slices.Contains(p.IPv4Ranges, source) || slices.Contains(p.IPv6Ranges, source) || slices.Contains(p.GroupIDs, source)) {
			return true
		}
	}
	return false
}

func opensHTTPToWorld(sg *grader.SecurityGroup) bool {
	return opens(sg, 80, "0.0.0.0/0") || opens(sg, 80, "::/0")
}

// mistakesSeen reads the typical mistakes straight from the student's
// resources.
func mistakesSeen(e env) []Mistake {
	var out []Mistake
	if e.cluster != nil {
		var writerAZ string
		for _, m := range e.cluster.Members {
			if m.IsWriter {
				writerAZ = e.dbs[m.InstanceID].AZ
			}
		}
		sameAZ, public := false, false
		for _, m := range e.cluster.Members {
			db := e.dbs[m.InstanceID]
			if !m.IsWriter && db.AZ == writerAZ {
				sameAZ = true
			}
			if db.PubliclyAccessible {
				public = true
			}
		}
		if sameAZ {
			out = append(out, MistakeReplicaSameAZ)
		}
		if public {
			out = append(out, MistakeReplicaPublic)
		}
	}
	azs := map[string]int{}
	for _, in := range e.instances {
		if in.State == "running" || in.State == "pending" {
			azs[in.AZ]++
		}
	}
	for _, n := range azs {
		if n >= 2 {
			out = append(out, MistakeWebSameAZ)
		}
	}
	if e.tg != nil {
		for _, th := range e.tg.Targets {
			if th.State == "unhealthy" {
				out = append(out, MistakeTargetUnhealthy)
				break
			}
		}
	}
	// Port 80 open to everyone is Step 2's state; a mistake once the
	// student has added the ALB's group.
	if e.webSG != nil && e.albSG != nil && opens(e.webSG, 80, e.albSG.ID) && opensHTTPToWorld(e.webSG) {
		out = append(out, MistakeHTTPOpen)
	}
	return out
}

// TestMistakesAppear: during the class each typical mistake is in
// somebody's resources, and Mistakes reports exactly what the resources
// show.
func TestMistakesAppear(t *testing.T) {
	t.Parallel()
	c := newClass(1)
	seen := map[Mistake]int{}
	every(c, 15*time.Second, func(d time.Duration) {
		snap := snapshotAt(t, c, d)
		for _, st := range c.Roster() {
			got := mistakesSeen(envOf(snap, st.Login))
			want := c.Mistakes(st.Login, classStart.Add(d))
			if !slices.Equal(got, want) {
				t.Errorf("%s +%s: resources show %v, Mistakes says %v", st.Login, d, got, want)
			}
			for _, m := range got {
				seen[m]++
			}
		}
	})
	for _, m := range []Mistake{MistakeReplicaSameAZ, MistakeReplicaPublic, MistakeWebSameAZ, MistakeTargetUnhealthy, MistakeHTTPOpen} {
		if seen[m] == 0 {
			t.Errorf("nobody made mistake %s during the class", m)
		}
	}

	// At the middle of the class several mistakes are on screen at once.
	mid := snapshotAt(t, c, 3*c.opts.Duration/2)
	kinds := map[Mistake]bool{}
	for _, st := range c.Roster() {
		for _, m := range mistakesSeen(envOf(mid, st.Login)) {
			kinds[m] = true
		}
	}
	if len(kinds) < 2 {
		t.Errorf("at 1.5×Duration only %v are visible", kinds)
	}
}

// TestVariants: the open-port mistake comes in both forms, the terminated
// #2 stays listed, and the replica fix goes through "deleting".
func TestVariants(t *testing.T) {
	t.Parallel()
	c := newClass(1)
	var v4, v6, terminated, deleting, modifying, failingOver, unhealthyReason bool
	every(c, 15*time.Second, func(d time.Duration) {
		snap := snapshotAt(t, c, d)
		for _, st := range c.Roster() {
			e := envOf(snap, st.Login)
			if e.webSG != nil && e.albSG != nil && opens(e.webSG, 80, e.albSG.ID) {
				v4 = v4 || opens(e.webSG, 80, "0.0.0.0/0")
				v6 = v6 || (opens(e.webSG, 80, "::/0") && !opens(e.webSG, 80, "0.0.0.0/0"))
			}
			for _, db := range e.dbs {
				deleting = deleting || db.Status == "deleting"
				modifying = modifying || db.Status == "modifying"
			}
			failingOver = failingOver || (e.cluster != nil && e.cluster.Status == "failing-over")
			if e.tg != nil {
				for _, th := range e.tg.Targets {
					unhealthyReason = unhealthyReason || (th.State == "unhealthy" && th.Reason == "Target.FailedHealthChecks")
				}
			}
		}
		for _, in := range snap.Instances {
			terminated = terminated || (in.State == "terminated" && strings.HasPrefix(in.Name, "webserver#2-"))
		}
	})
	for name, ok := range map[string]bool{"0.0.0.0/0 left open": v4, "only ::/0 left open": v6, "terminated #2": terminated,
		"replica deleting": deleting, "replica modifying": modifying, "cluster failing over": failingOver, "unhealthy target": unhealthyReason} {
		if !ok {
			t.Errorf("never saw: %s", name)
		}
	}
	end := snapshotAt(t, c, 3*c.opts.Duration)
	terminatedAtEnd := 0
	for _, in := range end.Instances {
		if in.State == "terminated" {
			terminatedAtEnd++
		}
	}
	if terminatedAtEnd == 0 {
		t.Error("no terminated instance is listed at the end")
	}
}

// TestDoneMeansDone: a student whose progress says done has the whole
// Step-3 environment, read from the snapshot.
func TestDoneMeansDone(t *testing.T) {
	t.Parallel()
	c := newClass(6)
	end := 3 * c.opts.Duration
	snap := snapshotAt(t, c, end)
	for _, st := range c.Roster() {
		if c.Progress(st.Login, classStart.Add(end)) != StageDone {
			continue
		}
		e := envOf(snap, st.Login)
		login := st.Login
		if e.cluster == nil || e.cluster.Status != "available" || len(e.cluster.Members) != 2 {
			t.Fatalf("%s: cluster %+v", login, e.cluster)
		}
		for _, m := range e.cluster.Members {
			db := e.dbs[m.InstanceID]
			if db.Status != "available" || db.PubliclyAccessible || m.IsWriter != (m.InstanceID == "wp-"+login+"-slave") {
				t.Errorf("%s: member %+v %+v", login, m, db)
			}
		}
		if e.dbs["wp-"+login+"-slave"].AZ != azC {
			t.Errorf("%s: replica in %s", login, e.dbs["wp-"+login+"-slave"].AZ)
		}
		var running []string
		for _, in := range e.instances {
			if in.State == "running" {
				running = append(running, in.Name+"@"+in.AZ)
			}
		}
		slices.Sort(running)
		if want := []string{"webserver#1-" + login + "@" + azD, "webserver#2-" + login + "@" + azC}; !slices.Equal(running, want) {
			t.Errorf("%s: running %v, want %v", login, running, want)
		}
		if e.tg == nil || len(e.tg.Targets) != 2 || e.tg.Targets[0].State != "healthy" || e.tg.Targets[1].State != "healthy" {
			t.Errorf("%s: target group %+v", login, e.tg)
		}
		if e.albSG == nil || !opens(e.albSG, 80, "0.0.0.0/0") || opensHTTPToWorld(e.webSG) || !opens(e.webSG, 80, e.albSG.ID) {
			t.Errorf("%s: web SG %+v, alb SG %+v", login, e.webSG, e.albSG)
		}
		events := 0
		for _, ev := range snap.RDSEvents {
			if ev.SourceID == e.cluster.ID {
				events++
			}
		}
		if events == 0 {
			t.Errorf("%s: no failover event", login)
		}
	}
}

// TestGraderAgrees runs the real rubric over the class: at the start
// nobody has a replica; at the end everyone done earns full marks; all
// along, what a student has completed passes and each visible mistake
// fails its check.
func TestGraderAgrees(t *testing.T) {
	t.Parallel()
	rubric := defaultSet(t)
	evaluate := func(snap *grader.Snapshot, st grader.Student, prev grader.Memory) grader.Report {
		return rubric.Prepare(snap).Evaluate(st, prev)
	}
	c := newClass(1)

	start := snapshotAt(t, c, 0)
	for _, st := range c.Roster() {
		if r := resultOf(t, evaluate(start, st, nil), "aurora.replica"); r.Status.Passed() {
			t.Errorf("%s passes aurora.replica at the start: %s", st.Login, r.Message.EN)
		}
	}

	end := 3 * c.opts.Duration
	snap := snapshotAt(t, c, end)
	done := 0
	for _, st := range c.Roster() {
		rep := evaluate(snap, st, nil)
		if c.Progress(st.Login, classStart.Add(end)) != StageDone {
			if rep.Score == rep.MaxScore {
				t.Errorf("%s is at %s but scores %d/%d", st.Login, c.Progress(st.Login, classStart.Add(end)), rep.Score, rep.MaxScore)
			}
			continue
		}
		done++
		if rep.Score != rep.MaxScore {
			for _, r := range rep.Results {
				if r.Required && !r.Status.Passed() {
					t.Errorf("%s (done): %s %s: %s", st.Login, r.CheckID, r.Status, r.Message.EN)
				}
			}
		}
	}
	if done == 0 {
		t.Fatal("nobody done at the end")
	}

	// The checks a stage has put behind the student, and the check each
	// mistake fails.
	passedBy := map[Stage][]string{
		StageAMI:          {"aurora.cluster", "aurora.replica", "aurora.multi_az", "aurora.private", "aurora.failover"},
		StageWebServer2:   {"web.ami"},
		StageLoadBalancer: {"web.second_instance", "web.two_az"},
		StageIngress:      {"alb.exists", "alb.two_az", "alb.security_group", "alb.listener", "alb.targets_healthy"},
		StageDone:         {"ingress.alb_only"},
	}
	failedBy := map[Mistake]string{
		MistakeReplicaSameAZ:   "aurora.multi_az",
		MistakeReplicaPublic:   "aurora.private",
		MistakeWebSameAZ:       "web.two_az",
		MistakeTargetUnhealthy: "alb.targets_healthy",
		MistakeHTTPOpen:        "ingress.alb_only",
	}
	memory := map[string]grader.Memory{}
	every(c, 30*time.Second, func(d time.Duration) {
		snap := snapshotAt(t, c, d)
		at := classStart.Add(d)
		for _, st := range c.Roster() {
			rep := evaluate(snap, st, memory[st.Login])
			memory[st.Login] = rep.Memory
			stage := c.Progress(st.Login, at)
			for s, ids := range passedBy {
				for _, id := range ids {
					if r := resultOf(t, rep, id); stage >= s && !r.Status.Passed() {
						t.Errorf("%s +%s at %s: %s is %s: %s", st.Login, d, stage, id, r.Status, r.Message.EN)
					}
				}
			}
			for _, m := range c.Mistakes(st.Login, at) {
				if r := resultOf(t, rep, failedBy[m]); r.Status.Passed() {
					t.Errorf("%s +%s with %s: %s passes: %s", st.Login, d, m, failedBy[m], r.Message.EN)
				}
			}
		}
	})
}

func resultOf(t *testing.T, rep grader.Report, id string) grader.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.CheckID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return grader.Result{}
}

// With a Latency, a Snapshot takes that long, unless its context ends
// first.
func TestLatency(t *testing.T) {
	t.Parallel()
	c := New(Options{Students: 2, Latency: 200 * time.Millisecond})
	begun := time.Now()
	if _, err := c.Snapshot(context.Background(), c.Target(), grader.AllData()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begun); took < 200*time.Millisecond {
		t.Errorf("Snapshot took %s, want the 200ms latency", took)
	}
	c = New(Options{Students: 2, Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Snapshot(ctx, c.Target(), grader.AllData()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Snapshot with an hour's latency, cut short: %v", err)
	}
}
