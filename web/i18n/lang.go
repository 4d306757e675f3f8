// Package i18n holds every string of labgrid's web pages in Japanese and
// English, and picks the reader's language.
//
// The language of a request is, in this order: an explicit choice (the
// `lang` query parameter of the toggle link, then the `lang` cookie that
// remembers it), then the Accept-Language header, then Japanese.
package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language of the user interface.
type Lang string

const (
	JA Lang = "ja"
	EN Lang = "en"

	// Default is the language when nothing else decides: the workshops
	// are Japanese.
	Default = JA
)

// Langs is every supported language, in the order of the toggle.
var Langs = []Lang{JA, EN}

const (
	// Param is the query parameter of the language toggle link
	// (`?lang=en`).
	Param = "lang"
	// Cookie is the name of the cookie that keeps the choice.
	Cookie = "lang"
)

// String returns "ja" or "en": the value for an html lang attribute, a
// cookie or grader.Text.In.
func (l Lang) String() string { return string(l) }

// Other is the language the toggle offers besides l.
func (l Lang) Other() Lang {
	if l == EN {
		return JA
	}
	return EN
}

// Parse reads an explicit choice ("ja", "en", also "ja-JP", "EN-us",
// " en "). ok is false for anything else, the empty string included.
func Parse(s string) (l Lang, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 35 {
		return Default, false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return Default, false
	}
	base, _ := tag.Base()
	switch base.String() {
	case "ja":
		return JA, true
	case "en":
		return EN, true
	}
	return Default, false
}

var matcher = language.NewMatcher([]language.Tag{language.Japanese, language.English})

// FromAcceptLanguage picks the best language for an Accept-Language header
// value; Japanese when the header is empty, malformed, or names neither.
func FromAcceptLanguage(header string) Lang {
	if strings.TrimSpace(header) == "" || len(header) > 4096 {
		return Default
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, index, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return Default
	}
	if index == 1 {
		return EN
	}
	return JA
}

// Negotiate is the language of a request: the first valid explicit choice
// among overrides (pass the query parameter, then the cookie value; empty
// strings are skipped), else the Accept-Language header, else Japanese.
func Negotiate(acceptLanguage string, overrides ...string) Lang {
	for _, o := range overrides {
		if l, ok := Parse(o); ok {
			return l
		}
	}
	return FromAcceptLanguage(acceptLanguage)
}
