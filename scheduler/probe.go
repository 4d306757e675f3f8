package scheduler

import (
	"labgrid/grader"
	"labgrid/grader/sim"
)

// proberFor is the prober of the scans of source: the scheduler's own, one
// per process, shared by every scan job so that its cache keeps each URL to
// one probe per interval and its semaphore bounds the probes of all jobs
// together (it sends nothing unless a class's rubric enables a probe
// check). None for the simulated class, whose load balancer names and
// public IPs are made up (and could be someone else's real hosts), so its
// probe checks stay pending.
func (s *Scheduler) proberFor(source grader.Source) grader.Prober {
	if _, simulated := source.(*sim.Class); simulated {
		return nil
	}
	return s.prober
}
