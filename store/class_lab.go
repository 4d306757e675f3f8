package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

const (
	// MaxClassLabs is how many labs a class may have.
	MaxClassLabs = 16
	// MaxLabFileBytes bounds an instructor's lab file: it is kept in the
	// database and compiled by every replica.
	MaxLabFileBytes = 256 << 10
	// maxLabIDBytes bounds a lab's id, as the schema does.
	maxLabIDBytes = 64
)

// ClassLab is one of a class's labs: a lab shipped with labgrid, named by
// its id, or an instructor's lab file kept whole (Source) with its
// SHA-256, so that every replica grades with the same text. The store
// knows no lab: what the labs are is the caller's (package labs).
type ClassLab struct {
	// ID is the lab's id: a shipped lab's, or the one the file declares.
	ID string
	// Source is the lab file; empty for a shipped lab.
	Source []byte
	// SHA256 is the hex SHA-256 of Source; empty for a shipped lab.
	// CreateClass and SetClassLabs fill it in when it is empty.
	SHA256 string
}

// Shipped reports whether the lab is one of labgrid's own (no file).
func (l ClassLab) Shipped() bool { return len(l.Source) == 0 }

// LabFileSHA256 is the hex SHA-256 a lab file is kept with.
func LabFileSHA256(source []byte) string {
	sum := sha256.Sum256(source)
	return hex.EncodeToString(sum[:])
}

// checkClassLabs validates a class's labs and returns them with every
// file's hash filled in. The labs' contents were checked by the caller;
// a hash given must be the file's.
func checkClassLabs(labs []ClassLab) ([]ClassLab, error) {
	switch {
	case len(labs) == 0:
		return nil, invalid(fmt.Errorf("a class needs at least one lab"))
	case len(labs) > MaxClassLabs:
		return nil, invalid(fmt.Errorf("%d labs: a class has at most %d", len(labs), MaxClassLabs))
	}
	out := make([]ClassLab, len(labs))
	for i, l := range labs {
		switch {
		case l.ID == "":
			return nil, invalid(fmt.Errorf("lab %d: no id", i+1))
		case len(l.ID) > maxLabIDBytes:
			return nil, invalid(fmt.Errorf("lab %d: an id of more than %d bytes", i+1, maxLabIDBytes))
		case len(l.Source) > MaxLabFileBytes:
			return nil, invalid(fmt.Errorf("lab %s: the file is larger than %d KiB", l.ID, MaxLabFileBytes>>10))
		case slices.ContainsFunc(labs[:i], func(o ClassLab) bool { return o.ID == l.ID }):
			return nil, invalid(fmt.Errorf("lab %s: given twice", l.ID))
		}
		if l.Shipped() {
			if l.SHA256 != "" {
				return nil, invalid(fmt.Errorf("lab %s: a hash without a file", l.ID))
			}
			out[i] = ClassLab{ID: l.ID}
			continue
		}
		sum := LabFileSHA256(l.Source)
		if l.SHA256 != "" && l.SHA256 != sum {
			return nil, invalid(fmt.Errorf("lab %s: the SHA-256 given is not the file's", l.ID))
		}
		out[i] = ClassLab{ID: l.ID, Source: slices.Clone(l.Source), SHA256: sum}
	}
	return out, nil
}

// writeClassLabs replaces the labs of a class, in tx.
func writeClassLabs(ctx context.Context, tx pgx.Tx, classID int64, labs []ClassLab) error {
	if _, err := tx.Exec(ctx, "DELETE FROM class_labs WHERE class_id = $1", classID); err != nil {
		return err
	}
	ids := make([]string, len(labs))
	sources := make([][]byte, len(labs))
	sums := make([]string, len(labs))
	for i, l := range labs {
		ids[i], sums[i] = l.ID, l.SHA256
		sources[i] = l.Source
		if sources[i] == nil {
			sources[i] = []byte{}
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO class_labs (class_id, position, lab_id, source, sha256)
		SELECT $1, u.ord - 1, u.lab_id, u.source, u.sha256
		FROM unnest($2::text[], $3::bytea[], $4::text[]) WITH ORDINALITY AS u(lab_id, source, sha256, ord)`,
		classID, ids, sources, sums)
	return err
}

// readClassLabs fills in the labs of classes, in one query.
func readClassLabs(ctx context.Context, db DBTX, classes []Class) error {
	if len(classes) == 0 {
		return nil
	}
	ids := make([]int64, len(classes))
	at := make(map[int64]int, len(classes))
	for i, c := range classes {
		ids[i] = c.ID
		at[c.ID] = i
	}
	rows, err := db.Query(ctx, `
		SELECT class_id, lab_id, source, sha256 FROM class_labs
		WHERE class_id = ANY($1) ORDER BY class_id, position`, ids)
	if err != nil {
		return fmt.Errorf("read class labs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			classID int64
			l       ClassLab
		)
		if err := rows.Scan(&classID, &l.ID, &l.Source, &l.SHA256); err != nil {
			return fmt.Errorf("read class labs: %w", err)
		}
		if len(l.Source) == 0 {
			l.Source = nil
		}
		c := &classes[at[classID]]
		c.Labs = append(c.Labs, l)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read class labs: %w", err)
	}
	return nil
}

// SetClassLabs replaces the labs and the rubric file of a class in one
// transaction; both must have been checked together by the caller
// (labs.ForClass). keep lists the check ids the new labs judge: the
// current results of any other check are deleted at once, so that the
// grid shows no row of a lab the class no longer has until its next scan;
// the timeline (result_changes) is kept whole. A scan that started before
// the change saves what it judged with the old labs, and the next one
// drops it again: no scan mixes the two.
func (s *Store) SetClassLabs(ctx context.Context, classID int64, labs []ClassLab, rubricYAML string, keep []string) (Class, error) {
	labs, err := checkClassLabs(labs)
	if err != nil {
		return Class{}, fmt.Errorf("set labs of class %d: %w", classID, err)
	}
	if len(keep) == 0 {
		return Class{}, fmt.Errorf("set labs of class %d: %w", classID, invalid(fmt.Errorf("no check to keep: the labs judge nothing")))
	}
	var c Class
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// The class row is what scans and imports take turns on (see
		// readPrevious): a save is wholly before or after the change.
		// Results are dropped: what SaveScan keeps of the class's students
		// (scan_version) is out of date.
		row := tx.QueryRow(ctx, `UPDATE classes SET rubric_yaml = $2, scan_version = scan_version + 1
			WHERE id = $1 RETURNING `+classColumns, classID, rubricYAML)
		var err error
		if c, err = scanClass(row); err != nil {
			return notFound(err, "class %d", classID)
		}
		if err := writeClassLabs(ctx, tx, classID, labs); err != nil {
			return err
		}
		c.Labs = labs
		return dropResults(ctx, tx, classID, keep)
	})
	if err != nil {
		return Class{}, fmt.Errorf("set labs of class %d: %w", classID, err)
	}
	return c, nil
}

// dropResults deletes the current results of a class's checks not in
// keep and drops their fingerprints, which stand for the stored results
// and hold the students' summaries: a check that comes back is then
// written again by the next scan.
func dropResults(ctx context.Context, tx pgx.Tx, classID int64, keep []string) error {
	if _, err := tx.Exec(ctx, `
		DELETE FROM results r USING students s
		WHERE s.id = r.student_id AND s.class_id = $1 AND r.check_id <> ALL($2)`, classID, keep); err != nil {
		return fmt.Errorf("drop results: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT m.student_id, m.result_index FROM student_memory m JOIN students s ON s.id = m.student_id
		WHERE s.class_id = $1`, classID)
	if err != nil {
		return fmt.Errorf("drop results: %w", err)
	}
	kept := make(map[string]bool, len(keep))
	for _, id := range keep {
		kept[id] = true
	}
	var (
		students []int64
		indexes  [][]byte
	)
	for rows.Next() {
		var (
			id    int64
			index []byte
		)
		if err := rows.Scan(&id, &index); err != nil {
			rows.Close()
			return fmt.Errorf("drop results: %w", err)
		}
		fps, err := decodeFingerprints(index)
		if err != nil {
			continue // unreadable: the next scan rewrites every result
		}
		left := slices.DeleteFunc(fps, func(fp fingerprint) bool { return !kept[string(fp.checkID)] })
		if len(left) == len(fps) {
			continue // nothing of it dropped (or nothing stored yet)
		}
		students = append(students, id)
		indexes = append(indexes, encodeFingerprints(nil, left))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("drop results: %w", err)
	}
	if len(students) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `
		UPDATE student_memory AS m SET result_index = u.result_index
		FROM unnest($1::bigint[], $2::bytea[]) AS u(student_id, result_index)
		WHERE m.student_id = u.student_id`, students, indexes); err != nil {
		return fmt.Errorf("drop results: %w", err)
	}
	return nil
}
