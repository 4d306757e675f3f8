package lab_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
)

// finishedClass is the simulated class long after its end, when every
// student who finishes has finished, with accounts accounts.
func finishedClass(t *testing.T, accounts int) (*sim.Class, *grader.Snapshot) {
	t.Helper()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(time.Hour * 2)
	c := sim.New(sim.Options{Start: start, Duration: 20 * time.Minute, Seed: 1, Accounts: accounts, Now: func() time.Time { return now }})
	snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	return c, snap
}

func statusOf(t *testing.T, results []grader.Result, id string) grader.Result {
	t.Helper()
	for _, r := range results {
		if r.CheckID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return grader.Result{}
}

// passingStudent is a student of snap whose step-3 checks all pass.
func passingStudent(t *testing.T, l *lab.Lab, c *sim.Class, snap *grader.Snapshot) grader.Student {
	t.Helper()
	w := lab.NewWorld(snap)
	for _, st := range c.Roster() {
		if st.AccountID != snap.Target.AccountID {
			continue
		}
		if rep := l.Evaluate(w, st, nil); rep.Score == rep.MaxScore {
			return st
		}
	}
	t.Fatal("no student of the simulated class has finished")
	return grader.Student{}
}

// TestBastionIsNoWebServer pins a reading of RUBRIC.md (the Go checks
// counted the bastion): a running instance of the VPC that is neither named
// webserver#N nor registered in the target group is not a web server, so
// it does not make up the second AZ of web.two_az.
func TestBastionIsNoWebServer(t *testing.T) {
	l := step3Lab(t)
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	var web1, web2 *grader.Instance
	for i := range snap.Instances {
		switch strings.ToLower(snap.Instances[i].Name) {
		case "webserver#1-" + st.Login:
			web1 = &snap.Instances[i]
		case "webserver#2-" + st.Login:
			web2 = &snap.Instances[i]
		}
	}
	if web1 == nil || web2 == nil || web1.AZ == web2.AZ {
		t.Fatalf("web servers of %s: %+v %+v", st.Login, web1, web2)
	}
	// Web server #2 is stopped; a bastion runs where it ran.
	bastion := *web2
	bastion.ID, bastion.Name = "i-bastion", "bastion-"+st.Login
	web2.State = "stopped"
	snap.Instances = append(snap.Instances, bastion)

	neu := l.Evaluate(lab.NewWorld(snap), st, nil)
	if got := statusOf(t, neu.Results, "web.two_az"); got.Status != grader.StatusFail {
		t.Errorf("lab web.two_az = %s (%s), want fail: a bastion is no web server", got.Status, got.Message.EN)
	}
}

// TestRenamedVPCInOwnAccount: the dedicated-account fallback takes the
// lone non-default VPC under another name, with a warning; in a shared
// account the same VPC is not found.
func TestRenamedVPCInOwnAccount(t *testing.T) {
	l := step3Lab(t)
	for _, accounts := range []int{30, 1} {
		c, snap := finishedClass(t, accounts)
		st := passingStudent(t, l, c, snap)
		for i := range snap.VPCs {
			if snap.VPCs[i].Name == "vpc-"+st.Login {
				snap.VPCs[i].Name = "my-vpc"
			}
		}
		res := statusOf(t, l.Evaluate(lab.NewWorld(snap), st, nil).Results, "network.vpc")
		want := grader.StatusWarn
		if !st.Dedicated {
			want = grader.StatusFail
		}
		if res.Status != want {
			t.Errorf("dedicated %t: network.vpc = %s (%s), want %s", st.Dedicated, res.Status, res.Message.EN, want)
		}
		if want == grader.StatusWarn && !strings.Contains(res.Message.EN, `"my-vpc" differs from the expected "vpc-`+st.Login+`"`) {
			t.Errorf("the warning does not name both names: %s", res.Message.EN)
		}
	}
}

// TestUnreadableDataIsError: when RDS could not be read, the checks that
// read it are error, the others judged as usual.
func TestUnreadableDataIsError(t *testing.T) {
	l := step3Lab(t)
	c, snap := finishedClass(t, 1)
	st := passingStudent(t, l, c, snap)
	snap.MarkUnavailable(grader.DataDBClusters, errors.New("AccessDenied: not authorized"))
	rep := l.Evaluate(lab.NewWorld(snap), st, nil)
	if got := statusOf(t, rep.Results, "aurora.cluster").Status; got != grader.StatusError {
		t.Errorf("aurora.cluster = %s, want error", got)
	}
	if got := statusOf(t, rep.Results, "alb.exists").Status; got != grader.StatusPass {
		t.Errorf("alb.exists = %s, want pass", got)
	}
}

// TestRuntimeErrorIsError: a rule that fails at run time (an index out of
// range on odd data) makes its check error with the reason, not a panic
// and not a fail.
func TestRuntimeErrorIsError(t *testing.T) {
	src := strings.Replace(minimal, "expression: variables.public.size() >= 2", "expression: variables.public[5].public", 1)
	l, err := lab.Load("tiny.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	snap := &grader.Snapshot{VPCs: []grader.VPC{{ID: "vpc-1", Name: "vpc-user01", CIDR: "10.0.0.0/16"}}}
	rep := l.Evaluate(lab.NewWorld(snap), grader.Student{Login: "user01"}, nil)
	if got := statusOf(t, rep.Results, "net.vpc").Status; got != grader.StatusPass {
		t.Errorf("net.vpc = %s, want pass", got)
	}
	res := statusOf(t, rep.Results, "net.subnets")
	if res.Status != grader.StatusError || !strings.Contains(res.Message.EN, "line 37") || !strings.Contains(res.Message.EN, "index") {
		t.Errorf("net.subnets = %s (%s), want error naming the rule's line and the reason", res.Status, res.Message.EN)
	}
}

// TestFailoverMemoryIsSticky: a writer change seen between two scans keeps
// aurora.failover passing after a fail-back.
func TestFailoverMemoryIsSticky(t *testing.T) {
	l := step3Lab(t)
	st := grader.Student{Login: "user01"}
	snapWith := func(writer string) *grader.Snapshot {
		return &grader.Snapshot{
			DBClusters: []grader.DBCluster{{ID: "wp-user01-cluster", Status: "available", Members: []grader.DBClusterMember{
				{InstanceID: "wp-user01", IsWriter: writer == "wp-user01"},
				{InstanceID: "wp-user01-slave", IsWriter: writer == "wp-user01-slave"},
			}}},
			DBInstances: []grader.DBInstance{
				{ID: "wp-user01", Status: "available", AZ: "ap-northeast-1d", Class: "db.t2.small"},
				{ID: "wp-user01-slave", Status: "available", AZ: "ap-northeast-1c", Class: "db.t2.small"},
			},
		}
	}
	var mem grader.Memory
	for i, step := range []struct {
		writer string
		want   grader.Status
	}{
		{"wp-user01", grader.StatusFail},       // Step 2's writer: no failover yet
		{"wp-user01-slave", grader.StatusPass}, // failed over
		{"wp-user01", grader.StatusPass},       // failed back: it still happened
	} {
		rep := l.Evaluate(lab.NewWorld(snapWith(step.writer)), st, mem)
		mem = rep.Memory
		if got := statusOf(t, rep.Results, "aurora.failover"); got.Status != step.want {
			t.Errorf("scan %d (writer %s): aurora.failover = %s (%s), want %s", i+1, step.writer, got.Status, got.Message.EN, step.want)
		}
	}
}

// TestEvaluateSharedWorld: students judged in parallel over one World get
// the reports they get one after the other (the World caches what its
// records show; run with -race).
func TestEvaluateSharedWorld(t *testing.T) {
	l := step3Lab(t)
	c, snap := finishedClass(t, 0)
	students := c.Roster()
	want := make([]grader.Report, len(students))
	w := lab.NewWorld(snap)
	for i, st := range students {
		want[i] = l.Evaluate(w, st, nil)
	}
	got := make([]grader.Report, len(students))
	shared := lab.NewWorld(snap)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(students); i += 4 {
				got[i] = l.Evaluate(shared, students[i], nil)
			}
		})
	}
	wg.Wait()
	for i := range students {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: judged in parallel:\n%+v\none after the other:\n%+v", students[i].Login, got[i], want[i])
		}
	}
}

// TestNoCheckEnabled: a class that disables every check gets a report
// without results (null in JSON, as before any check existed), not an
// empty list.
func TestNoCheckEnabled(t *testing.T) {
	l := step3Lab(t)
	no := false
	o := lab.Override{Checks: map[string]lab.CheckOverride{}}
	for _, c := range l.Checks {
		o.Checks[c.ID] = lab.CheckOverride{Enabled: &no}
	}
	off, err := l.With(o)
	if err != nil {
		t.Fatal(err)
	}
	c, snap := finishedClass(t, 0)
	rep := off.Evaluate(lab.NewWorld(snap), c.Roster()[0], nil)
	if rep.Results != nil || rep.Score != 0 || rep.MaxScore != 0 {
		t.Errorf("Evaluate with every check disabled = %d results (nil: %t), score %d/%d", len(rep.Results), rep.Results == nil, rep.Score, rep.MaxScore)
	}
}
