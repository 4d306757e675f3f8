package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MaxAnnouncement is how many characters an announcement may have.
const MaxAnnouncement = 500

// Announcement is an instructor's message to every student of a class,
// kept as typed (Japanese, English or both).
type Announcement struct {
	ID          int64
	ClassID     int64
	Text        string
	CreatedAt   time.Time
	WithdrawnAt time.Time // zero: shown
}

const announcementColumns = `id, class_id, text, created_at, withdrawn_at`

func scanAnnouncement(row rowScanner) (Announcement, error) {
	var (
		a     Announcement
		withd *time.Time
	)
	if err := row.Scan(&a.ID, &a.ClassID, &a.Text, &a.CreatedAt, &withd); err != nil {
		return Announcement{}, err
	}
	if withd != nil {
		a.WithdrawnAt = *withd
	}
	return a, nil
}

// Announce shows text (plain, lines allowed, 1 to MaxAnnouncement
// characters) to every student of the class from at until withdrawn.
func (s *Store) Announce(ctx context.Context, classID int64, text string, at time.Time) (Announcement, error) {
	text, err := cleanText("announcement", text, MaxAnnouncement, true)
	if err == nil && text == "" {
		err = invalid(fmt.Errorf("announcement: empty"))
	}
	if err != nil {
		return Announcement{}, fmt.Errorf("announce: %w", err)
	}
	var a Announcement
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `INSERT INTO announcements (class_id, text, created_at) VALUES ($1, $2, $3)
			RETURNING `+announcementColumns, classID, text, at)
		var err error
		if a, err = scanAnnouncement(row); err != nil {
			return err
		}
		return notify(ctx, tx, NotifyAnnouncement, classID)
	})
	if err != nil {
		return Announcement{}, fmt.Errorf("announce: %w", err)
	}
	return a, nil
}

// WithdrawAnnouncement stops showing an announcement of the class; one
// of another class, or withdrawn already, is ErrNotFound.
func (s *Store) WithdrawAnnouncement(ctx context.Context, classID, id int64, at time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE announcements SET withdrawn_at = $3
			WHERE class_id = $1 AND id = $2 AND withdrawn_at IS NULL`, classID, id, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("announcement %d: %w", id, ErrNotFound)
		}
		return notify(ctx, tx, NotifyAnnouncement, classID)
	})
	if err != nil {
		return fmt.Errorf("withdraw announcement: %w", err)
	}
	return nil
}

// Announcements are the class's announcements, newest first: those shown
// now, or with history every one ever made.
func (s *Store) Announcements(ctx context.Context, classID int64, history bool) ([]Announcement, error) {
	rows, err := s.db.Query(ctx, `SELECT `+announcementColumns+` FROM announcements
		WHERE class_id = $1 AND ($2 OR withdrawn_at IS NULL) ORDER BY created_at DESC, id DESC`, classID, history)
	if err != nil {
		return nil, fmt.Errorf("class %d announcements: %w", classID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Announcement, error) { return scanAnnouncement(row) })
	if err != nil {
		return nil, fmt.Errorf("class %d announcements: %w", classID, err)
	}
	return list, nil
}
