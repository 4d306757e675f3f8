package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCreateClass(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)

	c, err := s.CreateClass(ctx, "aws-2026.11_a", "checks:\n  aurora.failover: {points: 20}\n", defaultLabs)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.Name != "aws-2026.11_a" || c.ScanInterval != 15*time.Second || c.CreatedAt.IsZero() {
		t.Errorf("CreateClass = %+v", c)
	}
	if c.RubricYAML != "checks:\n  aurora.failover: {points: 20}\n" {
		t.Errorf("RubricYAML = %q", c.RubricYAML)
	}

	got, err := s.ClassByName(ctx, "AWS-2026.11_A")
	if err != nil || got.ID != c.ID || got.RubricYAML != c.RubricYAML {
		t.Errorf("ClassByName in another case = %+v, %v", got, err)
	}
	if got, err := s.Class(ctx, c.ID); err != nil || got.Name != c.Name {
		t.Errorf("Class(%d) = %+v, %v", c.ID, got, err)
	}

	if _, err := s.CreateClass(ctx, "Aws-2026.11_A", "", defaultLabs); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate name: err = %v, want ErrConflict", err)
	}
	if _, err := s.ClassByName(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ClassByName(nope): err = %v, want ErrNotFound", err)
	}
	if _, err := s.Class(ctx, -1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Class(-1): err = %v, want ErrNotFound", err)
	}

	if _, err := s.CreateClass(ctx, "b", "", defaultLabs); err != nil {
		t.Fatal(err)
	}
	classes, err := s.Classes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(classes) != 2 || classes[0].Name != "aws-2026.11_a" || classes[1].Name != "b" {
		t.Errorf("Classes = %+v", classes)
	}
}

func TestCreateClassInvalid(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	for _, name := range []string{"", "has space", "slash/", "日本", strings.Repeat("a", 65)} {
		if _, err := s.CreateClass(ctx, name, "", defaultLabs); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateClass(%q): err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.CreateClass(ctx, strings.Repeat("a", 64), "", defaultLabs); err != nil {
		t.Errorf("64-character name: %v", err)
	}
}

// A class's name is a path segment of its pages: "." and ".." are
// resolved away by browsers, so such a class could never be opened.
func TestCheckClassNameRefusesUnreachableNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{".", "..", "...", ".hidden", "-rf", "_x", "a/b", "a%2Fb", "a?b", "a#b"} {
		err := CheckClassName(name)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckClassName(%q) = %v, want ErrInvalid", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "letter or digit") {
			t.Errorf("CheckClassName(%q) = %q, want it to say what a name starts with", name, err)
		}
	}
	for _, name := range []string{"a", "2026-A", "aws.step3", "class_1.", "a..b", "Z-9_x.y"} {
		if err := CheckClassName(name); err != nil {
			t.Errorf("CheckClassName(%q) = %v, want nil", name, err)
		}
	}
	ctx, s := setup(t)
	for _, name := range []string{".", ".."} {
		if _, err := s.CreateClass(ctx, name, "", defaultLabs); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateClass(%q): err = %v, want ErrInvalid", name, err)
		}
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM classes WHERE name LIKE '.%'"); n != 0 {
		t.Errorf("%d dot-named classes stored", n)
	}
}
