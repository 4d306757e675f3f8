package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"labgrid/grader"
	"labgrid/store"
)

// "Check now". A student presses it to see a change they just made, so a
// request must be answered by a scan that starts after it; and a whole
// class pressing it at once must not pile scans up. So each target has at
// most one manual scan queued: a request while one waits joins it (it has
// not started); a request while a scan of the target runs queues one that
// waits, pending, for that scan to end. The scan that ends makes it
// available in the transaction that completes it (promoteNext); the tick
// makes available any pending one whose target has nothing else under
// way, left by a scan that failed (promoteOrphans). A scheduled scan
// waiting to start, with none running, answers the request too: it is
// moved ahead to the check-now priority rather than joined by a second
// queued scan. Requests and completions of one target take turns on a
// transaction lock (queueKey), so a request sees a scan either running or
// done.

// CheckNowState says what became of a "check now".
type CheckNowState string

const (
	// CheckQueued: a scan of the student's target was queued, ahead of the
	// scheduled ones (behind the scan running, if one is).
	CheckQueued CheckNowState = "queued"
	// CheckAlreadyQueued: a scan of the target asked for before, not yet
	// started, will answer this request too.
	CheckAlreadyQueued CheckNowState = "already_queued"
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
// login of the class, unless one not yet started is queued: that one is
// reported. An unknown class or login is store.ErrNotFound.
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
	id, state, err := s.queueManual(ctx, a)
	if err != nil {
		return CheckNowResult{}, fmt.Errorf("check now %s: %w", a.targetName(), err)
	}
	out := CheckNowResult{State: state, JobID: id, Target: a.targetName()}
	for _, st := range roster {
		if a.reaches(st, rubric.Region()) {
			out.Students++
		}
	}
	s.logger.Info("check now", "class", class.Name, "student", login, "target", out.Target, "state", string(out.State), "job", out.JobID)
	return out, nil
}

// queueManual queues a manual scan of a's target, or finds the one queued
// and not started (see the top of this file).
func (s *Scheduler) queueManual(ctx context.Context, a scanArgs) (int64, CheckNowState, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, "", err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", a.queueKey()); err != nil {
		return 0, "", err
	}
	rows, err := tx.Query(ctx, `SELECT id, state, args->>'trigger' FROM river_job
		WHERE kind = $1 AND state IN ('available', 'pending', 'scheduled', 'retryable', 'running') AND `+sameTarget,
		a.Kind(), a.ClassID, a.AccountID, a.Region, a.RoleARN)
	if err != nil {
		return 0, "", err
	}
	var (
		queued, scheduled int64
		running           bool
	)
	for rows.Next() {
		var (
			id             int64
			state, trigger string
		)
		if err := rows.Scan(&id, &state, &trigger); err != nil {
			rows.Close()
			return 0, "", err
		}
		switch {
		case rivertype.JobState(state) == rivertype.JobStateRunning:
			running = true
		case trigger == string(store.TriggerManual) && queued == 0:
			queued = id
		case rivertype.JobState(state) == rivertype.JobStateAvailable:
			scheduled = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	if queued != 0 {
		return queued, CheckAlreadyQueued, tx.Commit(ctx)
	}
	if scheduled != 0 && !running {
		// Not started, and nothing of the target under way that it would
		// wait for: it starts after this request.
		if _, err := tx.Exec(ctx, "UPDATE river_job SET priority = $2 WHERE id = $1 AND state = 'available'",
			scheduled, priorityCheckNow); err != nil {
			return 0, "", err
		}
		return scheduled, CheckAlreadyQueued, tx.Commit(ctx)
	}
	res, err := s.client.InsertTx(ctx, tx, a, &river.InsertOpts{Queue: queue, Priority: priorityCheckNow, Pending: running})
	if err != nil {
		return 0, "", err
	}
	return res.Job.ID, CheckQueued, tx.Commit(ctx)
}

// sameTarget matches the scan jobs of a target: $2 class id, $3 account,
// $4 region, $5 role ARN ("" for none).
const sameTarget = `(args->>'class_id')::bigint = $2 AND args->>'account_id' = $3 AND args->>'region' = $4 AND coalesce(args->>'role_arn', '') = $5`

// queueKey is the transaction lock on which the check-nows and the scans
// of a's target take turns; it is not lockKey, which a scan holds for its
// whole length.
func (a scanArgs) queueKey() int64 {
	h := sha256.Sum256(fmt.Appendf(nil, "labgrid check-now\x00%d\x00%s\x00%s\x00%s", a.ClassID, a.AccountID, a.Region, a.RoleARN))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// promoteNext makes the pending manual scan of a's target available, in
// tx, the transaction that completes a scan of the target.
func promoteNext(ctx context.Context, tx pgx.Tx, a scanArgs) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", a.queueKey()); err != nil {
		return fmt.Errorf("promote the next check-now: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE kind = $1 AND state = 'pending' AND `+sameTarget, a.Kind(), a.ClassID, a.AccountID, a.Region, a.RoleARN); err != nil {
		return fmt.Errorf("promote the next check-now: %w", err)
	}
	return nil
}

// promoteOrphans makes available the pending manual scans whose target has
// no other scan under way: the scan they waited for failed for good, or
// was cancelled, rather than complete. It returns how many.
func promoteOrphans(ctx context.Context, conn *pgxpool.Conn) (int64, error) {
	tag, err := conn.Exec(ctx, `UPDATE river_job p SET state = 'available', scheduled_at = now()
		WHERE p.kind = $1 AND p.state = 'pending' AND NOT EXISTS (
			SELECT 1 FROM river_job o
			WHERE o.kind = p.kind AND o.id <> p.id AND o.state IN ('available', 'running', 'scheduled', 'retryable')
				AND o.args->>'class_id' = p.args->>'class_id' AND o.args->>'account_id' = p.args->>'account_id'
				AND o.args->>'region' = p.args->>'region' AND coalesce(o.args->>'role_arn', '') = coalesce(p.args->>'role_arn', ''))`,
		scanArgs{}.Kind())
	if err != nil {
		return 0, fmt.Errorf("promote orphaned check-nows: %w", err)
	}
	return tag.RowsAffected(), nil
}

// RescanClass queues a high-priority scan of every target of the class,
// joining the check-nows queued as CheckNow does. An unknown class is
// store.ErrNotFound.
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
	seen := map[scanArgs]bool{}
	for _, g := range grader.Groups(roster, rubric.Region()) {
		a := argsFor(classID, g.Target, store.TriggerManual)
		if seen[a] {
			continue
		}
		seen[a] = true
		if _, _, err := s.queueManual(ctx, a); err != nil {
			return fmt.Errorf("rescan class %s: %s: %w", class.Name, a.targetName(), err)
		}
	}
	return nil
}
