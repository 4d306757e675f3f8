package i18n

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		accept    string
		overrides []string
		want      Lang
	}{
		{"", nil, JA},
		{"en-US,en;q=0.9", nil, EN},
		{"en", nil, EN},
		{"ja-JP,ja;q=0.9,en;q=0.8", nil, JA},
		{"fr-FR,fr;q=0.9", nil, JA},          // neither: Japanese
		{"fr-FR,fr;q=0.9,en;q=0.5", nil, EN}, // English is the best we have
		{"de;q=0.9,ja;q=0.3,en;q=0.2", nil, JA},
		{"*", nil, JA},
		{"zh-CN", nil, JA},
		{"en-GB;q=0.8, ja;q=0.9", nil, JA},
		{"garbage;;;q=x", nil, JA},
		{strings.Repeat("en,", 5000), nil, JA}, // oversized header: default
		// An explicit choice wins; the first valid one counts.
		{"en-US", []string{"ja"}, JA},
		{"ja", []string{"en"}, EN},
		{"ja", []string{"", "en"}, EN},           // no query, the cookie
		{"ja", []string{"xx", "en"}, EN},         // a bad query, the cookie
		{"en", []string{"klingon", "ja-JP"}, JA}, // region ignored
		{"en", []string{"fr"}, EN},               // unsupported: Accept-Language
		{"", []string{" EN-us "}, EN},
	} {
		if got := Negotiate(tc.accept, tc.overrides...); got != tc.want {
			t.Errorf("Negotiate(%.40q, %q) = %s, want %s", tc.accept, tc.overrides, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Lang{"ja": JA, "en": EN, "JA": JA, "en-US": EN, "ja-Jpan-JP": JA} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %s, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "fr", "x", "en;q=1", strings.Repeat("a", 100)} {
		if got, ok := Parse(in); ok || got != Default {
			t.Errorf("Parse(%q) = %s, %v; want the default, false", in, got, ok)
		}
	}
	if JA.Other() != EN || EN.Other() != JA || JA.String() != "ja" {
		t.Errorf("Other/String")
	}
}

// TestCatalogsComplete: every field of Messages is filled in both
// languages, the maps have the same keys, and each format takes the same
// verbs in both.
func TestCatalogsComplete(t *testing.T) {
	t.Parallel()
	jv, ev := reflect.ValueOf(ja), reflect.ValueOf(en)
	typ := jv.Type()
	for i := range typ.NumField() {
		f := typ.Field(i)
		jf, ef := jv.Field(i), ev.Field(i)
		switch f.Type.Kind() {
		case reflect.String:
			js, es := jf.String(), ef.String()
			if js == "" || es == "" {
				t.Errorf("%s: empty in %s", f.Name, map[bool]string{true: "ja", false: "en"}[js == ""])
			}
			if js == es && !sameInBoth[f.Name] {
				t.Errorf("%s: %q in both languages", f.Name, js)
			}
			if strings.HasSuffix(f.Name, "F") {
				if jvs, evs := formatArgs(js), formatArgs(es); !slices.Equal(jvs, evs) || len(jvs) == 0 {
					t.Errorf("%s: verbs %v (ja) and %v (en)", f.Name, jvs, evs)
				}
			} else if len(formatArgs(js)) > 0 || len(formatArgs(es)) > 0 {
				t.Errorf("%s: a format verb in a plain string; name it …F", f.Name)
			}
		case reflect.Map:
			jk, ek := keys(jf), keys(ef)
			if !slices.Equal(jk, ek) {
				t.Errorf("%s: keys %v (ja) and %v (en)", f.Name, jk, ek)
			}
			for _, k := range jf.MapKeys() {
				if jf.MapIndex(k).String() == "" || ef.MapIndex(k).String() == "" {
					t.Errorf("%s[%v]: empty", f.Name, k)
				}
			}
		}
	}
	// Every status has its words.
	for _, m := range []*Messages{&ja, &en} {
		for _, s := range []grader.Status{grader.StatusPass, grader.StatusWarn, grader.StatusFail, grader.StatusBlocked, grader.StatusError, grader.StatusPending} {
			if m.StatusLabel[s] == "" || m.StatusShort[s] == "" || m.StatusHelp[s] == "" {
				t.Errorf("%s: status %s lacks a label", m.Lang, s)
			}
		}
	}
	if For(JA) != &ja || For(EN) != &en || For("xx") != &ja || T(EN) != &en {
		t.Errorf("For")
	}
}

var verbRE = regexp.MustCompile(`%(?:\[(\d)\])?([a-z])`)

// formatArgs is the verbs of a format by the argument each takes ("1:s"),
// in argument order: a translation may reorder its arguments with %[n]s.
func formatArgs(format string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		n := next
		if m[1] != "" {
			n = int(m[1][0] - '0')
		}
		out = append(out, fmt.Sprintf("%d:%s", n, m[2]))
		next = n + 1
	}
	slices.Sort(out)
	return out
}

// sameInBoth is the fields that read the same in Japanese and English.
var sameInBoth = map[string]bool{"Product": true}

func keys(m reflect.Value) []string {
	var out []string
	for _, k := range m.MapKeys() {
		out = append(out, fmt.Sprint(k.Interface()))
	}
	slices.Sort(out)
	return out
}

func TestDurations(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ago    time.Duration
		ja, en string
	}{
		{3 * time.Second, "たった今", "just now"},
		{42 * time.Second, "42 秒前", "42 s ago"},
		{12*time.Minute + 59*time.Second, "12 分前", "12 min ago"},
		{5 * time.Hour, "5 時間前", "5 h ago"},
		{72 * time.Hour, "3 日前", "3 days ago"},
		{-time.Minute, "たった今", "just now"}, // a clock a little ahead
	} {
		if got := For(JA).Ago(now.Add(-tc.ago), now); got != tc.ja {
			t.Errorf("ja Ago(%v) = %q, want %q", tc.ago, got, tc.ja)
		}
		if got := For(EN).Ago(now.Add(-tc.ago), now); got != tc.en {
			t.Errorf("en Ago(%v) = %q, want %q", tc.ago, got, tc.en)
		}
	}
	if got := For(JA).Ago(time.Time{}, now); got != ja.NeverScanned {
		t.Errorf("zero time: %q", got)
	}
	if got := For(JA).RateLimit(15 * time.Second); got != "15 秒に 1 回" {
		t.Errorf("ja rate limit %q", got)
	}
	if got := For(EN).RateLimit(15 * time.Second); got != "once every 15 s" {
		t.Errorf("en rate limit %q", got)
	}
	if b, n, a := For(JA).Wait(7); b+n+a != "あと 7 秒" || n != "7" {
		t.Errorf("ja wait %q %q %q", b, n, a)
	}
	if b, n, a := For(EN).Wait(7); b+n+a != "7 s left" || n != "7" {
		t.Errorf("en wait %q %q %q", b, n, a)
	}
	// The self-check page names the labs, in either language's order.
	if got := For(JA).SelfLead("Alice", "Lab A"); got != "Alice さんの Lab A チェックリスト" {
		t.Errorf("ja self lead %q", got)
	}
	if got := For(EN).SelfLead("Alice", "Lab A"); got != "Lab A checklist of Alice" {
		t.Errorf("en self lead %q", got)
	}
	if got := For(JA).StatusName("bogus"); got != "bogus" {
		t.Errorf("unknown status %q", got)
	}
}
