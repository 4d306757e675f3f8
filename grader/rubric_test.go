package grader

import (
	"strings"
	"testing"
)

func TestDefaultRubricIsTheHandouts(t *testing.T) {
	t.Parallel()
	r := DefaultRubric()
	if r.Region != "ap-northeast-1" || strings.Join(r.AZs, ",") != "ap-northeast-1c,ap-northeast-1d" {
		t.Errorf("region/AZs = %s %v", r.Region, r.AZs)
	}
	if r.Names.DBReplica != "wp-{user}-slave" || r.Names.AMI != "sampleapp {user}" {
		t.Errorf("names = %+v", r.Names)
	}
	// RUBRIC.md: required points add up to 115.
	if got := r.MaxScore(); got != 115 {
		t.Errorf("MaxScore = %d, want 115", got)
	}
	if len(r.Checks) != len(catalog) {
		t.Errorf("%d settings for %d checks", len(r.Checks), len(catalog))
	}
	for i, c := range r.Checks {
		// The active probes are off unless a class turns them on.
		wantEnabled := catalog[i].area != "probe"
		if c.ID != catalog[i].id || c.Enabled != wantEnabled {
			t.Errorf("setting %d = %+v, want %s enabled=%v", i, c, catalog[i].id, wantEnabled)
		}
	}
	for _, id := range []string{CheckALBHTTP, CheckDirectBlocked} {
		if s, _ := r.Setting(id); s.Enabled || s.Required || s.Points != 0 {
			t.Errorf("%s is advisory and off by default: %+v", id, s)
		}
	}
	if r.ProbesEnabled() {
		t.Error("the default rubric enables probes")
	}
	if s, _ := r.Setting("network.vpc"); s.Required || s.Points != 0 {
		t.Errorf("network.vpc is advisory: %+v", s)
	}
}

func TestParseRubricOverrides(t *testing.T) {
	t.Parallel()
	r, err := ParseRubric(strings.NewReader(`
region: us-east-1
azs: [us-east-1a, us-east-1b]
names:
  vpc: "lab-{user}-vpc"
expect:
  instance_type: t3.micro
checks:
  aurora.failover: {points: 20}
  network.vpc: {required: true, points: 3}
  web.ami: {enabled: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Region != "us-east-1" || r.Names.VPC != "lab-{user}-vpc" || r.Names.WebSG != "web-{user}" {
		t.Errorf("overrides not merged over defaults: %+v", r)
	}
	if r.Expect.InstanceType != "t3.micro" || r.Expect.DBInstanceClass != "db.t2.small" {
		t.Errorf("expect = %+v", r.Expect)
	}
	if s, _ := r.Setting("aurora.failover"); s.Points != 20 || !s.Required || !s.Enabled {
		t.Errorf("aurora.failover = %+v", s)
	}
	if s, _ := r.Setting("web.ami"); s.Enabled {
		t.Errorf("web.ami should be disabled: %+v", s)
	}
	// 115 - 10 (failover default) + 20 + 3 (network.vpc) - 5 (web.ami off)
	if got := r.MaxScore(); got != 123 {
		t.Errorf("MaxScore = %d, want 123", got)
	}
	rep := Evaluate(r, classSnapshot("user01"), student("user01"), Memory{})
	for _, res := range rep.Results {
		if res.CheckID == "web.ami" {
			t.Error("a disabled check was evaluated")
		}
	}
}

func TestParseRubricRejectsBadInput(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ yaml, want string }{
		"unknown top key":    {"regoin: us-east-1\n", "line 1: field regoin not found"},
		"unknown check":      {"checks:\n  aurora.failovr: {points: 3}\n", "checks.aurora.failovr: unknown check id"},
		"unknown check key":  {"checks:\n  aurora.failover: {pts: 3}\n", "field pts not found"},
		"template w/o user":  {"names:\n  vpc: my-vpc\n", `names.vpc: "my-vpc" must contain {user}`},
		"unknown name":       {"names:\n  bucket: b-{user}\n", "names.bucket: unknown name"},
		"bad region":         {"region: tokyo\n", `region: "tokyo" is not an AWS region`},
		"AZ of other region": {"azs: [us-east-1a]\n", `azs: "us-east-1a" is not an Availability Zone of region ap-northeast-1`},
		"negative points":    {"checks:\n  web.ami: {points: -5}\n", "checks.web.ami.points: -5 is outside 0..1000"},
		"bad cidr":           {"expect:\n  vpc_cidr: 10.0.0.0/33\n", "expect.vpc_cidr"},
		"not yaml":           {"checks: [\n", "invalid YAML"},
		"too large":          {"region: ap-northeast-1\n" + strings.Repeat("# padding\n", MaxRubricBytes/10), "larger than 256 KiB"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRubric(strings.NewReader(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseRubricListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ParseRubric(strings.NewReader("region: x\nnames:\n  vpc: v\nchecks:\n  nope: {}\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"region:", "names.vpc:", "checks.nope:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q misses %q", err, want)
		}
	}
}

// A value the rubric cannot hold as written is refused with its key and
// line, never rounded or taken as "keep the default".
func TestParseRubricRefusesLossyValues(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ yaml, want string }{
		"fractional points":     {"checks:\n  web.ami: {points: 5.5}\n", "line 2: checks.web.ami.points: 5.5 is not a whole number"},
		"exponent points":       {"checks:\n  web.ami:\n    required: true\n    points: 1e2\n", "line 4: checks.web.ami.points: 1e2 is not written as a whole number; want points such as 100"},
		"points without value":  {"checks:\n  web.ami: {points: }\n", "line 2: checks.web.ami.points: no value"},
		"enabled without value": {"checks:\n  web.ami:\n    enabled:\n", "line 3: checks.web.ami.enabled: no value"},
		"empty azs":             {"region: ap-northeast-1\nazs: []\n", "line 2: azs: empty list"},
		"azs without value":     {"azs:\n", "line 1: azs: no value"},
		"azs twice":             {"azs: [ap-northeast-1c, ap-northeast-1c]\n", `line 1: azs: "ap-northeast-1c" is listed twice`},
		"region without value":  {"region:\n", "line 1: region: no value"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRubric(strings.NewReader(tc.yaml))
			if err == nil {
				t.Fatalf("accepted, as %+v; want an error containing %q", r, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Whole numbers in any YAML notation still do.
	r, err := ParseRubric(strings.NewReader("checks:\n  web.ami: {points: 0x10}\n  alb.exists: {points: 7}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Setting("web.ami"); s.Points != 16 {
		t.Errorf("points 0x10 = %d, want 16", s.Points)
	}
}
