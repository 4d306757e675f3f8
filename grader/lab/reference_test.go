package lab_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// TestReference renders the minimal lab with a description on one check:
// the description with settings and names filled in, the rules' messages
// for the other, prerequisites by title and id, the settings table.
func TestReference(t *testing.T) {
	src := strings.Replace(minimal, "    title: {ja: VPC, en: VPC}\n",
		"    title: {ja: VPC, en: VPC}\n    description: {ja: \"VPC「{{ names.vpc }}」が {{ settings.cidr }} であること\", en: \"The VPC {{ names.vpc }} is {{ settings.cidr }} ({{ vpc.id }})\"}\n", 1)
	l, err := lab.Load("tiny.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	en, err := l.Reference("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# A tiny lab (`tiny`)",
		"| `net.vpc` | VPC | yes | 5 | yes | none |",
		"| `net.subnets` | Subnets | no | 0 | yes | `net.vpc` |",
		"- What it needs: The VPC `vpc-{user}` is 10.0.0.0/16 (`{{ vpc.id }}`)",
		"- Prerequisites: VPC (`net.vpc`)",
		"  - Fails when this does not hold: `{{ variables.public.size() }}` of them",
		"- Hint: Create them in ap-northeast-1c, ap-northeast-1d",
		"| `azs` | ap-northeast-1c, ap-northeast-1d |",
		"| `vpc` | `ec2.vpc` | `vpc-{user}` |",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("reference lacks %q:\n%s", want, en)
		}
	}
	if strings.Contains(en, "ネットワーク") {
		t.Error("the English reference has Japanese")
	}
	ja, _ := l.Reference("ja")
	if !strings.Contains(ja, "- 合格の条件: VPC「`vpc-{user}`」が 10.0.0.0/16 であること") {
		t.Errorf("Japanese reference:\n%s", ja)
	}
	both, _ := l.Reference("both")
	if again, _ := l.Reference("both"); both != again || !strings.Contains(both, en[strings.Index(en, "\n"):]) {
		t.Error("both is not deterministic or does not hold the English reference")
	}
	if _, err := l.Reference("fr"); err == nil {
		t.Error("Reference(fr) did not fail")
	}
}

// TestDescriptionNeedsBothLanguages: a description is checked like any
// text of the lab.
func TestDescriptionNeedsBothLanguages(t *testing.T) {
	src := strings.Replace(minimal, "    title: {ja: VPC, en: VPC}\n", "    title: {ja: VPC, en: VPC}\n    description: {en: \"The VPC {{ vpc.nam }}\"}\n", 1)
	_, err := lab.Load("tiny.yaml", []byte(src))
	var le *lab.Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v, want problems", err)
	}
	text := le.Error()
	if !strings.Contains(text, "tiny.yaml:17:18: check net.vpc: description: missing required key \"ja\"") || !strings.Contains(text, "undefined field 'nam'") {
		t.Errorf("problems:\n%s", text)
	}
}

// TestCollectsRDSEvents: step-3's failover reads the RDS events only
// through unreadable, so they are not in Reads, but a scan must collect
// them.
func TestCollectsRDSEvents(t *testing.T) {
	l := step3Lab(t)
	if slices.Contains(l.Reads(), grader.DataRDSEvents) {
		t.Errorf("step-3 Reads has %s", grader.DataRDSEvents)
	}
	if !slices.Contains(l.Collects(), grader.DataRDSEvents) || !slices.Contains(l.Check("aurora.failover").Collects, grader.DataRDSEvents) {
		t.Errorf("step-3 Collects %v lacks %s", l.Collects(), grader.DataRDSEvents)
	}
	for _, d := range l.Reads() {
		if !slices.Contains(l.Collects(), d) {
			t.Errorf("Collects lacks %s of Reads", d)
		}
	}
}
