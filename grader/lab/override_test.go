package lab_test

import (
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// TestOverride: a class changes points, enabled, a name template and a
// setting without editing the lab; the lab itself is unchanged.
func TestOverride(t *testing.T) {
	l, err := lab.Load("tiny.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	no, ten := false, 10
	o, err := l.With(lab.Override{
		Checks:   map[string]lab.CheckOverride{"net.vpc": {Points: &ten}, "net.subnets": {Enabled: &no}},
		Names:    map[string]string{"vpc": "net-{user}"},
		Settings: map[string]any{"cidr": "10.1.0.0/16"},
	})
	if err != nil {
		t.Fatal(err)
	}
	snap := &grader.Snapshot{VPCs: []grader.VPC{{ID: "vpc-1", Name: "NET-user01 ", CIDR: "10.1.0.0/16"}}}
	rep := o.Evaluate(lab.NewWorld(snap), grader.Student{Login: "user01"}, nil)
	if len(rep.Results) != 1 || rep.Results[0].Status != grader.StatusPass || rep.Score != 10 || rep.MaxScore != 10 {
		t.Errorf("with the override: %+v (score %d/%d), want net.vpc alone, passing for 10", rep.Results, rep.Score, rep.MaxScore)
	}
	rep = l.Evaluate(lab.NewWorld(snap), grader.Student{Login: "user01"}, nil)
	if len(rep.Results) != 2 || rep.Results[0].Status != grader.StatusFail || rep.MaxScore != 5 {
		t.Errorf("the lab itself changed: %+v (max %d)", rep.Results, rep.MaxScore)
	}

	_, err = l.With(lab.Override{
		Checks:   map[string]lab.CheckOverride{"net.nope": {Points: &ten}},
		Names:    map[string]string{"vpc": "shared-vpc", "subnet": "x-{user}"},
		Settings: map[string]any{"cidr": 16, "azs": []any{"a", 1}, "nope": "x"},
	})
	for _, want := range []string{
		"checks.net.nope: the lab tiny has no such check",
		`names.vpc: "shared-vpc" must contain {user}`,
		"names.subnet: the lab tiny has no such resource",
		"settings.cidr: 16 is not a string",
		"settings.azs: [a 1] is not a list(string)",
		"settings.nope: the lab tiny has no such setting",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
}
