package grader

import (
	"errors"
	"testing"
)

func TestCheckText(t *testing.T) {
	var (
		line     = TextOptions{}
		lines    = TextOptions{Multiline: true}
		chat     = TextOptions{EmojiJoiners: true}
		chatAll  = TextOptions{Multiline: true, EmojiJoiners: true}
		allKinds = []TextOptions{line, lines, chat, chatAll}
	)
	type want struct {
		fault TextFault
		r     rune
		pos   int
	}
	ok := want{}
	cases := []struct {
		name string
		s    string
		opts []TextOptions
		want want
	}{
		// Allowed whatever the options.
		{"empty", "", allKinds, ok},
		{"ASCII", "VPC not found <b> & 'x'", allKinds, ok},
		{"Japanese", "山田\u3000太郎: ﾔﾏﾀﾞ １組 𠮷野", allKinds, ok},
		{"ideographic variation selector", "葛\U000E0100城", allKinds, ok},
		{"right-to-left script without overrides", "שלום مرحبا", allKinds, ok},
		{"emoji", "ありがとう😊👍🏽", allKinds, ok},
		{"emoji with a variation selector", "❤\ufe0f", allKinds, ok},
		{"flag", "🇯🇵", allKinds, ok},
		{"keycap", "1\ufe0f\u20e3", allKinds, ok},
		{"combining accent", "Zoe\u0308", allKinds, ok},
		{"a literal replacement character", "a\ufffdb", allKinds, ok},

		// Line breaks.
		{"line feed in one line", "a\nb", []TextOptions{line, chat}, want{TextLineBreak, '\n', 2}},
		{"line feed in lines", "a\nb\n", []TextOptions{lines, chatAll}, ok},
		{"carriage return", "a\rb", allKinds, want{TextLineBreak, '\r', 2}},
		{"line separator", "a\u2028b", allKinds, want{TextLineBreak, '\u2028', 2}},
		{"paragraph separator", "a\u2029b", allKinds, want{TextLineBreak, '\u2029', 2}},

		// Control characters.
		{"NUL", "a\x00b", allKinds, want{TextControl, 0, 2}},
		{"tab", "a\tb", allKinds, want{TextControl, '\t', 2}},
		{"escape", "\x1b[31m", allKinds, want{TextControl, 0x1b, 1}},
		{"DEL", "a\x7f", allKinds, want{TextControl, 0x7f, 2}},
		{"C1 next line", "a\u0085b", allKinds, want{TextControl, 0x85, 2}},

		// Invisible formatting characters; the position counts characters.
		{"right-to-left override", "help 日本\u202eevil", allKinds, want{TextFormat, '\u202e', 8}},
		{"left-to-right override", "\u202dx", allKinds, want{TextFormat, '\u202d', 1}},
		{"right-to-left mark", "a\u200fb", allKinds, want{TextFormat, '\u200f', 2}},
		{"isolate", "\u2066x\u2069", allKinds, want{TextFormat, '\u2066', 1}},
		{"pop directional isolate", "x\u2069", allKinds, want{TextFormat, '\u2069', 2}},
		{"zero-width space", "Hana\u200bko", allKinds, want{TextFormat, '\u200b', 5}},
		{"zero-width non-joiner", "a\u200c", allKinds, want{TextFormat, '\u200c', 2}},
		{"word joiner", "a\u2060b", allKinds, want{TextFormat, '\u2060', 2}},
		{"byte-order mark", "\ufeffa", allKinds, want{TextFormat, '\ufeff', 1}},
		{"soft hyphen", "Ta\u00adro", allKinds, want{TextFormat, '\u00ad', 3}},
		{"Arabic letter mark", "a\u061cb", allKinds, want{TextFormat, '\u061c', 2}},
		{"tag", "a\U000E0041", allKinds, want{TextFormat, '\U000E0041', 2}},

		// The zero-width joiner: between two emoji when allowed, never
		// elsewhere.
		{"joiner in letters", "a\u200db", allKinds, want{TextFormat, '\u200d', 2}},
		{"joined emoji, strict", "🙇\u200d♂\ufe0f", []TextOptions{line, lines}, want{TextFormat, '\u200d', 2}},
		{"man bowing", "すみません🙇\u200d♂\ufe0f", []TextOptions{chat, chatAll}, ok},
		{"technologist with a skin tone", "👩🏽\u200d💻", []TextOptions{chat, chatAll}, ok},
		{"family", "👨\u200d👩\u200d👧", []TextOptions{chat, chatAll}, ok},
		{"joiner after an emoji, before a letter", "😊\u200da", []TextOptions{chat, chatAll}, want{TextFormat, '\u200d', 2}},
		{"joiner before an emoji, after a letter", "a\u200d😊", []TextOptions{chat, chatAll}, want{TextFormat, '\u200d', 2}},
		{"joiner at the end", "😊\u200d", []TextOptions{chat, chatAll}, want{TextFormat, '\u200d', 2}},
		{"joiner before a replacement character", "😊\u200d\ufffd", []TextOptions{chat, chatAll}, want{TextFormat, '\u200d', 2}},
		{"two joiners", "😊\u200d\u200d😊", []TextOptions{chat, chatAll}, want{TextFormat, '\u200d', 2}},
		{"joiner after a space after an emoji", "😊 \u200d😊", []TextOptions{chat, chatAll}, want{TextFormat, '\u200d', 3}},
		{"override between emoji", "😊\u202e😊", []TextOptions{chat, chatAll}, want{TextFormat, '\u202e', 2}},

		// Not UTF-8.
		{"invalid byte", "ab\xff", allKinds, want{TextInvalidUTF8, '\ufffd', 3}},
	}
	for _, tc := range cases {
		for _, opt := range tc.opts {
			err := CheckText(tc.s, opt)
			if tc.want == ok {
				if err != nil {
					t.Errorf("%s: CheckText(%+q, %+v) = %v, want nil", tc.name, tc.s, opt, err)
				}
				continue
			}
			var te *TextError
			if !errors.As(err, &te) || te.Fault != tc.want.fault || te.Rune != tc.want.r || te.Pos != tc.want.pos {
				t.Errorf("%s: CheckText(%+q, %+v) = %#v, want %v %U at %d", tc.name, tc.s, opt, err, tc.want.fault, tc.want.r, tc.want.pos)
			}
		}
	}
}

func TestTextErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		s, want string
	}{
		{"message \u202eevil", "invisible formatting character U+202E at position 9"},
		{"a\x07", "control character U+0007 at position 2"},
		{"a\nb", "line break U+000A at position 2"},
		{"日本\xff", "invalid UTF-8 at position 3"},
	} {
		if err := CheckText(tc.s, TextOptions{}); err == nil || err.Error() != tc.want {
			t.Errorf("CheckText(%+q) = %v, want %q", tc.s, err, tc.want)
		}
	}
}
