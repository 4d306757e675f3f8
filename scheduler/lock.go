package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Exclusivity. Two labgrid processes (or two jobs of one) must never scan
// one target at the same time: the AWS calls would be doubled and two
// saves of one student could cross. Two mechanisms, each covering what
// the other cannot:
//
//   - River's uniqueness keeps at most one unfinished scheduled job per
//     target (ByArgs over class, account, region, role; ByState over every
//     state short of completed), so scans do not pile up. It cannot stop
//     a "check now" job, a job of its own kind in another state, running
//     beside a scheduled one, nor a job River rescued (taken for dead after
//     RescueAfter) from running beside the original if that still runs.
//   - So each scan holds a PostgreSQL advisory lock on (class, target)
//     for its whole length, taken with pg_try_advisory_lock on a session
//     (a pool connection kept by the job). A job that finds the lock taken
//     does not scan: a scheduled one is done (a fresh result is on its
//     way), a "check now" waits and looks after that scan. The lock goes
//     with the session, so a process that dies frees its targets at once.
//
// A process that dies mid-scan leaves its jobs running in River's table,
// holding their targets' unique slots (and, were it ticking, the tick's):
// River's rescuer would hand them back only after RescueAfter (minutes),
// and until then no scheduled scan of those targets, or of any target, is
// inserted. The lock tells sooner, the tick holding one too: every process
// looks every second for running jobs whose lock is free and hands them
// back at once (rescueOrphans); they simply run again.
//
// PostgreSQL itself going away frees every lock; a scan in flight at that
// moment may overlap with one started after the restart, but its save then
// fails on the lost session and is retried, so nothing is stored twice.

// targetLock is a held advisory lock, of a target or of the tick, and the
// session holding it.
type targetLock struct {
	conn   *pgxpool.Conn
	key    int64
	handed bool // to a transaction: see handOver
}

// lockKey is the advisory lock key of a's target: 64 bits of a hash, so
// distinct targets collide (and merely take turns) with negligible odds.
func (a scanArgs) lockKey() int64 {
	h := sha256.Sum256(fmt.Appendf(nil, "labgrid scan\x00%d\x00%s\x00%s\x00%s", a.ClassID, a.AccountID, a.Region, a.RoleARN))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// tickLockKey is the advisory lock key a tick holds: "labgridT" in ASCII.
const tickLockKey int64 = 0x6c61626772696454

// tryLock takes advisory lock key on a pool session without waiting. It
// returns nil, nil when another session holds it.
func (s *Scheduler) tryLock(ctx context.Context, key int64) (*targetLock, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("lock: %w", err)
	}
	if !ok {
		conn.Release()
		return nil, nil
	}
	return &targetLock{conn: conn, key: key}, nil
}

// handOver makes the lock end with tx, the transaction that completes
// the job on the lock's session: taken again for tx and let go for the
// session, it is released when tx ends, in the same instant as the job's
// completion and the promotion of the check-now waiting behind it. Let go
// after the commit, it was still held a moment when that check-now, taken
// at once by another worker, looked: it waited a second (busySnooze),
// and a request meanwhile queued a second scan of the target.
func (l *targetLock) handOver(ctx context.Context, tx pgx.Tx) error {
	// One round trip: the two run in order, the lock held throughout.
	var held bool
	batch := &pgx.Batch{}
	batch.Queue("SELECT pg_advisory_xact_lock($1)", l.key)
	batch.Queue("SELECT pg_advisory_unlock($1)", l.key).QueryRow(func(row pgx.Row) error { return row.Scan(&held) })
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("hand the target lock over: %w", err)
	}
	l.handed = held
	return nil
}

// release unlocks and gives the connection back. A connection that may
// still hold the lock is closed instead: back in the pool it would keep
// the target locked for as long as it lives.
func (l *targetLock) release(logger *slog.Logger) {
	if l.handed {
		l.conn.Release() // the transaction it was handed to has ended
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ok bool
	if err := l.conn.QueryRow(ctx, "SELECT pg_advisory_unlock($1)", l.key).Scan(&ok); err != nil || !ok {
		logger.Debug("target lock: closing the session instead of unlocking", "err", err, "held", ok)
		l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
}

// orphanGrace is how long a running job may go without its target lock:
// between River's fetch and tryLock, a live job does not hold it yet.
const orphanGrace = time.Second

// rescueOrphans hands back the scans and the tick left running by a dead
// process: running for orphanGrace or more, with their lock free. It does
// what River's rescuer would do to them, at once: a job with attempts left
// is made available again, with its unique slot, to run anew; one without
// is discarded, freeing the slot for the next tick's job. It returns how
// many it handed back.
//
// A live job taken for dead (still before its lock, or a tick past its
// release and not yet marked completed) is harmless: run twice, its two
// runs meet at the lock, and a scheduled scan run again finds its target
// no longer due (stillDue). A scan is marked completed in its save's
// transaction.
func (s *Scheduler) rescueOrphans(ctx context.Context) (int, error) {
	res, err := s.client.JobList(ctx, river.NewJobListParams().
		Kinds(scanArgs{}.Kind(), tickArgs{}.Kind()).States(rivertype.JobStateRunning).First(1000))
	if err != nil {
		return 0, fmt.Errorf("rescue orphans: %w", err)
	}
	var jobs []*rivertype.JobRow
	var keys []int64
	for _, j := range res.Jobs {
		if j.AttemptedAt == nil || time.Since(*j.AttemptedAt) < orphanGrace {
			continue
		}
		key := tickLockKey
		if j.Kind == (scanArgs{}).Kind() {
			var a scanArgs
			if json.Unmarshal(j.EncodedArgs, &a) != nil {
				continue
			}
			key = a.lockKey()
		}
		jobs = append(jobs, j)
		keys = append(keys, key)
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	held, err := heldLocks(ctx, s.pool, keys)
	if err != nil {
		return 0, fmt.Errorf("rescue orphans: %w", err)
	}
	exec := s.client.Driver().GetExecutor()
	n := 0
	for i, j := range jobs {
		if held[keys[i]] {
			continue
		}
		now := time.Now()
		errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt,
			Error: "labgrid: the process running this job is gone (its lock is free); handed back"})
		if err != nil {
			return n, fmt.Errorf("rescue orphans: %w", err)
		}
		state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
		if j.Attempt >= j.MaxAttempts {
			state, finalized = rivertype.JobStateDiscarded, &now
		}
		// As River's rescuer does, guarded the same way: only while the job
		// is still running the attempt seen here.
		_, err = exec.JobRescueMany(ctx, &riverdriver.JobRescueManyParams{
			ID:           []int64{j.ID},
			Error:        [][]byte{errData},
			FinalizedAt:  []*time.Time{finalized},
			ScheduledAt:  []time.Time{j.ScheduledAt},
			State:        []string{string(state)},
			StuckHorizon: j.AttemptedAt.Add(time.Microsecond),
		})
		if err != nil {
			return n, fmt.Errorf("rescue orphans: job %d: %w", j.ID, err)
		}
		s.logger.Info("job of a dead process handed back", "job", j.ID, "kind", j.Kind, "state", string(state), "attempt", j.Attempt)
		n++
	}
	return n, nil
}

// heldLocks reports which of the advisory lock keys some session of this
// database holds. It reads pg_locks, taking nothing: trying the locks would
// make a live job that tries at that moment skip its scan.
func heldLocks(ctx context.Context, pool *pgxpool.Pool, keys []int64) (map[int64]bool, error) {
	// A bigint key shows as classid (high 32 bits), objid (low), objsubid 1.
	rows, err := pool.Query(ctx, `
		SELECT k FROM unnest($1::bigint[]) AS k
		WHERE EXISTS (
			SELECT 1 FROM pg_locks l
			WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
			  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			  AND l.classid::bigint = (k >> 32) & 4294967295
			  AND l.objid::bigint = k & 4294967295)`, keys)
	if err != nil {
		return nil, fmt.Errorf("held locks: %w", err)
	}
	held := map[int64]bool{}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("held locks: %w", err)
		}
		held[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held locks: %w", err)
	}
	return held, nil
}

// rescueLoop runs rescueOrphans every second until ctx ends.
func (s *Scheduler) rescueLoop(ctx context.Context) {
	t := time.NewTicker(rescueEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.rescueOrphans(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("looking for jobs of dead processes", "err", oneLine(err))
		}
	}
}

// rescueEvery is how often each process looks for jobs of dead ones.
const rescueEvery = time.Second
