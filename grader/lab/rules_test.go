package lab_test

import (
	"testing"

	"labgrid/grader"
	"labgrid/grader/lab"
)

// rulesLab has one check whose rules each test a setting, so that each
// case below is a choice of settings.
const rulesLab = `id: rules
title: {ja: 規則, en: Rules}
areas:
  - id: a
    title: {ja: A, en: A}
settings:
  gate: true
  one: true
  two: true
  blocker: true
  waiting: true
  caveat: true
checks:
  - id: a.check
    area: a
    title: {ja: 検査, en: Check}
    required: true
    points: 3
    rules:
      - expression: settings.gate
        stop: true
        message: {ja: 門, en: gate}
        hint: {ja: 門を開ける, en: open the gate}
      - expression: settings.one
        message: {ja: 一, en: one}
        hint: {ja: 一を直す, en: fix one}
      - expression: settings.two
        message: {ja: 二, en: two}
        hint: {ja: 一を直す, en: fix one}
      - expression: settings.blocker
        severity: block
        message: {ja: 未判定, en: not judged}
        hint: {ja: 先に, en: first}
      - expression: settings.waiting
        severity: pending
        message: {ja: 待ち, en: waiting}
      - expression: settings.caveat
        severity: warn
        message: {ja: (注意), en: (caveat)}
    pass: {ja: よし, en: good}
    hint: {ja: 全般, en: in general}
`

// TestRuleSemantics pins how rules make a verdict: fail over block over
// pending over warn; a stopping rule hides the rules after it; every
// failing rule's message is said, and each distinct hint once.
func TestRuleSemantics(t *testing.T) {
	base, err := lab.Load("rules.yaml", []byte(rulesLab))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		off    []string // settings set to false
		status grader.Status
		msg    string
		hint   string
		points int
	}{
		{"all hold", nil, grader.StatusPass, "good", "", 3},
		{"a caveat", []string{"caveat"}, grader.StatusWarn, "good (caveat)", "", 3},
		{"waiting", []string{"waiting", "caveat"}, grader.StatusPending, "waiting", "in general", 0},
		{"blocked keeps the caveat", []string{"blocker", "caveat"}, grader.StatusBlocked, "good (caveat) not judged", "first", 0},
		{"two failures, one hint", []string{"one", "two", "blocker"}, grader.StatusFail, "one; two; not judged", "fix one", 0},
		{"a stopping rule", []string{"gate", "one", "caveat"}, grader.StatusFail, "gate", "open the gate", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			settings := map[string]any{}
			for _, s := range tc.off {
				settings[s] = false
			}
			l, err := base.With(lab.Override{Settings: settings})
			if err != nil {
				t.Fatal(err)
			}
			rep := l.Evaluate(lab.NewWorld(&grader.Snapshot{}), grader.Student{Login: "user01"}, nil)
			r := rep.Results[0]
			if r.Status != tc.status || r.Message.EN != tc.msg || r.Hint.EN != tc.hint || r.Points != tc.points {
				t.Errorf("got %s %q hint %q points %d; want %s %q hint %q points %d",
					r.Status, r.Message.EN, r.Hint.EN, r.Points, tc.status, tc.msg, tc.hint, tc.points)
			}
		})
	}
}
