package grader

import (
	"fmt"
	"slices"
	"strings"
)

// view is one student's share of a snapshot: the resources attributed to
// them by the name templates and by VPC membership. Checks read it.
type view struct {
	r    *Rubric
	snap *Snapshot
	ix   *index
	st   Student
	prev Memory

	// results are the verdicts so far, for prerequisites.
	results map[string]Result

	vpc     found[VPC]
	web1    found[Instance]
	web2    found[Instance]
	ami     found[Image]
	webSG   found[SecurityGroup]
	albSG   found[SecurityGroup]
	lb      found[LoadBalancer]
	tg      found[TargetGroup]
	cluster found[DBCluster]
}

// found is an attributed resource. Item is nil when none was found.
// Renamed is true when the name differs from the template and the resource
// was taken only because it is the lone one of its kind in a dedicated
// account: the check then warns.
type found[T any] struct {
	Item     *T
	Renamed  bool
	Expected string // the rendered template, for messages
}

func newView(r *Rubric, snap *Snapshot, st Student, prev Memory) *view {
	v := &view{r: r, snap: snap, ix: snap.lookups(), st: st, prev: prev, results: make(map[string]Result, len(catalog))}
	n := r.Names

	v.vpc = pick(v, n.VPC, v.ix.vpcsByName, v.ix.nonDefaultVPCs, nil)
	v.web1 = pick(v, n.WebServer1, v.ix.instancesByName, nil, preferRunning)
	v.web2 = pick(v, n.WebServer2, v.ix.instancesByName, nil, preferRunning)
	v.ami = pick(v, n.AMI, v.ix.imagesByName, v.ix.allImages, preferAvailableImage)
	v.cluster = pick(v, n.DBCluster, v.ix.clustersByID, v.ix.allClusters, nil)
	v.lb = pick(v, n.LoadBalancer, v.ix.lbsByName, v.ix.allLoadBalancers, nil)
	v.tg = pick(v, n.TargetGroup, v.ix.tgsByName, v.ix.allTargetGroups, nil)

	// Security group names repeat across VPCs (every VPC has "default"), so
	// prefer the student's VPC, and fall back only to the groups the
	// student's own web servers and load balancer use.
	v.webSG = v.pickSG(n.WebSG, v.webServerGroups())
	v.albSG = v.pickSG(n.ALBSG, v.lbGroups())
	return v
}

// expected renders a name template for this student.
func (v *view) expected(template string) string {
	return strings.ReplaceAll(template, "{user}", v.st.Login)
}

// pick finds the resource named by template. Several matches are ranked by
// better (nil: the first). With none, a dedicated account's lone resource of
// the kind is taken as renamed.
func pick[T any](v *view, template string, byName map[string][]*T, all []*T, better func(a, b *T) bool) found[T] {
	want := v.expected(template)
	f := found[T]{Expected: want}
	if matches := byName[norm(want)]; len(matches) > 0 {
		f.Item = best(matches, better)
		return f
	}
	if v.st.Dedicated && len(all) == 1 {
		f.Item, f.Renamed = all[0], true
	}
	return f
}

func best[T any](items []*T, better func(a, b *T) bool) *T {
	top := items[0]
	if better == nil {
		return top
	}
	for _, it := range items[1:] {
		if better(it, top) {
			top = it
		}
	}
	return top
}

func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

var instanceStateRank = map[string]int{"running": 4, "pending": 3, "stopping": 2, "stopped": 1}

func preferRunning(a, b *Instance) bool {
	return instanceStateRank[a.State] > instanceStateRank[b.State]
}

func preferAvailableImage(a, b *Image) bool {
	return a.State == "available" && b.State != "available"
}

func (v *view) pickSG(template string, fallback []*SecurityGroup) found[SecurityGroup] {
	want := v.expected(template)
	f := found[SecurityGroup]{Expected: want}
	matches := v.ix.sgsByName[norm(want)]
	if len(matches) > 0 {
		f.Item = matches[0]
		if vpc := v.vpc.Item; vpc != nil {
			for _, sg := range matches {
				if sg.VPCID == vpc.ID {
					f.Item = sg
					break
				}
			}
		}
		return f
	}
	if v.st.Dedicated && len(fallback) == 1 {
		f.Item, f.Renamed = fallback[0], true
	}
	return f
}

// webServerGroups are the distinct non-default groups of the student's web
// servers.
func (v *view) webServerGroups() []*SecurityGroup {
	var out []*SecurityGroup
	for _, in := range v.webInstances() {
		out = v.appendGroups(out, in.SecurityGroupIDs)
	}
	return out
}

func (v *view) lbGroups() []*SecurityGroup {
	if v.lb.Item == nil {
		return nil
	}
	return v.appendGroups(nil, v.lb.Item.SecurityGroupIDs)
}

func (v *view) appendGroups(out []*SecurityGroup, ids []string) []*SecurityGroup {
	for _, id := range ids {
		sg := v.ix.sgByID[id]
		if sg == nil || sg.Name == "default" || slices.Contains(out, sg) {
			continue
		}
		out = append(out, sg)
	}
	return out
}

// webInstances are the student's running web servers: the running instances
// of the student's VPC, plus the instances named by the web server
// templates wherever they run.
func (v *view) webInstances() []*Instance {
	var out []*Instance
	if v.vpc.Item != nil {
		for _, in := range v.ix.instancesByVPC[v.vpc.Item.ID] {
			if in.State == "running" {
				out = append(out, in)
			}
		}
	}
	for _, f := range []found[Instance]{v.web1, v.web2} {
		if f.Item != nil && f.Item.State == "running" && !slices.Contains(out, f.Item) {
			out = append(out, f.Item)
		}
	}
	return out
}

// isPublicSubnetOfVPC reports whether the subnet is a public subnet of the
// student's VPC.
func (v *view) isPublicSubnetOfVPC(subnetID string) bool {
	sn := v.ix.subnetByID[subnetID]
	return sn != nil && v.vpc.Item != nil && sn.VPCID == v.vpc.Item.ID && v.ix.publicSubnets[sn.ID]
}

// vpcSubnets returns the student's VPC's subnets that are public (or not).
func (v *view) vpcSubnets(public bool) []*Subnet {
	if v.vpc.Item == nil {
		return nil
	}
	var out []*Subnet
	for _, sn := range v.ix.subnetsByVPC[v.vpc.Item.ID] {
		if v.ix.publicSubnets[sn.ID] == public {
			out = append(out, sn)
		}
	}
	return out
}

// clusterMembers returns the DB instances of the student's cluster, in
// member order; a member whose instance is not listed is returned with only
// its id and writer flag known.
func (v *view) clusterMembers() []clusterMember {
	c := v.cluster.Item
	if c == nil {
		return nil
	}
	out := make([]clusterMember, 0, len(c.Members))
	for _, m := range c.Members {
		cm := clusterMember{ID: m.InstanceID, IsWriter: m.IsWriter}
		if d := v.ix.dbInstanceByID[norm(m.InstanceID)]; d != nil {
			cm.Instance = d
		}
		out = append(out, cm)
	}
	return out
}

type clusterMember struct {
	ID       string
	IsWriter bool
	Instance *DBInstance // nil when DescribeDBInstances did not list it
}

// writerID is the id of the cluster's current writer, or "".
func (v *view) writerID() string {
	for _, m := range v.clusterMembers() {
		if m.IsWriter {
			return m.ID
		}
	}
	return ""
}

// notFound is the message for a missing named resource.
func notFound(kindJA, kindEN, name string) Text {
	return Text{
		JA: fmt.Sprintf("%s「%s」が見つかりません", kindJA, name),
		EN: fmt.Sprintf("No %s named %q was found", kindEN, name),
	}
}

// renamedNote is appended to a message when a resource was taken although
// its name differs from the template.
func renamedNote(actual, expected string) Text {
	return Text{
		JA: fmt.Sprintf("(名前「%s」はテンプレート「%s」と異なります)", actual, expected),
		EN: fmt.Sprintf(" (its name %q differs from the expected %q)", actual, expected),
	}
}

// join concatenates texts language by language.
func join(parts ...Text) Text {
	var t Text
	for _, p := range parts {
		t.JA += p.JA
		t.EN += p.EN
	}
	return t
}

func textf(ja, en string, args ...any) Text {
	return Text{JA: fmt.Sprintf(ja, args...), EN: fmt.Sprintf(en, args...)}
}
