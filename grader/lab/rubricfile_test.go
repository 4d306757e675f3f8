package lab_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// withRubric is l with a class's rubric file applied.
func withRubric(t *testing.T, l *lab.Lab, file string) *lab.Lab {
	t.Helper()
	o, err := l.ParseRubricFile([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	ll, err := l.With(o)
	if err != nil {
		t.Fatal(err)
	}
	return ll
}

func setting(t *testing.T, l *lab.Lab, name string) any {
	t.Helper()
	for _, s := range l.Settings {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("no setting %s", name)
	return nil
}

// TestRubricFileExample: the file the README shows changes points,
// required, enabled, a name and settings, and the lab judges by them.
func TestRubricFileExample(t *testing.T) {
	example, err := os.ReadFile("../../examples/rubric.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := step3Lab(t)
	ll := withRubric(t, l, string(example))
	failover, vpc := ll.Check("aurora.failover"), ll.Check("network.vpc")
	if failover.Points != 20 || !failover.Required || vpc.Points != 5 || !vpc.Required {
		t.Errorf("aurora.failover %d points (required %t), network.vpc %d (required %t)", failover.Points, failover.Required, vpc.Points, vpc.Required)
	}
	if want := l.MaxScore() - l.Check("aurora.failover").Points + 20 + 5; ll.MaxScore() != want {
		t.Errorf("max score %d, want %d", ll.MaxScore(), want)
	}
	if !ll.Check("probe.alb_http").Enabled || !ll.Check("probe.direct_blocked").Enabled || l.Check("probe.alb_http").Enabled {
		t.Error("the probes are not enabled by the file, or enabled in the shipped lab")
	}
	if got := setting(t, ll, "azs"); !slices.Equal(got.([]string), []string{"ap-northeast-1a", "ap-northeast-1c"}) {
		t.Errorf("azs = %v", got)
	}
	if got := setting(t, ll, "instance_type"); got != "t3.micro" {
		t.Errorf("instance_type = %v", got)
	}
	if ll.Region() != "ap-northeast-1" {
		t.Errorf("region %q", ll.Region())
	}

	// The class's VPCs are named vpc-<login>, not lab-<login>-vpc: in a
	// shared account the VPC is not found; renamed, it is, and a finished
	// student earns the file's maximum, the probes waiting for answers.
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	rep := ll.Evaluate(lab.NewWorld(snap), st, nil)
	if r := statusOf(t, rep.Results, "network.vpc"); r.Status != grader.StatusFail || !strings.Contains(r.Message.EN, "lab-"+st.Login+"-vpc") {
		t.Errorf("network.vpc = %s (%s), want fail naming lab-%s-vpc", r.Status, r.Message.EN, st.Login)
	}
	for i := range snap.VPCs {
		if snap.VPCs[i].Name == "vpc-"+st.Login {
			snap.VPCs[i].Name = "lab-" + st.Login + "-vpc"
		}
	}
	rep = ll.Evaluate(lab.NewWorld(snap), st, nil)
	if rep.Score != ll.MaxScore() || rep.MaxScore != ll.MaxScore() {
		t.Errorf("score %d/%d, want %d/%d:\n%s", rep.Score, rep.MaxScore, ll.MaxScore(), ll.MaxScore(), tally([]grader.Report{rep}))
	}
	for _, id := range []string{"probe.alb_http", "probe.direct_blocked"} {
		if r := statusOf(t, rep.Results, id); r.Status != grader.StatusPending {
			t.Errorf("%s before any probe = %s (%s), want pending", id, r.Status, r.Message.EN)
		}
	}
}

// TestRubricFileNames: renamed templates find the renamed resources, and
// only them.
func TestRubricFileNames(t *testing.T) {
	l := step3Lab(t)
	ll := withRubric(t, l, "names:\n  web_security_group: \"www-{user}\"\n  load_balancer: \"lb-{user}\"\n")
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	if r := statusOf(t, ll.Evaluate(lab.NewWorld(snap), st, nil).Results, "alb.exists"); r.Status != grader.StatusFail {
		t.Errorf("alb.exists with the balancer named elb-%s = %s, want fail", st.Login, r.Status)
	}
	for i := range snap.LoadBalancers {
		if snap.LoadBalancers[i].Name == "elb-"+st.Login {
			snap.LoadBalancers[i].Name = "lb-" + st.Login
		}
	}
	for i := range snap.SecurityGroups {
		if snap.SecurityGroups[i].Name == "web-"+st.Login {
			snap.SecurityGroups[i].Name = "www-" + st.Login
		}
	}
	w := lab.NewWorld(snap)
	if rep := ll.Evaluate(w, st, nil); rep.Score != rep.MaxScore {
		t.Errorf("renamed resources under the renamed templates: %d/%d\n%s", rep.Score, rep.MaxScore, tally([]grader.Report{rep}))
	}
	if rep := l.Evaluate(w, st, nil); statusOf(t, rep.Results, "alb.exists").Status != grader.StatusFail {
		t.Errorf("the shipped lab finds the renamed balancer")
	}
}

// TestRubricFileExpectations: the handout's values are warnings; a class
// changes them or turns them off with "".
func TestRubricFileExpectations(t *testing.T) {
	l := step3Lab(t)
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	for i := range snap.VPCs {
		if snap.VPCs[i].Name == "vpc-"+st.Login {
			snap.VPCs[i].CIDR = "10.9.0.0/16"
		}
	}
	w := lab.NewWorld(snap)
	for file, want := range map[string]grader.Status{
		"":                                   grader.StatusWarn,
		"expect:\n  vpc_cidr: \"\"\n":        grader.StatusPass,
		"expect:\n  vpc_cidr: 10.9.0.0/16\n": grader.StatusPass,
		"expect:\n  vpc_cidr: 10.8.0.0/16\n": grader.StatusWarn,
	} {
		ll := l
		if file != "" {
			ll = withRubric(t, l, file)
		}
		rep := ll.Evaluate(w, st, nil)
		if r := statusOf(t, rep.Results, "network.vpc"); r.Status != want {
			t.Errorf("%q: network.vpc = %s (%s), want %s", file, r.Status, r.Message.EN, want)
		}
		if rep.Score != rep.MaxScore {
			t.Errorf("%q: a warning cost points: %d/%d", file, rep.Score, rep.MaxScore)
		}
	}
}

// TestRubricFileChecks: disabled checks are gone (and block nothing),
// moved points and a check made required count.
func TestRubricFileChecks(t *testing.T) {
	l := step3Lab(t)
	off := withRubric(t, l, "checks:\n  alb.exists: {enabled: false}\n  aurora.cluster: {enabled: false}\n  web.ami: {enabled: false}\n")
	if want := l.MaxScore() - l.Check("alb.exists").Points - l.Check("aurora.cluster").Points - l.Check("web.ami").Points; off.MaxScore() != want {
		t.Errorf("max score with three checks off: %d, want %d", off.MaxScore(), want)
	}
	rep := off.Evaluate(lab.NewWorld(&grader.Snapshot{TakenAt: time.Now()}), grader.Student{Login: "user01"}, nil)
	for _, r := range rep.Results {
		if r.CheckID == "alb.exists" || r.CheckID == "aurora.cluster" || r.CheckID == "web.ami" {
			t.Errorf("the disabled %s was judged", r.CheckID)
		}
	}
	// In an empty account these were blocked behind a disabled check.
	for _, id := range []string{"alb.listener", "aurora.replica"} {
		if r := statusOf(t, rep.Results, id); r.Status != grader.StatusFail {
			t.Errorf("%s after a disabled prerequisite = %s (%s), want fail", id, r.Status, r.Message.EN)
		}
	}

	moved := withRubric(t, l, "checks:\n  ingress.alb_only: {points: 40}\n  network.public_subnets: {required: true, points: 3}\n")
	if want := l.MaxScore() - l.Check("ingress.alb_only").Points + 40 + 3; moved.MaxScore() != want {
		t.Errorf("max score %d, want %d", moved.MaxScore(), want)
	}
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	rep = moved.Evaluate(lab.NewWorld(snap), st, nil)
	if rep.Score != moved.MaxScore() {
		t.Errorf("a finished student: %d/%d", rep.Score, moved.MaxScore())
	}
	if r := statusOf(t, rep.Results, "ingress.alb_only"); r.Points != 40 || r.MaxPoints != 40 {
		t.Errorf("ingress.alb_only earned %d of %d", r.Points, r.MaxPoints)
	}
	if r := statusOf(t, rep.Results, "network.public_subnets"); !r.Required || r.Points != 3 {
		t.Errorf("network.public_subnets required %t earned %d", r.Required, r.Points)
	}
}

// TestRubricFileRegion: a class in another region moves the AZs with it.
func TestRubricFileRegion(t *testing.T) {
	ll := withRubric(t, step3Lab(t), "region: us-east-1\nazs: [us-east-1a, us-east-1b]\nexpect:\n  second_instance_az: us-east-1b\n")
	if ll.Region() != "us-east-1" || setting(t, ll, "second_instance_az") != "us-east-1b" {
		t.Errorf("region %s, second_instance_az %v", ll.Region(), setting(t, ll, "second_instance_az"))
	}
}

// TestRubricFileProblems: a bad file is refused with the line of every
// problem, before anything is applied: unknown keys and checks, values of
// the wrong type, values it cannot hold as written (never rounded or taken
// as "keep the lab's"), and values that cannot mean what the lab's do.
func TestRubricFileProblems(t *testing.T) {
	l := step3Lab(t)
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown top key":       {"regoin: us-east-1\n", "line 1: regoin: unknown key"},
		"unknown nested key":    {"names:\n  vpcc: x-{user}\n", "line 2: names.vpcc: unknown key"},
		"unknown check":         {"checks:\n  aurora.failovr: {points: 3}\n", "line 2: checks.aurora.failovr: the lab step-3 has no such check"},
		"unknown check key":     {"checks:\n  aurora.failover: {pts: 3}\n", "line 2: checks.aurora.failover.pts: unknown key"},
		"template w/o user":     {"names:\n  vpc: my-vpc\n", `line 2: names.vpc: "my-vpc" must contain {user}`},
		"bad region":            {"region: tokyo\n", `line 1: region: "tokyo" is not an AWS region`},
		"AZ of other region":    {"azs: [us-east-1a]\n", `line 1: azs: "us-east-1a" is not an Availability Zone of region ap-northeast-1`},
		"AZ of the old region":  {"region: us-east-1\nexpect:\n  replica_az: ap-northeast-1c\n", `line 3: expect.replica_az: "ap-northeast-1c" is not an Availability Zone of region us-east-1`},
		"negative points":       {"checks:\n  web.ami: {points: -5}\n", "line 2: checks.web.ami.points: -5 is outside 0..1000"},
		"bad cidr":              {"expect:\n  vpc_cidr: 10.0.0.0/33\n", `line 2: expect.vpc_cidr: "10.0.0.0/33" is not a CIDR block`},
		"host bits in a cidr":   {"expect:\n  vpc_cidr: 10.0.0.1/16\n", `line 2: expect.vpc_cidr: "10.0.0.1/16" is not a CIDR block`},
		"wrong type":            {"expect:\n  instance_type: 3\n", "line 2: expect.instance_type: 3 is not a string"},
		"not a list":            {"azs: ap-northeast-1c\n", "line 1: azs: ap-northeast-1c is not a list(string)"},
		"not yaml":              {"checks: [\n", "invalid YAML"},
		"fractional points":     {"checks:\n  web.ami: {points: 5.5}\n", "line 2: checks.web.ami.points: 5.5 is not a whole number"},
		"exponent points":       {"checks:\n  web.ami:\n    required: true\n    points: 1e2\n", "line 4: checks.web.ami.points: 1e2 is not written as a whole number; want points such as 100"},
		"text points":           {"checks:\n  web.ami: {points: ten}\n", `line 2: checks.web.ami.points: "ten" is not a whole number`},
		"points without value":  {"checks:\n  web.ami: {points: }\n", "line 2: checks.web.ami.points: no value"},
		"enabled without value": {"checks:\n  web.ami:\n    enabled:\n", "line 3: checks.web.ami.enabled: no value"},
		"enabled as text":       {"checks:\n  web.ami: {enabled: \"yes\"}\n", `line 2: checks.web.ami.enabled: "yes" is not true/false`},
		"empty azs":             {"region: ap-northeast-1\nazs: []\n", "line 2: azs: empty list"},
		"azs without value":     {"azs:\n", "line 1: azs: no value"},
		"azs twice":             {"azs: [ap-northeast-1c, ap-northeast-1c]\n", `line 1: azs: "ap-northeast-1c" is listed twice`},
		"region without value":  {"region:\n", "line 1: region: no value"},
		"empty region":          {"region: \"\"\n", `line 1: region: "" is not an AWS region`},
	} {
		t.Run(name, func(t *testing.T) {
			o, err := l.ParseRubricFile([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted, as %+v; want an error containing %q", o, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}

	// Every problem at once.
	_, err := l.ParseRubricFile([]byte("region: x\nnames:\n  vpc: v\nchecks:\n  nope: {}\nexpct:\n  a: b\n"))
	for _, want := range []string{"line 1: region:", "line 3: names.vpc:", "line 5: checks.nope:", "line 6: expct: unknown key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v misses %q", err, want)
		}
	}

	// Whole numbers in any YAML notation still do, and so do empty
	// expectations.
	ll := withRubric(t, l, "checks:\n  web.ami: {points: 0x10}\n  alb.exists: {points: 7}\nexpect:\n  second_instance_az: \"\"\n")
	if p := ll.Check("web.ami").Points; p != 16 {
		t.Errorf("points 0x10 = %d, want 16", p)
	}

	// An Override built in Go is checked the same way.
	if _, err := l.With(lab.Override{Settings: map[string]any{"azs": []string{"eu-west-1a"}, "vpc_cidr": "ten", "region": "Tokyo"}}); err == nil ||
		!strings.Contains(err.Error(), `settings.azs: "eu-west-1a" is not an Availability Zone of region Tokyo`) && !strings.Contains(err.Error(), `settings.region: "Tokyo" is not an AWS region`) ||
		!strings.Contains(err.Error(), `settings.vpc_cidr: "ten" is not a CIDR block`) || !strings.Contains(err.Error(), `settings.region: "Tokyo" is not an AWS region`) {
		t.Errorf("With: %v", err)
	}
}
