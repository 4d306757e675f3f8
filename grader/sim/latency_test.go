package sim

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"labgrid/grader"
)

// calls is how many AWS calls a snapshot of c's first target makes, and
// how many of them are follow-ups (a load balancer's listeners, a target
// group's health), made once the listings are back.
func calls(t *testing.T, c *Class) (all, followUps int) {
	t.Helper()
	snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	return snap.AWSCalls, snap.CallsByOperation[opListeners] + snap.CallsByOperation[opTargetHealth]
}

// Late in the class, when load balancers exist: follow-up calls too.
func lateClass(opts Options) *Class {
	opts.Students, opts.Seed = 4, 3
	opts.Start = time.Now().Add(-3 * defaultDuration)
	return New(opts)
}

// Each call takes CallLatency; the listings are made at once, then the
// follow-ups: two rounds at least.
func TestCallLatency(t *testing.T) {
	t.Parallel()
	all, followUps := calls(t, lateClass(Options{}))
	if followUps == 0 || all <= followUps {
		t.Fatalf("%d calls, %d follow-ups: want both rounds", all, followUps)
	}
	const latency = 40 * time.Millisecond
	c := lateClass(Options{CallLatency: latency})
	start := time.Now()
	snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*latency {
		t.Errorf("a snapshot of two rounds of calls took %s, want %s at least", took, 2*latency)
	}
	if snap.AWSCalls != all {
		t.Errorf("%d calls with latency, %d without", snap.AWSCalls, all)
	}
}

// CallConcurrency bounds the calls in flight per account, whatever the
// snapshots they belong to: one at a time, two snapshots of one account
// take as long as all their calls one after the other.
func TestCallConcurrency(t *testing.T) {
	t.Parallel()
	all, _ := calls(t, lateClass(Options{}))
	const latency = 10 * time.Millisecond
	c := lateClass(Options{CallLatency: latency, CallConcurrency: 1})
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := c.Snapshot(t.Context(), c.Target(), grader.AllData()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if took, want := time.Since(start), time.Duration(2*all)*latency; took < want {
		t.Errorf("two snapshots of %d calls each, one call at a time: %s, want %s at least", all, took, want)
	}
}

// A snapshot waiting on its calls ends with its context.
func TestCallLatencyHonoursContext(t *testing.T) {
	t.Parallel()
	c := lateClass(Options{CallLatency: time.Minute, CallConcurrency: 2})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Snapshot(ctx, c.Target(), grader.AllData())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's deadline", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the snapshot outlived its context")
	}
	// The abandoned calls gave their slots back.
	if n := len(c.slots[c.Target().AccountID]); n != 0 {
		t.Errorf("%d slots still taken", n)
	}
}
