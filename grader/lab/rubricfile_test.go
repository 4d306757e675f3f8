package lab_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
)

// TestRubricFiles: a class's rubric file (today's override format) read by
// the Go checks and by the step-3 lab gives the same statuses and scores
// over the simulated class, including the file the README shows.
func TestRubricFiles(t *testing.T) {
	example, err := os.ReadFile("../../examples/rubric.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := step3Lab(t)
	for name, file := range map[string]string{
		"examples/rubric.yaml":        string(example),
		"renamed groups and balancer": "names:\n  web_security_group: \"www-{user}\"\n  load_balancer: \"lb-{user}\"\n",
		"no expectations":             "expect:\n  vpc_cidr: \"\"\n  instance_type: \"\"\n  db_instance_class: \"\"\n  second_instance_az: \"\"\n",
		"other expectations":          "expect:\n  vpc_cidr: 10.9.0.0/16\n  db_instance_class: db.r5.large\n  second_instance_az: ap-northeast-1d\n",
		"a prerequisite disabled":     "checks:\n  alb.exists: {enabled: false}\n  aurora.cluster: {enabled: false}\n  web.ami: {enabled: false}\n",
		"points moved":                "checks:\n  ingress.alb_only: {points: 40}\n  network.public_subnets: {required: true, points: 3}\n",
	} {
		t.Run(name, func(t *testing.T) {
			rubric, err := grader.ParseRubric(strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			o, err := l.ParseRubricFile([]byte(file))
			if err != nil {
				t.Fatal(err)
			}
			ll, err := l.With(o)
			if err != nil {
				t.Fatal(err)
			}
			if ll.MaxScore() != rubric.MaxScore() {
				t.Errorf("max score %d (lab) vs %d (Go)", ll.MaxScore(), rubric.MaxScore())
			}
			start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
			for _, at := range []time.Duration{10 * time.Minute, 25 * time.Minute, time.Hour} {
				now := start.Add(at)
				c := sim.New(sim.Options{Start: start, Duration: 20 * time.Minute, Seed: 3, Now: func() time.Time { return now }})
				snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
				if err != nil {
					t.Fatal(err)
				}
				w := lab.NewWorld(snap)
				for _, st := range c.Roster() {
					old := grader.Evaluate(rubric, snap, st, grader.Memory{})
					neu := ll.Evaluate(w, st, nil)
					if len(old.Results) != len(neu.Results) || old.Score != neu.Score { // the probes score nothing
						t.Errorf("%s %s: %d results scoring %d (Go) vs %d scoring %d (lab)", at, st.Login, len(old.Results), old.Score, len(neu.Results), neu.Score)
					}
					for _, o := range old.Results {
						n := statusOf(t, neu.Results, o.CheckID)
						// The example renames the VPC, which the class does
						// not have: by RUBRIC.md's reading no instance is then
						// a web server (none is in the VPC), while the Go
						// checks take webserver#1/#2 wherever they run, and
						// probe them.
						if name == "examples/rubric.yaml" && o.CheckID == "probe.direct_blocked" &&
							o.Status == grader.StatusPending && n.Status == grader.StatusFail {
							continue
						}
						if n.Status != o.Status {
							t.Errorf("%s %s %s: %s (Go) vs %s (lab)\n  go:  %s\n  lab: %s", at, st.Login, o.CheckID, o.Status, n.Status, o.Message.EN, n.Message.EN)
						}
					}
				}
			}
		})
	}
}

// TestRubricFileProblems: unknown keys and checks and values of the wrong
// type are refused, all at once.
func TestRubricFileProblems(t *testing.T) {
	l := step3Lab(t)
	o, err := l.ParseRubricFile([]byte("names:\n  vpcc: x-{user}\nexpct:\n  a: b\nchecks:\n  alb.exists: {pionts: 3}\n"))
	for _, want := range []string{"line 2: names.vpcc: unknown key", "line 3: expct: unknown key", "line 6: checks.alb.exists.pionts: unknown key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	o, err = l.ParseRubricFile([]byte("azs: ap-northeast-1c\ncheckS: {}\n"))
	if err == nil || !strings.Contains(err.Error(), "checkS: unknown key") {
		t.Errorf("error %v does not refuse checkS", err)
	}
	o, err = l.ParseRubricFile([]byte("azs: ap-northeast-1c\nchecks:\n  nope.nope: {points: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.With(o); err == nil || !strings.Contains(err.Error(), "settings.azs: ap-northeast-1c is not a list(string)") ||
		!strings.Contains(err.Error(), "checks.nope.nope: the lab step-3 has no such check") {
		t.Errorf("With: %v", err)
	}
}
