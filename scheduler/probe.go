package scheduler

import "labgrid/grader"

// proberFor is the prober of the scans of source, as Config.Probers says;
// none without it.
func (s *Scheduler) proberFor(source grader.Source) grader.Prober {
	if s.cfg.Probers == nil {
		return nil
	}
	return s.cfg.Probers(source)
}
