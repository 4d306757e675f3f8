package lab_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// tinyLab is the minimal lab with edits applied (old, new pairs).
func tinyLab(t *testing.T, id string, edits ...string) *lab.Lab {
	t.Helper()
	src := strings.Replace(minimal, "id: tiny", "id: "+id, 1)
	for i := 0; i+1 < len(edits); i += 2 {
		src = strings.Replace(src, edits[i], edits[i+1], 1)
	}
	l, err := lab.Load(id+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A class's labs are judged one after the other: checks in order, scores
// and maxima added, each result naming its lab; a lab and a check without
// a short title take their title.
func TestSetCombinesLabs(t *testing.T) {
	t.Parallel()
	a := tinyLab(t, "lab-a", "title: {ja: 小さなラボ, en: A tiny lab}", "title: {ja: 小さなラボ, en: A tiny lab}\nshort: {ja: A, en: Lab A}",
		"    title: {ja: VPC, en: VPC}", "    title: {ja: VPC, en: VPC}\n    short: {ja: V, en: v}")
	b := tinyLab(t, "lab-b", "net.vpc", "net.vpc2", "net.subnets", "net.subnets2", "[net.vpc]", "[net.vpc2]")
	set, err := lab.NewSet(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range set.Checks() {
		got = append(got, c.Lab+"/"+c.LabShort.EN+"/"+c.ID+"/"+c.Short.EN+"/"+c.AreaTitle.EN)
	}
	want := []string{"lab-a/Lab A/net.vpc/v/Network", "lab-a/Lab A/net.subnets/Subnets/Network", "lab-b/A tiny lab/net.vpc2/VPC/Network", "lab-b/A tiny lab/net.subnets2/Subnets/Network"}
	if !slices.Equal(got, want) {
		t.Errorf("checks %v, want %v", got, want)
	}
	if title := set.Title(); title.EN != "Lab A, A tiny lab" || title.JA != "A、小さなラボ" {
		t.Errorf("title %+v", title)
	}
	if set.MaxScore() != 10 {
		t.Errorf("max score %d, want 10", set.MaxScore())
	}
	snap := &grader.Snapshot{TakenAt: time.Now(), VPCs: []grader.VPC{{ID: "vpc-1", Name: "vpc-user01", CIDR: "10.0.0.0/16"}}}
	rep := set.Prepare(snap).Evaluate(grader.Student{Login: "user01", AccountID: "111122223333"}, nil)
	if rep.Score != 10 || rep.MaxScore != 10 || len(rep.Results) != 4 || rep.Results[0].Lab != "lab-a" || rep.Results[3].Lab != "lab-b" {
		t.Errorf("report %+v", rep)
	}
	er := set.ErrorReport(grader.Student{Login: "user01"}, grader.Text{JA: "x", EN: "x"}, time.Now(), grader.Memory{"lab-a/m": {Value: "v"}})
	if len(er.Results) != 4 || er.Results[2].Lab != "lab-b" || er.Results[2].Status != grader.StatusError || er.Memory["lab-a/m"].Value != "v" {
		t.Errorf("error report %+v", er)
	}
}

// Labs that cannot be combined are refused, naming what clashes.
func TestSetRefuses(t *testing.T) {
	t.Parallel()
	a := tinyLab(t, "lab-a", "settings:\n", "settings:\n  region: ap-northeast-1\n")
	for name, tc := range map[string]struct {
		labs []*lab.Lab
		want string
	}{
		"nothing":        {nil, "no lab"},
		"a lab twice":    {[]*lab.Lab{a, a}, "lab-a is given twice"},
		"a shared check": {[]*lab.Lab{a, tinyLab(t, "lab-b")}, "check net.vpc is in both lab-a and lab-b"},
		"two regions":    {[]*lab.Lab{a, tinyLab(t, "lab-c", "net.", "dns.", "net.", "dns.", "net.", "dns.", "settings:\n", "settings:\n  region: us-east-1\n")}, "us-east-1"},
	} {
		if _, err := lab.NewSet(tc.labs...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to say %q", name, err, tc.want)
		}
	}
}
