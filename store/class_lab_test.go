package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

func TestCreateClassWithLabs(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	source := []byte("id: mine\n# an instructor's lab\n")
	sum := sha256.Sum256(source)
	c, err := s.CreateClass(ctx, "labs-a", "", []ClassLab{{ID: "step-3"}, {ID: "mine", Source: source}})
	if err != nil {
		t.Fatal(err)
	}
	want := []ClassLab{{ID: "step-3"}, {ID: "mine", Source: source, SHA256: hex.EncodeToString(sum[:])}}
	same := func(got []ClassLab) bool {
		return slices.EqualFunc(got, want, func(a, b ClassLab) bool {
			return a.ID == b.ID && bytes.Equal(a.Source, b.Source) && a.SHA256 == b.SHA256
		})
	}
	if !same(c.Labs) {
		t.Errorf("CreateClass labs = %+v, want %+v", c.Labs, want)
	}
	if got, err := s.Class(ctx, c.ID); err != nil || !same(got.Labs) {
		t.Errorf("Class labs = %+v, %v", got.Labs, err)
	}
	if got, err := s.ClassByName(ctx, "LABS-A"); err != nil || !same(got.Labs) {
		t.Errorf("ClassByName labs = %+v, %v", got.Labs, err)
	}
	mustClass(t, ctx, s, "labs-b")
	classes, err := s.Classes(ctx)
	if err != nil || len(classes) != 2 || !same(classes[0].Labs) || len(classes[1].Labs) != 1 || classes[1].Labs[0].ID != "step-3" || classes[1].Labs[0].Source != nil {
		t.Errorf("Classes = %+v, %v", classes, err)
	}
	// The hash kept is the one of the text kept, in the database too.
	if n := count(t, ctx, s, "SELECT count(*) FROM class_labs WHERE class_id = $1 AND sha256 = encode(sha256(source), 'hex')", c.ID); n != 1 {
		t.Errorf("%d stored files whose hash is their text's, want 1", n)
	}
	// A hash given must be the file's.
	if _, err := s.CreateClass(ctx, "labs-c", "", []ClassLab{{ID: "mine", Source: source, SHA256: want[1].SHA256}}); err != nil {
		t.Errorf("the right hash given: %v", err)
	}
}

func TestCreateClassBadLabsChangesNothing(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	many := make([]ClassLab, MaxClassLabs+1)
	for i := range many {
		many[i] = ClassLab{ID: fmt.Sprintf("lab-%d", i)}
	}
	for name, ls := range map[string][]ClassLab{
		"none":          nil,
		"too many":      many,
		"twice":         {{ID: "step-3"}, {ID: "step-3"}},
		"no id":         {{ID: ""}},
		"long id":       {{ID: strings.Repeat("a", 65)}},
		"large file":    {{ID: "big", Source: bytes.Repeat([]byte("#"), MaxLabFileBytes+1)}},
		"wrong hash":    {{ID: "mine", Source: []byte("id: mine\n"), SHA256: strings.Repeat("0", 64)}},
		"hash, no file": {{ID: "step-3", SHA256: strings.Repeat("0", 64)}},
	} {
		if _, err := s.CreateClass(ctx, "bad-labs", "", ls); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM classes"); n != 0 {
		t.Errorf("%d classes after bad input, want 0", n)
	}
	if _, err := s.CreateClass(ctx, "most-labs", "", many[:MaxClassLabs]); err != nil {
		t.Errorf("%d labs: %v", MaxClassLabs, err)
	}
	if _, err := s.CreateClass(ctx, "big-file", "", []ClassLab{{ID: "big", Source: bytes.Repeat([]byte("#"), MaxLabFileBytes)}}); err != nil {
		t.Errorf("a file of %d bytes: %v", MaxLabFileBytes, err)
	}
	if _, err := s.CreateClass(ctx, "most-labs", "", defaultLabs); !errors.Is(err, ErrConflict) {
		t.Errorf("name taken: err = %v, want ErrConflict", err)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM class_labs"); n != MaxClassLabs+1 {
		t.Errorf("%d class labs, want %d", n, MaxClassLabs+1)
	}
}

// scanChecks judges every student on checks with status.
func scanChecks(students []grader.Student, at time.Time, st grader.Status, checks ...string) *grader.ScanResult {
	res := &grader.ScanResult{StartedAt: at.Add(-time.Second), FinishedAt: at}
	for _, stu := range students {
		rep := grader.Report{Student: stu}
		for _, id := range checks {
			rep.Results = append(rep.Results, result(id, st, at))
		}
		res.Reports = append(res.Reports, rep)
	}
	return res
}

func checksOf(t *testing.T, ctx context.Context, s *Store, classID int64) map[string]int {
	t.Helper()
	rows, err := s.db.Query(ctx, `SELECT r.check_id, count(*) FROM results r JOIN students s ON s.id = r.student_id
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

func TestSetClassLabs(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "set-labs", 2)
	other := mustClass(t, ctx, s, "set-labs-other")
	if _, err := s.ImportRoster(ctx, other.ID, []grader.Student{{Login: "else01", AccountID: "999988887777", Dedicated: true}}, false, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	old := []string{"x.one", "x.two", "y.one"}
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, scanChecks(students, testTime, grader.StatusFail, old...)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, scanChecks(students, testTime.Add(time.Minute), grader.StatusPass, old...)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveScan(ctx, other.ID, TriggerCLI, scanChecks([]grader.Student{{Login: "else01"}}, testTime, grader.StatusFail, "y.one")); err != nil {
		t.Fatal(err)
	}
	history := count(t, ctx, s, "SELECT count(*) FROM result_changes")

	source := []byte("id: x\n")
	got, err := s.SetClassLabs(ctx, c.ID, []ClassLab{{ID: "x", Source: source}, {ID: "z"}}, "checks: {}\n", []string{"x.one", "x.two", "z.one"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Labs) != 2 || got.Labs[0].SHA256 != LabFileSHA256(source) || got.Labs[1].ID != "z" || got.RubricYAML != "checks: {}\n" {
		t.Errorf("SetClassLabs = %+v", got)
	}
	if read, err := s.Class(ctx, c.ID); err != nil || len(read.Labs) != 2 || read.Labs[0].ID != "x" || read.RubricYAML != "checks: {}\n" {
		t.Errorf("Class after SetClassLabs = %+v, %v", read, err)
	}
	// The removed lab's check leaves the grid now, not at the next scan;
	// another class's results of the same check stay.
	if got := checksOf(t, ctx, s, c.ID); len(got) != 2 || got["x.one"] != 2 || got["x.two"] != 2 {
		t.Errorf("results after SetClassLabs = %v, want x.one and x.two", got)
	}
	if got := checksOf(t, ctx, s, other.ID); got["y.one"] != 1 {
		t.Errorf("the other class's results = %v", got)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM result_changes"); n != history {
		t.Errorf("%d timeline rows after SetClassLabs, want %d kept", n, history)
	}

	// Back to the first labs: a check that comes back is written again,
	// though it is judged as it was before it left.
	if _, err := s.SetClassLabs(ctx, c.ID, defaultLabs, "", old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, scanChecks(students, testTime.Add(2*time.Minute), grader.StatusPass, old...)); err != nil {
		t.Fatal(err)
	}
	if got := checksOf(t, ctx, s, c.ID); len(got) != 3 || got["y.one"] != 2 {
		t.Errorf("results after the check came back = %v, want all three", got)
	}
}

func TestSetClassLabsBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "set-bad", 1)
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, scanChecks(students, testTime, grader.StatusFail, "x.one", "y.one")); err != nil {
		t.Fatal(err)
	}
	many := make([]ClassLab, MaxClassLabs+1)
	for i := range many {
		many[i] = ClassLab{ID: fmt.Sprintf("lab-%d", i)}
	}
	for name, ls := range map[string][]ClassLab{
		"none":       nil,
		"too many":   many,
		"twice":      {{ID: "z"}, {ID: "z"}},
		"large file": {{ID: "big", Source: bytes.Repeat([]byte("#"), MaxLabFileBytes+1)}},
		"wrong hash": {{ID: "mine", Source: []byte("id: mine\n"), SHA256: strings.Repeat("0", 64)}},
	} {
		if _, err := s.SetClassLabs(ctx, c.ID, ls, "changed", []string{"x.one"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.SetClassLabs(ctx, c.ID, []ClassLab{{ID: "z"}}, "changed", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nothing kept: err = %v, want ErrInvalid", err)
	}
	if _, err := s.SetClassLabs(ctx, -1, []ClassLab{{ID: "z"}}, "changed", []string{"x.one"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("no such class: err = %v, want ErrNotFound", err)
	}
	got, err := s.Class(ctx, c.ID)
	if err != nil || len(got.Labs) != 1 || got.Labs[0].ID != "step-3" || got.RubricYAML != "" {
		t.Errorf("class after bad input = %+v, %v", got, err)
	}
	if got := checksOf(t, ctx, s, c.ID); len(got) != 2 {
		t.Errorf("results after bad input = %v, want both", got)
	}
}
