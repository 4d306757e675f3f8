package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"labgrid/store"
	"labgrid/web/views"
)

// tokenLen is the length of a student's token (base64url of 32 bytes).
const tokenLen = 43

// studentByToken finds the student of a link. Every token, well formed or
// not, costs one lookup by hash in the database, so that the answer's
// time tells nothing of how close a guess was.
func (s *Server) studentByToken(ctx context.Context, token string) (store.Student, error) {
	if len(token) != tokenLen {
		sum := sha256.Sum256([]byte(token))
		token = base64.RawURLEncoding.EncodeToString(sum[:]) // 43 characters, matching no one
	}
	return s.store.StudentByToken(ctx, token)
}

// selfCheckView reads what the student's page shows: their own checks,
// without evidence, email, section or account.
func (s *Server) selfCheckView(ctx context.Context, p views.Page, token string, st store.Student) (*views.SelfCheck, error) {
	c, err := s.store.Class(ctx, st.ClassID)
	if err != nil {
		return nil, err
	}
	cv, err := s.classViewOf(c)
	if err != nil {
		return nil, err
	}
	results, err := s.store.StudentResults(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	help, err := s.helpState(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	anns, err := s.announcements(ctx, st.ClassID, false)
	if err != nil {
		return nil, err
	}
	checks, standing := cv.checkResults(results)
	for i := range checks {
		checks[i].Evidence = nil
	}
	return &views.SelfCheck{
		Page:  p,
		Token: token,
		Student: views.StudentInfo{
			ID: st.ID, Login: st.Login, DisplayName: st.DisplayName,
			Score: standing.score, MaxScore: cv.judge.MaxScore(), LastScanned: st.LastScannedAt, Error: standing.firstError,
		},
		Labs:          cv.judge.Title(),
		Checks:        checks,
		CheckNow:      views.CheckNow{Every: checkNowEvery, Wait: s.checks.Wait(checkKey(st.ID))},
		Help:          help,
		Announcements: anns,
	}, nil
}

func checkKey(studentID int64) string { return strconv.FormatInt(studentID, 10) }

// selfCheck is GET /s/{token}: the student's own checklist.
func (s *Server) selfCheck(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	st, err := s.studentByToken(ctx, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.selfCheckView(ctx, s.page(w, r), token, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.SelfCheckPage(v))
}

// selfCheckNow is POST /s/{token}/check: "Check now", once per
// checkNowEvery per student. htmx gets the button back (disabled with the
// seconds left); a plain form post goes back to the page.
func (s *Server) selfCheckNow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	st, err := s.studentByToken(ctx, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state := views.CheckNow{Every: checkNowEvery}
	ok, wait := s.checks.Allow(checkKey(st.ID))
	if ok {
		if _, err := s.scheduler.CheckNow(ctx, st.ClassID, st.Login); err != nil {
			s.fail(w, r, err)
			return
		}
		state.Queued, state.Wait = true, s.checks.Wait(checkKey(st.ID))
	} else {
		state.Wait = wait
		w.Header().Set("Retry-After", strconv.Itoa(state.WaitSeconds()))
	}
	if !isHTMX(r) {
		seeOther(w, r, views.SelfURL(token))
		return
	}
	// 200 even when limited: htmx swaps only successful answers, and the
	// button says how long to wait.
	s.render(w, r, http.StatusOK, views.CheckNowButton(s.lang(w, r), token, state))
}
