package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/store"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

var ja = i18n.For(i18n.JA)

// A student raises a hand with a message shown as text, cannot raise a
// second one, cannot withdraw another's, withdraws their own and waits
// for the minute to raise a new one.
func TestRaiseHand(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tok1, tok2 := e.tokens["user01"], e.tokens["user02"]
	msg := `<script>alert(1)</script> VPC?`
	resp, body := e.do(e.client, "POST", views.SelfHelpURL(tok1), url.Values{"message": {msg}}, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ja.HandRaised) {
		t.Fatalf("raise: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; VPC?") {
		t.Errorf("the message is not escaped:\n%s", body)
	}
	if _, page := e.get(views.SelfURL(tok1)); !strings.Contains(page, ja.HandRaised) || strings.Contains(page, "<script>alert") {
		t.Errorf("the page does not show the raised hand as text")
	}
	if _, page := e.get(views.SelfURL(tok2)); strings.Contains(page, ja.HandRaised) || strings.Contains(page, "VPC?") {
		t.Errorf("another student's page shows the hand")
	}

	_, body = e.do(e.client, "POST", views.SelfHelpURL(tok1), url.Values{"message": {"again"}}, "HX-Request", "true")
	if !strings.Contains(body, ja.HelpAlreadyOpen) {
		t.Errorf("a second hand: %s", body)
	}

	// user02 cannot withdraw user01's request, whatever id they send.
	h, err := e.store.OpenHand(t.Context(), e.ids["user01"])
	if err != nil {
		t.Fatal(err)
	}
	id := url.Values{"id": {itoa(h.ID)}}
	resp, _ = e.do(e.client, "POST", views.SelfHelpWithdrawURL(tok2), id)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("withdraw another's request: %d, want 404", resp.StatusCode)
	}
	if _, err := e.store.OpenHand(t.Context(), e.ids["user01"]); err != nil {
		t.Fatalf("another student withdrew the hand: %v", err)
	}
	resp, _ = e.do(e.client, "POST", views.SelfHelpWithdrawURL(tok1), id)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("withdraw: %d, want 303", resp.StatusCode)
	}
	if _, err := e.store.OpenHand(t.Context(), e.ids["user01"]); err == nil {
		t.Fatal("the hand is still up after withdrawing")
	}

	// Within the minute of the last: refused, with the wait, the message kept.
	e.clock.Advance(20 * time.Second)
	resp, body = e.do(e.client, "POST", views.SelfHelpURL(tok1), url.Values{"message": {"once more"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "40" || !strings.Contains(body, ja.HelpWait(40)) ||
		!strings.Contains(body, `value="once more"`) {
		t.Errorf("raise within the minute: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(40 * time.Second)
	if resp, _ = e.do(e.client, "POST", views.SelfHelpURL(tok1), url.Values{"message": {"once more"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("raise after the minute: %d, want 303", resp.StatusCode)
	}
}

// A message too long or with control characters is refused with a clear
// message on the page, and nothing is stored.
func TestRaiseHandBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tok := e.tokens["user01"]
	for _, c := range []struct {
		msg, want string
	}{
		{strings.Repeat("あ", store.MaxHelpMessage+1), ja.HelpTooLong(store.MaxHelpMessage)},
		{"a\nb", ja.HelpBadText},
		{"a\x07b", ja.HelpBadText},
	} {
		resp, body := e.do(e.client, "POST", views.SelfHelpURL(tok), url.Values{"message": {c.msg}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) || !strings.Contains(body, `role="alert"`) {
			t.Errorf("message %.20q: %d, want 422 saying %q", c.msg, resp.StatusCode, c.want)
		}
	}
	resp, _ := e.do(e.client, "POST", views.SelfHelpURL(tok), url.Values{"message": {strings.Repeat("x", maxHelpForm)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d, want 413", resp.StatusCode)
	}
	if _, err := e.store.OpenHand(t.Context(), e.ids["user01"]); err == nil {
		t.Error("a refused message was stored")
	}
	if resp, _ := e.do(e.client, "POST", views.SelfHelpURL(strings.Repeat("A", tokenLen)), url.Values{"message": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a bad token: %d, want 404", resp.StatusCode)
	}
}

// The instructor's queue shows the hand with its message escaped and
// the student's failing checks by title; "on my way" reaches the
// student's page and "done" empties the queue. Without a session, or
// cross-site, nothing happens.
func TestHelpQueue(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := e.store.RaiseHand(t.Context(), e.ids["user02"], "<b>help</b>", e.clock.Now().Add(-3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	h, err := e.store.OpenHand(t.Context(), e.ids["user02"])
	if err != nil {
		t.Fatal(err)
	}
	onMyWay := views.HelpOnMyWayURL(e.class.Name, h.ID)
	for _, path := range []string{onMyWay, views.HelpDoneURL(e.class.Name, h.ID), views.AnnounceURL(e.class.Name)} {
		if resp, _ := e.do(e.client, "POST", path, url.Values{"text": {"x"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d, want 401", path, resp.StatusCode)
		}
	}
	e.signIn()
	for _, path := range []string{onMyWay, views.AnnounceURL(e.class.Name), views.SelfHelpURL(e.tokens["user01"]), views.SelfHelpWithdrawURL(e.tokens["user02"])} {
		if resp, _ := e.do(e.client, "POST", path, url.Values{"text": {"x"}, "id": {itoa(h.ID)}}, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", logPath(path), resp.StatusCode)
		}
	}
	if got, _ := e.store.OpenHand(t.Context(), e.ids["user02"]); !got.OnMyWayAt.IsZero() {
		t.Fatal("a refused request changed the hand")
	}
	if list, _ := e.store.Announcements(t.Context(), e.class.ID, true); len(list) != 0 {
		t.Fatal("a refused request announced")
	}

	_, grid := e.get(views.ClassURL(e.class.Name, nil))
	title := ja.Text(defaultJudge(t).Checks()[0].Title)
	if !strings.Contains(grid, `id="hand-`+itoa(e.ids["user02"])+`"`) || !strings.Contains(grid, "&lt;b&gt;help&lt;/b&gt;") ||
		!strings.Contains(grid, ja.Waiting(3*time.Minute)) || !strings.Contains(grid, title) {
		t.Errorf("the queue misses the hand, its message, its wait or the failing check %q", title)
	}
	if row := between(grid, `id="`+views.StudentEvent(e.ids["user02"])+`"`, "</tr>"); !strings.Contains(row, `class="handup"`) || !strings.Contains(row, ja.HandUp(3*time.Minute)) {
		t.Errorf("user02's row shows no hand with its wait:\n%s", row)
	}
	if row := between(grid, `id="`+views.StudentEvent(e.ids["user01"])+`"`, "</tr>"); strings.Contains(row, "handup") {
		t.Error("user01's row shows a hand")
	}
	resp, body := e.do(e.client, "POST", onMyWay, nil, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ja.OnTheWay) {
		t.Errorf("on my way: %d\n%s", resp.StatusCode, body)
	}
	if _, page := e.get(views.SelfURL(e.tokens["user02"])); !strings.Contains(page, ja.HandOnMyWay) {
		t.Error("the student's page does not say the instructor is on the way")
	}
	if resp, _ := e.do(e.client, "POST", views.HelpDoneURL(e.class.Name, h.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("done: %d, want 303", resp.StatusCode)
	}
	if _, grid := e.get(views.ClassURL(e.class.Name, nil)); !strings.Contains(grid, ja.HelpQueueEmpty) {
		t.Error("the queue is not empty after done")
	}
	if resp, _ := e.do(e.client, "POST", views.HelpDoneURL(e.class.Name, h.ID), nil, "HX-Request", "true"); resp.StatusCode != http.StatusOK {
		t.Errorf("done twice: %d", resp.StatusCode)
	}
	if resp, _ := e.do(e.client, "POST", "/classes/"+e.class.Name+"/help/x/done", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("done of a bad id: %d, want 404", resp.StatusCode)
	}
}

// An announcement is shown as text on every student's page until
// withdrawn; a bad one is refused with a clear message.
func TestAnnounce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	path := views.AnnounceURL(e.class.Name)
	for _, text := range []string{"", strings.Repeat("x", store.MaxAnnouncement+1), "a\x00b"} {
		resp, body := e.do(e.client, "POST", path, url.Values{"text": {text}}, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, ja.AnnouncementBad(store.MaxAnnouncement)) {
			t.Errorf("announce %.20q: %d, no error shown", text, resp.StatusCode)
		}
	}
	if resp, _ := e.do(e.client, "POST", path, url.Values{"text": {""}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an empty announcement, plain form: %d, want 422", resp.StatusCode)
	}
	if resp, _ := e.do(e.client, "POST", path, url.Values{"text": {"<i>休憩</i>"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("announce: %d", resp.StatusCode)
	}
	for _, login := range []string{"user01", "user03"} {
		if _, page := e.get(views.SelfURL(e.tokens[login])); !strings.Contains(page, "&lt;i&gt;休憩&lt;/i&gt;") || strings.Contains(page, "<i>休憩") {
			t.Errorf("%s's page does not show the announcement as text", login)
		}
	}
	list, err := e.store.Announcements(t.Context(), e.class.ID, false)
	if err != nil || len(list) != 1 {
		t.Fatalf("announcements %v, %v", list, err)
	}
	if resp, _ := e.do(e.client, "POST", views.AnnouncementWithdrawURL(e.class.Name, list[0].ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("withdraw: %d", resp.StatusCode)
	}
	if _, page := e.get(views.SelfURL(e.tokens["user01"])); strings.Contains(page, "休憩") {
		t.Error("a withdrawn announcement is still shown")
	}
	// The instructor keeps the history.
	_, grid := e.get(views.ClassURL(e.class.Name, nil))
	if past := between(grid, `<details class="past">`, "</details>"); !strings.Contains(past, ja.PastAnnouncements) || !strings.Contains(past, "&lt;i&gt;休憩&lt;/i&gt;") {
		t.Errorf("the grid does not list the withdrawn announcement:\n%s", past)
	}
}

// The student's stream sends their hand on a help event naming them and
// the announcements on an announcement event; the grid's, the queue.
func TestHelpEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := e.store.RaiseHand(t.Context(), e.ids["user02"], "stuck", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Announce(t.Context(), e.class.ID, "休憩", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r, stop := e.stream(views.SelfEventsURL(e.tokens["user02"]))
	e.send(HubEvent{StudentIDs: []int64{e.ids["user02"]}, Help: true})
	if events := readEvents(t, r, views.HelpEvent); !strings.Contains(events[views.HelpEvent], ja.HandRaised) {
		t.Errorf("help event: %v", keys(events))
	}
	e.send(HubEvent{Announce: true})
	events := readEvents(t, r, views.AnnouncementsEvent)
	if len(events) != 1 || !strings.Contains(events[views.AnnouncementsEvent], "休憩") {
		t.Errorf("announcement event: %v", keys(events))
	}
	stop()

	e.signIn()
	r, stop = e.stream(views.ClassEventsURL(e.class.Name))
	defer stop()
	e.send(HubEvent{StudentIDs: []int64{e.ids["user02"]}, Help: true})
	events = readEvents(t, r, views.SummaryEvent)
	if q := events[views.HelpQueueEvent]; !strings.Contains(q, "stuck") || !strings.Contains(q, `id="hand-`+itoa(e.ids["user02"])+`"`) {
		t.Errorf("grid help event: %v", keys(events))
	}
	if row := events[views.StudentEvent(e.ids["user02"])]; !strings.Contains(row, `class="handup"`) {
		t.Errorf("the row sent with the help event shows no hand: %v", keys(events))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The instructor's page of a student shows their help requests on the
// timeline, newest first, the message as text.
func TestHelpOnTimeline(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signIn()
	at := e.scanTime.Add(5 * time.Minute)
	h, err := e.store.RaiseHand(t.Context(), e.ids["user02"], "<u>stuck</u>", at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.HandOnMyWay(t.Context(), e.class.ID, h.ID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.HandDone(t.Context(), e.class.ID, h.ID, at.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, page := e.get(views.StudentURL(e.class.Name, "user02"))
	done, onWay, raised := strings.Index(page, ja.HelpDoneEvent), strings.Index(page, ja.HelpOnMyWayEvent), strings.Index(page, ja.HelpRaisedEvent)
	if done < 0 || onWay < 0 || raised < 0 || !(done < onWay && onWay < raised) {
		t.Errorf("timeline: done at %d, on my way at %d, raised at %d: want all three, newest first", done, onWay, raised)
	}
	if !strings.Contains(page, "&lt;u&gt;stuck&lt;/u&gt;") || strings.Contains(page, "<u>stuck") {
		t.Error("the help message is not on the timeline as text")
	}
}

// between is the part of s from the first from up to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
