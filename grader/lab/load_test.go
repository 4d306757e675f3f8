package lab_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// minimal is a small valid lab; the broken cases below are edits of it.
const minimal = `id: tiny
title: {ja: 小さなラボ, en: A tiny lab}
areas:
  - id: net
    title: {ja: ネットワーク, en: Network}
settings:
  cidr: 10.0.0.0/16
  azs: [ap-northeast-1c, ap-northeast-1d]
resources:
  vpc:
    kind: ec2.vpc
    name: "vpc-{user}"
checks:
  - id: net.vpc
    area: net
    title: {ja: VPC, en: VPC}
    points: 5
    required: true
    rules:
      - expression: vpc != null
        stop: true
        message: {ja: "「{{ names.vpc }}」がありません", en: "No {{ names.vpc }}"}
      - expression: vpc.cidr == settings.cidr
        severity: warn
        message: {ja: "CIDR {{ vpc.cidr }}", en: "CIDR {{ vpc.cidr }}"}
    pass: {ja: "{{ vpc.id }} があります", en: "{{ vpc.id }} exists"}
    hint: {ja: VPC を作成, en: Create the VPC}
    evidence: [vpc]
  - id: net.subnets
    area: net
    title: {ja: サブネット, en: Subnets}
    needs: [net.vpc]
    variables:
      - name: public
        expression: vpc.subnets.filter(s, s.public)
    rules:
      - expression: variables.public.size() >= 2
        message: {ja: "{{ variables.public.size() }} 個", en: "{{ variables.public.size() }} of them"}
    pass: {ja: よし, en: Good}
    hint: {ja: "{{ settings.azs }} に作成", en: "Create them in {{ settings.azs }}"}
`

func TestMinimalLabLoads(t *testing.T) {
	l, err := lab.Load("tiny.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != "tiny" || len(l.Checks) != 2 || l.MaxScore() != 5 {
		t.Fatalf("loaded %q with %d checks and max score %d", l.ID, len(l.Checks), l.MaxScore())
	}
	sub := l.Check("net.subnets")
	if !slices.Equal(sub.Resources, []string{"vpc"}) {
		t.Errorf("net.subnets reads %v, want [vpc]", sub.Resources)
	}
	if !sub.Enabled || sub.Required || sub.Points != 0 {
		t.Errorf("defaults: enabled %t required %t points %d", sub.Enabled, sub.Required, sub.Points)
	}
}

// TestBrokenLabs edits the minimal lab one way at a time and pins every
// problem the checker reports, with its line and column.
func TestBrokenLabs(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		extra    string   // appended to the file
		want     []string // file:line:col: and a piece of the message
		only     bool     // no other problem is reported
	}{
		{
			name: "unknown top-level key",
			old:  "areas:\n", new: "arreas: []\nareas:\n",
			want: []string{`tiny.yaml:3:1: lab: unknown key "arreas"`},
		},
		{
			name: "probe wait without probe URLs",
			old:  "    evidence: [vpc]\n", new: "    evidence: [vpc]\n    probe_timeout_seconds: 3\n",
			want: []string{`tiny.yaml:29:28: check net.vpc: probe_timeout_seconds without probe_urls`},
		},
		{
			name: "unknown key in a check",
			old:  "    points: 5\n", new: "    points: 5\n    pionts: 5\n",
			want: []string{`tiny.yaml:18:5: check: unknown key "pionts"`},
		},
		{
			name: "missing required key",
			old:  "    hint: {ja: VPC を作成, en: Create the VPC}\n", new: "",
			want: []string{`tiny.yaml:14:5: check: missing required key "hint"`},
		},
		{
			name: "missing english text",
			old:  "title: {ja: 小さなラボ, en: A tiny lab}", new: "title: {ja: 小さなラボ}",
			want: []string{`tiny.yaml:2:8: title: missing required key "en"`},
		},
		{
			name: "empty japanese text",
			old:  "title: {ja: VPC, en: VPC}", new: `title: {ja: "", en: VPC}`,
			want: []string{`tiny.yaml:16:17: check net.vpc: title.ja: must not be empty`},
		},
		{
			name: "CEL syntax error in a plain scalar",
			old:  "expression: vpc != null", new: "expression: vpc != = null",
			want: []string{`tiny.yaml:20:28: check net.vpc: expression: Syntax error`},
		},
		{
			name: "CEL unknown field",
			old:  "vpc.cidr == settings.cidr", new: "vpc.cidrr == settings.cidr",
			want: []string{`tiny.yaml:23:24: check net.vpc: expression: undefined field 'cidrr'`},
		},
		{
			name: "CEL type mismatch",
			old:  "vpc.cidr == settings.cidr", new: "vpc.cidr == 16",
			want: []string{`tiny.yaml:23:30: check net.vpc: expression: found no matching overload for '_==_' applied to '(string, int)'`},
		},
		{
			name: "rule that is not a bool",
			old:  "expression: vpc != null", new: "expression: vpc.id",
			want: []string{`tiny.yaml:20:21: check net.vpc: expression: "vpc.id" has type string, not bool`},
		},
		{
			name: "unknown setting",
			old:  "vpc.cidr == settings.cidr", new: "vpc.cidr == settings.vpc_cidr",
			want: []string{`tiny.yaml:23:41: check net.vpc: expression: undeclared reference to 'settings.vpc_cidr'`},
		},
		{
			name: "bad expression inside a message template",
			old:  `en: "CIDR {{ vpc.cidr }}"`, new: `en: "CIDR {{ vpc.cdir }}"`,
			want: []string{`tiny.yaml:25:62: check net.vpc: message.en {{ }}: undefined field 'cdir'`},
		},
		{
			name: "a record cannot be shown as text",
			old:  `en: "{{ vpc.id }} exists"`, new: `en: "{{ vpc }} exists"`,
			want: []string{`tiny.yaml:26:46: check net.vpc: pass.en {{ }}: "vpc" has type ec2.vpc, which a text cannot show`},
		},
		{
			// A lab author reads kinds, not the engine's Go types.
			name: "CEL type mismatch names the kinds",
			old:  "vpc.cidr == settings.cidr", new: "vpc == settings.cidr",
			want: []string{`tiny.yaml:23:25: check net.vpc: expression: found no matching overload for '_==_' applied to '(ec2.vpc, string)'`},
		},
		{
			name: "a list of records not a bool names the kind",
			old:  "expression: vpc != null", new: "expression: vpc.subnets",
			want: []string{`tiny.yaml:20:21: check net.vpc: expression: "vpc.subnets" has type list(ec2.subnet), not bool`},
		},
		{
			name: "a record that is no kind has a name too",
			old:  "vpc.cidr == settings.cidr", new: "probes['x'] == 1",
			want: []string{`found no matching overload for '_==_' applied to '(probe, int)'`},
		},
		{
			name: "unclosed template",
			old:  `en: "{{ vpc.id }} exists"`, new: `en: "{{ vpc.id exists"`,
			want: []string{`tiny.yaml:26:43: check net.vpc: pass.en: {{ is not closed by }}`},
		},
		{
			name: "error in a literal block expression",
			old:  "      - expression: variables.public.size() >= 2\n",
			new:  "      - expression: |\n          variables.public.size() >= 2 &&\n          variables.public.exists(s, s.zone == '')\n",
			want: []string{`tiny.yaml:39:39: check net.subnets: expression: undefined field 'zone'`},
		},
		{
			name: "error in a folded block expression",
			old:  "      - expression: variables.public.size() >= 2\n",
			new:  "      - expression: >-\n          variables.public.size() >= 2 &&\n          variables.public.exists(s, s.zone == '')\n",
			want: []string{`tiny.yaml:39:39: check net.subnets: expression: undefined field 'zone'`},
		},
		{
			name: "unknown prerequisite",
			old:  "needs: [net.vpc]", new: "needs: [net.vcp]",
			want: []string{`tiny.yaml:32:13: check net.subnets: needs unknown check "net.vcp"`},
		},
		{
			name: "unknown area",
			old:  "    area: net\n    title: {ja: サブネット", new: "    area: nett\n    title: {ja: サブネット",
			want: []string{`tiny.yaml:30:11: check net.subnets: unknown area "nett"`},
		},
		{
			name: "prerequisite cycle",
			old:  "    points: 5\n", new: "    points: 5\n    needs: [net.subnets]\n",
			want: []string{`prerequisites form a cycle: net.vpc → net.subnets → net.vpc`},
		},
		{
			name: "duplicate check id",
			old:  "  - id: net.subnets", new: "  - id: net.vpc",
			want: []string{`tiny.yaml:29:9: check "net.vpc" is declared twice (first at line 14)`},
		},
		{
			name: "check id too long",
			old:  "  - id: net.subnets", new: "  - id: net.sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
			want: []string{`tiny.yaml:29:9: check id "net.sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss" is longer than 64 characters`},
		},
		{
			name: "unknown kind",
			old:  "kind: ec2.vpc", new: "kind: ec2.vpcs",
			want: []string{`tiny.yaml:11:11: resources.vpc.kind: unknown kind "ec2.vpcs"`},
		},
		{
			name: "template without user",
			old:  `name: "vpc-{user}"`, new: `name: "vpc-shared"`,
			want: []string{`tiny.yaml:12:11: resources.vpc.name: "vpc-shared" must contain {user}`},
		},
		{
			name: "status of an unknown check",
			old:  "expression: vpc != null", new: "expression: vpc != null && status['net.vcp'] != 'fail'",
			want: []string{`tiny.yaml:20:43: check net.vpc: expression: status["net.vcp"] names no check of this lab`},
		},
		{
			name: "bad severity",
			old:  "severity: warn", new: "severity: warning",
			want: []string{`tiny.yaml:24:19: check net.vpc: severity "warning" must be fail, warn, block, pending or error`},
		},
		{
			name: "variable declared twice",
			old:  "      - name: public\n        expression: vpc.subnets.filter(s, s.public)\n",
			new:  "      - name: public\n        expression: vpc.subnets.filter(s, s.public)\n      - name: public\n        expression: vpc.subnets\n",
			want: []string{`tiny.yaml:36:15: variables.public is declared twice`},
		},
		{
			name: "unknown key in a resource",
			old:  "    kind: ec2.vpc\n", new: "    kind: ec2.vpc\n    scope: vpc\n",
			want: []string{`tiny.yaml:12:5: resources.vpc: unknown key "scope"`},
		},
		{
			name: "a scope that is no VPC",
			old:  "    name: \"vpc-{user}\"\n", new: "    name: \"vpc-{user}\"\n  sg:\n    kind: ec2.security_group\n    name: \"sg-{user}\"\n    in: user\n",
			want: []string{`tiny.yaml:16:9: resources.sg.in: "user" is not a resource declared above`},
		},
		{
			name: "a hint missing its japanese text",
			old:  "hint: {ja: VPC を作成, en: Create the VPC}", new: "hint: {en: Create the VPC}",
			want: []string{`tiny.yaml:27:11: check net.vpc: hint: missing required key "ja"`},
		},
		{
			name: "a setting list of mixed types",
			old:  "azs: [ap-northeast-1c, ap-northeast-1d]", new: "azs: [ap-northeast-1c, 2]",
			want: []string{`tiny.yaml:8:26: settings.azs: every item must have the type of the first (string), found int`},
		},
		{
			name: "a region that is none",
			old:  "  cidr: 10.0.0.0/16\n", new: "  cidr: 10.0.0.0/16\n  region: tokyo\n",
			want: []string{`tiny.yaml:8:11: settings.region: "tokyo" is not an AWS region such as us-east-1`},
		},
		{
			name: "evidence that is a number",
			old:  "evidence: [vpc]", new: "evidence: [vpc.subnets.size()]",
			want: []string{`tiny.yaml:28:16: check net.vpc: evidence: "vpc.subnets.size()" has type int; evidence must be a string, a record or a list of them`},
		},
		{
			name: "a cycle through three checks",
			old:  "    points: 5\n", new: "    points: 5\n    needs: [net.third]\n",
			extra: "  - id: net.third\n    area: net\n    title: {ja: 三, en: Third}\n    needs: [net.subnets]\n    rules:\n      - expression: \"true\"\n        message: {ja: x, en: x}\n    pass: {ja: x, en: x}\n    hint: {ja: x, en: x}\n",
			want:  []string{`prerequisites form a cycle: net.vpc → net.third → net.subnets → net.vpc`},
		},
		{
			name:  "a rubric key to nothing of the lab",
			extra: "rubric_keys:\n  names.vpc: names.vpcc\n  expect.cidr: settings.cidr\n",
			old:   "id: tiny", new: "id: tiny",
			want: []string{`tiny.yaml:42:14: rubric_keys.names.vpc: "names.vpcc" is neither settings.<a setting of this lab> nor names.<a resource of this lab>`},
			only: true,
		},
		{
			name: "no document",
			old:  minimal, new: "---\n",
			want: []string{`lab: expected a mapping, found an empty value`},
		},
		{
			name: "YAML syntax error",
			old:  "areas:\n", new: "areas: [\n",
			want: []string{`tiny.yaml:`},
		},
		{
			name: "an unknown kind is reported once, not by every rule reading the resource",
			old:  "kind: ec2.vpc", new: "kind: ec2.vpcs",
			want: []string{`tiny.yaml:11:11: resources.vpc.kind: unknown kind "ec2.vpcs"`},
			only: true,
		},
		{
			name: "several problems at once, in file order",
			old:  "    points: 5\n", new: "    points: 5\n    pionts: 5\n    needs: [net.nope]\n",
			want: []string{
				`tiny.yaml:18:5: check: unknown key "pionts"`,
				`tiny.yaml:19:13: check net.vpc: needs unknown check "net.nope"`,
			},
			only: true,
		},
		{
			name: "a message missing its english text",
			old:  `message: {ja: "CIDR {{ vpc.cidr }}", en: "CIDR {{ vpc.cidr }}"}`, new: `message: {ja: "CIDR {{ vpc.cidr }}"}`,
			want: []string{`tiny.yaml:25:18: check net.vpc: message: missing required key "en"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimal, tt.old) {
				t.Fatalf("the minimal lab has no %q", tt.old)
			}
			src := strings.Replace(minimal, tt.old, tt.new, 1) + tt.extra
			_, err := lab.Load("tiny.yaml", []byte(src))
			var le *lab.Error
			if !errors.As(err, &le) {
				t.Fatalf("Load: %v, want a *lab.Error", err)
			}
			var got []string
			for _, p := range le.Problems {
				got = append(got, p.String())
			}
			last := -1
			for _, w := range tt.want {
				i := slices.IndexFunc(got, func(g string) bool { return strings.Contains(g, w) })
				if i < 0 {
					t.Errorf("no problem %q in:\n  %s", w, strings.Join(got, "\n  "))
					continue
				}
				if i < last {
					t.Errorf("problem %q is reported before an earlier one", w)
				}
				last = i
			}
			if tt.only && len(got) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n  %s", len(got), len(tt.want), strings.Join(got, "\n  "))
			}
		})
	}
}

func TestShippedStep3(t *testing.T) {
	step3 := step3Lab(t)
	// Today's checks, ids and order unchanged.
	want := []string{
		"network.vpc", "network.public_subnets", "network.private_subnets",
		"aurora.cluster", "aurora.replica", "aurora.multi_az", "aurora.private", "aurora.failover",
		"web.ami", "web.second_instance", "web.two_az",
		"alb.exists", "alb.two_az", "alb.security_group", "alb.listener", "alb.targets_healthy",
		"ingress.alb_only", "probe.alb_http", "probe.direct_blocked",
	}
	var got []string
	for _, c := range step3.Checks {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("checks:\n got %v\nwant %v", got, want)
	}
	// The default points of the Go rubric.
	if step3.MaxScore() != 115 {
		t.Errorf("max score %d, want 115", step3.MaxScore())
	}
	for _, id := range []string{"probe.alb_http", "probe.direct_blocked"} {
		if c := step3.Check(id); c.Enabled || c.ProbeURLs == nil {
			t.Errorf("%s: enabled %t, probe_urls %v: probes are opt-in and name their URLs", id, c.Enabled, c.ProbeURLs)
		}
	}
	// With the probes off, a scan for step-3 reads everything but RDS
	// events (read through the cluster, whose absence a rule judges) and
	// the internet gateways (the route tables say which subnets are
	// public), and no probe.
	reads := step3.Reads()
	for _, d := range []grader.Data{grader.DataVPCs, grader.DataSubnets, grader.DataRouteTables, grader.DataInstances,
		grader.DataImages, grader.DataSecurityGroups, grader.DataLoadBalancers, grader.DataListeners, grader.DataTargetGroups,
		grader.DataTargetHealth, grader.DataDBClusters, grader.DataDBInstances, grader.DataDBSubnetGroups} {
		if !slices.Contains(reads, d) {
			t.Errorf("step-3 does not read %s", d)
		}
	}
	if slices.Contains(reads, grader.DataProbes) {
		t.Errorf("step-3 with its probes off reads %s", grader.DataProbes)
	}
	if c := step3.Check("aurora.private"); !slices.Contains(c.Resources, "vpc") || !slices.Contains(c.Resources, "cluster") {
		t.Errorf("aurora.private reads %v, want vpc and cluster among them", c.Resources)
	}
}

// CEL reads an absent record field (an instance's subnet) as an empty
// record, never null: a test of it against null would always say the
// same, so the lab is refused, pointed at has().
func TestRecordFieldComparedWithNull(t *testing.T) {
	src := strings.Replace(minimal, "resources:\n", "resources:\n  web:\n    kind: ec2.instance\n    name: \"web-{user}\"\n", 1)
	src = strings.Replace(src, "expression: vpc.subnets.filter(s, s.public)", "expression: vpc.subnets.filter(s, s.public && (web == null || web.subnet != null))", 1)
	_, err := lab.Load("tiny.yaml", []byte(src))
	want := `tiny.yaml:38:71: variables.public: the record field subnet is never null (an absent record reads as an empty one): test has(….subnet)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	// has() is the test that works, and web == null stays allowed: a
	// resource is null when not found.
	src = strings.Replace(src, "web.subnet != null", "has(web.subnet)", 1)
	if _, err := lab.Load("tiny.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
}
