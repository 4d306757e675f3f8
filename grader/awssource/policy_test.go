package awssource

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"labgrid/grader"
	"labgrid/grader/awssource/awstest"
	"labgrid/grader/lab"
	"labgrid/labs"
)

// The files in deploy/ grant exactly what this package calls: these tests
// derive the calls from a real Snapshot against awstest and compare them
// with Operations, the JSON policies and the CloudFormation template.

const (
	policyDeployDir      = "../../deploy" // from grader/awssource, the test's working directory
	studentRoleName      = "labgrid-readonly"
	iamPolicyVersion     = "2012-10-17"
	assumeRoleAction     = "sts:AssumeRole"
	graderRootSubPattern = "arn:aws:iam::${GraderAccountId}:root"
)

// policyDescribeOperations is Operations without sts:AssumeRole: what the role in
// a student account (or the grader's own principal in the shared-account
// case) must be allowed, sorted.
func policyDescribeOperations() []string {
	var out []string
	for _, op := range Operations {
		if op != assumeRoleAction {
			out = append(out, op)
		}
	}
	slices.Sort(out)
	return out
}

// TestOperationsAreWhatSnapshotCalls runs a full Snapshot through a role
// with an external id against awstest, with a load balancer and a target
// group so that the per-resource calls happen, and compares the IAM
// actions of every request the server saw with Operations.
func TestOperationsAreWhatSnapshotCalls(t *testing.T) {
	t.Parallel()
	const (
		account = "210987654321"
		lbARN   = "arn:aws:elasticloadbalancing:ap-northeast-1:210987654321:loadbalancer/app/alb-1/0123456789abcdef"
		tgARN   = "arn:aws:elasticloadbalancing:ap-northeast-1:210987654321:targetgroup/tg-1/0123456789abcdef"
	)
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	srv.Handler().OnUnexpected(t.Errorf)
	srv.SetSnapshot(&grader.Snapshot{
		Target:  grader.Target{AccountID: account, Region: "ap-northeast-1"},
		TakenAt: time.Now(),
		LoadBalancers: []grader.LoadBalancer{{
			ARN: lbARN, Name: "alb-1", Type: "application", Scheme: "internet-facing", State: "active", VPCID: "vpc-1",
		}},
		Listeners: []grader.Listener{{
			ARN: lbARN + "/listener-1", LoadBalancerARN: lbARN, Protocol: "HTTP", Port: 80,
		}},
		TargetGroups: []grader.TargetGroup{{
			ARN: tgARN, Name: "tg-1", Protocol: "HTTP", Port: 80, TargetType: "instance", VPCID: "vpc-1",
			LoadBalancerARNs: []string{lbARN},
			Targets:          []grader.TargetHealth{{ID: "i-1", Port: 80, State: "healthy"}},
		}},
	})

	tgt := grader.Target{
		AccountID: account, Region: "ap-northeast-1",
		RoleARN: "arn:aws:iam::" + account + ":role/" + studentRoleName, ExternalID: "workshop-2024-external-id",
	}
	snap, err := newSourceAt(t, srv.URL(), Options{}).Snapshot(t.Context(), tgt, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if len(snap.LoadBalancers) != 1 || len(snap.TargetGroups) != 1 {
		t.Fatalf("snapshot has %d load balancers, %d target groups; want 1, 1", len(snap.LoadBalancers), len(snap.TargetGroups))
	}

	called := map[string]bool{}
	for _, r := range srv.Requests() {
		op := r.IAMAction()
		if op == "" {
			t.Errorf("request %s (version %s) has no IAM action known to awstest", r.Action, r.Version)
			continue
		}
		called[op] = true
		if op == assumeRoleAction && r.Form.Get("RoleSessionName") != "labgrid-grader" {
			t.Errorf("AssumeRole RoleSessionName = %q, want the default labgrid-grader", r.Form.Get("RoleSessionName"))
		}
	}
	got := policySortedKeys(called)
	want := slices.Sorted(slices.Values(Operations))
	if !slices.Equal(got, want) {
		t.Errorf("a Snapshot calls\n %v\nOperations lists\n %v\n(missing from Operations: %v; never called: %v)",
			got, want, policyMinus(got, want), policyMinus(want, got))
	}
	if n := len(slices.Compact(slices.Clone(want))); n != len(Operations) {
		t.Errorf("Operations has duplicates")
	}

	// DataOperations names exactly the calls a Snapshot makes.
	var byData []string
	for _, ops := range DataOperations {
		byData = append(byData, ops...)
	}
	slices.Sort(byData)
	if byData = slices.Compact(byData); !slices.Equal(byData, policyDescribeOperations()) {
		t.Errorf("DataOperations names\n %v\na Snapshot calls (without sts:AssumeRole)\n %v", byData, policyDescribeOperations())
	}

	// The policies in deploy/ allow nothing this package does not call
	// (TestDeployPolicyIsLabPolicy says which of its calls they allow: the
	// shipped labs' ones).
	p := readIAMPolicy(t, "iam-policy.json")
	if g, w := p.actions(t), policyDescribeOperations(); len(policyMinus(g, w)) > 0 {
		t.Errorf("iam-policy.json allows %v, which this package never calls", policyMinus(g, w))
	}
	for _, s := range p.Statement {
		if r := iamStringList(t, "Resource", s["Resource"]); !slices.Equal(r, []string{"*"}) {
			t.Errorf("iam-policy.json Resource = %v, want \"*\" (these Describe APIs have no resource-level permissions)", r)
		}
	}

	a := readIAMPolicy(t, "grader-assume-role-policy.json")
	if g := a.actions(t); !slices.Equal(g, []string{assumeRoleAction}) {
		t.Errorf("grader-assume-role-policy.json allows %v, want only sts:AssumeRole", g)
	}
	for _, s := range a.Statement {
		r := iamStringList(t, "Resource", s["Resource"])
		if !slices.Equal(r, []string{"arn:aws:iam::*:role/" + studentRoleName}) {
			t.Errorf("grader-assume-role-policy.json Resource = %v, want arn:aws:iam::*:role/%s", r, studentRoleName)
		}
	}
}

// iamPolicy is an IAM policy document.
type iamPolicy struct {
	Version   string
	Statement []map[string]any
}

// readIAMPolicy parses deploy/name, which must be valid JSON with Version
// 2012-10-17 and only Allow statements without NotAction or NotResource.
func readIAMPolicy(t *testing.T, name string) iamPolicy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(policyDeployDir, name))
	if err != nil {
		t.Fatalf("read policy: %v", err)
	}
	if !json.Valid(data) {
		t.Fatalf("%s is not valid JSON", name)
	}
	var p iamPolicy
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if p.Version != iamPolicyVersion {
		t.Errorf("%s Version = %q, want %s", name, p.Version, iamPolicyVersion)
	}
	if len(p.Statement) == 0 {
		t.Fatalf("%s has no Statement", name)
	}
	for i, s := range p.Statement {
		if s["Effect"] != "Allow" {
			t.Errorf("%s statement %d Effect = %v, want Allow", name, i, s["Effect"])
		}
		for _, k := range []string{"NotAction", "NotResource", "NotPrincipal", "Principal"} {
			if _, ok := s[k]; ok {
				t.Errorf("%s statement %d has %s", name, i, k)
			}
		}
	}
	return p
}

// actions is every action the policy's statements allow, sorted; a
// wildcard in any of them is an error.
func (p iamPolicy) actions(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, s := range p.Statement {
		out = append(out, iamStringList(t, "Action", s["Action"])...)
	}
	for _, a := range out {
		if strings.Contains(a, "*") {
			t.Errorf("action %q has a wildcard", a)
		}
	}
	slices.Sort(out)
	return out
}

// iamStringList reads an IAM element that is a string or a list of strings.
func iamStringList(t *testing.T, what string, v any) []string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				t.Errorf("%s element %v is %T, want a string", what, e, e)
				continue
			}
			out = append(out, s)
		}
		return out
	}
	t.Errorf("%s is %T (%v), want a string or a list of strings", what, v, v)
	return nil
}

// TestStudentRoleTemplate checks deploy/student-role.cfn.yaml without the
// network: the parameters, one role trusted only by the grader account's
// root with the external id, exactly the Describe actions of
// iam-policy.json, and the RoleArn output.
func TestStudentRoleTemplate(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(policyDeployDir, "student-role.cfn.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("student-role.cfn.yaml: %v", err)
	}
	tmpl, ok := cfnValue(t, &doc).(map[string]any)
	if !ok {
		t.Fatalf("template is not a mapping")
	}

	// Parameters.
	params := cfnMapping(t, tmpl, "Parameters")
	acct := cfnMapping(t, params, "GraderAccountId")
	if p, _ := acct["AllowedPattern"].(string); p != "^[0-9]{12}$" {
		t.Errorf("GraderAccountId AllowedPattern = %q, want ^[0-9]{12}$", p)
	}
	ext := cfnMapping(t, params, "ExternalId")
	if ext["NoEcho"] != true {
		t.Errorf("ExternalId NoEcho = %v, want true", ext["NoEcho"])
	}
	if ext["MinLength"] != 2 {
		t.Errorf("ExternalId MinLength = %v, want 2", ext["MinLength"])
	}
	if d := cfnMapping(t, params, "RoleName")["Default"]; d != studentRoleName {
		t.Errorf("RoleName Default = %v, want %s (grader-assume-role-policy.json names it)", d, studentRoleName)
	}
	for name, p := range params {
		if p.(map[string]any)["Type"] != "String" {
			t.Errorf("parameter %s Type = %v, want String", name, p.(map[string]any)["Type"])
		}
	}

	// Exactly one resource, an IAM role.
	resources := cfnMapping(t, tmpl, "Resources")
	var roleID string
	for id, r := range resources {
		typ := r.(map[string]any)["Type"]
		if typ != "AWS::IAM::Role" {
			t.Errorf("resource %s is %v: the template creates only the role", id, typ)
			continue
		}
		if roleID != "" {
			t.Errorf("two AWS::IAM::Role resources: %s and %s", roleID, id)
		}
		roleID = id
	}
	if roleID == "" {
		t.Fatal("no AWS::IAM::Role")
	}
	props := cfnMapping(t, cfnMapping(t, resources, roleID), "Properties")
	if rn := props["RoleName"]; !cfnIsRef(rn, "RoleName") {
		t.Errorf("RoleName = %v, want !Ref RoleName", rn)
	}
	if d := props["MaxSessionDuration"]; d != 3600 {
		t.Errorf("MaxSessionDuration = %v, want 3600", d)
	}
	for _, k := range []string{"ManagedPolicyArns", "PermissionsBoundary"} {
		if _, ok := props[k]; ok {
			t.Errorf("role has %s: its permissions are the inline policy only", k)
		}
	}

	// Trust: only the grader account's root, only AssumeRole, only with the
	// external id.
	trust := cfnMapping(t, props, "AssumeRolePolicyDocument")
	if trust["Version"] != iamPolicyVersion {
		t.Errorf("trust policy Version = %v, want %s", trust["Version"], iamPolicyVersion)
	}
	stmts, _ := trust["Statement"].([]any)
	if len(stmts) != 1 {
		t.Fatalf("trust policy has %d statements, want 1", len(stmts))
	}
	st := stmts[0].(map[string]any)
	if st["Effect"] != "Allow" {
		t.Errorf("trust Effect = %v, want Allow", st["Effect"])
	}
	if a := iamStringList(t, "trust Action", st["Action"]); !slices.Equal(a, []string{assumeRoleAction}) {
		t.Errorf("trust Action = %v, want only sts:AssumeRole", a)
	}
	principal, _ := st["Principal"].(map[string]any)
	if len(principal) != 1 {
		t.Errorf("trust Principal = %v, want only AWS", st["Principal"])
	}
	if p := principal["AWS"]; !cfnIsFn(p, "Fn::Sub", graderRootSubPattern) {
		t.Errorf("trust Principal AWS = %v, want !Sub %s", p, graderRootSubPattern)
	}
	cond := cfnMapping(t, st, "Condition")
	eq := cfnMapping(t, cond, "StringEquals")
	if len(cond) != 1 || len(eq) != 1 || !cfnIsRef(eq["sts:ExternalId"], "ExternalId") {
		t.Errorf("trust Condition = %v, want only StringEquals sts:ExternalId: !Ref ExternalId", cond)
	}

	// Permissions: one inline policy, exactly iam-policy.json's actions.
	pols, _ := props["Policies"].([]any)
	if len(pols) != 1 {
		t.Fatalf("role has %d inline policies, want 1", len(pols))
	}
	doc2 := cfnMapping(t, pols[0].(map[string]any), "PolicyDocument")
	if doc2["Version"] != iamPolicyVersion {
		t.Errorf("inline policy Version = %v, want %s", doc2["Version"], iamPolicyVersion)
	}
	var inline []string
	for _, s := range doc2["Statement"].([]any) {
		s := s.(map[string]any)
		if s["Effect"] != "Allow" {
			t.Errorf("inline statement Effect = %v, want Allow", s["Effect"])
		}
		inline = append(inline, iamStringList(t, "inline Action", s["Action"])...)
		if r := iamStringList(t, "inline Resource", s["Resource"]); !slices.Equal(r, []string{"*"}) {
			t.Errorf("inline Resource = %v, want \"*\"", r)
		}
	}
	slices.Sort(inline)
	if want := readIAMPolicy(t, "iam-policy.json").actions(t); !slices.Equal(inline, want) {
		t.Errorf("template's inline policy allows\n %v\niam-policy.json allows\n %v", inline, want)
	}

	// Anywhere in the template: no wildcard, no Not*, and nothing but the
	// Describe actions (and AssumeRole in the trust policy).
	allowed := map[string]bool{assumeRoleAction: true}
	for _, op := range policyDescribeOperations() {
		allowed[op] = true
	}
	cfnWalk(tmpl, func(key string, v any) {
		switch key {
		case "NotAction", "NotResource", "NotPrincipal":
			t.Errorf("template uses %s", key)
		case "Action":
			for _, a := range iamStringList(t, "Action", v) {
				_, name, _ := strings.Cut(a, ":")
				if strings.Contains(a, "*") || !allowed[a] || (a != assumeRoleAction && !strings.HasPrefix(name, "Describe")) {
					t.Errorf("template grants %q", a)
				}
			}
		}
	})

	outputs := cfnMapping(t, tmpl, "Outputs")
	if v := cfnMapping(t, outputs, "RoleArn")["Value"]; !cfnIsFn(v, "Fn::GetAtt", roleID+".Arn") {
		t.Errorf("Outputs RoleArn Value = %v, want !GetAtt %s.Arn", v, roleID)
	}
}

// cfnValue converts a YAML node to plain Go values, CloudFormation's short
// tags (!Ref X, !Sub s, !GetAtt a.b, …) to their long form as in JSON
// templates ({"Ref": "X"}, {"Fn::Sub": "s"}, …).
func cfnValue(t *testing.T, n *yaml.Node) any {
	t.Helper()
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		return cfnValue(t, n.Content[0])
	case yaml.AliasNode:
		return cfnValue(t, n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				t.Errorf("line %d: duplicate key %q", n.Content[i].Line, k)
			}
			m[k] = cfnValue(t, n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, cfnValue(t, c))
		}
		v = s
	case yaml.ScalarNode:
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			v = n.Value // a tagged scalar is the function's string argument
		} else if err := n.Decode(&v); err != nil {
			t.Fatalf("line %d: %v", n.Line, err)
		}
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn := strings.TrimPrefix(n.Tag, "!")
		if fn != "Ref" && fn != "Condition" {
			fn = "Fn::" + fn
		}
		return map[string]any{fn: v}
	}
	return v
}

func cfnMapping(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%s: missing or not a mapping (%v)", key, m[key])
	}
	return v
}

func cfnIsRef(v any, name string) bool { return cfnIsFn(v, "Ref", name) }

func cfnIsFn(v any, fn, arg string) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 1 && m[fn] == arg
}

// cfnWalk calls fn for every key of every mapping under v.
func cfnWalk(v any, fn func(key string, v any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			fn(k, e)
			cfnWalk(e, fn)
		}
	case []any:
		for _, e := range v {
			cfnWalk(e, fn)
		}
	}
}

func policySortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// policyMinus is the elements of a not in b.
func policyMinus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestDeployPolicyIsLabPolicy: deploy/iam-policy.json is `labgrid lab
// policy` of the shipped labs, and the scanner, which collects only what
// its rubric's checks read, needs nothing more for any rubric.
func TestDeployPolicyIsLabPolicy(t *testing.T) {
	t.Parallel()
	shipped, err := labs.Load()
	if err != nil {
		t.Fatal(err)
	}
	var data []grader.Data
	for _, l := range shipped {
		for _, c := range l.Checks { // a class may enable any check
			data = append(data, c.Collects...)
		}
	}
	labOps, err := OperationsFor(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := PolicyDocument(labOps)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(policyDeployDir, "iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("deploy/iam-policy.json is\n%s\nwant\n%s", got, want)
	}

	// The scanner of a class of every shipped lab, every check enabled.
	on := true
	enabled := make([]*lab.Lab, 0, len(shipped))
	for _, l := range shipped {
		o := lab.Override{Checks: map[string]lab.CheckOverride{}}
		for _, c := range l.Checks {
			o.Checks[c.ID] = lab.CheckOverride{Enabled: &on}
		}
		e, err := l.With(o)
		if err != nil {
			t.Fatal(err)
		}
		enabled = append(enabled, e)
	}
	rubric, err := lab.NewSet(enabled...)
	if err != nil {
		t.Fatal(err)
	}
	scanOps, err := OperationsFor(rubric.Collects())
	if err != nil {
		t.Fatal(err)
	}
	if extra := policyMinus(scanOps, labOps); len(extra) > 0 {
		t.Errorf("the scanner with every check enabled calls %v, which deploy/ does not allow", extra)
	}
	if unread := policyMinus(labOps, scanOps); len(unread) > 0 {
		t.Errorf("deploy/ allows %v, which the scanner with every check enabled never calls", unread)
	}
	// The morning's lab reads internet gateways and key pairs; the step-3
	// lab alone reads neither (collect_test checks its scans).
	for _, op := range []string{"ec2:DescribeInternetGateways", "ec2:DescribeKeyPairs"} {
		if !slices.Contains(policyDescribeOperations(), op) || !slices.Contains(labOps, op) {
			t.Errorf("Operations %v and deploy/ %v should list %s (a shipped lab reads it)", Operations, labOps, op)
		}
	}
}
