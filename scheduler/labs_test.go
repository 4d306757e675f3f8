package scheduler

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"labgrid/grader/sim"
	"labgrid/store"
)

// checksOf lists the checks a class has current results of, and how many.
func (e *env) checksOf(t *testing.T, classID int64) map[string]int {
	t.Helper()
	rows, err := e.pool.Query(e.ctx, `SELECT r.check_id, count(*) FROM results r JOIN students s ON s.id = r.student_id
		WHERE s.class_id = $1 GROUP BY r.check_id`, classID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// A class whose labs change while a scan runs: that scan saves what it
// judged with the old labs, whole; the next judges with the new ones
// only. The timeline of the checks that left is kept.
func TestClassLabsChangeBetweenScans(t *testing.T) {
	t.Parallel()
	e := setup(t)
	class := sim.New(sim.Options{Students: 2, Accounts: 1})
	c := mustClass(t, e.ctx, e.store, "labs-change", class.Roster())
	rec := newRecorder(class, 0)
	cfg := quickConfig(time.Hour) // one scheduled scan at the start, then check-nows only
	s := e.start(t, nil, rec, cfg)
	eventually(t, 10*time.Second, "the first scan of everyone", func() bool { return e.allScannedSince(t, c.ID, time.Time{}) })
	eventually(t, 5*time.Second, "the first scans done", func() bool {
		return e.count(t, "SELECT count(*) FROM river_job WHERE kind = 'labgrid_scan_target' AND state <> 'completed'") == 0
	})
	judge, err := classJudge(c)
	if err != nil {
		t.Fatal(err)
	}
	var oldChecks []string
	for _, ch := range judge.Checks() {
		oldChecks = append(oldChecks, ch.ID)
	}
	slices.Sort(oldChecks)
	if got := sortedKeys(e.checksOf(t, c.ID)); !slices.Equal(got, oldChecks) {
		t.Fatalf("first scan: results of %v, want %v", got, oldChecks)
	}
	lastChange := e.count(t, "SELECT coalesce(max(id), 0)::int FROM result_changes")
	history := e.count(t, "SELECT count(*) FROM result_changes WHERE id <= $1", lastChange)
	if history == 0 {
		t.Fatal("no timeline after the first scan")
	}

	// The new labs: examples/lab.yaml kept as a file, its checks renamed
	// apart from the shipped lab's.
	data, err := os.ReadFile("../examples/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := []byte(strings.ReplaceAll(strings.Replace(string(data), "id: vpc-basics", "id: mine", 1), "network", "vnet"))
	newLabs := []store.ClassLab{{ID: "mine", Source: text}}
	newJudge, err := classJudge(store.Class{Labs: []store.ClassLab{{ID: "mine", Source: text, SHA256: store.LabFileSHA256(text)}}})
	if err != nil {
		t.Fatal(err)
	}
	var newChecks []string
	for _, ch := range newJudge.Checks() {
		newChecks = append(newChecks, ch.ID)
	}
	slices.Sort(newChecks)

	// A scan under way when the labs change.
	target := class.Roster()[0].TargetOf("").String()
	release := make(chan struct{})
	rec.mu.Lock()
	rec.block = release
	rec.mu.Unlock()
	before := len(rec.snapshots(target))
	inFlight, err := s.CheckNow(e.ctx, c.ID, "user01")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the scan under way", func() bool { return len(rec.snapshots(target)) > before })
	if _, err := e.store.SetClassLabs(e.ctx, c.ID, newLabs, "", newChecks); err != nil {
		t.Fatal(err)
	}
	if got := e.checksOf(t, c.ID); len(got) != 0 {
		t.Errorf("results right after the change: %v, want none (the old checks left; the new ones not judged yet)", got)
	}
	rec.mu.Lock()
	rec.block = nil
	rec.mu.Unlock()
	close(release)
	eventually(t, 10*time.Second, "the scan under way done", func() bool {
		job, err := s.client.JobGet(e.ctx, inFlight.JobID)
		return err == nil && job.State == rivertype.JobStateCompleted
	})
	if got := sortedKeys(e.checksOf(t, c.ID)); !slices.Equal(got, oldChecks) {
		t.Errorf("the scan begun before the change saved %v, want the old labs' %v whole", got, oldChecks)
	}

	// The next scan judges with the new labs only.
	next, err := s.CheckNow(e.ctx, c.ID, "user01")
	if err != nil {
		t.Fatal(err)
	}
	if next.JobID == inFlight.JobID {
		t.Fatal("the check-now was folded into the previous one")
	}
	eventually(t, 10*time.Second, "the scan after the change done", func() bool {
		job, err := s.client.JobGet(e.ctx, next.JobID)
		return err == nil && job.State == rivertype.JobStateCompleted
	})
	got := e.checksOf(t, c.ID)
	if keys := sortedKeys(got); !slices.Equal(keys, newChecks) {
		t.Errorf("the scan after the change: results of %v, want only %v", keys, newChecks)
	}
	for _, id := range newChecks {
		if got[id] != 2 {
			t.Errorf("%d results of %s, want one per student", got[id], id)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM result_changes WHERE id <= $1", lastChange); n != history {
		t.Errorf("%d timeline rows from before the change, want %d kept", n, history)
	}
	if n := e.count(t, "SELECT count(*) FROM result_changes WHERE check_id = ANY($1)", oldChecks); n < history {
		t.Errorf("%d timeline rows of the old checks, want at least %d", n, history)
	}
	if n := e.count(t, "SELECT count(*) FROM result_changes WHERE check_id = ANY($1)", newChecks); n == 0 {
		t.Error("no timeline of the new checks")
	}
}
