package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/roster"
)

func TestImportRoster(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c := mustClass(t, ctx, s, "import")
	secret := []byte(testSecret)
	students := rosterOf(3)
	students[0].RoleARN = "arn:aws:iam::111122220000:role/labgrid-grader"
	students[0].ExternalID = "ext-secret-1"
	students[1].Region = "us-east-1"
	students[1].Email = "b@example.com"
	students[2].SISID, students[2].Section = "S-3", "A"

	sum, err := s.ImportRoster(ctx, c.ID, students, false, secret)
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, "first import", sum, ImportSummary{Added: []string{"user01", "user02", "user03"}})

	got, err := s.Students(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("Students = %d rows, want 3", len(got))
	}
	for i, st := range got {
		want := students[i]
		want.Dedicated = false
		if st.Student != want || st.ClassID != c.ID || st.ID == 0 || !st.LastScannedAt.IsZero() {
			t.Errorf("student %d = %+v, want %+v", i, st, want)
		}
	}

	// The same file again changes nothing.
	sum, err = s.ImportRoster(ctx, c.ID, students, false, secret)
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, "same file", sum, ImportSummary{Unchanged: []string{"user01", "user02", "user03"}})

	// Logins match in any case; a changed column is an update; a student
	// missing from the file is kept without prune.
	next := []grader.Student{students[0], students[1], rosterOf(4)[3]}
	next[0].DisplayName = "新しい名前"
	next[1].Login = "USER02"
	sum, err = s.ImportRoster(ctx, c.ID, next, false, secret)
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, "update", sum, ImportSummary{Added: []string{"user04"}, Updated: []string{"user01", "USER02"}, Kept: []string{"user03"}})
	user01 := got[0]
	again, err := s.Student(ctx, user01.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.DisplayName != "新しい名前" || again.ID != user01.ID || again.ExternalID != "ext-secret-1" {
		t.Errorf("updated student = %+v", again)
	}

	// Results of a pruned student go with them.
	res := scanOf([]grader.Student{students[2]}, testTime, allStatus(grader.StatusFail))
	if _, err := s.SaveScan(ctx, c.ID, TriggerCLI, res); err != nil {
		t.Fatal(err)
	}
	sum, err = s.ImportRoster(ctx, c.ID, next, true, secret)
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, "prune", sum, ImportSummary{Unchanged: []string{"user01", "USER02", "user04"}, Removed: []string{"user03"}})
	if n := count(t, ctx, s, "SELECT count(*) FROM students WHERE class_id = $1", c.ID); n != 3 {
		t.Errorf("%d students after prune, want 3", n)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM results r JOIN students s ON s.id = r.student_id WHERE s.class_id = $1", c.ID); n != 0 {
		t.Errorf("%d results left of the pruned student", n)
	}

	// Another class may use the same logins.
	other := mustClass(t, ctx, s, "import-other")
	if _, err := s.ImportRoster(ctx, other.ID, students, false, secret); err != nil {
		t.Errorf("same logins in another class: %v", err)
	}
}

func TestImportRosterFailureChangesNothing(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "import-fail", 3)
	before := snapshotStudents(t, ctx, s, c.ID)

	// PostgreSQL refuses the NUL in the last row after the other rows were
	// sent: the update and the additions before it must be undone too.
	bad := append(rosterOf(5), grader.Student{Login: "user06", AccountID: "bad\x00"})
	bad[0].DisplayName = "changed"
	if _, err := s.ImportRoster(ctx, c.ID, bad, true, []byte(testSecret)); err == nil {
		t.Fatal("import with a NUL byte succeeded")
	}
	// Invalid input and a wrong secret are refused before any write.
	dup := append(rosterOf(2), grader.Student{Login: "USER01", AccountID: "111122223333"})
	if _, err := s.ImportRoster(ctx, c.ID, dup, true, []byte(testSecret)); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate login: err = %v, want ErrInvalid", err)
	}
	if _, err := s.ImportRoster(ctx, c.ID, rosterOf(5), true, []byte("another-secret-0123456789abcdefghij")); !errors.Is(err, ErrSecretMismatch) {
		t.Errorf("another secret: err = %v, want ErrSecretMismatch", err)
	}
	if _, err := s.ImportRoster(ctx, c.ID, rosterOf(5), true, []byte("short")); !errors.Is(err, ErrInvalid) {
		t.Errorf("short secret: err = %v, want ErrInvalid", err)
	}
	if _, err := s.ImportRoster(ctx, -1, students, false, []byte(testSecret)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown class: err = %v, want ErrNotFound", err)
	}

	if after := snapshotStudents(t, ctx, s, c.ID); !slices.Equal(before, after) {
		t.Errorf("failed imports changed the students:\nbefore %v\nafter  %v", before, after)
	}
}

func TestRoster(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c := mustClass(t, ctx, s, "roster")
	students := rosterOf(3)
	students[1].AccountID = students[0].AccountID // two students share an account
	if _, err := s.ImportRoster(ctx, c.ID, students, false, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Roster(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var dedicated []bool
	for _, st := range got {
		dedicated = append(dedicated, st.Dedicated)
	}
	if !slices.Equal(dedicated, []bool{false, false, true}) {
		t.Errorf("Dedicated = %v, want [false false true]", dedicated)
	}
}

func wantSummary(t *testing.T, what string, got, want ImportSummary) {
	t.Helper()
	eq := func(a, b []string) bool { return slices.Equal(a, b) || len(a)+len(b) == 0 }
	if !eq(got.Added, want.Added) || !eq(got.Updated, want.Updated) || !eq(got.Unchanged, want.Unchanged) ||
		!eq(got.Removed, want.Removed) || !eq(got.Kept, want.Kept) {
		t.Errorf("%s: summary = %+v, want %+v", what, got, want)
	}
}

// snapshotStudents is every stored column of the class's students, as text.
func snapshotStudents(t *testing.T, ctx context.Context, s *Store, classID int64) []string {
	t.Helper()
	rows, err := s.db.Query(ctx, "SELECT s::text FROM students s WHERE class_id = $1 ORDER BY id", classID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A class may have at most MaxClassSize students (roster.DefaultMaxClassSize
// unless set) after the import: kept students count too. A refused import
// changes nothing.
func TestImportRosterClassSizeLimit(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	limit := roster.DefaultMaxClassSize
	c, _ := mustImport(t, ctx, s, "size-limit", limit) // at the limit: allowed
	before := snapshotStudents(t, ctx, s, c.ID)

	refused := func(what string, students []grader.Student, prune bool, wantCount int) {
		t.Helper()
		_, err := s.ImportRoster(ctx, c.ID, students, prune, []byte(testSecret))
		var se *ClassSizeError
		if !errors.As(err, &se) || !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: err = %v, want a *ClassSizeError that is ErrInvalid", what, err)
		}
		if se.Class != "size-limit" || se.Students != wantCount || se.Limit != limit {
			t.Errorf("%s: error %+v, want class size-limit, %d students, limit %d", what, *se, wantCount, limit)
		}
		want := fmt.Sprintf(`class "size-limit" would have %d students; the limit is %d`, wantCount, limit)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want it to contain %q", what, err, want)
		}
		if after := snapshotStudents(t, ctx, s, c.ID); !slices.Equal(before, after) {
			t.Errorf("%s: a refused import changed the students", what)
		}
	}

	// One over, with a change to a known student that must not be made.
	over := rosterOf(limit + 1)
	over[0].DisplayName = "changed"
	refused("one over the limit", over, true, limit+1)
	// Without prune the kept students count: one new student is one over.
	extra := []grader.Student{{Login: "newcomer", AccountID: "999988887777"}}
	refused("one added to a full class", extra, false, limit+1)

	// With prune, one in and one out keeps the class at the limit.
	swap := append(rosterOf(limit - 1)[:limit-1:limit-1], extra...)
	sum, err := s.ImportRoster(ctx, c.ID, swap, true, []byte(testSecret))
	if err != nil || len(sum.Added) != 1 || len(sum.Removed) != 1 {
		t.Fatalf("swapping one student at the limit: %+v, %v", sum, err)
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM students WHERE class_id = $1", c.ID); n != limit {
		t.Errorf("%d students after the swap, want %d", n, limit)
	}

	// The limit is a setting.
	small := New(s.db)
	small.MaxClassSize = 2
	c2 := mustClass(t, ctx, small, "size-small")
	if _, err := small.ImportRoster(ctx, c2.ID, rosterOf(2), false, []byte(testSecret)); err != nil {
		t.Fatalf("2 students with a limit of 2: %v", err)
	}
	_, err = small.ImportRoster(ctx, c2.ID, extra, false, []byte(testSecret))
	if want := `class "size-small" would have 3 students; the limit is 2`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("3 students with a limit of 2: err = %v, want %q", err, want)
	}
}

// The students of one account are scanned with one set of credentials: an
// import without prune may not give an account a role its kept students
// do not have.
func TestImportRosterOneRolePerAccount(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c := mustClass(t, ctx, s, "one-role")
	first := []grader.Student{{Login: "u1", AccountID: "111122223333"}, {Login: "u2", AccountID: "444455556666"}}
	if _, err := s.ImportRoster(ctx, c.ID, first, false, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	before := snapshotStudents(t, ctx, s, c.ID)
	role := "arn:aws:iam::111122223333:role/LabGrid"
	other := []grader.Student{{Login: "u3", AccountID: "111122223333", RoleARN: role, ExternalID: "secret-ext"}}
	_, err := s.ImportRoster(ctx, c.ID, other, false, []byte(testSecret))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"u1"`) || !strings.Contains(err.Error(), `"u3"`) || !strings.Contains(err.Error(), "111122223333") {
		t.Fatalf("a second role for a kept student's account: err = %v, want ErrInvalid naming u1, u3 and the account", err)
	}
	if strings.Contains(err.Error(), "secret-ext") {
		t.Errorf("the error shows the external id: %v", err)
	}
	if after := snapshotStudents(t, ctx, s, c.ID); !slices.Equal(before, after) {
		t.Error("a refused import changed the students")
	}
	// The account's students may change its role together; u2, kept, is
	// in another account.
	both := []grader.Student{{Login: "u1", AccountID: "111122223333", RoleARN: role}, {Login: "u3", AccountID: "111122223333", RoleARN: role}}
	if _, err := s.ImportRoster(ctx, c.ID, both, false, []byte(testSecret)); err != nil {
		t.Errorf("one new role for all of an account's students: %v", err)
	}
	// With prune nobody is kept: only the file counts.
	alone := []grader.Student{{Login: "u4", AccountID: "111122223333"}}
	if _, err := s.ImportRoster(ctx, c.ID, alone, true, []byte(testSecret)); err != nil {
		t.Errorf("pruning import: %v", err)
	}
}
