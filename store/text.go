package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"labgrid/grader"
)

// cleanText is s as the store keeps a person's short text (a help
// message, an announcement): trimmed, valid UTF-8, at most max
// characters, and with no character grader.CheckText refuses (control
// and invisible formatting characters, line breaks but line feeds when
// multiline; emoji joined by a zero-width joiner pass). A bad text is
// ErrInvalid saying what and where, e.g. "help message: invisible
// formatting character U+202E at position 12".
func cleanText(what, s string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(fmt.Errorf("%s: not valid UTF-8", what))
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalid(fmt.Errorf("%s: %d characters, at most %d", what, n, max))
	}
	if err := grader.CheckText(s, grader.TextOptions{Multiline: multiline, EmojiJoiners: true}); err != nil {
		return "", invalid(fmt.Errorf("%s: %w", what, err))
	}
	return s, nil
}
