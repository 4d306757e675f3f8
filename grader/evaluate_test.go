package grader

import (
	"reflect"
	"strings"
	"testing"
)

func TestCatalogIsCompleteAndBilingual(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range catalog {
		if seen[c.id] {
			t.Errorf("duplicate check id %s", c.id)
		}
		seen[c.id] = true
		if !strings.HasPrefix(c.id, c.area+".") {
			t.Errorf("%s: area %q does not match its id", c.id, c.area)
		}
		if c.title.JA == "" || c.title.EN == "" || c.hint.JA == "" || c.hint.EN == "" {
			t.Errorf("%s: title or hint missing a language", c.id)
		}
		for _, need := range c.needs {
			if !seen[need] {
				t.Errorf("%s needs %s, which is not judged before it", c.id, need)
			}
		}
	}
	// RUBRIC.md lists these, probes last.
	for _, id := range []string{"network.vpc", "network.public_subnets", "network.private_subnets",
		"aurora.cluster", "aurora.replica", "aurora.multi_az", "aurora.private", "aurora.failover",
		"web.ami", "web.second_instance", "web.two_az", "alb.exists", "alb.two_az", "alb.security_group",
		"alb.listener", "alb.targets_healthy", "ingress.alb_only", "probe.alb_http", "probe.direct_blocked"} {
		if !seen[id] {
			t.Errorf("check %s of RUBRIC.md is missing", id)
		}
	}
	if n := len(catalog); n < 2 || catalog[n-2].id != "probe.alb_http" || catalog[n-1].id != "probe.direct_blocked" {
		t.Errorf("the probes are not the last checks of the catalog")
	}
}

func TestEvaluateNothingBuiltFailsEverythingRequired(t *testing.T) {
	t.Parallel()
	rep := Evaluate(DefaultRubric(), &Snapshot{TakenAt: fixtureTime}, student("user01"), Memory{})
	if rep.Score != 0 || rep.MaxScore != 115 {
		t.Errorf("score %d/%d, want 0/115", rep.Score, rep.MaxScore)
	}
	for _, r := range rep.Results {
		if r.Status.Passed() {
			t.Errorf("%s passed on an empty account: %s", r.CheckID, r.Message.EN)
		}
		if r.Status != StatusFail && r.Status != StatusBlocked {
			t.Errorf("%s: status %s on an empty account", r.CheckID, r.Status)
		}
		if !r.ObservedAt.Equal(fixtureTime) {
			t.Errorf("%s observed at %s", r.CheckID, r.ObservedAt)
		}
	}
}

func TestEvaluateCompleteStudentEarnsFullMarksWithoutHints(t *testing.T) {
	t.Parallel()
	rep := Evaluate(DefaultRubric(), classSnapshot("user01", "user02"), student("user02"), Memory{})
	if rep.Score != rep.MaxScore {
		t.Errorf("score %d/%d", rep.Score, rep.MaxScore)
	}
	for _, r := range rep.Results {
		if r.Status != StatusPass || r.Hint != (Text{}) || len(r.Evidence) == 0 {
			t.Errorf("%s: %s hint=%q evidence=%v", r.CheckID, r.Status, r.Hint.EN, r.Evidence)
		}
		for _, ev := range r.Evidence {
			if strings.Contains(ev, "user01") {
				t.Errorf("%s: user02's evidence shows user01's resource %q", r.CheckID, ev)
			}
		}
	}
}

func TestEvaluateIsDeterministic(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02", "user03")
	s.DBInstances[1].AZ = "ap-northeast-1d"
	a := Evaluate(DefaultRubric(), s, student("user01"), Memory{})
	b := Evaluate(DefaultRubric(), s, student("user01"), Memory{})
	if !reflect.DeepEqual(a, b) {
		t.Error("two evaluations of the same input differ")
	}
}

func TestHintsNameTheStudentsOwnResources(t *testing.T) {
	t.Parallel()
	rep := Evaluate(DefaultRubric(), &Snapshot{TakenAt: fixtureTime}, student("user07"), Memory{})
	mentions := 0
	for _, r := range rep.Results {
		if strings.Contains(r.Hint.EN, "<user>") || strings.Contains(r.Hint.JA, "ユーザ名") {
			t.Errorf("%s: hint keeps a placeholder: %q / %q", r.CheckID, r.Hint.EN, r.Hint.JA)
		}
		if strings.Contains(r.Hint.EN, "user07") && strings.Contains(r.Hint.JA, "user07") {
			mentions++
		}
	}
	if mentions < 5 {
		t.Errorf("only %d hints name user07's resources", mentions)
	}
}

func TestErrorReportKeepsMemoryAndEarnsNothing(t *testing.T) {
	t.Parallel()
	prev := Memory{Writer: "wp-user01-slave", WriterChanged: true}
	rep := ErrorReport(DefaultRubric(), student("user01"), Text{JA: "x", EN: "y"}, fixtureTime, prev)
	// Every enabled check: all but the two probes, off by default.
	if rep.Memory != prev || rep.Score != 0 || len(rep.Results) != len(catalog)-2 {
		t.Fatalf("%+v", rep)
	}
	for _, r := range rep.Results {
		if r.Status != StatusError || r.Hint.EN == "" {
			t.Errorf("%s: %+v", r.CheckID, r)
		}
	}
}

func TestUnavailableDataErrorsOnlyTheChecksThatReadIt(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	s.MarkUnavailable(DataDBClusters, codedError{"AccessDenied"})
	rep := Evaluate(DefaultRubric(), s, student("user01"), Memory{})
	for _, r := range rep.Results {
		aurora := strings.HasPrefix(r.CheckID, "aurora.")
		switch {
		case aurora && (r.Status != StatusError || !strings.Contains(r.Message.EN, "AccessDenied") || !strings.Contains(r.Message.EN, "DB clusters")):
			t.Errorf("%s: %s %q, want error naming the DB clusters and AccessDenied", r.CheckID, r.Status, r.Message.EN)
		case aurora && r.Points != 0:
			t.Errorf("%s earned %d while unreadable", r.CheckID, r.Points)
		case !aurora && r.Status != StatusPass:
			t.Errorf("%s: %s, want pass: RDS being unreadable must not touch it", r.CheckID, r.Status)
		}
	}
}

func TestFailoverWithoutEventsJudgesByTheWriterOrErrors(t *testing.T) {
	t.Parallel()
	moved := classSnapshot("user01") // the replica writes: evidence enough
	moved.RDSEvents = nil
	moved.MarkUnavailable(DataRDSEvents, codedError{"AccessDenied"})
	expectStatus(t, resultOf(t, moved, student("user01"), Memory{}, "aurora.failover"), StatusPass)

	still := classSnapshot("user01")
	still.RDSEvents = nil
	still.MarkUnavailable(DataRDSEvents, codedError{"AccessDenied"})
	c := still.cluster(t, "wp-user01-cluster")
	c.Members[0].IsWriter, c.Members[1].IsWriter = true, false
	expectStatus(t, resultOf(t, still, student("user01"), Memory{}, "aurora.failover"), StatusError, "RDS events", "AccessDenied")
}

func TestHintsFollowARubricThatRenamesResources(t *testing.T) {
	t.Parallel()
	r, err := ParseRubric(strings.NewReader("names:\n  load_balancer: lab-{user}-alb\n  target_group: lab-{user}-tg\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := classSnapshot("user01")
	s.LoadBalancers = nil
	rep := Evaluate(r, s, student("user01"), Memory{})
	var hint Text
	for _, res := range rep.Results {
		if res.CheckID == "alb.exists" {
			hint = res.Hint
		}
	}
	for _, h := range []string{hint.EN, hint.JA} {
		if !strings.Contains(h, "lab-user01-alb") || strings.Contains(h, "elb-user01") {
			t.Errorf("hint %q should name lab-user01-alb, not elb-user01", h)
		}
	}
	if tg := personalize(Text{EN: "register in tg-elb-<user>", JA: "tg-elb-ユーザ名 に登録"}, "user01", r); tg.EN != "register in lab-user01-tg" || tg.JA != "lab-user01-tg に登録" {
		t.Errorf("target group hint = %+v", tg)
	}
}
