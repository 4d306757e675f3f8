package views

import (
	"strconv"
	"time"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// The server-sent events of raised hands and announcements: the
// student's hand panel, the class's announcements on a student's page,
// and the instructor's queue panel on the grid.
const (
	HelpEvent          = "help"
	AnnouncementsEvent = "announcements"
	HelpQueueEvent     = "help-queue"
)

// HelpState is a student's raised hand as their page shows it.
type HelpState struct {
	// Open: a hand is up (ID, Message, RaisedAt, OnMyWay say of it).
	Open     bool
	ID       int64
	Message  string
	RaisedAt time.Time
	OnMyWay  bool
	// Error is why the last action was refused, in the page's language.
	Error string
}

// QueueItem is one raised hand in the instructor's queue.
type QueueItem struct {
	ID          int64
	StudentID   int64
	Login       string
	DisplayName string
	Message     string
	RaisedAt    time.Time
	OnMyWay     bool
	// Failing are the titles of the student's checks not passed.
	Failing []grader.Text
}

// Announcement is an instructor's message to the class, as typed.
type Announcement struct {
	ID          int64
	Text        string
	CreatedAt   time.Time
	WithdrawnAt time.Time // zero: shown
}

// HelpQueue is the instructor's panel on the grid: the raised hands, the
// longest waiting first, and the announcements shown now with the form
// that makes one.
type HelpQueue struct {
	Lang          i18n.Lang
	Now           time.Time
	Class         string
	Items         []QueueItem
	Announcements []Announcement
	// Past are the announcements withdrawn, newest first.
	Past []Announcement
	// Error is why the last announcement was refused.
	Error string
	// Text is what was typed, kept after an error.
	Text string
}

// Help URLs (POST).
func SelfHelpURL(token string) string         { return SelfURL(token) + "/help" }
func SelfHelpWithdrawURL(token string) string { return SelfURL(token) + "/help/withdraw" }
func HelpOnMyWayURL(class string, id int64) string {
	return "/classes/" + segment(class) + "/help/" + strconv.FormatInt(id, 10) + "/on-my-way"
}
func HelpDoneURL(class string, id int64) string {
	return "/classes/" + segment(class) + "/help/" + strconv.FormatInt(id, 10) + "/done"
}
func AnnounceURL(class string) string { return "/classes/" + segment(class) + "/announcements" }
func AnnouncementWithdrawURL(class string, id int64) string {
	return AnnounceURL(class) + "/" + strconv.FormatInt(id, 10) + "/withdraw"
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// HelpQueue is the grid's help panel in the page's language, time and
// class.
func (g *Grid) HelpQueue() HelpQueue {
	q := g.Help
	q.Lang, q.Now, q.Class = g.Lang, g.Now, g.Class
	return q
}

// HelpEventKind is what happened to a raised hand, on the timeline.
type HelpEventKind string

const (
	HelpRaised    HelpEventKind = "raised"
	HelpOnMyWay   HelpEventKind = "on-my-way"
	HelpDone      HelpEventKind = "done"
	HelpWithdrawn HelpEventKind = "withdrawn"
)

// helpEventWord is the timeline's word for k.
func helpEventWord(m *i18n.Messages, k HelpEventKind) string {
	switch k {
	case HelpOnMyWay:
		return m.HelpOnMyWayEvent
	case HelpDone:
		return m.HelpDoneEvent
	case HelpWithdrawn:
		return m.HelpWithdrawnEvent
	default:
		return m.HelpRaisedEvent
	}
}
