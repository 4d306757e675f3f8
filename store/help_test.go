package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"labgrid/internal/pgtest"
)

// loginIDs are the ids of the class's students user01, user02, …
func loginIDs(t *testing.T, s *Store, classID int64, n int) []int64 {
	t.Helper()
	byLogin := studentIDs(t, t.Context(), s, classID)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = byLogin[fmt.Sprintf("user%02d", i+1)]
	}
	return ids
}

func TestRaiseHandOneOpenAndRateLimit(t *testing.T) {
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "hands", 2)
	ids := loginIDs(t, s, c.ID, 2)

	h, err := s.RaiseHand(ctx, ids[0], "  VPC が見つかりません <b>  ", testTime)
	if err != nil {
		t.Fatal(err)
	}
	if h.Message != "VPC が見つかりません <b>" || !h.Open() || h.Login != "user01" || !h.RaisedAt.Equal(testTime) {
		t.Fatalf("raised %+v", h)
	}
	// One open request per student, whenever.
	if _, err := s.RaiseHand(ctx, ids[0], "again", testTime.Add(time.Hour)); !errors.Is(err, ErrHandOpen) {
		t.Fatalf("second open request: %v, want ErrHandOpen", err)
	}
	// Another student is not held by it.
	if _, err := s.RaiseHand(ctx, ids[1], "", testTime); err != nil {
		t.Fatal(err)
	}
	// Withdrawn 10 s later: a new one waits for the minute since the last.
	if _, err := s.WithdrawHand(ctx, ids[0], h.ID, testTime.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = s.RaiseHand(ctx, ids[0], "", testTime.Add(20*time.Second))
	var rate *HelpRateError
	if !errors.As(err, &rate) || rate.Wait != 40*time.Second {
		t.Fatalf("raise 20 s after the last: %v, want a wait of 40 s", err)
	}
	if _, err := s.RaiseHand(ctx, ids[0], "", testTime.Add(HelpEvery)); err != nil {
		t.Fatalf("raise a minute after the last: %v", err)
	}
	if n := count(t, ctx, s, `SELECT count(*) FROM help_requests WHERE student_id = $1`, ids[0]); n != 2 {
		t.Fatalf("%d requests stored, want 2", n)
	}
}

func TestRaiseHandRefusesBadMessages(t *testing.T) {
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "hands-bad", 1)
	id := loginIDs(t, s, c.ID, 1)[0]
	for name, msg := range map[string]string{
		"too long":  strings.Repeat("あ", MaxHelpMessage+1),
		"line feed": "a\nb",
		"control":   "a\x00b",
		"not utf-8": "a\xffb",
	} {
		if _, err := s.RaiseHand(ctx, id, msg, testTime); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.RaiseHand(ctx, id, strings.Repeat("あ", MaxHelpMessage), testTime); err != nil {
		t.Errorf("a message of %d characters: %v", MaxHelpMessage, err)
	}
	if _, err := s.RaiseHand(ctx, 1<<40, "", testTime); !errors.Is(err, ErrNotFound) {
		t.Errorf("no such student: %v, want ErrNotFound", err)
	}
}

// Invisible formatting characters (Unicode Cf) are refused in a help
// message and an announcement as the roster refuses them in a name: a
// right-to-left override would show the instructor reversed text, a
// zero-width space hides in a word. The error names the character and
// where it is, and nothing is stored.
func TestTextRefusesInvisibleCharacters(t *testing.T) {
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "invisible", 1)
	id := loginIDs(t, s, c.ID, 1)[0]
	cases := []struct {
		name, text, want string
	}{
		{"right-to-left override", "help \u202eevil", "U+202E at position 6"},
		{"zero-width space", "VPC\u200bが見つかりません", "U+200B at position 4"},
		{"isolate", "\u2066x\u2069", "U+2066 at position 1"},
		{"byte-order mark inside", "a\ufeffb", "U+FEFF at position 2"},
	}
	for _, tc := range cases {
		_, err := s.RaiseHand(ctx, id, tc.text, testTime)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "help message: invisible formatting character "+tc.want) {
			t.Errorf("help message with a %s: %v, want ErrInvalid naming %s", tc.name, err, tc.want)
		}
		_, err = s.Announce(ctx, c.ID, "休憩\n"+tc.text, testTime)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "announcement: invisible formatting character U+") {
			t.Errorf("announcement with a %s: %v, want ErrInvalid naming the character", tc.name, err)
		}
	}
	if n := count(t, ctx, s, `SELECT count(*) FROM help_requests WHERE student_id = $1`, id); n != 0 {
		t.Errorf("%d help requests stored, want none", n)
	}
	if n := count(t, ctx, s, `SELECT count(*) FROM announcements WHERE class_id = $1`, c.ID); n != 0 {
		t.Errorf("%d announcements stored, want none", n)
	}

	if _, err := s.RaiseHand(ctx, id, "a\x07b", testTime); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "help message: control character U+0007 at position 2") {
		t.Errorf("help message with a bell: %v, want ErrInvalid naming U+0007", err)
	}

	// A line separator is a line break a help message (one line) may not
	// hold; an announcement's lines are plain line feeds.
	for _, text := range []string{"a\u2028b", "a\u2029b", "a\rb"} {
		if _, err := s.RaiseHand(ctx, id, text, testTime); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "line break") {
			t.Errorf("help message %q: %v, want ErrInvalid naming a line break", text, err)
		}
		if _, err := s.Announce(ctx, c.ID, text, testTime); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "line break") {
			t.Errorf("announcement %q: %v, want ErrInvalid naming a line break", text, err)
		}
	}

	// Emoji, including sequences joined by a zero-width joiner (a man
	// bowing, a technologist) and a flag, still pass.
	const emoji = "すみません🙇\u200d♂\ufe0f 👩🏽\u200d💻 🇯🇵 ありがとう😊"
	h, err := s.RaiseHand(ctx, id, emoji, testTime)
	if err != nil || h.Message != emoji {
		t.Errorf("help message with emoji: %+v, %v", h, err)
	}
	if a, err := s.Announce(ctx, c.ID, emoji+"\n"+emoji, testTime); err != nil || a.Text != emoji+"\n"+emoji {
		t.Errorf("announcement with emoji: %+v, %v", a, err)
	}
}

func TestHelpTransitions(t *testing.T) {
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "hands-flow", 3)
	other, _ := mustImport(t, ctx, s, "hands-other", 1)
	ids := loginIDs(t, s, c.ID, 3)

	first, err := s.RaiseHand(ctx, ids[1], "first", testTime)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.RaiseHand(ctx, ids[0], "second", testTime.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	queue, err := s.ClassHands(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 2 || queue[0].ID != first.ID || queue[1].ID != second.ID {
		t.Fatalf("queue %+v, want the longest waiting first", queue)
	}

	// A student acts only on their own request; an instructor only on
	// their class's.
	if _, err := s.WithdrawHand(ctx, ids[0], first.ID, testTime); !errors.Is(err, ErrNotFound) {
		t.Fatalf("withdraw another's request: %v, want ErrNotFound", err)
	}
	if _, err := s.HandOnMyWay(ctx, other.ID, first.ID, testTime); !errors.Is(err, ErrNotFound) {
		t.Fatalf("on my way from another class: %v, want ErrNotFound", err)
	}

	onWay := testTime.Add(time.Minute)
	h, err := s.HandOnMyWay(ctx, c.ID, first.ID, onWay)
	if err != nil {
		t.Fatal(err)
	}
	if !h.OnMyWayAt.Equal(onWay) || !h.Open() {
		t.Fatalf("on my way: %+v", h)
	}
	// Again: the first time stays.
	if h, err = s.HandOnMyWay(ctx, c.ID, first.ID, onWay.Add(time.Minute)); err != nil || !h.OnMyWayAt.Equal(onWay) {
		t.Fatalf("on my way again: %+v, %v", h, err)
	}
	if open, err := s.OpenHand(ctx, ids[1]); err != nil || !open.OnMyWayAt.Equal(onWay) {
		t.Fatalf("the student's open request: %+v, %v", open, err)
	}
	if h, err = s.HandDone(ctx, c.ID, first.ID, onWay.Add(2*time.Minute)); err != nil || h.Open() {
		t.Fatalf("done: %+v, %v", h, err)
	}
	// Closed: nothing more happens to it.
	if _, err := s.HandDone(ctx, c.ID, first.ID, onWay); !errors.Is(err, ErrNotFound) {
		t.Fatalf("done twice: %v, want ErrNotFound", err)
	}
	if _, err := s.WithdrawHand(ctx, ids[1], first.ID, onWay); !errors.Is(err, ErrNotFound) {
		t.Fatalf("withdraw a done request: %v, want ErrNotFound", err)
	}
	if _, err := s.OpenHand(ctx, ids[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open request after done: %v, want ErrNotFound", err)
	}
	if queue, err = s.ClassHands(ctx, c.ID); err != nil || len(queue) != 1 || queue[0].ID != second.ID {
		t.Fatalf("queue after done: %+v, %v", queue, err)
	}

	hist, err := s.StudentHands(ctx, ids[1])
	if err != nil || len(hist) != 1 || hist[0].DoneAt.IsZero() {
		t.Fatalf("history %+v, %v", hist, err)
	}
	counts, err := s.HelpCounts(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts[ids[0]] != 1 || counts[ids[1]] != 1 || counts[ids[2]] != 0 {
		t.Fatalf("counts %v", counts)
	}
}

func TestAnnouncements(t *testing.T) {
	ctx, s := setup(t)
	c := mustClass(t, ctx, s, "announce")
	other := mustClass(t, ctx, s, "announce-other")

	for name, text := range map[string]string{
		"empty":    "  \n ",
		"too long": strings.Repeat("x", MaxAnnouncement+1),
		"control":  "a\x1bb",
	} {
		if _, err := s.Announce(ctx, c.ID, text, testTime); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	a1, err := s.Announce(ctx, c.ID, "休憩 10 分\nBreak: 10 min", testTime)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := s.Announce(ctx, c.ID, "<script>x</script>", testTime.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if a2.Text != "<script>x</script>" {
		t.Fatalf("kept %q: a text is kept as typed (the pages escape it)", a2.Text)
	}
	if err := s.WithdrawAnnouncement(ctx, other.ID, a1.ID, testTime); !errors.Is(err, ErrNotFound) {
		t.Fatalf("withdraw from another class: %v, want ErrNotFound", err)
	}
	if err := s.WithdrawAnnouncement(ctx, c.ID, a1.ID, testTime.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawAnnouncement(ctx, c.ID, a1.ID, testTime.Add(2*time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("withdraw twice: %v, want ErrNotFound", err)
	}
	shown, err := s.Announcements(ctx, c.ID, false)
	if err != nil || len(shown) != 1 || shown[0].ID != a2.ID {
		t.Fatalf("shown %+v, %v", shown, err)
	}
	hist, err := s.Announcements(ctx, c.ID, true)
	if err != nil || len(hist) != 2 || hist[0].ID != a2.ID || hist[1].WithdrawnAt.IsZero() {
		t.Fatalf("history %+v, %v", hist, err)
	}
}

// Students raising hands at once (two replicas, a double click): one
// request is opened, the others are told one is open.
func TestRaiseHandConcurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := New(pgtest.NewPool(t, pgtest.NewDatabase(t, true)))
	c, _ := mustImport(t, ctx, s, "hands-race", 1)
	id := loginIDs(t, s, c.ID, 1)[0]
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := s.RaiseHand(ctx, id, "", testTime)
			errs <- err
		}()
	}
	opened := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			opened++
		case !errors.Is(err, ErrHandOpen):
			t.Errorf("a concurrent raise: %v, want ErrHandOpen", err)
		}
	}
	if opened != 1 {
		t.Fatalf("%d requests opened, want 1", opened)
	}
}
