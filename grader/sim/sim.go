// Package sim is a simulated class: a grader.Source whose students work
// through Step 3 of the handout over time, in one shared AWS account (or
// spread over several: Options.Accounts).
//
// Every student starts at the end of Step 2 and, at their own speed, creates
// the Aurora replica, fails over, makes the AMI, launches web server #2,
// builds the ALB and finally narrows the web security group to the ALB.
// Some students make the handout's typical mistakes, stay stuck on them for
// a while and then fix them; a few give up before the end.
//
// With Options.WholeDay the class lives the whole workshop day instead:
// a morning (Steps 1 and 2, from an empty account) as long as Step 3, then
// Step 3, then the end of the day, when students delete what they built
// (and a few forget something). The labs of such a day are DayLabs.
//
// The state at a moment is a pure function of (Seed, login, at-Start): two
// scans at the same moment see the same snapshot, and nothing changes after
// Start+3×Duration (Start+7×Duration for a whole day: see Class.Day).
package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"labgrid/grader"
)

// Options configure a simulated class. Zero fields take the defaults.
type Options struct {
	// Students is the class size (default 30): logins user01…user30, or
	// user001… from 100 students on.
	Students int
	// Start is when the class started (default: Now() when New is called).
	Start time.Time
	// Duration is about how long the fastest students take (default 20m).
	// Every student who finishes does so before Start+3×Duration (in a
	// whole day, the afternoon's Step 3 before Start+6×Duration).
	Duration time.Duration
	// Seed picks the students' speeds and mistakes: same seed, same class.
	Seed int64
	// AccountID is the shared account (default "111122223333").
	AccountID string
	// Accounts spreads the students round-robin over this many accounts
	// (default 1): AccountID, then the next numbers (111122223334, …).
	// Each account is a target of its own, as in a class whose students
	// share a few team accounts.
	Accounts int
	// Region is where everything lives (default "ap-northeast-1").
	Region string
	// Now is the clock a Snapshot is taken by (default time.Now).
	Now func() time.Time
	// Latency is how long each Snapshot takes (default none), as the AWS
	// calls of a real scan do: to see scans in flight.
	Latency time.Duration
	// CallLatency is how long each simulated AWS call takes (default
	// none). A Snapshot makes its calls as a real scan does: the listings
	// at once, then the follow-ups (each load balancer's listeners, each
	// target group's health) at once.
	CallLatency time.Duration
	// CallConcurrency bounds the calls in flight per account, all
	// Snapshots together, as AWS throttles an account's calls (default 0:
	// no bound).
	CallConcurrency int
	// WholeDay plays the whole day: the morning from 0 to 3×Duration
	// (the fastest students take about 1.2×Duration), Step 3 from
	// 3×Duration to 6×Duration as a class without WholeDay does from 0,
	// and the end of the day from 6×Duration to 7×Duration. Without it the
	// class starts with Steps 1 and 2 done and plays Step 3 only.
	WholeDay bool
}

// Day is how a class's time is spent, as offsets from its Start.
type Day struct {
	// Afternoon is when Step 3 begins: 0 without WholeDay.
	Afternoon time.Duration
	// EndOfDay is when students begin deleting what they built: End
	// without WholeDay, where nobody does.
	EndOfDay time.Duration
	// End is when everything has happened: nothing changes after.
	End time.Duration
}

// Day is the class's schedule.
func (c *Class) Day() Day {
	d := c.opts.Duration
	if !c.opts.WholeDay {
		return Day{Afternoon: 0, EndOfDay: 3 * d, End: 3 * d}
	}
	return Day{Afternoon: 3 * d, EndOfDay: 6 * d, End: 7 * d}
}

// Class is a simulated class. It is immutable after New and safe for
// concurrent use.
type Class struct {
	opts   Options
	roster []grader.Student
	plans  map[string]*plan
	ids    map[string]accountIDs // by account id
	// slots bound each account's calls in flight (CallConcurrency).
	slots map[string]chan struct{}
}

const (
	defaultStudents  = 30
	defaultDuration  = 20 * time.Minute
	defaultAccountID = "111122223333"
	defaultRegion    = "ap-northeast-1"
)

// New builds a class from opts.
func New(opts Options) *Class {
	if opts.Students <= 0 {
		opts.Students = defaultStudents
	}
	if opts.Duration <= 0 {
		opts.Duration = defaultDuration
	}
	if opts.AccountID == "" {
		opts.AccountID = defaultAccountID
	}
	if opts.Region == "" {
		opts.Region = defaultRegion
	}
	if opts.Accounts <= 0 {
		opts.Accounts = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Start.IsZero() {
		opts.Start = opts.Now()
	}
	c := &Class{opts: opts, plans: make(map[string]*plan, opts.Students), ids: map[string]accountIDs{}}
	accounts := accountNumbers(opts.AccountID, opts.Accounts)
	for _, a := range accounts {
		c.ids[a] = newAccountIDs(a, opts.Region)
	}
	if opts.CallConcurrency > 0 {
		c.slots = make(map[string]chan struct{}, len(accounts))
		for _, a := range accounts {
			c.slots[a] = make(chan struct{}, opts.CallConcurrency)
		}
	}
	perAccount := map[string]int{}
	width := max(2, len(strconv.Itoa(opts.Students)))
	for i := range opts.Students {
		login := fmt.Sprintf("user%0*d", width, i+1)
		account := accounts[i%len(accounts)]
		perAccount[account]++
		c.roster = append(c.roster, grader.Student{
			Login:       login,
			DisplayName: displayName(opts.Seed, i),
			AccountID:   account,
			Region:      opts.Region,
			Email:       login + "@example.com",
		})
		c.plans[login] = newPlan(opts.Seed, login, opts.Duration, opts.WholeDay)
	}
	// As the roster parser does: a student alone in an account is Dedicated.
	for i := range c.roster {
		c.roster[i].Dedicated = perAccount[c.roster[i].AccountID] == 1
	}
	return c
}

// accountNumbers is first and the n-1 account ids after it. A first that
// is not a number keeps the others distinct all the same.
func accountNumbers(first string, n int) []string {
	accounts := []string{first}
	base, err := strconv.ParseUint(first, 10, 64)
	for i := 1; i < n; i++ {
		if err != nil {
			accounts = append(accounts, fmt.Sprintf("%s-%d", first, i))
			continue
		}
		accounts = append(accounts, fmt.Sprintf("%012d", (base+uint64(i))%1_000_000_000_000))
	}
	return accounts
}

// Roster returns the class's students in login order. In one shared
// account none is Dedicated.
func (c *Class) Roster() []grader.Student {
	return slices.Clone(c.roster)
}

// Target is the target of the first account: with the default single
// account, the one every student of the class is reached through.
func (c *Class) Target() grader.Target {
	return grader.Target{AccountID: c.opts.AccountID, Region: c.opts.Region}
}

// Targets are the class's targets, one per account, in account order.
func (c *Class) Targets() []grader.Target {
	targets := make([]grader.Target, 0, c.opts.Accounts)
	for _, a := range accountNumbers(c.opts.AccountID, c.opts.Accounts) {
		targets = append(targets, grader.Target{AccountID: a, Region: c.opts.Region})
	}
	return targets
}

// Snapshot returns the state of every student reached through t at Now():
// the students of t's account, only the kinds in data. The class lives in its accounts and one
// region (any role reaches them); any other target gets an error that
// grader.ErrorCode reports as AccessDenied (another account) or
// AuthFailure (another region).
func (c *Class) Snapshot(ctx context.Context, t grader.Target, data []grader.Data) (*grader.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sim %s: %w", t, err)
	}
	if _, ok := c.ids[t.AccountID]; !ok {
		op := "ec2:DescribeVpcs"
		if t.RoleARN != "" {
			op = "sts:AssumeRole " + t.RoleARN
		}
		return nil, fmt.Errorf("%s: %w", op, &APIError{
			Code:    "AccessDenied",
			Message: fmt.Sprintf("the simulated class lives in account %s, not %s", c.opts.AccountID, t.AccountID),
		})
	}
	if t.Region != c.opts.Region {
		return nil, fmt.Errorf("ec2:DescribeVpcs: %w", &APIError{
			Code:    "AuthFailure",
			Message: fmt.Sprintf("AWS was not able to validate the provided access credentials (the simulated class lives in %s, not %q)", c.opts.Region, t.Region),
		})
	}
	if c.opts.Latency > 0 {
		timer := time.NewTimer(c.opts.Latency)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("sim %s: %w", t, ctx.Err())
		}
	}
	now := c.opts.Now()
	snap := c.snapshotAt(t, now, data)
	if c.opts.CallLatency > 0 {
		followUps := snap.CallsByOperation[opListeners] + snap.CallsByOperation[opTargetHealth]
		for _, n := range []int{snap.AWSCalls - followUps, followUps} {
			if err := c.calls(ctx, t.AccountID, n); err != nil {
				return nil, fmt.Errorf("sim %s: %w", t, err)
			}
		}
	}
	return snap, nil
}

// calls makes n simulated calls to account at once, each taking
// CallLatency once it has one of the account's slots.
func (c *Class) calls(ctx context.Context, account string, n int) error {
	slots := c.slots[account] // nil: no bound
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if slots != nil {
				select {
				case slots <- struct{}{}:
					defer func() { <-slots }()
				case <-ctx.Done():
					return
				}
			}
			timer := time.NewTimer(c.opts.CallLatency)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// Progress is the step login is working on at the moment at. A login not
// in the roster is reported at StageStep2 (StageNetwork in a whole day).
func (c *Class) Progress(login string, at time.Time) Stage {
	p := c.plans[login]
	if p == nil {
		if c.opts.WholeDay {
			return StageNetwork
		}
		return StageStep2
	}
	return p.stage(c.offset(at))
}

// Mistakes are the typical mistakes visible in login's resources at the
// moment at, in the order of the handout. Each one is eventually fixed
// unless the student gives up, but the end of the day's (MistakeLeft…),
// which stay.
func (c *Class) Mistakes(login string, at time.Time) []Mistake {
	p := c.plans[login]
	if p == nil {
		return nil
	}
	return p.mistakes(c.offset(at))
}

// offset is how far into the class at is; before the start counts as the
// start.
func (c *Class) offset(at time.Time) time.Duration {
	return max(at.Sub(c.opts.Start), 0)
}

// APIError is the error of a call the simulated AWS refuses. It carries an
// AWS error code the way smithy.APIError does, for grader.ErrorCode.
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("api error %s: %s", e.Code, e.Message)
}

// ErrorCode is the AWS error code, e.g. "AccessDenied".
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage is the message without the code.
func (e *APIError) ErrorMessage() string { return e.Message }

var _ grader.Source = (*Class)(nil)

var _ interface{ ErrorCode() string } = (*APIError)(nil)
