package store

import (
	"testing"
	"time"

	"labgrid/grader"
)

func TestResultCounts(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "counts", 3)
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	status := func(login, _ string) grader.Status {
		return map[string]grader.Status{"user01": grader.StatusPass, "user02": grader.StatusFail, "user03": grader.StatusFail}[login]
	}
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, scanOf(students, at, status)); err != nil {
		t.Fatal(err)
	}
	// user03's account then cannot be read: its judged fail stays, shown as error.
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, scanOf(students[2:], at.Add(time.Minute), allStatus(grader.StatusError))); err != nil {
		t.Fatal(err)
	}

	counts, err := s.ResultCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[grader.Status]int{}
	checks := map[string]bool{}
	for _, rc := range counts {
		if rc.Class != c.Name {
			continue
		}
		got[rc.Status] += rc.Students
		checks[rc.CheckID] = true
	}
	n := len(checkIDs())
	if len(checks) != n || got[grader.StatusPass] != n || got[grader.StatusFail] != n || got[grader.StatusError] != n {
		t.Errorf("counts by status %v over %d checks, want %d each of pass, fail and error", got, len(checks), n)
	}
}
