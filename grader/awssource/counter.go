package awssource

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// callCounter counts the API calls and retries of one Snapshot. It travels
// in the context because the clients, and so their middleware, are shared
// by every Snapshot of a target.
type callCounter struct {
	mu      sync.Mutex
	byOp    map[string]int
	retries int
}

func newCallCounter() *callCounter { return &callCounter{byOp: make(map[string]int)} }

type counterKey struct{}

func withCallCounter(ctx context.Context, c *callCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

func counterFrom(ctx context.Context) *callCounter {
	c, _ := ctx.Value(counterKey{}).(*callCounter)
	return c
}

func (c *callCounter) call(op string) {
	c.mu.Lock()
	c.byOp[op]++
	c.mu.Unlock()
}

func (c *callCounter) retry() {
	c.mu.Lock()
	c.retries++
	c.mu.Unlock()
}

func (c *callCounter) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.byOp {
		n += v
	}
	return n
}

func (c *callCounter) totals() (calls, retries int, byOp map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.byOp {
		calls += v
	}
	return calls, c.retries, maps.Clone(c.byOp)
}

// attemptsKey holds the number of attempts of the call in flight; the
// Initialize step sets it once per logical call.
type attemptsKey struct{}

// callCounterFor is an APIOptions function that counts calls in the
// context's callCounter and tells obs, when not nil, of every call and
// retry. The Initialize step runs once per logical call; the Finalize step
// after "Retry" runs once per attempt.
func callCounterFor(obs CallObserver) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error { return addCallCounter(stack, obs) }
}

func addCallCounter(stack *middleware.Stack, obs CallObserver) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("labgridCountCall",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c := counterFrom(ctx)
			if c != nil {
				c.call(awsmiddleware.GetServiceID(ctx) + "." + middleware.GetOperationName(ctx))
			}
			if c != nil || obs != nil {
				ctx = middleware.WithStackValue(ctx, attemptsKey{}, new(atomic.Int32))
			}
			out, md, err := next.HandleInitialize(ctx, in)
			if obs != nil {
				code := ErrorCode(err)
				if err != nil && code == "" {
					code = "error"
				}
				obs.AWSCall(awsmiddleware.GetServiceID(ctx), middleware.GetOperationName(ctx), code)
			}
			return out, md, err
		}), middleware.Before)
	if err != nil {
		return err
	}
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("labgridCountAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if n, ok := middleware.GetStackValue(ctx, attemptsKey{}).(*atomic.Int32); ok && n.Add(1) > 1 {
				if c := counterFrom(ctx); c != nil {
					c.retry()
				}
				if obs != nil {
					obs.AWSRetry(awsmiddleware.GetServiceID(ctx), middleware.GetOperationName(ctx))
				}
			}
			return next.HandleFinalize(ctx, in)
		}), "Retry", middleware.After)
}
