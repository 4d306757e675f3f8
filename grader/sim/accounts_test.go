package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"labgrid/grader"
)

// With Accounts, students are spread round-robin over that many accounts,
// each a target whose Snapshot holds its own students only; a scan judges
// every student as the one-account class of the same seed does.
func TestAccounts(t *testing.T) {
	t.Parallel()
	at := classStart.Add(25 * time.Minute)
	now := func() time.Time { return at }
	multi := New(Options{Students: 20, Accounts: 4, Seed: 7, Start: classStart, Now: now})
	single := New(Options{Students: 20, Seed: 7, Start: classStart, Now: now})

	roster := multi.Roster()
	wantAccounts := []string{"111122223333", "111122223334", "111122223335", "111122223336"}
	perAccount := map[string][]string{}
	for i, st := range roster {
		if want := wantAccounts[i%4]; st.AccountID != want {
			t.Errorf("%s in account %s, want %s", st.Login, st.AccountID, want)
		}
		if st.Dedicated {
			t.Errorf("%s is Dedicated with 5 students per account", st.Login)
		}
		perAccount[st.AccountID] = append(perAccount[st.AccountID], st.Login)
	}
	groups := grader.Groups(roster, "ap-northeast-1")
	if len(groups) != 4 {
		t.Fatalf("%d targets, want 4", len(groups))
	}
	targets := multi.Targets()
	for i, g := range groups {
		if g.Target != targets[i] {
			t.Errorf("target %d: Groups says %s, Targets says %s", i, g.Target, targets[i])
		}
	}
	if multi.Target() != targets[0] {
		t.Errorf("Target() = %s, want the first account's %s", multi.Target(), targets[0])
	}

	scan := func(c *Class) map[string]grader.Report {
		res := (&grader.Scanner{Source: c, Judge: defaultSet(t), Concurrency: 4}).Scan(context.Background(), c.Roster(), nil)
		if res.Failed() > 0 {
			t.Fatalf("%d targets failed", res.Failed())
		}
		byLogin := map[string]grader.Report{}
		for _, rep := range res.Reports {
			byLogin[rep.Student.Login] = rep
		}
		return byLogin
	}
	got, want := scan(multi), scan(single)
	for login, w := range want {
		g := got[login]
		if g.Score != w.Score || len(g.Results) != len(w.Results) {
			t.Errorf("%s: score %d/%d across accounts, %d/%d in one", login, g.Score, g.MaxScore, w.Score, w.MaxScore)
			continue
		}
		for i := range w.Results {
			if g.Results[i].Status != w.Results[i].Status {
				t.Errorf("%s: %s is %s across accounts, %s in one", login, w.Results[i].CheckID, g.Results[i].Status, w.Results[i].Status)
			}
		}
	}

	for _, target := range targets {
		snap, err := multi.Snapshot(context.Background(), target, grader.AllData())
		if err != nil {
			t.Fatal(err)
		}
		// One web server #1 per student of the account, nobody else's.
		var owners []string
		for _, in := range snap.Instances {
			if len(in.Name) > len("webserver#1-") && in.Name[:len("webserver#1-")] == "webserver#1-" {
				owners = append(owners, in.Name[len("webserver#1-"):])
			}
		}
		if len(owners) != len(perAccount[target.AccountID]) {
			t.Errorf("account %s: web servers #1 of %v, want those of %v", target.AccountID, owners, perAccount[target.AccountID])
		}
		for _, im := range snap.Images {
			if im.OwnerID != target.AccountID {
				t.Errorf("account %s: image %s owned by %s", target.AccountID, im.ID, im.OwnerID)
			}
		}
	}

	_, err := multi.Snapshot(context.Background(), grader.Target{AccountID: "111122223337", Region: "ap-northeast-1"}, grader.AllData())
	var api *APIError
	if !errors.As(err, &api) || api.Code != "AccessDenied" {
		t.Errorf("an account past the class's: err = %v, want AccessDenied", err)
	}

	// One student per account: each is Dedicated, as the roster parser
	// would say.
	for _, st := range New(Options{Students: 3, Accounts: 3, Start: classStart}).Roster() {
		if !st.Dedicated {
			t.Errorf("%s alone in account %s is not Dedicated", st.Login, st.AccountID)
		}
	}
}
