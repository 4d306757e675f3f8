package store

import (
	"labgrid/grader/lab"
	"labgrid/labs"
	"sync"

	"context"
	"fmt"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testSecret = "test-secret-0123456789abcdefghijklmnop"

var testTime = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// setup is a Store on a transaction that is rolled back when the test ends.
func setup(t testing.TB) (context.Context, *Store) {
	t.Helper()
	return context.Background(), New(pgtest.Tx(t))
}

// defaultLabs are the labs of a class made by the tests.
var defaultLabs = []ClassLab{{ID: "step-3"}}

func mustClass(t testing.TB, ctx context.Context, s *Store, name string) Class {
	t.Helper()
	c, err := s.CreateClass(ctx, name, "", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rosterOf is n students user01…, each in an account of their own.
func rosterOf(n int) []grader.Student {
	students := make([]grader.Student, n)
	for i := range students {
		students[i] = grader.Student{
			Login:       fmt.Sprintf("user%02d", i+1),
			DisplayName: fmt.Sprintf("学生 %d", i+1),
			AccountID:   fmt.Sprintf("%012d", 111122220000+i),
			Dedicated:   true,
		}
	}
	return students
}

// mustImport creates a class with n students and returns it with them.
func mustImport(t testing.TB, ctx context.Context, s *Store, name string, n int) (Class, []grader.Student) {
	t.Helper()
	c := mustClass(t, ctx, s, name)
	students := rosterOf(n)
	if _, err := s.ImportRoster(ctx, c.ID, students, false, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	return c, students
}

// checkIDs are the ids of the default labs' enabled checks (17).
func checkIDs() []string {
	var ids []string
	for _, c := range defaultSet().Checks() {
		ids = append(ids, c.ID)
	}
	return ids
}

// defaultSet is the set of labs a class gets by default.
var defaultSet = sync.OnceValue(func() *lab.Set {
	set, err := labs.ForClass(nil, "")
	if err != nil {
		panic(err)
	}
	return set
})

// result is a check's result whose message, hint and evidence follow its
// status, as the grader's do.
func result(check string, st grader.Status, at time.Time) grader.Result {
	r := grader.Result{
		CheckID:    check,
		Status:     st,
		Required:   true,
		MaxPoints:  5,
		Message:    grader.Text{JA: check + " は " + string(st), EN: check + " is " + string(st)},
		Evidence:   []string{check + ": " + string(st)},
		ObservedAt: at,
	}
	if st.Passed() {
		r.Points = 5
	} else {
		r.Hint = grader.Text{JA: "ヒント " + check, EN: "hint " + check}
	}
	return r
}

// scanOf judges every student on every check with status(login, check).
func scanOf(students []grader.Student, at time.Time, status func(login, check string) grader.Status) *grader.ScanResult {
	res := &grader.ScanResult{
		StartedAt:  at.Add(-time.Second),
		FinishedAt: at,
		AWSCalls:   13,
		Targets:    []grader.TargetScan{{Target: grader.Target{AccountID: "111122223333", Region: "ap-northeast-1"}, Students: len(students), AWSCalls: 13}},
	}
	for _, st := range students {
		rep := grader.Report{Student: st}
		for _, id := range checkIDs() {
			rep.Results = append(rep.Results, result(id, status(st.Login, id), at))
		}
		res.Reports = append(res.Reports, rep)
	}
	return res
}

func allStatus(st grader.Status) func(string, string) grader.Status {
	return func(string, string) grader.Status { return st }
}

func count(t testing.TB, ctx context.Context, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
