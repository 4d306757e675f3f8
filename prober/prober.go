// Package prober sends the active probes of the grader's probe.* checks:
// one HTTP GET to a student's load balancer and to each of their web
// servers, from the grader's network. The grader itself does no I/O; the
// Prober fills grader.Snapshot.Probes and the checks judge what it found.
//
// The probes are polite by construction: a bounded number at once, short
// timeouts, plain http:// to exactly the IP address or DNS name the
// snapshot gave (port 80), no redirect followed, at most 1 KB of a body
// read, and never more than one request per URL per MinInterval: a later
// scan within the interval reuses the last answer.
package prober

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"

	"labgrid/grader"
)

// Defaults of Options.
const (
	DefaultConcurrency = 8
	DefaultMinInterval = 15 * time.Second
	// maxBody is the most of an answer's body that is read.
	maxBody = 1 << 10
	// defaultTimeout is the wait of a target that names none.
	defaultTimeout = 5 * time.Second
	// maxHeader bounds the answer's headers.
	maxHeader = 16 << 10
)

// Options configure a Prober. Zero values take the defaults.
type Options struct {
	// Concurrency is how many probes run at once in the whole process
	// (default 8).
	Concurrency int
	// MaxTimeout caps the wait for an answer, whatever a target asks
	// (default 30 s); a target that asks nothing gets 5 s.
	MaxTimeout time.Duration
	// MinInterval is the least time between two requests to one URL
	// (default 15 s); within it the last result is reused.
	MinInterval time.Duration
	// Addr gives the network address dialed for a probed host (an IP
	// address or DNS name). Default: the host's port 80. Tests point hosts
	// at servers on 127.0.0.1.
	Addr func(host string) string
	// Now is the clock of the results and of MinInterval (default
	// time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Prober sends probes. It is safe for concurrent use, and meant to be
// shared by every scan of the process: its cache is what keeps probes to
// one per URL per MinInterval.
type Prober struct {
	opts   Options
	client *http.Client
	sem    chan struct{}

	mu    sync.Mutex
	cache map[string]*entry // by URL
}

// entry is the last probe of one URL, or the one under way.
type entry struct {
	done chan struct{} // closed when res is set
	res  grader.ProbeResult
	ok   bool // false: the probe was abandoned (the caller's context ended)
}

// New returns a Prober with opts.
func New(opts Options) *Prober {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxTimeout <= 0 {
		opts.MaxTimeout = 30 * time.Second
	}
	if opts.MinInterval <= 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.Addr == nil {
		opts.Addr = func(host string) string { return net.JoinHostPort(host, "80") }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Prober{opts: opts, sem: make(chan struct{}, opts.Concurrency), cache: map[string]*entry{}}
	dialer := &net.Dialer{}
	transport := &http.Transport{
		Proxy: nil, // the probe is about direct reachability: never through a proxy
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, opts.Addr(host))
		},
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: maxHeader,
	}
	p.client = &http.Client{
		Transport: transport,
		// A redirect answer is itself the result: nothing is followed,
		// least of all to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return p
}

// Probe fills snap.Probes with the answers of targets (the URLs the
// enabled checks ask for, each with its timeout). It returns when every
// probe has answered or timed out, or ctx is done; a probe cut short by
// ctx records nothing, so its check stays pending.
func (p *Prober) Probe(ctx context.Context, snap *grader.Snapshot, asked []grader.ProbeTarget) {
	var targets []grader.ProbeTarget
	for _, t := range asked {
		if err := checkURL(t.URL); err != nil {
			// Never a guess: no request, and the check stays pending.
			p.opts.Logger.Warn("probe skipped", "check", t.Check, "err", err)
			continue
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return
	}
	p.prune()
	var (
		wg sync.WaitGroup
		mu sync.Mutex // guards snap.Probes
	)
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, ok := p.result(ctx, t); ok {
				mu.Lock()
				snap.RecordProbe(res)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// result is the last answer of t.URL when younger than MinInterval (or
// under way), else a new probe's.
func (p *Prober) result(ctx context.Context, t grader.ProbeTarget) (grader.ProbeResult, bool) {
	p.mu.Lock()
	if e, ok := p.cache[t.URL]; ok && !p.stale(e) {
		p.mu.Unlock()
		select {
		case <-e.done:
			return e.res, e.ok
		case <-ctx.Done():
			return grader.ProbeResult{}, false
		}
	}
	e := &entry{done: make(chan struct{})}
	p.cache[t.URL] = e
	p.mu.Unlock()

	defer close(e.done)
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		p.forget(t.URL, e)
		return grader.ProbeResult{}, false
	}
	res := p.probe(ctx, t)
	<-p.sem
	if ctx.Err() != nil {
		// Cut short by the caller, not by the target: no result.
		p.forget(t.URL, e)
		return grader.ProbeResult{}, false
	}
	e.res, e.ok = res, true
	p.opts.Logger.Debug("probe", "url", t.URL, "check", t.Check, "status", res.Status, "err", res.Err, "duration", res.Duration)
	return res, true
}

// stale reports whether e may be replaced by a new probe. p.mu is held.
func (p *Prober) stale(e *entry) bool {
	select {
	case <-e.done:
		return !e.ok || p.opts.Now().Sub(e.res.At) >= p.opts.MinInterval
	default:
		return false // under way
	}
}

// forget drops an abandoned entry, unless a newer one replaced it.
func (p *Prober) forget(url string, e *entry) {
	p.mu.Lock()
	if p.cache[url] == e {
		delete(p.cache, url)
	}
	p.mu.Unlock()
}

// prune drops the results too old to be reused, so that the cache holds
// only the URLs probed within the last MinInterval.
func (p *Prober) prune() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for u, e := range p.cache {
		if p.stale(e) {
			delete(p.cache, u)
		}
	}
}

// probe sends one GET and waits for its answer at most the target's
// timeout.
func (p *Prober) probe(ctx context.Context, t grader.ProbeTarget) grader.ProbeResult {
	res := grader.ProbeResult{URL: t.URL, At: p.opts.Now()}
	timeout := min(cmp.Or(t.Timeout, defaultTimeout), p.opts.MaxTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	req.Header.Set("User-Agent", "labgrid-probe/1 (workshop grader)")
	start := time.Now()
	resp, err := p.client.Do(req)
	res.Duration = time.Since(start)
	if err != nil {
		res.Err = describe(err, ctx, timeout)
		return res
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	res.Status = resp.StatusCode
	return res
}

// checkURL accepts only what grader.ProbeURL makes: http://<host>/ with no
// port, user, query or fragment.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Port() != "" || u.User != nil || u.Path != "/" ||
		u.RawQuery != "" || u.Fragment != "" || grader.ProbeURL(u.Hostname()) != raw {
		return fmt.Errorf("not a probe URL: %q", raw)
	}
	return nil
}

// describe says in a few words why no answer came.
func describe(err error, ctx context.Context, timeout time.Duration) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "DNS: " + dnsErr.Err
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return err.Error()
}
