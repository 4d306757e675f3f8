package views

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// The student's panel: the form with its limit when no hand is up; the
// hand, its state and message as text and the withdraw form when one is;
// an error as an alert.
func TestHelpPanel(t *testing.T) {
	t.Parallel()
	for _, l := range []i18n.Lang{i18n.JA, i18n.EN} {
		m := i18n.For(l)
		doc := parseDoc(t, render(t, HelpPanel(l, "tok", HelpState{Error: m.HelpWait(30), Message: "<i>x</i>"})))
		form := all(doc, tag("form"))
		input := byID(doc, "help-message")
		if len(form) != 1 || attrOr(form[0], "action") != SelfHelpURL("tok") || input == nil || attrOr(input, "maxlength") != "200" ||
			attrOr(input, "value") != "<i>x</i>" {
			t.Fatalf("%s: the raise form is not right", l)
		}
		if alert := all(doc, func(n *html.Node) bool { return attrOr(n, "role") == "alert" }); len(alert) != 1 || text(alert[0]) != m.HelpWait(30) {
			t.Errorf("%s: no alert with the error", l)
		}

		out := render(t, HelpPanel(l, "tok", HelpState{Open: true, ID: 7, Message: "<script>x</script>", OnMyWay: true}))
		if strings.Contains(out, "<script>x") || !strings.Contains(out, "&lt;script&gt;x&lt;/script&gt;") {
			t.Errorf("%s: the message is not escaped: %s", l, out)
		}
		doc = parseDoc(t, out)
		if !strings.Contains(text(doc), m.HandOnMyWay) {
			t.Errorf("%s: no on-my-way text", l)
		}
		form = all(doc, tag("form"))
		if len(form) != 1 || attrOr(form[0], "action") != SelfHelpWithdrawURL("tok") || !strings.Contains(out, `value="7"`) {
			t.Errorf("%s: no withdraw form of request 7", l)
		}
	}
}

// The instructor's queue: the hands in the order given, each with its
// wait, message as text and failing checks by title in the page's
// language; "on my way" only while not yet marked.
func TestHelpQueuePanel(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	q := HelpQueue{Lang: i18n.EN, Now: now, Class: "c1", Items: []QueueItem{
		{ID: 1, StudentID: 11, Login: "user01", Message: "<b>vpc</b>", RaisedAt: now.Add(-5 * time.Minute),
			Failing: []grader.Text{{JA: "VPC がある", EN: "A VPC exists"}}},
		{ID: 2, StudentID: 12, Login: "user02", RaisedAt: now.Add(-time.Minute), OnMyWay: true},
	}, Announcements: []Announcement{{ID: 3, Text: "<i>break</i>"}}}
	out := render(t, HelpQueuePanel(q))
	doc := parseDoc(t, out)
	m := i18n.For(i18n.EN)
	items := all(doc, func(n *html.Node) bool { return strings.HasPrefix(attrOr(n, "id"), "hand-") })
	if len(items) != 2 || attrOr(items[0], "id") != "hand-11" || attrOr(items[1], "id") != "hand-12" {
		t.Fatalf("queue items %d, want hand-11 then hand-12", len(items))
	}
	first := text(items[0])
	if !strings.Contains(first, m.Waiting(5*time.Minute)) || !strings.Contains(first, "<b>vpc</b>") || !strings.Contains(first, "A VPC exists") || strings.Contains(first, "VPC がある") {
		t.Errorf("first item reads %q", first)
	}
	if strings.Contains(out, "<b>vpc") || strings.Contains(out, "<i>break") {
		t.Error("a message or announcement is not escaped")
	}
	if f := all(items[0], tag("form")); len(f) != 2 || attrOr(f[0], "action") != HelpOnMyWayURL("c1", 1) || attrOr(f[1], "action") != HelpDoneURL("c1", 1) {
		t.Error("the first hand has not both forms")
	}
	if f := all(items[1], tag("form")); len(f) != 1 || attrOr(f[0], "action") != HelpDoneURL("c1", 2) || !strings.Contains(text(items[1]), m.OnTheWay) {
		t.Error("a hand marked on my way offers on my way again, or says nothing")
	}
	if f := byID(doc, "announce-text"); f == nil || attrOr(f, "maxlength") != "500" {
		t.Error("no announcement form with its limit")
	}
}

// A row shows the hand with how long it has been up, and none without.
func TestGridRowHand(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	c := GridContext{Lang: i18n.JA, Now: now, Class: "c1"}
	r := Row{ID: 5, Login: "user05", MaxScore: 10, HandSince: now.Add(-2 * time.Minute)}
	if out := render(t, GridRow(c, r)); !strings.Contains(out, `class="handup"`) || !strings.Contains(out, i18n.For(i18n.JA).HandUp(2*time.Minute)) {
		t.Errorf("a row with a hand up:\n%s", out)
	}
	r.HandSince = time.Time{}
	if out := render(t, GridRow(c, r)); strings.Contains(out, "handup") {
		t.Error("a row with no hand shows one")
	}
}
