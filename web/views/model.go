// Package views renders labgrid's pages: templ components over view models
// of their own, so that they know nothing of the store. A handler maps what
// it reads to these structs and calls a component's Render.
//
// Every component escapes what it prints (templ does); URLs are built here
// from path-escaped segments. No page has an inline script or style: the
// only scripts and styles are the embedded files of web/static.
package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// Page is what every page needs besides its own data.
type Page struct {
	Lang i18n.Lang
	// URL is the request's path and query (r.URL.RequestURI()): the
	// language toggle links to it with ?lang= set.
	URL string
	// Now is the moment relative times ("3 分前") are counted from.
	Now time.Time
	// SignedIn marks an instructor's page: the header links home and
	// offers to sign out.
	SignedIn bool
}

// Column is a check of the grid, in the class's checklist order.
type Column struct {
	ID  string // the check's id
	Lab string // the lab's id
	// LabTitle is the lab's title, over its columns when the class has
	// several labs.
	LabTitle grader.Text
	// Area is the check's area in its lab; AreaTitle its name, over the
	// columns of the area.
	Area      string
	AreaTitle grader.Text
	Title     grader.Text
	// Short is the column's header: a word or two.
	Short grader.Text
}

// Columns makes the grid's columns from the checks a class is judged on
// (grader.Judge.Checks).
func Columns(checks []grader.CheckInfo) []Column {
	cols := make([]Column, len(checks))
	for i, c := range checks {
		cols[i] = Column{ID: c.ID, Lab: c.Lab, LabTitle: c.LabTitle, Area: c.Area, AreaTitle: c.AreaTitle, Title: c.Title, Short: c.Short}
	}
	return cols
}

// Cell is one student's status on one check.
type Cell struct {
	CheckID string
	// Lab and Area are the check's (Column), where a divider goes.
	Lab, Area string
	// Status is the last judged status: grader.StatusPending when never
	// scanned, grader.StatusError when the grader could never look.
	Status grader.Status
	// Error is set when the last scans could not look (an AWS error): the
	// cell keeps Status and is marked.
	Error bool
}

// Row is one student of the grid.
type Row struct {
	// ID is the store's id of the student: the row's element id and the
	// name of its server-sent event are both "student-<ID>".
	ID          int64
	Login       string
	DisplayName string
	Score       int
	MaxScore    int
	// LastScanned is zero when the student was never scanned.
	LastScanned time.Time
	// StuckFor, when positive, shows "no progress for …" on the row; the
	// handler sets it for students with no new pass for a while.
	StuckFor time.Duration
	// Error, when not empty, is why the last scan could not look at the
	// student's AWS account; the row shows a marker.
	Error grader.Text
	// Cells are the student's statuses, one per grid column, in order.
	Cells []Cell
	// Labs are the student's score in each lab of the class, shown when
	// the class has several labs and the grid shows them all.
	Labs []LabScore
	// CostPerHour is what the student's leftovers are estimated to cost
	// per hour; Leftovers says something is left in a lab that reports
	// costs (it may bill no hourly figure).
	CostPerHour float64
	Leftovers   bool
	// HandSince is when the student raised the hand that is up; zero:
	// none.
	HandSince time.Time
}

// LabScore is a student's score in one lab.
type LabScore struct {
	ID string
	// Title names the lab in the score's tooltip: its short title, as
	// a grid of 200 rows repeats it on every row.
	Title    grader.Text
	Score    int
	MaxScore int
}

// EventName is the name of the server-sent event that carries this row
// re-rendered, and the row's element id: "student-<ID>".
func (r Row) EventName() string { return StudentEvent(r.ID) }

// StudentEvent is the server-sent event name of a student's grid row.
func StudentEvent(id int64) string { return "student-" + strconv.FormatInt(id, 10) }

// SummaryEvent is the server-sent event name of the grid's summary row.
const SummaryEvent = "summary"

// ChecklistEvent is the server-sent event name of a student's self-check
// list (SelfCheckBody).
const ChecklistEvent = "checklist"

// Summary is the grid's summary row: how many students pass each check.
type Summary struct {
	Students int   // students in the class
	Passing  []int // per grid column, in order
}

// Summarize counts, for each column, the rows whose cell for that check has
// passed (pass or warn). Give it every student of the class, not only the
// rows a filter shows.
func Summarize(cols []Column, rows []Row) Summary {
	s := Summary{Students: len(rows), Passing: make([]int, len(cols))}
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[c.ID] = i
	}
	for _, r := range rows {
		for _, c := range r.Cells {
			if i, ok := index[c.CheckID]; ok && c.Status.Passed() {
				s.Passing[i]++
			}
		}
	}
	return s
}

// Sort orders of the grid.
const (
	SortLogin    = "login"    // by login, A→Z (the default)
	SortProgress = "progress" // least score first: who is behind
	SortStuck    = "stuck"    // longest without a new pass first
)

// GridQuery is the grid's sort and filter, read from and written to the
// page's query string (GET links and a GET form, no script).
type GridQuery struct {
	Sort string // SortLogin, SortProgress or SortStuck; "" is SortLogin
	// StuckMinutes > 0 keeps the students with no new pass for at least
	// that many minutes.
	StuckMinutes int
	// Failing, a check id, keeps the students who have not passed it.
	Failing string
	// InError keeps the students whose last scan could not look.
	InError bool
	// Lab, a lab's id, shows only that lab's columns; "" shows every lab.
	// The handler checks it against the class's labs.
	Lab string
	// Search keeps the students whose login or display name contains it
	// (Matches); "" keeps everyone.
	Search string
}

// Query parameter names of GridQuery.
const (
	ParamSort    = "sort"
	ParamStuck   = "stuck"
	ParamFailing = "failing"
	ParamError   = "error"
	ParamLab     = "lab"
	ParamSearch  = "q"
)

// maxSearch is the longest search kept, in bytes: longer is dropped.
const maxSearch = 100

// ParseGridQuery reads a GridQuery from a request's query; unknown or
// malformed values are dropped.
func ParseGridQuery(v url.Values) GridQuery {
	var q GridQuery
	switch s := v.Get(ParamSort); s {
	case SortLogin, SortProgress, SortStuck:
		q.Sort = s
	}
	if n, err := strconv.Atoi(v.Get(ParamStuck)); err == nil && n > 0 && n <= 24*60 {
		q.StuckMinutes = n
	}
	if f := v.Get(ParamFailing); f != "" && len(f) <= 100 {
		q.Failing = f
	}
	switch v.Get(ParamError) {
	case "1", "on", "true":
		q.InError = true
	}
	if l := v.Get(ParamLab); l != "" && len(l) <= 100 {
		q.Lab = l
	}
	if s := strings.TrimSpace(v.Get(ParamSearch)); s != "" && len(s) <= maxSearch && utf8.ValidString(s) {
		q.Search = s
	}
	return q
}

// Values is the query string of q, without its defaults.
func (q GridQuery) Values() url.Values {
	v := url.Values{}
	if q.Sort != "" && q.Sort != SortLogin {
		v.Set(ParamSort, q.Sort)
	}
	if q.StuckMinutes > 0 {
		v.Set(ParamStuck, strconv.Itoa(q.StuckMinutes))
	}
	if q.Failing != "" {
		v.Set(ParamFailing, q.Failing)
	}
	if q.InError {
		v.Set(ParamError, "1")
	}
	if q.Lab != "" {
		v.Set(ParamLab, q.Lab)
	}
	if q.Search != "" {
		v.Set(ParamSearch, q.Search)
	}
	return v
}

// Filtered reports whether q hides any student.
func (q GridQuery) Filtered() bool {
	return q.StuckMinutes > 0 || q.Failing != "" || q.InError || q.Search != ""
}

// Matches reports whether a student of that login and display name is
// kept by q's search: the search is in either, ignoring case, the width
// of Latin letters and digits (ＵＳＥＲ０１ finds user01) and white space
// ("山田太郎" finds "山田 太郎").
func (q GridQuery) Matches(login, displayName string) bool {
	if q.Search == "" {
		return true
	}
	s := searchFold(q.Search)
	return strings.Contains(searchFold(login), s) || strings.Contains(searchFold(displayName), s)
}

// searchFold is s as Matches compares it.
func searchFold(s string) string {
	s = width.Fold.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// SortKey is q.Sort with its default.
func (q GridQuery) SortKey() string {
	if q.Sort == "" {
		return SortLogin
	}
	return q.Sort
}

// Grid is the instructor's page of one class.
type Grid struct {
	Page
	// Help is the queue of raised hands and the announcements (its
	// language, time and class are the page's: HelpQueue).
	Help    HelpQueue
	Class   string // the class's name, as in its URLs
	Columns []Column
	// Rows are the students to show, sorted and filtered by Query.
	Rows []Row
	// Summary is over the whole class (Summarize every student), so that a
	// filter does not change it.
	Summary Summary
	Query   GridQuery
	// Labs are every lab of the class, in order: the lab control, when
	// there are several.
	Labs []grader.LabInfo
	// UnknownLab is a lab the query asked for that the class has not:
	// the page says so and shows every lab.
	UnknownLab string
	// Costs is the end-of-day summary, nil when no lab of the class
	// reports costs.
	Costs *Costs
	// Bottleneck, when set, is the check many students are stuck on.
	Bottleneck *Bottleneck
}

// Costs is what the class still has billing: the labs that report costs
// (an end-of-day lab) found leftovers.
type Costs struct {
	// PerHour is the class's estimated total per hour.
	PerHour float64
	// Students are those with something left, costliest first.
	Students []Leftover
}

// Leftover is a student with something left in a lab that reports costs.
type Leftover struct {
	Login, DisplayName string
	CostPerHour        float64
}

// Name is the display name, or the login when there is none.
func (l Leftover) Name() string {
	return grader.Student{Login: l.Login, DisplayName: l.DisplayName}.Name()
}

// CostsEvent is the server-sent event name of the grid's end-of-day
// summary (GridCosts).
const CostsEvent = "costs"

// Context is what GridRow and GridSummary need of the page.
func (g *Grid) Context() GridContext {
	return GridContext{Lang: g.Lang, Now: g.Now, Class: g.Class, LabScores: len(g.Labs) > 1 && g.Query.Lab == ""}
}

// GridContext is what a grid row needs besides its data, so that the live
// stream can render one row alone in the page's language.
type GridContext struct {
	Lang  i18n.Lang
	Now   time.Time
	Class string
	// Fresh marks rows sent by the live stream: the page highlights them
	// for a moment, so that a change catches the eye.
	Fresh bool
	// LabScores shows each lab's score on the rows: the class has several
	// labs and the grid shows them all.
	LabScores bool
}

// CheckResult is one check of one student, for the student's detail page
// (instructor) and self-check page.
type CheckResult struct {
	ID        string
	Lab       string
	LabTitle  grader.Text
	Area      string
	AreaTitle grader.Text
	Title     grader.Text
	Status    grader.Status
	Required  bool
	// Points earned out of MaxPoints (0 for an advisory check).
	Points    int
	MaxPoints int
	Message   grader.Text
	Hint      grader.Text // empty when passed
	// Evidence is what the grader looked at. Only the instructor sees it.
	Evidence      []string
	ObservedAt    time.Time // zero: never judged
	FirstPassedAt time.Time // zero: never passed
	// Error, when not empty, is why the last scans could not look (an AWS
	// error); Status stays the last judged one.
	Error grader.Text
}

// NewCheckResult joins a check of the class with the student's result
// for it; a nil result is a check never scanned (pending). The store's
// extra fields (FirstPassedAt, Error) are the caller's to set.
func NewCheckResult(info grader.CheckInfo, r *grader.Result) CheckResult {
	c := CheckResult{ID: info.ID, Lab: info.Lab, LabTitle: info.LabTitle, Area: info.Area, AreaTitle: info.AreaTitle, Title: info.Title, Status: grader.StatusPending}
	if r == nil {
		// Never judged: what it is worth is the check's.
		c.Required = info.Required
		if info.Required {
			c.MaxPoints = info.Points
		}
		return c
	}
	c.Status, c.Required = r.Status, r.Required
	c.Points, c.MaxPoints = r.Points, r.MaxPoints
	c.Message, c.Hint = r.Message, r.Hint
	c.Evidence, c.ObservedAt = r.Evidence, r.ObservedAt
	return c
}

// Change is one entry of a student's timeline: a check's status changed.
type Change struct {
	// Help, when set, makes the entry a raised hand's event (HelpRaised…)
	// with the student's message, not a check's change.
	Help    HelpEventKind
	CheckID string
	Title   grader.Text
	From    grader.Status // "" for a check's first result
	To      grader.Status
	Message grader.Text
	At      time.Time
}

// StudentInfo is who a student is, for the detail and self-check pages.
type StudentInfo struct {
	ID          int64
	Login       string
	DisplayName string
	Email       string // instructor only
	Section     string // instructor only
	AccountID   string // instructor only
	Score       int
	MaxScore    int
	LastScanned time.Time // zero: never
	// Error, when not empty, is why the last scan could not look.
	Error grader.Text
}

// Name is the display name, or the login when there is none
// (grader.Student.Name).
func (s StudentInfo) Name() string {
	return grader.Student{Login: s.Login, DisplayName: s.DisplayName}.Name()
}

// Detail is the instructor's page of one student (StudentDetail).
type Detail struct {
	Page
	Class   string
	Student StudentInfo
	// Checks in the checklist's order.
	Checks []CheckResult
	// Timeline in the order to show (newest first reads best).
	Timeline []Change
}

// CheckNow is the state of the self-check page's "Check now" button.
type CheckNow struct {
	// Every is the rate limit: one check per Every, shown on the button.
	Every time.Duration
	// Wait, when positive, disables the button for that long still.
	Wait time.Duration
	// Queued says a check was just started (the answer to a press).
	Queued bool
}

// WaitSeconds is Wait rounded up to whole seconds.
func (c CheckNow) WaitSeconds() int {
	if c.Wait <= 0 {
		return 0
	}
	return int((c.Wait + time.Second - 1) / time.Second)
}

// SelfCheck is a student's own page, reached by their secret link. It
// carries nothing of any other student.
type SelfCheck struct {
	Page
	// Token is the secret of the student's link (/s/{token}).
	Token   string
	Student StudentInfo
	// Labs names what the checklist is of (grader.Judge.Title).
	Labs grader.Text
	// Checks in the checklist's order.
	Checks   []CheckResult
	CheckNow CheckNow
	// Help is the student's raised hand; Announcements the class's,
	// shown now.
	Help          HelpState
	Announcements []Announcement
}

// Passed counts the checks that passed (pass or warn).
func Passed(checks []CheckResult) int {
	n := 0
	for _, c := range checks {
		if c.Status.Passed() {
			n++
		}
	}
	return n
}

// LoginError is what went wrong with a sign-in.
type LoginError int

const (
	LoginOK LoginError = iota
	LoginWrongPassword
	LoginTooManyAttempts
)

// Login is the instructor's sign-in page.
type Login struct {
	Page
	// Next is where to go after signing in; the handler checks that it is
	// a local path before following it.
	Next  string
	Error LoginError
	// RetryAfter is how long to wait, with LoginTooManyAttempts.
	RetryAfter time.Duration
}

// ErrorView is a 404 or 500 (or any other error) page.
type ErrorView struct {
	Page
	Code int // HTTP status
}

// segment path-escapes one URL path segment; ':' is escaped too, so that a
// relative reference made of it can never read as a scheme.
func segment(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// ClassURL is the grid of a class, with a query.
func ClassURL(class string, q url.Values) string {
	u := "/classes/" + segment(class)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// StudentURL is the instructor's page of a student.
func StudentURL(class, login string) string {
	return "/classes/" + segment(class) + "/students/" + segment(login)
}

// ClassEventsURL is the live stream of a class's grid.
func ClassEventsURL(class string) string { return "/classes/" + segment(class) + "/events" }

// classEventsURL is the live stream of a grid of q: rows of q's lab only
// ("": every lab), of the students its search keeps only. The other
// filters are not the stream's: a row the page does not show finds no
// element to replace.
func classEventsURL(class string, q GridQuery) string {
	v := url.Values{}
	if q.Lab != "" {
		v.Set(ParamLab, q.Lab)
	}
	if q.Search != "" {
		v.Set(ParamSearch, q.Search)
	}
	if len(v) == 0 {
		return ClassEventsURL(class)
	}
	return ClassEventsURL(class) + "?" + v.Encode()
}

// labURL is the grid showing only lab ("": every lab), keeping the sort
// and the filter.
func labURL(class string, q GridQuery, lab string) string {
	q.Lab = lab
	return ClassURL(class, q.Values())
}

// ClassRescanURL asks for a scan of the whole class (POST).
func ClassRescanURL(class string) string { return "/classes/" + segment(class) + "/rescan" }

// StudentRescanURL asks for a scan of one student (POST).
func StudentRescanURL(class, login string) string { return StudentURL(class, login) + "/rescan" }

// ClassExportURL is the class's CSV.
func ClassExportURL(class string) string { return "/classes/" + segment(class) + "/export.csv" }

// SelfURL is a student's page; SelfEventsURL its live stream and
// SelfCheckURL its "Check now" (POST).
func SelfURL(token string) string       { return "/s/" + segment(token) }
func SelfEventsURL(token string) string { return SelfURL(token) + "/events" }
func SelfCheckURL(token string) string  { return SelfURL(token) + "/check" }

// langURL is the page's own URL with the language set to l.
func langURL(current string, l i18n.Lang) string {
	u, err := url.Parse(current)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(current, "//") {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Set(i18n.Param, string(l))
	return (&url.URL{Path: u.Path, RawQuery: q.Encode()}).String()
}

// selfLink is the page's own URL for a link to a fragment of it.
func selfLink(current, fragment string) string {
	u, err := url.Parse(current)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(current, "//") {
		return "#" + fragment
	}
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery, Fragment: fragment}).String()
}

// sortURL is the grid sorted by key, keeping the filter.
func sortURL(class string, q GridQuery, key string) string {
	q.Sort = key
	return ClassURL(class, q.Values())
}

// failingURL is the grid filtered to the students failing a check.
func failingURL(class string, q GridQuery, checkID string) string {
	q.Failing = checkID
	return ClassURL(class, q.Values())
}

// areaGroup is a run of consecutive columns of one area of one lab: the
// grid's upper header.
type areaGroup struct {
	Title grader.Text
	Span  int
	First int // index of its first column
}

func areaGroups(cols []Column) []areaGroup {
	var groups []areaGroup
	for i, c := range cols {
		if n := len(groups); n > 0 && sameArea(cols[i-1].Lab, cols[i-1].Area, c.Lab, c.Area) {
			groups[n-1].Span++
			continue
		}
		groups = append(groups, areaGroup{Title: areaTitle(c.AreaTitle, c.Area), Span: 1, First: i})
	}
	return groups
}

// sameArea reports whether two checks are of one area of one lab.
func sameArea(labA, areaA, labB, areaB string) bool { return labA == labB && areaA == areaB }

// areaTitle is an area's title, or its id when its lab gives none.
func areaTitle(title grader.Text, id string) grader.Text {
	if title.JA == "" && title.EN == "" {
		return grader.Text{JA: id, EN: id}
	}
	return title
}

// groupStarts marks the columns that begin an area, for a divider.
func groupStarts(cols []Column) []bool {
	starts := make([]bool, len(cols))
	for _, g := range areaGroups(cols) {
		if g.First > 0 {
			starts[g.First] = true
		}
	}
	return starts
}

// percent is score of max, rounded down; 0 when max is 0.
func percent(score, max int) int {
	if max <= 0 {
		return 0
	}
	return min(100, max0(score)*100/max)
}

func max0(n int) int { return max(n, 0) }

const (
	timeLayout  = "2006-01-02 15:04:05 MST"
	clockLayout = "15:04:05"
)

func absTime(t time.Time) string { return t.Format(timeLayout) }
func isoTime(t time.Time) string { return t.Format(time.RFC3339) }

// areasOf is the checks grouped by area, in order, for the lists.
func areasOf(checks []CheckResult) [][]CheckResult {
	var out [][]CheckResult
	for i, c := range checks {
		if i > 0 && sameArea(checks[i-1].Lab, checks[i-1].Area, c.Lab, c.Area) {
			out[len(out)-1] = append(out[len(out)-1], c)
			continue
		}
		out = append(out, []CheckResult{c})
	}
	return out
}

// labGroup is a run of consecutive columns of one lab: the grid's top
// header when the class has several labs.
type labGroup struct {
	ID    string
	Title grader.Text
	Span  int
	First int
}

func labGroups(cols []Column) []labGroup {
	var groups []labGroup
	for i, c := range cols {
		if n := len(groups); n > 0 && cols[i-1].Lab == c.Lab {
			groups[n-1].Span++
			continue
		}
		groups = append(groups, labGroup{ID: c.Lab, Title: labTitle(c.LabTitle, c.Lab), Span: 1, First: i})
	}
	return groups
}

// labTitle is a lab's title, or its id when it has none.
func labTitle(title grader.Text, id string) grader.Text {
	if title.JA == "" && title.EN == "" {
		return grader.Text{JA: id, EN: id}
	}
	return title
}

// LabChecklist is the checks of one lab on a student's page.
type LabChecklist struct {
	ID     string
	Title  grader.Text
	Checks []CheckResult
	// Score and MaxScore are the points of the lab's checks.
	Score, MaxScore int
	// Current is the lab the student is at: the first with a required
	// check not passed, else the last. Its list is open.
	Current bool
}

// LabChecklists groups checks (in checklist order) by lab, and marks the
// current one.
func LabChecklists(checks []CheckResult) []LabChecklist {
	var out []LabChecklist
	for i, c := range checks {
		if i == 0 || checks[i-1].Lab != c.Lab {
			out = append(out, LabChecklist{ID: c.Lab, Title: labTitle(c.LabTitle, c.Lab)})
		}
		l := &out[len(out)-1]
		l.Checks = append(l.Checks, c)
		l.Score += c.Points
		l.MaxScore += c.MaxPoints
	}
	current := len(out) - 1
	for i, l := range out {
		if !finished(l.Checks) {
			current = i
			break
		}
	}
	if current >= 0 {
		out[current].Current = true
	}
	return out
}

// finished reports whether every required check passed.
func finished(checks []CheckResult) bool {
	for _, c := range checks {
		if c.Required && !c.Status.Passed() {
			return false
		}
	}
	return true
}
