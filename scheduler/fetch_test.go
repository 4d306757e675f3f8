package scheduler

import (
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"labgrid/grader/sim"
	"labgrid/store"
)

// A scan job that becomes available without an insert notification
// starts within River's poll interval: so is a scan the tick queues just
// after its own insert spent the queue's notification (River sends one
// per FetchCooldown), and a queued check-now made available by the end
// of the scan before it.
func TestAvailableScanStartsPromptly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cfg := quickConfig(time.Hour)
	cfg.Tick = time.Hour // no tick's insert to wake River up
	s := e.start(t, nil, sim.New(sim.Options{Students: 1}), cfg)

	const samples = 15
	var total time.Duration
	for i := range samples {
		// A job of a class that does not exist: it is cancelled as soon as
		// it starts, which is all this measures.
		a := scanArgs{ClassID: 1_000_000, AccountID: fmt.Sprintf("%012d", i), Region: "ap-northeast-1", Trigger: string(store.TriggerSchedule)}
		res, err := s.client.Insert(e.ctx, a, &river.InsertOpts{Queue: queue, Priority: prioritySchedule, Pending: true})
		if err != nil {
			t.Fatal(err)
		}
		var made time.Time
		if err := e.pool.QueryRow(e.ctx, "UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1 RETURNING scheduled_at", res.Job.ID).Scan(&made); err != nil {
			t.Fatal(err)
		}
		var started time.Time
		eventually(t, 10*time.Second, "the job started", func() bool {
			var at *time.Time
			if err := e.pool.QueryRow(e.ctx, "SELECT attempted_at FROM river_job WHERE id = $1", res.Job.ID).Scan(&at); err != nil {
				t.Fatal(err)
			}
			if at != nil {
				started = *at
			}
			return at != nil
		})
		total += started.Sub(made)
	}
	mean := total / samples
	t.Logf("%d jobs made available without a notification started %s later on average (fetch poll %s)", samples, mean, fetchPollInterval)
	// Polled every 1 s (River's default) the mean is about 950 ms (the
	// producer's poll timer restarts after each fetch); the aim is 250 ms,
	// with room for a loaded machine.
	if limit := 500 * time.Millisecond; mean > limit {
		t.Errorf("mean start lag %s, want under %s", mean, limit)
	}
}
