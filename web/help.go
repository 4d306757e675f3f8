package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"labgrid/grader"
	"labgrid/store"
	"labgrid/web/i18n"
	"labgrid/web/views"
)

// maxHelpForm bounds the body of a help or announcement form.
const maxHelpForm = 8 << 10

// helpState is the student's raised hand as their page shows it.
func (s *Server) helpState(ctx context.Context, studentID int64) (views.HelpState, error) {
	h, err := s.store.OpenHand(ctx, studentID)
	if errors.Is(err, store.ErrNotFound) {
		return views.HelpState{}, nil
	}
	if err != nil {
		return views.HelpState{}, err
	}
	return views.HelpState{Open: true, ID: h.ID, Message: h.Message, RaisedAt: h.RaisedAt, OnMyWay: !h.OnMyWayAt.IsZero()}, nil
}

// announcements are the class's announcements shown now, or with
// history every one, newest first.
func (s *Server) announcements(ctx context.Context, classID int64, history bool) ([]views.Announcement, error) {
	list, err := s.store.Announcements(ctx, classID, history)
	if err != nil {
		return nil, err
	}
	out := make([]views.Announcement, len(list))
	for i, a := range list {
		out[i] = views.Announcement{ID: a.ID, Text: a.Text, CreatedAt: a.CreatedAt, WithdrawnAt: a.WithdrawnAt}
	}
	return out, nil
}

// handRows are the class's rows (cv.rows) with the open hands on them, and
// those hands: what the grid, its stream and its help panel start from.
func (s *Server) handRows(ctx context.Context, cv *classView, students []store.StudentSummary, standings []standing, now time.Time, stuck time.Duration) (rows []gridRow, anyCost bool, hands []store.HelpRequest, err error) {
	rows, anyCost = cv.rows(students, standings, now, stuck)
	if hands, err = s.store.ClassHands(ctx, cv.class.ID); err != nil {
		return nil, false, nil, err
	}
	markHands(rows, hands)
	return rows, anyCost, hands, nil
}

// markHands puts the open hands on the rows of their students.
func markHands(rows []gridRow, hands []store.HelpRequest) {
	since := make(map[int64]time.Time, len(hands))
	for _, h := range hands {
		since[h.StudentID] = h.RaisedAt
	}
	for i := range rows {
		rows[i].HandSince = since[rows[i].ID]
	}
}

// helpQueue is the instructor's panel of the class: its open hands, each
// with the titles of the student's failing checks as rows (every lab's
// cells, cv.rows) show them, and its announcements.
func (s *Server) helpQueue(ctx context.Context, cv *classView, lang i18n.Lang, now time.Time, rows []gridRow, hands []store.HelpRequest) (views.HelpQueue, error) {
	anns, err := s.announcements(ctx, cv.class.ID, true)
	if err != nil {
		return views.HelpQueue{}, err
	}
	byID := make(map[int64]*gridRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	q := views.HelpQueue{Lang: lang, Now: now, Class: cv.class.Name}
	for _, a := range anns {
		if a.WithdrawnAt.IsZero() {
			q.Announcements = append(q.Announcements, a)
		} else {
			q.Past = append(q.Past, a)
		}
	}
	for _, h := range hands {
		it := views.QueueItem{
			ID: h.ID, StudentID: h.StudentID, Login: h.Login, DisplayName: h.DisplayName,
			Message: h.Message, RaisedAt: h.RaisedAt, OnMyWay: !h.OnMyWayAt.IsZero(),
		}
		if r := byID[h.StudentID]; r != nil {
			it.Failing = cv.failingTitles(r.cells)
		}
		q.Items = append(q.Items, it)
	}
	return q, nil
}

// failingTitles are the titles of the checks not passed in cells (every
// check's, in cv.checks' order).
func (cv *classView) failingTitles(cells []views.Cell) []grader.Text {
	var titles []grader.Text
	for i, c := range cells {
		if i < len(cv.checks) && c.Status != "" && !c.Status.Passed() {
			titles = append(titles, cv.checks[i].Title)
		}
	}
	return titles
}

// selfHelp answers a student's help action: htmx gets the panel (200
// even when refused: htmx swaps only successes, and the panel says why),
// a plain form goes back to the page, or gets it again with the error.
func (s *Server) selfHelp(w http.ResponseWriter, r *http.Request, token string, st store.Student, code int, msg, typed string) {
	ctx := r.Context()
	state, err := s.helpState(ctx, st.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state.Error = msg
	if !state.Open {
		state.Message = typed
	}
	if isHTMX(r) {
		s.render(w, r, http.StatusOK, views.HelpPanel(s.lang(w, r), token, state))
		return
	}
	if msg == "" {
		seeOther(w, r, views.SelfURL(token))
		return
	}
	v, err := s.selfCheckView(ctx, s.page(w, r), token, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Help = state
	s.render(w, r, code, views.SelfCheckPage(v))
}

// raiseHand is POST /s/{token}/help: the student raises a hand, with an
// optional message.
func (s *Server) raiseHand(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	st, err := s.studentByToken(ctx, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHelpForm)
	m := i18n.For(s.lang(w, r))
	if err := r.ParseForm(); err != nil {
		s.selfHelp(w, r, token, st, http.StatusRequestEntityTooLarge, m.HelpTooLong(store.MaxHelpMessage), "")
		return
	}
	msg := r.PostForm.Get("message")
	if utf8.RuneCountInString(msg) > store.MaxHelpMessage {
		s.selfHelp(w, r, token, st, http.StatusUnprocessableEntity, m.HelpTooLong(store.MaxHelpMessage), "")
		return
	}
	_, err = s.store.RaiseHand(ctx, st.ID, msg, s.now())
	var rate *store.HelpRateError
	switch {
	case err == nil:
		s.selfHelp(w, r, token, st, http.StatusOK, "", "")
	case errors.As(err, &rate):
		secs := int((rate.Wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.selfHelp(w, r, token, st, http.StatusTooManyRequests, m.HelpWait(secs), msg)
	case errors.Is(err, store.ErrHandOpen):
		s.selfHelp(w, r, token, st, http.StatusConflict, m.HelpAlreadyOpen, "")
	case errors.Is(err, store.ErrInvalid):
		s.selfHelp(w, r, token, st, http.StatusUnprocessableEntity, m.HelpBadText, "")
	default:
		s.fail(w, r, err)
	}
}

// withdrawHand is POST /s/{token}/help/withdraw: the student takes their
// hand down; only their own (the token's student's).
func (s *Server) withdrawHand(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	st, err := s.studentByToken(ctx, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHelpForm)
	m := i18n.For(s.lang(w, r))
	id, perr := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if perr == nil {
		_, err = s.store.WithdrawHand(ctx, st.ID, id, s.now())
	}
	switch {
	case perr == nil && err == nil:
		s.selfHelp(w, r, token, st, http.StatusOK, "", "")
	case perr != nil || errors.Is(err, store.ErrNotFound):
		s.selfHelp(w, r, token, st, http.StatusNotFound, m.HelpClosed, "")
	default:
		s.fail(w, r, err)
	}
}

// classHelp answers an instructor's action on the panel: htmx gets the
// panel (with msg, an error, and what was typed); a plain form goes back
// to the grid, or gets the error page when refused.
func (s *Server) classHelp(w http.ResponseWriter, r *http.Request, cv *classView, code int, msg, typed string) {
	ctx := r.Context()
	if !isHTMX(r) {
		if msg == "" {
			seeOther(w, r, views.ClassURL(cv.class.Name, nil))
			return
		}
		s.errorPage(w, r, code)
		return
	}
	students, err := s.store.ClassSummaries(ctx, cv.class.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	rows, _, hands, err := s.handRows(ctx, cv, students, cv.standings(students), now, stuckAfter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.helpQueue(ctx, cv, s.lang(w, r), now, rows, hands)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.Error, q.Text = msg, typed
	s.render(w, r, http.StatusOK, views.HelpQueuePanel(q))
}

// helpAction is POST /classes/{name}/help/{id}/on-my-way or /done.
func (s *Server) helpAction(mark func(st *store.Store, ctx context.Context, classID, id int64, at time.Time) (store.HelpRequest, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m := i18n.For(s.lang(w, r))
		id, perr := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if perr == nil {
			_, err = mark(s.store, ctx, cv.class.ID, id, s.now())
		}
		switch {
		case perr == nil && err == nil:
			s.classHelp(w, r, cv, http.StatusOK, "", "")
		case perr != nil || errors.Is(err, store.ErrNotFound):
			s.classHelp(w, r, cv, http.StatusNotFound, m.HelpClosed, "")
		default:
			s.fail(w, r, err)
		}
	}
}

// announce is POST /classes/{name}/announcements: a message to every
// student of the class.
func (s *Server) announce(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHelpForm)
	bad := i18n.For(s.lang(w, r)).AnnouncementBad(store.MaxAnnouncement)
	if err := r.ParseForm(); err != nil {
		s.classHelp(w, r, cv, http.StatusRequestEntityTooLarge, bad, "")
		return
	}
	text := r.PostForm.Get("text")
	if utf8.RuneCountInString(text) > store.MaxAnnouncement {
		s.classHelp(w, r, cv, http.StatusUnprocessableEntity, bad, "")
		return
	}
	switch _, err := s.store.Announce(ctx, cv.class.ID, text, s.now()); {
	case err == nil:
		s.classHelp(w, r, cv, http.StatusOK, "", "")
	case errors.Is(err, store.ErrInvalid):
		s.classHelp(w, r, cv, http.StatusUnprocessableEntity, bad, text)
	default:
		s.fail(w, r, err)
	}
}

// withdrawAnnouncement is POST /classes/{name}/announcements/{id}/withdraw.
func (s *Server) withdrawAnnouncement(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cv, err := s.loadClass(ctx, chi.URLParam(r, "name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, perr := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if perr == nil {
		err = s.store.WithdrawAnnouncement(ctx, cv.class.ID, id, s.now())
	}
	switch {
	case perr == nil && err == nil:
		s.classHelp(w, r, cv, http.StatusOK, "", "")
	case perr != nil || errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound)
	default:
		s.fail(w, r, err)
	}
}

// helpChanges are the timeline entries of the student's help requests:
// each raised, then on my way, done or withdrawn as they happened.
func helpChanges(hands []store.HelpRequest) []views.Change {
	var out []views.Change
	for _, h := range hands {
		msg := grader.Text{JA: h.Message, EN: h.Message}
		out = append(out, views.Change{Help: views.HelpRaised, Message: msg, At: h.RaisedAt})
		for _, e := range []struct {
			kind views.HelpEventKind
			at   time.Time
		}{{views.HelpOnMyWay, h.OnMyWayAt}, {views.HelpDone, h.DoneAt}, {views.HelpWithdrawn, h.WithdrawnAt}} {
			if !e.at.IsZero() {
				out = append(out, views.Change{Help: e.kind, At: e.at})
			}
		}
	}
	return out
}
