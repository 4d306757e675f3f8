package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
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
// PostgreSQL itself going away frees every lock; a scan in flight at that
// moment may overlap with one started after the restart, but its save then
// fails on the lost session and is retried, so nothing is stored twice.

// targetLock is a held advisory lock and the session holding it.
type targetLock struct {
	conn *pgxpool.Conn
	key  int64
}

// lockKey is the advisory lock key of a's target: 64 bits of a hash, so
// distinct targets collide (and merely take turns) with negligible odds.
func (a scanArgs) lockKey() int64 {
	h := sha256.Sum256(fmt.Appendf(nil, "labgrid scan\x00%d\x00%s\x00%s\x00%s", a.ClassID, a.AccountID, a.Region, a.RoleARN))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// lockTarget takes a's target lock without waiting. It returns nil, nil
// when another session holds it.
func (s *Scheduler) lockTarget(ctx context.Context, a scanArgs) (*targetLock, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock target: %w", err)
	}
	key := a.lockKey()
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("lock target: %w", err)
	}
	if !ok {
		conn.Release()
		return nil, nil
	}
	return &targetLock{conn: conn, key: key}, nil
}

// release unlocks and gives the connection back. A connection that may
// still hold the lock is closed instead: back in the pool it would keep
// the target locked for as long as it lives.
func (l *targetLock) release(logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ok bool
	if err := l.conn.QueryRow(ctx, "SELECT pg_advisory_unlock($1)", l.key).Scan(&ok); err != nil || !ok {
		logger.Debug("target lock: closing the session instead of unlocking", "err", err, "held", ok)
		l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
}
