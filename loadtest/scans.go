package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/scheduler"
)

// ScanFigures are what River's table says of a class's scans in the
// window.
type ScanFigures struct {
	Jobs int // scan jobs that ran in the window, or are running
	// DoubleScans are the pairs of those jobs of one target whose runs
	// overlapped: what the target lock and River's uniqueness rule out.
	// It is an upper bound of the scans done twice at once: a job that
	// found its target locked ran without scanning, and counts.
	DoubleScans int
	Processes   int // distinct River clients (serve processes) that ran them
}

// scanOverlaps reads the scan jobs of the class that ran in [from, to)
// from river_job: a job's run is [attempted_at, finalized_at), or until
// now while it runs. A job in another state (retryable, available after a
// hand-back) is left out: its attempted_at is its last attempt's start,
// whose end is not stored; so is an earlier run of a job run again.
// The target is the job's args (scheduler's scanArgs) less the trigger.
func scanOverlaps(ctx context.Context, pool *pgxpool.Pool, classID int64, from, to time.Time) (ScanFigures, error) {
	var f ScanFigures
	err := pool.QueryRow(ctx, `
		WITH runs AS (
			SELECT id, args->>'account_id' AS account, args->>'region' AS region,
			       coalesce(args->>'role_arn', '') AS role, attempted_at AS began,
			       coalesce(finalized_at, 'infinity') AS ended,
			       attempted_by[cardinality(attempted_by)] AS client
			FROM river_job
			WHERE kind = $1 AND (args->>'class_id')::bigint = $2
			  AND state IN ('running', 'completed', 'cancelled', 'discarded')
			  AND attempted_at < $4 AND coalesce(finalized_at, 'infinity') > $3)
		SELECT (SELECT count(*) FROM runs),
		       (SELECT count(*) FROM runs a JOIN runs b
		          ON a.id < b.id AND a.account = b.account AND a.region = b.region AND a.role = b.role
		         AND a.began < b.ended AND b.began < a.ended),
		       (SELECT count(DISTINCT client) FROM runs)`,
		scheduler.ScanKind, classID, from, to).Scan(&f.Jobs, &f.DoubleScans, &f.Processes)
	if err != nil {
		return ScanFigures{}, fmt.Errorf("loadtest: read the scan jobs back: %w", err)
	}
	return f, nil
}
