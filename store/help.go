package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Limits of raised hands.
const (
	// MaxHelpMessage is how many characters a help message may have.
	MaxHelpMessage = 200
	// HelpEvery is how often a student may raise a new hand.
	HelpEvery = time.Minute
)

// ErrHandOpen is returned when a student raises a hand while one is open.
var ErrHandOpen = errors.New("a help request is already open")

// HelpRateError is returned when a student raises a new hand sooner than
// HelpEvery after their last one.
type HelpRateError struct{ Wait time.Duration }

func (e *HelpRateError) Error() string {
	return fmt.Sprintf("a new help request is allowed in %s", e.Wait.Round(time.Second))
}

// HelpRequest is a student's raised hand.
type HelpRequest struct {
	ID          int64
	StudentID   int64
	Login       string // the student's, for the instructor's queue
	DisplayName string
	Message     string
	RaisedAt    time.Time
	OnMyWayAt   time.Time // zero: not yet
	DoneAt      time.Time // zero: not done
	WithdrawnAt time.Time // zero: not withdrawn
}

// Open says whether the request still waits for the instructor.
func (h HelpRequest) Open() bool { return h.DoneAt.IsZero() && h.WithdrawnAt.IsZero() }

const helpColumns = `h.id, h.student_id, s.login, s.display_name, h.message, h.raised_at,
	h.on_my_way_at, h.done_at, h.withdrawn_at`

// scanHelp reads helpColumns, then extra.
func scanHelp(row rowScanner, extra ...any) (HelpRequest, error) {
	var (
		h                    HelpRequest
		onMyWay, done, withd *time.Time
	)
	dest := append([]any{&h.ID, &h.StudentID, &h.Login, &h.DisplayName, &h.Message, &h.RaisedAt, &onMyWay, &done, &withd}, extra...)
	if err := row.Scan(dest...); err != nil {
		return HelpRequest{}, err
	}
	for _, t := range []struct {
		src *time.Time
		dst *time.Time
	}{{onMyWay, &h.OnMyWayAt}, {done, &h.DoneAt}, {withd, &h.WithdrawnAt}} {
		if t.src != nil {
			*t.dst = *t.src
		}
	}
	return h, nil
}

// RaiseHand opens a help request of the student with message (plain text,
// one line, at most MaxHelpMessage characters; may be empty) at the time
// at. One request may be open per student (ErrHandOpen), and a new one
// raised at most once per HelpEvery (*HelpRateError).
func (s *Store) RaiseHand(ctx context.Context, studentID int64, message string, at time.Time) (HelpRequest, error) {
	message, err := cleanText("help message", message, MaxHelpMessage, false)
	if err != nil {
		return HelpRequest{}, fmt.Errorf("raise hand: %w", err)
	}
	var h HelpRequest
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// The student's row serialises their requests: the rate limit
		// holds between two replicas too.
		var classID int64
		if err := tx.QueryRow(ctx, `SELECT class_id FROM students WHERE id = $1 FOR UPDATE`, studentID).Scan(&classID); err != nil {
			return notFound(err, "student %d", studentID)
		}
		var last *time.Time
		var open bool
		if err := tx.QueryRow(ctx, `SELECT max(raised_at), coalesce(bool_or(done_at IS NULL AND withdrawn_at IS NULL), false)
			FROM help_requests WHERE student_id = $1`, studentID).Scan(&last, &open); err != nil {
			return err
		}
		if open {
			return ErrHandOpen
		}
		if last != nil && at.Sub(*last) < HelpEvery {
			return &HelpRateError{Wait: HelpEvery - at.Sub(*last)}
		}
		row := tx.QueryRow(ctx, `WITH h AS (
			INSERT INTO help_requests (student_id, message, raised_at) VALUES ($1, $2, $3) RETURNING *)
			SELECT `+helpColumns+` FROM h JOIN students s ON s.id = h.student_id`, studentID, message, at)
		if h, err = scanHelp(row); err != nil {
			return err
		}
		return notify(ctx, tx, NotifyHelp, classID, studentID)
	})
	if err != nil {
		return HelpRequest{}, fmt.Errorf("raise hand: %w", err)
	}
	return h, nil
}

// WithdrawHand withdraws the student's open request of requestID: a
// student acts only on their own (another's, or one not open, is
// ErrNotFound).
func (s *Store) WithdrawHand(ctx context.Context, studentID, requestID int64, at time.Time) (HelpRequest, error) {
	h, err := s.updateHelp(ctx, `withdrawn_at = $3`, `h.student_id = $1`, studentID, requestID, at)
	if err != nil {
		return HelpRequest{}, fmt.Errorf("withdraw help request %d: %w", requestID, err)
	}
	return h, nil
}

// HandOnMyWay marks an open request of the class as seen to: the
// instructor is on their way.
func (s *Store) HandOnMyWay(ctx context.Context, classID, requestID int64, at time.Time) (HelpRequest, error) {
	h, err := s.updateHelp(ctx, `on_my_way_at = coalesce(h.on_my_way_at, $3)`, `s.class_id = $1`, classID, requestID, at)
	if err != nil {
		return HelpRequest{}, fmt.Errorf("help request %d on my way: %w", requestID, err)
	}
	return h, nil
}

// HandDone closes an open request of the class: the student was helped.
func (s *Store) HandDone(ctx context.Context, classID, requestID int64, at time.Time) (HelpRequest, error) {
	h, err := s.updateHelp(ctx, `done_at = $3`, `s.class_id = $1`, classID, requestID, at)
	if err != nil {
		return HelpRequest{}, fmt.Errorf("help request %d done: %w", requestID, err)
	}
	return h, nil
}

// updateHelp sets set ($3 the time) on the open request of requestID
// ($2) that owner ($1: its student or class) finds, and announces it.
func (s *Store) updateHelp(ctx context.Context, set, owner string, ownerID, requestID int64, at time.Time) (HelpRequest, error) {
	var h HelpRequest
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var classID int64
		row := tx.QueryRow(ctx, `UPDATE help_requests h SET `+set+` FROM students s
			WHERE s.id = h.student_id AND h.id = $2 AND `+owner+`
			AND h.done_at IS NULL AND h.withdrawn_at IS NULL
			RETURNING `+helpColumns+`, s.class_id`, ownerID, requestID, at)
		var err error
		if h, err = scanHelp(row, &classID); err != nil {
			return notFound(err, "open help request")
		}
		return notify(ctx, tx, NotifyHelp, classID, h.StudentID)
	})
	return h, err
}

// OpenHand is the student's open request; ErrNotFound when none is.
func (s *Store) OpenHand(ctx context.Context, studentID int64) (HelpRequest, error) {
	h, err := scanHelp(s.db.QueryRow(ctx, `SELECT `+helpColumns+` FROM help_requests h JOIN students s ON s.id = h.student_id
		WHERE h.student_id = $1 AND h.done_at IS NULL AND h.withdrawn_at IS NULL`, studentID))
	if err != nil {
		return HelpRequest{}, notFound(err, "open help request of student %d", studentID)
	}
	return h, nil
}

// ClassHands are the open requests of the class, the longest waiting first.
func (s *Store) ClassHands(ctx context.Context, classID int64) ([]HelpRequest, error) {
	hands, err := s.queryHelp(ctx, `SELECT `+helpColumns+` FROM help_requests h JOIN students s ON s.id = h.student_id
		WHERE s.class_id = $1 AND h.done_at IS NULL AND h.withdrawn_at IS NULL ORDER BY h.raised_at, h.id`, classID)
	if err != nil {
		return nil, fmt.Errorf("class %d hands: %w", classID, err)
	}
	return hands, nil
}

// ClassHelpRequests are every request of the class, open or closed,
// oldest first: the class report's.
func (s *Store) ClassHelpRequests(ctx context.Context, classID int64) ([]HelpRequest, error) {
	hands, err := s.queryHelp(ctx, `SELECT `+helpColumns+` FROM help_requests h JOIN students s ON s.id = h.student_id
		WHERE s.class_id = $1 ORDER BY h.raised_at, h.id`, classID)
	if err != nil {
		return nil, fmt.Errorf("class %d help requests: %w", classID, err)
	}
	return hands, nil
}

// StudentHands are every request of the student, oldest first.
func (s *Store) StudentHands(ctx context.Context, studentID int64) ([]HelpRequest, error) {
	hands, err := s.queryHelp(ctx, `SELECT `+helpColumns+` FROM help_requests h JOIN students s ON s.id = h.student_id
		WHERE h.student_id = $1 ORDER BY h.raised_at, h.id`, studentID)
	if err != nil {
		return nil, fmt.Errorf("student %d hands: %w", studentID, err)
	}
	return hands, nil
}

// HelpCounts is how many help requests each student of the class raised,
// by student id (none: absent).
func (s *Store) HelpCounts(ctx context.Context, classID int64) (map[int64]int, error) {
	rows, err := s.db.Query(ctx, `SELECT h.student_id, count(*) FROM help_requests h JOIN students s ON s.id = h.student_id
		WHERE s.class_id = $1 GROUP BY h.student_id`, classID)
	if err != nil {
		return nil, fmt.Errorf("class %d help counts: %w", classID, err)
	}
	counts := make(map[int64]int)
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("class %d help counts: %w", classID, err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("class %d help counts: %w", classID, err)
	}
	return counts, nil
}

func (s *Store) queryHelp(ctx context.Context, sql string, args ...any) ([]HelpRequest, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (HelpRequest, error) { return scanHelp(row) })
}
