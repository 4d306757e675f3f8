// Package awssource is the grader.Source that reads real AWS accounts with
// aws-sdk-go-v2. One Snapshot makes a fixed set of read-only Describe calls
// per target (plus one DescribeListeners per load balancer and one
// DescribeTargetHealth per target group), whatever the number of students
// the target holds.
package awssource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"labgrid/grader"
)

// Operations is every AWS action this package may call, as IAM names. The
// shipped IAM policy must grant exactly these (the Describe actions in the
// student account's role, sts:AssumeRole to the grader's own principal).
var Operations = []string{
	"ec2:DescribeVpcs",
	"ec2:DescribeSubnets",
	"ec2:DescribeRouteTables",
	"ec2:DescribeInternetGateways",
	"ec2:DescribeInstances",
	"ec2:DescribeImages",
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeKeyPairs",
	"elasticloadbalancing:DescribeLoadBalancers",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeListeners",
	"elasticloadbalancing:DescribeTargetHealth",
	"rds:DescribeDBClusters",
	"rds:DescribeDBInstances",
	"rds:DescribeDBSubnetGroups",
	"rds:DescribeEvents",
	"sts:AssumeRole",
}

// Options tunes a Source. Zero values take the defaults noted on each field.
type Options struct {
	// Concurrency is the number of API calls in flight within one target
	// (default 8).
	Concurrency int
	// TargetTimeout bounds one Snapshot, retries included (default 60s).
	TargetTimeout time.Duration
	// MaxAttempts is the SDK's attempts per call, first included (default 5).
	MaxAttempts int
	// MaxBackoff caps the SDK's delay between attempts (default 20s).
	MaxBackoff time.Duration
	// Logger receives debug lines per snapshot (default slog.Default()).
	Logger *slog.Logger
	// EndpointURL, when set, receives every call (EC2, ELBv2, RDS and STS)
	// whatever per-service endpoint the AWS configuration names: an
	// emulator or a test server.
	EndpointURL string
	// SessionName is the RoleSessionName of AssumeRole; it shows in the
	// student account's CloudTrail (default "labgrid-grader").
	SessionName string
	// Metrics, when set, is told of every call and retry.
	Metrics CallObserver
}

func (o *Options) setDefaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.TargetTimeout <= 0 {
		o.TargetTimeout = 60 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 20 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SessionName == "" {
		o.SessionName = "labgrid-grader"
	}
}

// Source takes Snapshots of AWS targets. It is safe for concurrent use.
type Source struct {
	base aws.Config
	opts Options

	mu sync.Mutex
	// creds holds one credentials cache per assumed role, so AssumeRole is
	// called once per session lifetime, not once per scan.
	creds map[roleKey]aws.CredentialsProvider
	// clients are kept per target so that the adaptive retryer's view of
	// throttling in that account and region survives from scan to scan.
	clients map[targetKey]*clients
}

type roleKey struct{ roleARN, externalID string }

type targetKey struct {
	region string
	role   roleKey
}

type clients struct {
	ec2   *ec2.Client
	elbv2 *elbv2.Client
	rds   *rds.Client
	// creds is the target's credentials provider; nil for the base
	// credentials, which need no up-front check.
	creds aws.CredentialsProvider
}

// New loads the default AWS configuration (environment, shared config and
// credentials files, SSO, AWS_ENDPOINT_URL*, …) with adaptive retries.
// optFns are applied after the Source's own and may override them.
func New(ctx context.Context, opts Options, optFns ...func(*config.LoadOptions) error) (*Source, error) {
	opts.setDefaults()
	maxAttempts, maxBackoff := opts.MaxAttempts, opts.MaxBackoff
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = maxAttempts
					so.MaxBackoff = maxBackoff
				})
			})
		}),
	}
	cfg, err := config.LoadDefaultConfig(ctx, append(load, optFns...)...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return &Source{
		base:    cfg,
		opts:    opts,
		creds:   make(map[roleKey]aws.CredentialsProvider),
		clients: make(map[targetKey]*clients),
	}, nil
}

var _ grader.Source = (*Source)(nil)

// clientsFor returns the target's API clients, creating them on first use.
func (s *Source) clientsFor(t grader.Target) (*clients, error) {
	region := t.Region
	if region == "" {
		region = s.base.Region
	}
	if region == "" {
		return nil, errors.New("no region: neither the target nor the AWS configuration names one")
	}
	key := targetKey{region: region, role: roleKey{t.RoleARN, t.ExternalID}}

	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok {
		return c, nil
	}
	cfg := s.base.Copy()
	cfg.Region = region
	c := &clients{}
	if t.RoleARN != "" {
		c.creds = s.roleCredsLocked(cfg, key.role)
		cfg.Credentials = c.creds
	}
	count := func(o *[]func(*middleware.Stack) error) { *o = append(*o, callCounterFor(s.opts.Metrics)) }
	c.ec2 = ec2.NewFromConfig(cfg, func(o *ec2.Options) { count(&o.APIOptions); s.overrideEndpoint(&o.BaseEndpoint) })
	c.elbv2 = elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { count(&o.APIOptions); s.overrideEndpoint(&o.BaseEndpoint) })
	c.rds = rds.NewFromConfig(cfg, func(o *rds.Options) { count(&o.APIOptions); s.overrideEndpoint(&o.BaseEndpoint) })
	s.clients[key] = c
	return c, nil
}

// overrideEndpoint points a client at Options.EndpointURL, when set, over
// whatever per-service endpoint the AWS configuration names.
func (s *Source) overrideEndpoint(base **string) {
	if s.opts.EndpointURL != "" {
		*base = aws.String(s.opts.EndpointURL)
	}
}

// roleCredsLocked returns the cached credentials of an assumed role. The STS
// client uses the base credentials in the first region that asked. s.mu
// must be held.
func (s *Source) roleCredsLocked(cfg aws.Config, k roleKey) aws.CredentialsProvider {
	if p, ok := s.creds[k]; ok {
		return p
	}
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { s.overrideEndpoint(&o.BaseEndpoint) })
	provider := stscreds.NewAssumeRoleProvider(stsClient, k.roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = s.opts.SessionName
		if k.externalID != "" {
			o.ExternalID = aws.String(k.externalID)
		}
	})
	// Refresh early so credentials do not expire in mid-scan. The window
	// stays well under the 15-minute default session length.
	p := aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = 5 * time.Minute
	})
	s.creds[k] = p
	return p
}

// Snapshot reads the target's resources of the kinds in data. TakenAt is when the scan started;
// AWSCalls and CallsByOperation count the Describe calls of this scan (the
// cached AssumeRole is not counted). On any failed call it returns an error
// naming the operation (see ErrorCode) and no snapshot when nothing could
// be read; a call that fails while others succeed only marks its data
// unavailable in the snapshot.
func (s *Source) Snapshot(ctx context.Context, t grader.Target, data []grader.Data) (*grader.Snapshot, error) {
	start := time.Now()
	c, err := s.clientsFor(t)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.TargetTimeout)
	defer cancel()

	// Assume the role up front: a refused AssumeRole then reads as one
	// sts:AssumeRole error instead of a dozen failed Describe calls.
	if c.creds != nil {
		if _, err := c.creds.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("sts:AssumeRole %s: %w", t.RoleARN, err)
		}
	}

	counter := newCallCounter()
	snap := &grader.Snapshot{Target: t, TakenAt: start}
	if err := c.collect(withCallCounter(ctx, counter), s.opts.Concurrency, data, snap); err != nil {
		if ErrorCode(err) == "Timeout" {
			err = fmt.Errorf("%w (target timeout %v)", err, s.opts.TargetTimeout)
		}
		s.opts.Logger.DebugContext(ctx, "aws snapshot failed",
			"target", t.String(), "code", ErrorCode(err), "calls", counter.calls(), "elapsed", time.Since(start))
		return nil, &targetError{err: err, calls: counter.calls()}
	}
	snap.AWSCalls, snap.Retries, snap.CallsByOperation = counter.totals()
	s.opts.Logger.DebugContext(ctx, "aws snapshot",
		"target", t.String(), "calls", snap.AWSCalls, "retries", snap.Retries, "elapsed", time.Since(start))
	return snap, nil
}

// targetError is a failed Snapshot. It carries the calls made before the
// failure, so a scan's call count stays true when targets fail.
type targetError struct {
	err   error
	calls int
}

func (e *targetError) Error() string     { return e.err.Error() }
func (e *targetError) Unwrap() error     { return e.err }
func (e *targetError) AWSCallCount() int { return e.calls }

// ErrorCode is the AWS error code behind err ("AccessDenied",
// "UnauthorizedOperation", "Throttling", …), "Timeout" when a deadline
// expired, and "" otherwise.
func ErrorCode(err error) string {
	// As grader.ErrorCode, but a cancelled scan is no AWS error at all.
	if code := grader.ErrorCode(err); code != "Canceled" {
		return code
	}
	return ""
}
