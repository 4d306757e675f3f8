package grader

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Text that people type — a student's name or section in a roster, a
// student's help message, an instructor's announcement — is shown on the
// pages of others. CheckText is the one check of its characters, so that
// the roster and the store cannot come to disagree on what may be shown.
//
// It refuses control characters (Unicode Cc) and the invisible formatting
// characters (Unicode Cf): a right-to-left override (U+202E) makes a page
// show "evil" as "live", isolates (U+2066..U+2069) reorder what follows,
// and zero-width characters (U+200B, U+FEFF, …) hide inside a word or
// leave a name blank. Line breaks are refused too unless the options allow
// line feeds.

// TextOptions are what one kind of text may hold beyond a single line of
// plain text. The zero value is the strictest: one line, no Cc, no Cf.
type TextOptions struct {
	// Multiline allows line feeds ('\n'). Other line breaks (a lone '\r',
	// U+2028, U+2029) are refused even then: a caller turns "\r\n" into
	// "\n" before checking.
	Multiline bool
	// EmojiJoiners allows a zero-width joiner (U+200D) between two
	// emoji, as in 🙇‍♂️ or 👩‍💻, where it draws one picture; elsewhere it
	// is refused like every other Cf. (An emoji here is a Unicode So
	// symbol, followed by any variation selectors and skin-tone
	// modifiers.)
	EmojiJoiners bool
}

// TextFault is the kind of character a text may not hold.
type TextFault int

const (
	// TextLineBreak is '\n' in one-line text, or '\r', U+2028, U+2029.
	TextLineBreak TextFault = iota + 1
	// TextControl is a control character (Cc) but the line breaks above.
	TextControl
	// TextFormat is an invisible formatting character (Cf).
	TextFormat
	// TextInvalidUTF8 is a byte that is not UTF-8.
	TextInvalidUTF8
)

func (f TextFault) String() string {
	switch f {
	case TextLineBreak:
		return "line break"
	case TextControl:
		return "control character"
	case TextFormat:
		return "invisible formatting character"
	case TextInvalidUTF8:
		return "invalid UTF-8"
	}
	return fmt.Sprintf("TextFault(%d)", int(f))
}

// TextError is the first character of a text that CheckText refuses.
type TextError struct {
	Fault TextFault
	Rune  rune // utf8.RuneError for TextInvalidUTF8
	Pos   int  // where, in characters from 1
}

// Error is e.g. "invisible formatting character U+202E at position 12".
func (e *TextError) Error() string {
	if e.Fault == TextInvalidUTF8 {
		return fmt.Sprintf("invalid UTF-8 at position %d", e.Pos)
	}
	return fmt.Sprintf("%s %U at position %d", e.Fault, e.Rune, e.Pos)
}

// CheckText returns a *TextError for the first character of s that plain
// text of the kind opt describes may not hold, or nil.
func CheckText(s string, opt TextOptions) error {
	pos := 0
	afterEmoji := false // the last base character was an emoji
	for i, r := range s {
		pos++
		var fault TextFault
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fault = TextInvalidUTF8
			}
		case r == '\n':
			if !opt.Multiline {
				fault = TextLineBreak
			}
		case r == '\r' || r == '\u2028' || r == '\u2029':
			fault = TextLineBreak
		case unicode.IsControl(r):
			fault = TextControl
		case r == '\u200d' && opt.EmojiJoiners && afterEmoji:
			next, _ := utf8.DecodeRuneInString(s[i+len("\u200d"):])
			if !isEmoji(next) {
				fault = TextFormat
			}
		case unicode.Is(unicode.Cf, r):
			fault = TextFormat
		}
		if fault != 0 {
			return &TextError{Fault: fault, Rune: r, Pos: pos}
		}
		switch {
		case isEmoji(r):
			afterEmoji = true
		case r == '\u200d' || unicode.In(r, unicode.Mn, unicode.Me, unicode.Sk):
			// A joiner, a variation selector, a keycap, a skin tone:
			// part of the emoji before.
		default:
			afterEmoji = false
		}
	}
	return nil
}

// isEmoji is what may stand on either side of an allowed zero-width
// joiner: a symbol (So), but not U+FFFD, which stands for no character
// (the end of the text, a byte that is not UTF-8).
func isEmoji(r rune) bool { return r != utf8.RuneError && unicode.Is(unicode.So, r) }
