package scheduler

import (
	"context"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"labgrid/grader"
	"labgrid/store"
)

// CheckNowState says what became of a "check now".
type CheckNowState string

const (
	// CheckQueued: a scan of the student's target was queued, ahead of the
	// scheduled ones.
	CheckQueued CheckNowState = "queued"
	// CheckAlreadyQueued: one asked for within the window is still waiting.
	CheckAlreadyQueued CheckNowState = "already_queued"
	// CheckRunning: one asked for within the window is running.
	CheckRunning CheckNowState = "running"
	// CheckDone: one asked for within the window has already finished;
	// its results are stored.
	CheckDone CheckNowState = "done"
)

// CheckNowResult is the outcome of CheckNow.
type CheckNowResult struct {
	State CheckNowState
	JobID int64
	// Target names the scanned target (never its external id).
	Target string
	// Students is how many students the scan covers: everyone reached
	// through the same target.
	Students int
}

// Queued reports whether this call queued a new scan.
func (r CheckNowResult) Queued() bool { return r.State == CheckQueued }

// CheckNow queues a high-priority scan of the target that reaches student
// login of the class. Requests for one target within a CheckNowDedup
// window make one scan: the later ones report the first one's state. An
// unknown class or login is store.ErrNotFound.
func (s *Scheduler) CheckNow(ctx context.Context, classID int64, login string) (CheckNowResult, error) {
	class, err := s.store.Class(ctx, classID)
	if err != nil {
		return CheckNowResult{}, fmt.Errorf("check now: %w", err)
	}
	rubric, err := s.rubric(class)
	if err != nil {
		return CheckNowResult{}, fmt.Errorf("check now: %w", err)
	}
	roster, err := s.store.Roster(ctx, classID)
	if err != nil {
		return CheckNowResult{}, fmt.Errorf("check now: %w", err)
	}
	var target *grader.Group
	for _, g := range grader.Groups(roster, rubric.Region()) {
		for _, st := range g.Students {
			if strings.EqualFold(st.Login, login) {
				target = &g
			}
		}
	}
	if target == nil {
		return CheckNowResult{}, fmt.Errorf("check now: student %q of class %s: %w", login, class.Name, store.ErrNotFound)
	}
	a := argsFor(classID, target.Target, store.TriggerManual)
	res, err := s.client.Insert(ctx, a, s.checkNowOpts())
	if err != nil {
		return CheckNowResult{}, fmt.Errorf("check now %s: %w", a.targetName(), err)
	}
	out := CheckNowResult{State: CheckQueued, JobID: res.Job.ID, Target: a.targetName()}
	for _, st := range roster {
		if a.reaches(st, rubric.Region()) {
			out.Students++
		}
	}
	if res.UniqueSkippedAsDuplicate {
		out.State = stateOf(res.Job.State)
	}
	s.logger.Info("check now", "class", class.Name, "student", login, "target", out.Target, "state", string(out.State), "job", out.JobID)
	return out, nil
}

func stateOf(st rivertype.JobState) CheckNowState {
	switch st {
	case rivertype.JobStateRunning:
		return CheckRunning
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return CheckDone
	}
	return CheckAlreadyQueued
}

// RescanClass queues a high-priority scan of every target of the class,
// deduplicated as CheckNow's are. An unknown class is store.ErrNotFound.
func (s *Scheduler) RescanClass(ctx context.Context, classID int64) error {
	class, err := s.store.Class(ctx, classID)
	if err != nil {
		return fmt.Errorf("rescan class: %w", err)
	}
	rubric, err := s.rubric(class)
	if err != nil {
		return fmt.Errorf("rescan class %s: %w", class.Name, err)
	}
	roster, err := s.store.Roster(ctx, classID)
	if err != nil {
		return fmt.Errorf("rescan class %s: %w", class.Name, err)
	}
	var params []river.InsertManyParams
	seen := map[scanArgs]bool{}
	for _, g := range grader.Groups(roster, rubric.Region()) {
		a := argsFor(classID, g.Target, store.TriggerManual)
		if !seen[a] {
			seen[a] = true
			params = append(params, river.InsertManyParams{Args: a, InsertOpts: s.checkNowOpts()})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := s.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("rescan class %s: %w", class.Name, err)
	}
	return nil
}
