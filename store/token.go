package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A student's access token (the secret part of their self-check link) is
// HMAC-SHA256(server secret, the student's random salt). The database keeps
// the salt and SHA-256(token): a copy of the database alone yields no
// working link, while the secret and the salt give the same link again, so
// `labgrid roster links` can print the links as often as needed.

// MinSecretLen is the shortest server secret accepted, in bytes.
const MinSecretLen = 32

const (
	saltLen  = 16
	tokenLen = 43 // base64url, unpadded, of 32 bytes
)

// ErrSecretMismatch means the secret given is not the one the class's
// tokens were made with: links made with it would not work.
var ErrSecretMismatch = errors.New("the secret is not the one the existing student links were made with")

func checkSecret(secret []byte) error {
	if len(secret) < MinSecretLen {
		return fmt.Errorf("%w: the secret must be at least %d bytes", ErrInvalid, MinSecretLen)
	}
	return nil
}

func makeToken(secret, salt []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(salt)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// newToken draws a salt and returns it with the hash of its token.
func newToken(secret []byte) (salt, hash []byte) {
	salt = make([]byte, saltLen)
	rand.Read(salt) // never fails: see crypto/rand.Read
	return salt, hashToken(makeToken(secret, salt))
}

// tokenMatches reports whether secret and salt give the token whose hash
// is stored.
func tokenMatches(secret, salt, hash []byte) bool {
	return hmac.Equal(hashToken(makeToken(secret, salt)), hash)
}

// Link is what a student needs to open their own page.
type Link struct {
	StudentID   int64
	Login       string
	DisplayName string
	Token       string
}

// StudentLinks returns every student's token, by login. The same secret
// gives the same tokens on every call; a different one is ErrSecretMismatch
// rather than links that would not open.
func (s *Store) StudentLinks(ctx context.Context, classID int64, secret []byte) ([]Link, error) {
	if err := checkSecret(secret); err != nil {
		return nil, fmt.Errorf("student links: %w", err)
	}
	rows, err := s.db.Query(ctx, `
		SELECT id, login, display_name, token_salt, token_hash
		FROM students WHERE class_id = $1 ORDER BY lower(login), id`, classID)
	if err != nil {
		return nil, fmt.Errorf("student links: %w", err)
	}
	defer rows.Close()
	var links []Link
	for rows.Next() {
		var (
			l          Link
			salt, hash []byte
		)
		if err := rows.Scan(&l.StudentID, &l.Login, &l.DisplayName, &salt, &hash); err != nil {
			return nil, fmt.Errorf("student links: %w", err)
		}
		l.Token = makeToken(secret, salt)
		if !hmac.Equal(hashToken(l.Token), hash) {
			return nil, fmt.Errorf("student links: %w", ErrSecretMismatch)
		}
		links = append(links, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("student links: %w", err)
	}
	return links, nil
}

// StudentByToken finds the student whose link carries token; an unknown or
// malformed token is ErrNotFound.
func (s *Store) StudentByToken(ctx context.Context, token string) (Student, error) {
	if len(token) != tokenLen {
		return Student{}, fmt.Errorf("student by token: %w", ErrNotFound)
	}
	row := s.db.QueryRow(ctx, "SELECT "+studentColumns+" FROM "+studentTables+" WHERE token_hash = $1", hashToken(token))
	st, err := scanStudent(row)
	if err != nil {
		// The token is a credential: never put it in an error.
		return Student{}, notFound(err, "student by token")
	}
	return st, nil
}

// RotateToken gives a student a new token, so their old link stops
// working, and returns the new one. secret must be the one the student's
// current token was made with.
func (s *Store) RotateToken(ctx context.Context, studentID int64, secret []byte) (string, error) {
	if err := checkSecret(secret); err != nil {
		return "", fmt.Errorf("rotate token: %w", err)
	}
	var token string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var oldSalt, oldHash []byte
		err := tx.QueryRow(ctx, "SELECT token_salt, token_hash FROM students WHERE id = $1 FOR UPDATE", studentID).Scan(&oldSalt, &oldHash)
		if err != nil {
			return notFound(err, "student %d", studentID)
		}
		if !tokenMatches(secret, oldSalt, oldHash) {
			return ErrSecretMismatch
		}
		salt, hash := newToken(secret)
		if _, err := tx.Exec(ctx, "UPDATE students SET token_salt = $2, token_hash = $3, updated_at = now() WHERE id = $1", studentID, salt, hash); err != nil {
			return err
		}
		token = makeToken(secret, salt)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("rotate token: %w", err)
	}
	return token, nil
}
