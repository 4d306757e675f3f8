package awssource

import (
	"sync"
	"testing"
	"time"

	"labgrid/grader"
)

type recordedCalls struct {
	mu      sync.Mutex
	calls   map[[3]string]int
	retries map[[2]string]int
}

func (r *recordedCalls) AWSCall(service, operation, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[[3]string{service, operation, code}]++
}

func (r *recordedCalls) AWSRetry(service, operation string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries[[2]string{service, operation}]++
}

// Options.Metrics hears of every call, with its error code, and of every
// retry, as the snapshot counts them.
func TestCallObserver(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t)
	fullTarget(f)
	f.Fail("DescribeDBClusters", fakeErr{Status: 400, Code: "Throttling", Message: "Rate exceeded", Delay: 50 * time.Millisecond}, 1)
	f.Fail("DescribeDBSubnetGroups", fakeErr{Status: 403, Code: "AccessDenied", Message: "no"}, 5)
	obs := &recordedCalls{calls: map[[3]string]int{}, retries: map[[2]string]int{}}
	s := newTestSource(t, f, Options{Concurrency: 32, Metrics: obs})

	snap, err := s.Snapshot(t.Context(), target, grader.AllData())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	total := 0
	for _, n := range obs.calls {
		total += n
	}
	if total != snap.AWSCalls {
		t.Errorf("observer heard %d calls, the snapshot counted %d: %v", total, snap.AWSCalls, obs.calls)
	}
	if n := obs.calls[[3]string{"RDS", "DescribeDBClusters", ""}]; n != 1 {
		t.Errorf("RDS DescribeDBClusters ok: %d, want 1 (%v)", n, obs.calls)
	}
	if n := obs.calls[[3]string{"RDS", "DescribeDBSubnetGroups", "AccessDenied"}]; n != 1 {
		t.Errorf("RDS DescribeDBSubnetGroups AccessDenied: %d, want 1 (%v)", n, obs.calls)
	}
	if n := obs.retries[[2]string{"RDS", "DescribeDBClusters"}]; n != 1 || snap.Retries != 1 {
		t.Errorf("retries %v (snapshot %d), want one of RDS DescribeDBClusters", obs.retries, snap.Retries)
	}
}
