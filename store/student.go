package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
	"labgrid/roster"
)

// Student is a roster row as stored. Dedicated is not stored (it depends
// on the whole roster) and is false here: Roster sets it.
type Student struct {
	grader.Student
	ID            int64
	ClassID       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastScannedAt time.Time // zero: never scanned
}

// studentColumns are the columns of a Student in studentTables: the last
// scan is kept with what SaveScan writes of the student (student_memory).
const studentColumns = `students.id, class_id, login, display_name, account_id, role_arn, external_id,
	region, email, sis_id, section, created_at, updated_at, scan.scanned_at`

const studentTables = "students LEFT JOIN student_memory scan ON scan.student_id = students.id"

func scanStudent(row rowScanner) (Student, error) {
	var (
		st      Student
		scanned *time.Time
	)
	err := row.Scan(&st.ID, &st.ClassID, &st.Login, &st.DisplayName, &st.AccountID, &st.RoleARN, &st.ExternalID,
		&st.Region, &st.Email, &st.SISID, &st.Section, &st.CreatedAt, &st.UpdatedAt, &scanned)
	if err != nil {
		return Student{}, err
	}
	if scanned != nil {
		st.LastScannedAt = *scanned
	}
	return st, nil
}

// Student finds a student by id.
func (s *Store) Student(ctx context.Context, id int64) (Student, error) {
	st, err := scanStudent(s.db.QueryRow(ctx, "SELECT "+studentColumns+" FROM "+studentTables+" WHERE students.id = $1", id))
	if err != nil {
		return Student{}, notFound(err, "student %d", id)
	}
	return st, nil
}

// Students lists a class's students by login.
func (s *Store) Students(ctx context.Context, classID int64) ([]Student, error) {
	rows, err := s.db.Query(ctx, "SELECT "+studentColumns+" FROM "+studentTables+" WHERE class_id = $1 ORDER BY lower(login), students.id", classID)
	if err != nil {
		return nil, fmt.Errorf("list students: %w", err)
	}
	students, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Student, error) { return scanStudent(row) })
	if err != nil {
		return nil, fmt.Errorf("list students: %w", err)
	}
	return students, nil
}

// Roster is the class's students as the grader takes them, by login, with
// Dedicated set as the roster parser sets it: for a student whose account
// no other student of the class uses.
func (s *Store) Roster(ctx context.Context, classID int64) ([]grader.Student, error) {
	students, err := s.Students(ctx, classID)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	return RosterOf(students), nil
}

// RosterOf is Roster for students already read with Students.
func RosterOf(students []Student) []grader.Student {
	perAccount := map[string]int{}
	for _, st := range students {
		perAccount[st.AccountID]++
	}
	roster := make([]grader.Student, len(students))
	for i, st := range students {
		roster[i] = st.Student
		roster[i].Dedicated = perAccount[st.AccountID] == 1
	}
	return roster
}

// ImportSummary says what an import did, by login.
type ImportSummary struct {
	Added     []string
	Updated   []string
	Unchanged []string
	Removed   []string // in the class, not in the file, and pruned
	Kept      []string // in the class, not in the file, kept (no prune)
}

// ClassSizeError is an import refused because the class would have more
// students than the store's MaxClassSize. It is ErrInvalid.
type ClassSizeError struct {
	Class    string
	Students int // after the import, kept students included
	Limit    int
}

func (e *ClassSizeError) Error() string {
	return fmt.Sprintf("class %q would have %d students; the limit is %d", e.Class, e.Students, e.Limit)
}

func (e *ClassSizeError) Unwrap() error { return ErrInvalid }

// maxClassSize is the limit ImportRoster holds classes to.
func (s *Store) maxClassSize() int {
	if s.MaxClassSize > 0 {
		return s.MaxClassSize
	}
	return roster.DefaultMaxClassSize
}

// ImportRoster makes the class's students those of the roster: new logins
// are added, known ones (in any letter case) updated, and students missing
// from the roster removed only when prune is set (with their results), else
// kept. secret makes the new students' tokens; it must be the one the
// class's existing tokens were made with (ErrSecretMismatch). A class may
// not end up with more than MaxClassSize students (*ClassSizeError): every
// scan of a target saves all its students at once, and the grid shows them
// all on one page. It is one transaction: on any error nothing changes.
func (s *Store) ImportRoster(ctx context.Context, classID int64, students []grader.Student, prune bool, secret []byte) (ImportSummary, error) {
	var sum ImportSummary
	if err := checkSecret(secret); err != nil {
		return sum, fmt.Errorf("import roster: %w", err)
	}
	seen := make(map[string]bool, len(students))
	for _, st := range students {
		key := strings.ToLower(st.Login)
		if key == "" || seen[key] {
			return sum, fmt.Errorf("import roster: %w: login %q empty or given twice", ErrInvalid, st.Login)
		}
		seen[key] = true
	}

	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Imports and scans of one class take turns on the class row.
		var name string
		if err := tx.QueryRow(ctx, "SELECT name FROM classes WHERE id = $1 FOR NO KEY UPDATE", classID).Scan(&name); err != nil {
			return notFound(err, "class %d", classID)
		}
		rows, err := tx.Query(ctx, `
			SELECT `+studentColumns+`, token_salt, token_hash
			FROM `+studentTables+` WHERE class_id = $1 ORDER BY lower(login), students.id`, classID)
		if err != nil {
			return err
		}
		type existing struct {
			Student
			salt, hash []byte
		}
		current, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (existing, error) {
			var e existing
			var scanned *time.Time
			err := row.Scan(&e.ID, &e.ClassID, &e.Login, &e.DisplayName, &e.AccountID, &e.RoleARN, &e.ExternalID,
				&e.Region, &e.Email, &e.SISID, &e.Section, &e.CreatedAt, &e.UpdatedAt, &scanned, &e.salt, &e.hash)
			return e, err
		})
		if err != nil {
			return err
		}
		var kept []grader.Student
		if !prune {
			for _, e := range current {
				if !seen[strings.ToLower(e.Login)] {
					kept = append(kept, e.Student.Student)
				}
			}
		}
		if size, limit := len(students)+len(kept), s.maxClassSize(); size > limit {
			return &ClassSizeError{Class: name, Students: size, Limit: limit}
		}
		if err := checkKeptRoles(students, kept); err != nil {
			return err
		}
		byLogin := make(map[string]existing, len(current))
		for _, e := range current {
			if !tokenMatches(secret, e.salt, e.hash) {
				return ErrSecretMismatch
			}
			byLogin[strings.ToLower(e.Login)] = e
		}

		batch := &pgx.Batch{}
		for _, st := range students {
			e, ok := byLogin[strings.ToLower(st.Login)]
			switch {
			case !ok:
				salt, hash := newToken(secret)
				batch.Queue(`
					INSERT INTO students (class_id, login, display_name, account_id, role_arn, external_id,
						region, email, sis_id, section, token_salt, token_hash)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
					classID, st.Login, st.DisplayName, st.AccountID, st.RoleARN, st.ExternalID,
					st.Region, st.Email, st.SISID, st.Section, salt, hash)
				sum.Added = append(sum.Added, st.Login)
			case sameRosterRow(e.Student.Student, st):
				sum.Unchanged = append(sum.Unchanged, st.Login)
			default:
				batch.Queue(`
					UPDATE students SET login = $2, display_name = $3, account_id = $4, role_arn = $5,
						external_id = $6, region = $7, email = $8, sis_id = $9, section = $10, updated_at = now()
					WHERE id = $1`,
					e.ID, st.Login, st.DisplayName, st.AccountID, st.RoleARN, st.ExternalID,
					st.Region, st.Email, st.SISID, st.Section)
				sum.Updated = append(sum.Updated, st.Login)
			}
		}
		var gone []int64
		for _, e := range current {
			if seen[strings.ToLower(e.Login)] {
				continue
			}
			if prune {
				gone = append(gone, e.ID)
				sum.Removed = append(sum.Removed, e.Login)
			} else {
				sum.Kept = append(sum.Kept, e.Login)
			}
		}
		if len(gone) > 0 {
			batch.Queue("DELETE FROM students WHERE id = ANY($1)", gone)
		}
		if batch.Len() > 0 {
			// What SaveScan keeps of the class's students is out of date.
			batch.Queue("UPDATE classes SET scan_version = scan_version + 1 WHERE id = $1", classID)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return ImportSummary{}, fmt.Errorf("import roster: %w", err)
	}
	return sum, nil
}

// checkKeptRoles refuses an import that would give an account a role (or
// external id) other than its kept students': the students of one account
// are scanned together with one set of credentials, and the roster parser
// sees only the file. The external id is never shown.
func checkKeptRoles(students, kept []grader.Student) error {
	first := map[string]grader.Student{}
	for _, st := range students {
		if _, ok := first[st.AccountID]; !ok {
			first[st.AccountID] = st
		}
	}
	for _, k := range kept {
		f, ok := first[k.AccountID]
		if !ok || (f.RoleARN == k.RoleARN && f.ExternalID == k.ExternalID) {
			continue
		}
		role := func(st grader.Student) string {
			if st.RoleARN == "" {
				return "no role"
			}
			return "role " + st.RoleARN
		}
		what := role(f) + " but kept student " + fmt.Sprintf("%q", k.Login) + " has " + role(k)
		if f.RoleARN == k.RoleARN {
			what = "another external id than kept student " + fmt.Sprintf("%q", k.Login)
		}
		return invalid(fmt.Errorf("login %q gives account %s %s; want one role_arn and external_id per account (import every student of the account, or prune)", f.Login, k.AccountID, what))
	}
	return nil
}

// sameRosterRow reports whether a re-imported row changes nothing stored.
func sameRosterRow(a, b grader.Student) bool {
	a.Dedicated, b.Dedicated = false, false // derived, not stored
	return a == b
}
