package lab_test

import (
	"maps"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// costLab reads a double and a price table, adds costs up with sum(),
// shows them in texts and declares a cost per hour; its resources take
// every record of a dedicated account, and those inside the student's VPC.
const costLab = `id: costs
title: {ja: 費用, en: Costs}
areas:
  - id: left
    title: {ja: 残り, en: Left}
settings:
  rate: 0.5
  prices:
    small: 0.0152
    big: 2
resources:
  vpc:
    kind: ec2.vpc
    name: "vpc-{user}"
  named:
    kind: ec2.instance
    name: "box-{user}"
    many: true
    dedicated_all: true
  inside:
    kind: ec2.instance
    name: "*"
    many: true
    in: vpc
  vpcs:
    kind: ec2.vpc
    name: "vpc-{user}"
    many: true
    dedicated_all: true
  subnets:
    kind: ec2.subnet
    name: "sub-{user}"
    many: true
    dedicated_all: true
variables:
  - name: left
    expression: named + inside.filter(i, !named.exists(n, n.id == i.id))
  - name: cost
    expression: >-
      variables.left.filter(i, i.type in settings.prices).map(i, settings.prices[i.type]).sum() * settings.rate * 2.0
checks:
  - id: left.instances
    area: left
    title: {ja: インスタンス, en: Instances}
    rules:
      - expression: variables.left.size() == 0
        message:
          ja: "残り: {{ variables.left.map(i, i.id) }}(約 ${{ variables.cost }}/時)"
          en: "Left: {{ variables.left.map(i, i.id + ' $' + show(settings.prices[i.type])) }}, ${{ variables.cost }}/h"
    cost_per_hour: variables.cost
    pass: {ja: なし, en: "None ({{ settings.rate }}, {{ [1, 2].sum() }})"}
    hint: {ja: 削除, en: Delete them}
    evidence: [variables.left]
  - id: left.vpcs
    area: left
    title: {ja: VPC, en: VPCs}
    rules:
      - expression: vpcs.size() == 0
        message: {ja: "{{ vpcs.map(v, v.id) }}", en: "{{ vpcs.map(v, v.id) }}"}
    pass: {ja: なし, en: None}
    hint: {ja: 削除, en: Delete them}
  - id: left.subnets
    area: left
    title: {ja: サブネット, en: Subnets}
    rules:
      - expression: subnets.size() == 0
        message: {ja: "{{ subnets.map(v, v.id) }}", en: "{{ subnets.map(v, v.id) }}"}
    pass: {ja: なし, en: None}
    hint: {ja: 削除, en: Delete them}
  - id: left.negative
    area: left
    title: {ja: 負, en: Negative}
    rules:
      - expression: "true"
        message: {ja: x, en: x}
    cost_per_hour: -1.0 * variables.cost
    pass:
      ja: よし
      en: "{{ 0.1 + 0.2 }} {{ 2.0 }} {{ show(0.00004) }} {{ -0.00001 }} {{ 1234.56789 }} {{ [0.5, 0.25] }} {{ show(1e21) }}"
    hint: {ja: なし, en: None}
  - id: left.broken
    area: left
    title: {ja: 壊れた, en: Broken}
    rules:
      - expression: "true"
        message: {ja: x, en: x}
    cost_per_hour: settings.prices['nope']
    pass: {ja: よし, en: Fine}
    hint: {ja: なし, en: None}
rubric_keys:
  prices: settings.prices
  rate: settings.rate
`

func loadCostLab(t *testing.T) *lab.Lab {
	t.Helper()
	l, err := lab.Load("costs.yaml", []byte(costLab))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// costSnapshot: user01's VPC with a named box and an unnamed one inside,
// user02's box, a default VPC with an instance, and a box of user01's
// that was terminated.
func costSnapshot() *grader.Snapshot {
	return &grader.Snapshot{
		VPCs: []grader.VPC{{ID: "vpc-1", Name: "vpc-user01"}, {ID: "vpc-2", Name: "vpc-user02"}, {ID: "vpc-d", IsDefault: true}},
		Instances: []grader.Instance{
			{ID: "i-named", Name: "box-user01", State: "running", Type: "small", VPCID: "vpc-1"},
			{ID: "i-inside", Name: "", State: "running", Type: "big", VPCID: "vpc-1"},
			{ID: "i-gone", Name: "box-user01", State: "terminated", Type: "big", VPCID: "vpc-1"},
			{ID: "i-other", Name: "box-user02", State: "running", Type: "big", VPCID: "vpc-2"},
			{ID: "i-default", Name: "mine", State: "stopped", Type: "unpriced", VPCID: "vpc-d"},
		},
	}
}

func resultFor(t *testing.T, rep grader.Report, id string) grader.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.CheckID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return grader.Result{}
}

// TestCostPerHour: a check's cost is evaluated after its rules, shown in
// its message as a double, 0 when negative, and an error of it makes the
// check error.
func TestCostPerHour(t *testing.T) {
	l := loadCostLab(t)
	rep := l.Evaluate(lab.NewWorld(costSnapshot()), grader.Student{Login: "user01"}, nil)

	r := resultFor(t, rep, "left.instances")
	// (0.0152 + 2) * 0.5 * 2
	if r.Status != grader.StatusFail || r.CostPerHour < 2.01519 || r.CostPerHour > 2.01521 {
		t.Errorf("left.instances: %s, cost %v, want fail at 2.0152", r.Status, r.CostPerHour)
	}
	for _, want := range []string{"i-named $0.0152", "i-inside $2,", "$2.0152/h"} {
		if !strings.Contains(r.Message.EN, want) {
			t.Errorf("message %q does not say %q", r.Message.EN, want)
		}
	}
	if strings.Contains(r.Message.EN, "i-gone") || strings.Contains(r.Message.EN, "i-other") || strings.Contains(r.Message.EN, "i-default") {
		t.Errorf("message %q names a terminated instance or another student's", r.Message.EN)
	}
	// Doubles show with at most 4 decimals and no trailing zeros.
	if r := resultFor(t, rep, "left.negative"); r.Status != grader.StatusPass || r.CostPerHour != 0 ||
		r.Message.EN != "0.3 2 0 0 1234.5679 0.5, 0.25 1000000000000000000000" {
		t.Errorf("left.negative: %s %q, cost %v, want pass at 0", r.Status, r.Message.EN, r.CostPerHour)
	}
	if r := resultFor(t, rep, "left.broken"); r.Status != grader.StatusError || !strings.Contains(r.Message.EN, "cost_per_hour at line") {
		t.Errorf("left.broken: %s %q, want error naming the cost_per_hour", r.Status, r.Message.EN)
	}
	if r := resultFor(t, rep, "left.vpcs"); r.Status != grader.StatusFail || r.Message.EN != "vpc-1" || r.CostPerHour != 0 {
		t.Errorf("left.vpcs: %s %q, cost %v, want fail listing vpc-1 alone", r.Status, r.Message.EN, r.CostPerHour)
	}

	// Everything deleted: a pass, at no cost; the pass message shows a
	// double and a sum of ints.
	empty := &grader.Snapshot{VPCs: []grader.VPC{{ID: "vpc-d", IsDefault: true}}}
	rep = l.Evaluate(lab.NewWorld(empty), grader.Student{Login: "user01"}, nil)
	if r := resultFor(t, rep, "left.instances"); r.Status != grader.StatusPass || r.CostPerHour != 0 || r.Message.EN != "None (0.5, 3)" {
		t.Errorf("nothing left: %s %q, cost %v", r.Status, r.Message.EN, r.CostPerHour)
	}
}

// TestDedicatedAll: in an account of the student's own, a dedicated_all
// resource holds every record of the kind but the default VPC, whatever
// its name; in a shared account only the named ones.
func TestDedicatedAll(t *testing.T) {
	l := loadCostLab(t)
	snap := costSnapshot()
	snap.Instances = snap.Instances[:3] // user01's alone, terminated one included
	snap.Instances = append(snap.Instances, grader.Instance{ID: "i-renamed", Name: "my box", State: "stopped", Type: "small", VPCID: "vpc-d"})
	snap.VPCs = append(snap.VPCs, grader.VPC{ID: "vpc-renamed", Name: "my vpc"})
	snap.Subnets = []grader.Subnet{{ID: "subnet-default", VPCID: "vpc-d"}, {ID: "subnet-mine", VPCID: "vpc-renamed"}}
	rep := l.Evaluate(lab.NewWorld(snap), grader.Student{Login: "user01", Dedicated: true}, nil)
	r := resultFor(t, rep, "left.instances")
	for _, want := range []string{"i-named", "i-inside", "i-renamed"} {
		if !strings.Contains(r.Message.EN, want) {
			t.Errorf("dedicated: %q does not list %s", r.Message.EN, want)
		}
	}
	if strings.Contains(r.Message.EN, "i-gone") {
		t.Errorf("dedicated: %q lists a terminated instance", r.Message.EN)
	}
	if r := resultFor(t, rep, "left.vpcs"); r.Message.EN != "vpc-1, vpc-2, vpc-renamed" {
		t.Errorf("dedicated VPCs: %q, want every one but the default", r.Message.EN)
	}
	// The default VPC's subnets are its default parts.
	if r := resultFor(t, rep, "left.subnets"); r.Message.EN != "subnet-mine" {
		t.Errorf("dedicated subnets: %q, want subnet-mine alone", r.Message.EN)
	}
	rep = l.Evaluate(lab.NewWorld(snap), grader.Student{Login: "user01"}, nil)
	if r := resultFor(t, rep, "left.instances"); strings.Contains(r.Message.EN, "i-renamed") {
		t.Errorf("shared: %q lists a renamed instance outside the student's VPC", r.Message.EN)
	}
	if r := resultFor(t, rep, "left.vpcs"); r.Message.EN != "vpc-1" {
		t.Errorf("shared VPCs: %q, want vpc-1", r.Message.EN)
	}
}

// TestMapSettingOverride: a class changes a price table key by key (the
// other keys keep the lab's values), by Override or by its rubric file;
// a value that is not a number is refused.
func TestMapSettingOverride(t *testing.T) {
	l := loadCostLab(t)
	o, err := l.With(lab.Override{Settings: map[string]any{"prices": map[string]any{"big": 3, "huge": 10.5}, "rate": 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"small": 0.0152, "big": 3, "huge": 10.5}
	if got := setting(t, o, "prices"); !maps.Equal(got.(map[string]float64), want) {
		t.Errorf("prices = %v, want %v", got, want)
	}
	if got := setting(t, o, "rate"); got != 1.0 {
		t.Errorf("rate = %v (%T), want the double 1", got, got)
	}
	if got := setting(t, l, "prices"); !maps.Equal(got.(map[string]float64), map[string]float64{"small": 0.0152, "big": 2}) {
		t.Errorf("the lab's own prices changed: %v", got)
	}
	rep := o.Evaluate(lab.NewWorld(costSnapshot()), grader.Student{Login: "user01"}, nil)
	if r := resultFor(t, rep, "left.instances"); r.CostPerHour < 6.0303 || r.CostPerHour > 6.0305 {
		t.Errorf("cost with the class's prices %v, want (0.0152+3)*1*2", r.CostPerHour)
	}

	ll := withRubric(t, l, "prices:\n  small: 0.02\nrate: 0.25\n")
	if got := setting(t, ll, "prices"); !maps.Equal(got.(map[string]float64), map[string]float64{"small": 0.02, "big": 2}) {
		t.Errorf("prices from the rubric file = %v", got)
	}
	if got := setting(t, ll, "rate"); got != 0.25 {
		t.Errorf("rate from the rubric file = %v", got)
	}

	_, err = l.With(lab.Override{Settings: map[string]any{"prices": map[string]any{"big": "cheap"}, "rate": "x"}})
	for _, want := range []string{"settings.prices: map[big:cheap] is not a map(string, double)", "settings.rate: x is not a double"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if _, err := l.ParseRubricFile([]byte("prices: {}\n")); err == nil || !strings.Contains(err.Error(), "empty map") {
		t.Errorf("an empty map in a rubric file: %v", err)
	}
	if _, err := l.ParseRubricFile([]byte("prices: [1, 2]\n")); err == nil || !strings.Contains(err.Error(), "is not a map(string, double)") {
		t.Errorf("a list for a map in a rubric file: %v", err)
	}
}

// TestCostLabProblems: the new keys and setting types are checked at load.
func TestCostLabProblems(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"    cost_per_hour: variables.cost\n", "    cost_per_hour: 1\n", `cost_per_hour: "1" has type int, not double`},
		{"    big: 2\n", "    big: cheap\n", "settings.prices.big: a value of a map must be a number"},
		{"  prices:\n    small: 0.0152\n    big: 2\n", "  prices: {}\n", "settings.prices: an empty map has no use"},
		{"    many: true\n    dedicated_all: true\n  inside:", "    dedicated_all: true\n  inside:", "only a resource with many: true"},
		{"    in: vpc\n", "\n", `resources.inside.name: "*" must contain {user} (or the resource needs in: <its VPC>)`},
		{"  rate: 0.5\n", "  rate: .nan\n", "settings.rate: expected a string, a number"},
	} {
		src := strings.Replace(costLab, tc.old, tc.new, 1)
		if src == costLab {
			t.Fatalf("edit %q not applied", tc.old)
		}
		_, err := lab.Load("costs.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: error %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}
