package store

import (
	"errors"
	"slices"
	"testing"
)

func TestStudentLinks(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "links", 3)
	secret := []byte(testSecret)

	links, err := s.StudentLinks(ctx, c.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 3 || links[0].Login != "user01" || links[0].DisplayName != "学生 1" {
		t.Fatalf("StudentLinks = %+v", links)
	}
	again, err := s.StudentLinks(ctx, c.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(links, again) {
		t.Errorf("links differ between two calls with one secret:\n%v\n%v", links, again)
	}
	seen := map[string]bool{}
	for _, l := range links {
		if len(l.Token) != tokenLen || seen[l.Token] {
			t.Errorf("token of %s: %d characters or repeated", l.Login, len(l.Token))
		}
		seen[l.Token] = true
		st, err := s.StudentByToken(ctx, l.Token)
		if err != nil {
			t.Fatalf("StudentByToken(%s's token): %v", l.Login, err)
		}
		if st.ID != l.StudentID || st.Login != l.Login {
			t.Errorf("%s's token found %s", l.Login, st.Login)
		}
	}

	// Another secret makes other tokens, which the stored hashes refuse:
	// StudentLinks says so rather than print links that would not open.
	other := []byte("another-secret-0123456789abcdefghij")
	var salt []byte
	if err := s.db.QueryRow(ctx, "SELECT token_salt FROM students WHERE id = $1", links[0].StudentID).Scan(&salt); err != nil {
		t.Fatal(err)
	}
	if makeToken(other, salt) == links[0].Token {
		t.Error("another secret made the same token")
	}
	if _, err := s.StudentLinks(ctx, c.ID, other); !errors.Is(err, ErrSecretMismatch) {
		t.Errorf("StudentLinks with another secret: err = %v, want ErrSecretMismatch", err)
	}
	if _, err := s.StudentLinks(ctx, c.ID, []byte("short")); !errors.Is(err, ErrInvalid) {
		t.Errorf("short secret: err = %v, want ErrInvalid", err)
	}

	tampered := []byte(links[0].Token)
	tampered[0] ^= 1 // another character, the same length
	for _, tok := range []string{"", "x", makeToken(other, salt), string(tampered)} {
		if _, err := s.StudentByToken(ctx, tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("StudentByToken(unknown %q): err = %v, want ErrNotFound", tok, err)
		}
	}
}

func TestRotateToken(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "rotate", 2)
	secret := []byte(testSecret)
	links, err := s.StudentLinks(ctx, c.ID, secret)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.RotateToken(ctx, links[0].StudentID, []byte("another-secret-0123456789abcdefghij")); !errors.Is(err, ErrSecretMismatch) {
		t.Errorf("rotate with another secret: err = %v, want ErrSecretMismatch", err)
	}
	if _, err := s.RotateToken(ctx, -1, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("rotate unknown student: err = %v, want ErrNotFound", err)
	}
	token, err := s.RotateToken(ctx, links[0].StudentID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if token == links[0].Token {
		t.Fatal("rotated token is the old one")
	}
	if _, err := s.StudentByToken(ctx, links[0].Token); !errors.Is(err, ErrNotFound) {
		t.Errorf("old token after rotation: err = %v, want ErrNotFound", err)
	}
	if st, err := s.StudentByToken(ctx, token); err != nil || st.ID != links[0].StudentID {
		t.Errorf("new token: %+v, %v", st, err)
	}
	now, err := s.StudentLinks(ctx, c.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if now[0].Token != token || now[1].Token != links[1].Token {
		t.Errorf("links after rotating user01: %v", now)
	}
}
