package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText is s as the store keeps a person's short text (a help
// message, an announcement): trimmed, valid UTF-8, no control character
// but line breaks when multiline, at most max characters. A bad text is
// ErrInvalid, saying why.
func cleanText(what, s string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(fmt.Errorf("%s: not valid UTF-8", what))
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalid(fmt.Errorf("%s: %d characters, at most %d", what, n, max))
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) {
			return "", invalid(fmt.Errorf("%s: %w", what, errControl))
		}
	}
	return s, nil
}

var errControl = errors.New("control characters are not allowed")
