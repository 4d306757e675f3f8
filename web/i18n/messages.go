package i18n

import (
	"fmt"
	"strings"
	"time"

	"labgrid/grader"
)

// Messages is every string of the web pages in one language. Fields ending
// in F are fmt formats; call them through the methods below, which keep the
// argument types right.
//
// A test checks that both languages fill every field and that each format
// takes the same verbs in both.
type Messages struct {
	Lang     Lang
	LangName string // the language's own name, for the toggle

	// Layout.
	Product       string
	SkipToContent string
	LanguageLabel string // accessible name of the language toggle
	SignOut       string
	LiveOn        string // the live stream is connected
	LiveRetrying  string // the live stream dropped and is reconnecting

	// Sign-in page.
	SignInTitle      string
	SignInLead       string
	Password         string
	SignIn           string
	WrongPassword    string
	TooManyAttemptsF string // %s: duration until the next try

	// Statuses: full labels (legend, detail pages) and the short ones of
	// the grid's cells.
	StatusLabel map[grader.Status]string
	StatusShort map[grader.Status]string
	StatusHelp  map[grader.Status]string // one line each, for the legend
	ErrorFlag   string                   // grader could not look; the status shown is the last judged one
	ErrorFlagF  string                   // %s: the last judged status

	// The list of classes (the instructor's home page).
	ClassesTitle    string
	ClassesCountF   string // %d classes
	ClassName       string // column header
	StudentsHeader  string // column header: number of students
	NoClassesLead   string
	NoClassesCreate string
	NoClassesImport string
	NoClassesThen   string
	CmdClassCreate  string // the command, with a placeholder for the name
	CmdRosterImport string // the command, with placeholders

	// The class grid.
	ClassTitleF     string // %s: class name
	StudentsCountF  string // %d students
	ShowingF        string // %d shown, %d in the class
	Student         string
	Progress        string
	LastScanned     string
	NeverScanned    string
	PassingRow      string // header of the summary row
	PassingOfF      string // %d students in the class
	SummaryCellF    string // %s check id, %d passing, %d students
	ScoreF          string // %d score, %d max
	StuckF          string // %s: duration without a new pass
	ScanError       string
	Sort            string
	SortLogin       string
	SortProgress    string
	SortStuck       string
	Filter          string
	Search          string // label of the search box
	SearchHint      string // its placeholder: what it searches
	StuckAtLeast    string // label of the minutes field
	Minutes         string // unit after the minutes field
	FailingCheck    string
	AnyCheck        string
	InErrorOnly     string
	Apply           string
	ClearFilter     string
	NoStudentsMatch string
	RescanClass     string
	RescanStudentF  string // %s: login
	ExportCSV       string
	FilterByCheckF  string // %s: check title
	Legend          string

	// The grid's labs: the control that shows one lab at a time, each
	// lab's score, and what a lab's checks left billing (end of day).
	Labs          string // label of the lab control
	AllLabs       string
	ShowLabF      string // %s: lab title
	UnknownLabF   string // %s: the lab asked for, which the class has not
	LabScoreF     string // %s lab title, %d score, %d max
	CostsTitle    string // heading of the end-of-day summary
	CostsTotalF   string // %s: the class's estimated cost per hour
	CostsNone     string // nothing left in the labs that report costs
	CostsCountF   string // %d students with something left
	CostsNote     string // the costs are estimates from the lab's prices
	CostPerHourF  string // %s: a cost per hour
	CostNoHourly  string // something left, with no hourly figure
	CostRowTitleF string // %s: the student's cost per hour, on the row

	// The student detail page (instructor).
	BackToClassF string // %s: class name
	Checks       string
	Check        string
	Status       string
	Message      string
	Evidence     string
	Hint         string
	Timeline     string
	NoChanges    string
	Required     string
	Advisory     string
	PointsF      string // %d earned, %d max
	FirstPassedF string // %s: time
	ObservedF    string // %s: time
	CannotLookF  string // %s: the AWS error
	Email        string
	Section      string
	FirstResult  string
	NoResultsYet string
	When         string
	Account      string
	PassedCountF string // %d passed, %d checks
	RemainingF   string // %d checks to go
	AllPassed    string
	WhatWasFound string
	WhatToDo     string
	LabPassedF   string // %d passed, %d checks of a lab; its summary line

	// The student's self-check page.
	SelfTitle     string
	SelfLeadF     string // %[1]s: display name or login; %[2]s: the labs (grader.Judge.Title)
	SelfPrivate   string
	CheckNow      string
	RateLimitF    string // %s: interval
	WaitF         string // %d seconds left
	CheckQueued   string
	YourChecklist string

	// Error pages.
	NotFoundTitle    string
	NotFoundBody     string
	ServerErrorTitle string
	ServerErrorBody  string
	ErrorTitleF      string // %d: HTTP status
	ErrorBody        string
	GoHome           string

	// Durations and relative times.
	JustNow  string
	AgoF     string // %s: duration
	SecondsF string // %d
	MinutesF string // %d
	HoursF   string // %d
	DaysF    string // %d

	// Raised hands: the student's side.
	HelpTitle        string
	RaiseHand        string
	HelpMessageLabel string
	HandRaised       string
	HandOnMyWay      string
	WithdrawHand     string
	HelpTooLongF     string // %d: the limit in characters
	HelpBadText      string
	HelpWaitF        string // %d: seconds to wait
	HelpAlreadyOpen  string
	HelpClosed       string
	Announcements    string
	// The instructor's side.
	HelpQueue         string
	HelpQueueEmpty    string
	WaitingF          string // %s: how long
	FailingChecks     string
	OnMyWay           string
	OnTheWay          string
	HelpDone          string
	Announce          string
	AnnouncementLabel string
	AnnouncementBadF  string // %d: the limit in characters
	PastAnnouncements string
	HandUpF           string // %s: how long the hand has been up, on a row
	// The student's timeline.
	HelpRaisedEvent    string
	HelpOnMyWayEvent   string
	HelpDoneEvent      string
	HelpWithdrawnEvent string
}

// For returns the messages of l (Japanese for an unknown l).
func For(l Lang) *Messages {
	if l == EN {
		return &en
	}
	return &ja
}

// T is For(l), for templates that want one string: i18n.T(l).SignIn.
func T(l Lang) *Messages { return For(l) }

// Text picks l's side of a bilingual text from the grader or the store.
func (m *Messages) Text(t grader.Text) string { return t.In(string(m.Lang)) }

// StatusName is the full label of a status; an unknown status shows as is.
func (m *Messages) StatusName(s grader.Status) string {
	if v, ok := m.StatusLabel[s]; ok {
		return v
	}
	return string(s)
}

// StatusWord is the short label of a status for a grid cell.
func (m *Messages) StatusWord(s grader.Status) string {
	if v, ok := m.StatusShort[s]; ok {
		return v
	}
	return string(s)
}

// Duration says d coarsely: "42 秒", "12 分", "3 時間", "2 日".
func (m *Messages) Duration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return fmt.Sprintf(m.SecondsF, int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf(m.MinutesF, int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf(m.HoursF, int(d/time.Hour))
	default:
		return fmt.Sprintf(m.DaysF, int(d/(24*time.Hour)))
	}
}

// Ago says how long before now t was: "たった今", "3 分前". A zero t is
// NeverScanned.
func (m *Messages) Ago(t, now time.Time) string {
	if t.IsZero() {
		return m.NeverScanned
	}
	d := now.Sub(t)
	if d < 10*time.Second {
		return m.JustNow
	}
	return fmt.Sprintf(m.AgoF, m.Duration(d))
}

// The formats, typed.

func (m *Messages) TooManyAttempts(wait time.Duration) string {
	return fmt.Sprintf(m.TooManyAttemptsF, m.Duration(wait))
}
func (m *Messages) ClassTitle(class string) string { return fmt.Sprintf(m.ClassTitleF, class) }
func (m *Messages) StudentsCount(n int) string     { return fmt.Sprintf(m.StudentsCountF, n) }
func (m *Messages) ClassesCount(n int) string      { return fmt.Sprintf(m.ClassesCountF, n) }
func (m *Messages) Showing(shown, total int) string {
	return fmt.Sprintf(m.ShowingF, shown, total)
}
func (m *Messages) PassingOf(total int) string { return fmt.Sprintf(m.PassingOfF, total) }
func (m *Messages) SummaryCell(checkID string, passing, total int) string {
	return fmt.Sprintf(m.SummaryCellF, checkID, passing, total)
}
func (m *Messages) Score(score, max int) string       { return fmt.Sprintf(m.ScoreF, score, max) }
func (m *Messages) Stuck(d time.Duration) string      { return fmt.Sprintf(m.StuckF, m.Duration(d)) }
func (m *Messages) RescanStudent(login string) string { return fmt.Sprintf(m.RescanStudentF, login) }
func (m *Messages) FilterByCheck(title string) string { return fmt.Sprintf(m.FilterByCheckF, title) }
func (m *Messages) BackToClass(class string) string   { return fmt.Sprintf(m.BackToClassF, class) }
func (m *Messages) Points(earned, max int) string     { return fmt.Sprintf(m.PointsF, earned, max) }
func (m *Messages) FirstPassed(at string) string      { return fmt.Sprintf(m.FirstPassedF, at) }
func (m *Messages) Observed(at string) string         { return fmt.Sprintf(m.ObservedF, at) }
func (m *Messages) CannotLook(reason string) string   { return fmt.Sprintf(m.CannotLookF, reason) }
func (m *Messages) PassedCount(passed, total int) string {
	return fmt.Sprintf(m.PassedCountF, passed, total)
}
func (m *Messages) ShowLab(title string) string     { return fmt.Sprintf(m.ShowLabF, title) }
func (m *Messages) UnknownLab(lab string) string    { return fmt.Sprintf(m.UnknownLabF, lab) }
func (m *Messages) CostsTotal(cost string) string   { return fmt.Sprintf(m.CostsTotalF, cost) }
func (m *Messages) CostsCount(n int) string         { return fmt.Sprintf(m.CostsCountF, n) }
func (m *Messages) CostPerHour(cost string) string  { return fmt.Sprintf(m.CostPerHourF, cost) }
func (m *Messages) CostRowTitle(cost string) string { return fmt.Sprintf(m.CostRowTitleF, cost) }
func (m *Messages) LabPassed(passed, total int) string {
	return fmt.Sprintf(m.LabPassedF, passed, total)
}
func (m *Messages) LabScore(title string, score, max int) string {
	return fmt.Sprintf(m.LabScoreF, title, score, max)
}
func (m *Messages) Remaining(n int) string { return fmt.Sprintf(m.RemainingF, n) }
func (m *Messages) SelfLead(name, labs string) string {
	return fmt.Sprintf(m.SelfLeadF, name, labs)
}
func (m *Messages) RateLimit(every time.Duration) string {
	return fmt.Sprintf(m.RateLimitF, m.Duration(every))
}

// Wait splits the "N seconds left" text around its number, so that a page
// can put the number in an element that a script counts down.
func (m *Messages) Wait(seconds int) (before, number, after string) {
	before, after, _ = strings.Cut(m.WaitF, "%d")
	return before, fmt.Sprint(seconds), after
}
func (m *Messages) ErrorTitle(code int) string { return fmt.Sprintf(m.ErrorTitleF, code) }
func (m *Messages) ErrorFlagged(last grader.Status) string {
	return fmt.Sprintf(m.ErrorFlagF, m.StatusName(last))
}

func (m *Messages) HelpTooLong(n int) string       { return fmt.Sprintf(m.HelpTooLongF, n) }
func (m *Messages) HelpWait(seconds int) string    { return fmt.Sprintf(m.HelpWaitF, seconds) }
func (m *Messages) Waiting(d time.Duration) string { return fmt.Sprintf(m.WaitingF, m.Duration(d)) }
func (m *Messages) AnnouncementBad(n int) string   { return fmt.Sprintf(m.AnnouncementBadF, n) }
func (m *Messages) HandUp(d time.Duration) string  { return fmt.Sprintf(m.HandUpF, m.Duration(d)) }
