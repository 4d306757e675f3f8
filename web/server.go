package web

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/grader"
	"labgrid/metrics"
	"labgrid/scheduler"
	"labgrid/store"
)

// Scheduler is what the pages ask of the scheduler: "check now" for one
// student and a rescan of a whole class (*scheduler.Scheduler).
type Scheduler interface {
	CheckNow(ctx context.Context, classID int64, login string) (scheduler.CheckNowResult, error)
	RescanClass(ctx context.Context, classID int64) error
}

// Options are what the server needs.
type Options struct {
	Store *store.Store
	// Judges gives what a class is judged with (its labs): its checks,
	// their titles and points; required.
	Judges func(store.Class) (grader.Judge, error)
	// Pool keeps the instructors' sessions (the sessions table); nil keeps
	// them in memory (tests of the public routes only).
	Pool      *pgxpool.Pool
	Scheduler Scheduler
	// Hub feeds the live streams (*Hub); nil streams heartbeats only.
	Hub hubSubscriber
	// AdminPasswordHash is the bcrypt hash of the instructor's password;
	// empty refuses every sign-in.
	AdminPasswordHash []byte
	// Ready reports why labgrid cannot serve yet, or nil (GET /readyz).
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	Now    func() time.Time
	// BaseURL is where labgrid is reached (https://labgrid.example.com).
	BaseURL string
	// Secure marks the cookies Secure: set it when served over HTTPS.
	Secure bool
	// SessionCleanup is how often expired sessions are deleted; 0 never.
	SessionCleanup time.Duration
	// Metrics is served at GET /metrics; nil answers 404 there.
	Metrics *metrics.Metrics
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (clientAddr); none: the peer is the client.
	TrustedProxies []netip.Prefix

	// sleep holds a sign-in attempt for its turn; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// summaries is what the grid streams read a class with: Store, or a
	// test's wrapper of it that counts the reads.
	summaries summaryReader
	// streamWrite bounds each write of a live stream; 0 is
	// streamWriteTimeout. Tests shorten it.
	streamWrite time.Duration
}

// summaryReader reads a class for its grid (*store.Store).
type summaryReader interface {
	ClassSummaries(ctx context.Context, classID int64) ([]store.StudentSummary, error)
}

// Limits of the server, fixed: they are part of what the pages say.
const (
	// sessionLifetime is how long a sign-in lasts.
	sessionLifetime = 12 * time.Hour
	// loginBurst sign-in attempts per client address, then one per
	// loginEvery.
	loginBurst = 5
	loginEvery = time.Minute / loginBurst
	// checkNowEvery is a student's "Check now" limit.
	checkNowEvery = 15 * time.Second
	// heartbeatEvery is the comment line a live stream sends when idle,
	// so that proxies keep it open and a dead client is noticed.
	heartbeatEvery = 15 * time.Second
	// stuckAfter is when a row shows "no progress for …" by default.
	stuckAfter = 10 * time.Minute
	// streamWriteTimeout is how long a live stream's client may take to
	// accept an event (or a heartbeat): past it the stream is dropped,
	// and the browser reconnects and catches up (Last-Event-ID), instead
	// of the stream waiting on a dead client for as long as TCP does.
	streamWriteTimeout = 30 * time.Second
	// sharedReadTimeout bounds a read that the grid streams of a class
	// share (sharedReads): it goes on when the stream that started it
	// ends, since the others wait for it.
	sharedReadTimeout = 30 * time.Second
)

// Server holds the handlers' dependencies. Its handlers are listed in
// Routes (routes.go), one file per action.
type Server struct {
	// pages are the buffers pages are rendered into, kept between
	// requests: growing a new one to the 1.75 MB of a 1,000-student grid
	// cost a few percent of its time.
	pages     sync.Pool
	store     *store.Store
	judges    func(store.Class) (grader.Judge, error)
	scheduler Scheduler
	hub       hubSubscriber
	hash      []byte
	ready     func(ctx context.Context) error
	logger    *slog.Logger
	now       func() time.Time
	baseURL   string
	secure    bool
	metrics   *metrics.Metrics

	sessions    *scs.SessionManager
	stopCleanup func()
	logins      *limiter
	heldLogins  atomic.Int32
	sleep       func(ctx context.Context, d time.Duration) error
	deviceKey   []byte
	proxies     []netip.Prefix
	checks      *limiter

	heartbeat   time.Duration
	streamWrite time.Duration
	reads       *sharedReads
}

// New makes a Server.
func New(opts Options) (*Server, error) {
	if opts.Judges == nil {
		return nil, errors.New("web: no Judges: what classes are judged with is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		store:     opts.Store,
		judges:    opts.Judges,
		scheduler: opts.Scheduler,
		hub:       opts.Hub,
		hash:      opts.AdminPasswordHash,
		ready:     opts.Ready,
		logger:    opts.Logger,
		now:       opts.Now,
		baseURL:   opts.BaseURL,
		secure:    opts.Secure,
		metrics:   opts.Metrics,
		heartbeat: heartbeatEvery,
		sleep:     opts.sleep,
		deviceKey: deviceKey(opts.AdminPasswordHash),
		proxies:   opts.TrustedProxies,
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	if s.store == nil && opts.Pool != nil {
		s.store = store.New(opts.Pool)
	}
	if opts.summaries == nil {
		opts.summaries = s.store
	}
	s.reads = newSharedReads(opts.summaries, sharedReadTimeout)
	s.streamWrite = cmp.Or(opts.streamWrite, streamWriteTimeout)
	s.logins = newLimiter(opts.Now, loginBurst, loginEvery)
	s.checks = newLimiter(opts.Now, 1, checkNowEvery)

	sm := scs.New()
	if opts.Pool != nil {
		// pgxstore's own cleanup goroutine races with its StopCleanup: the
		// server runs its own (cleanupSessions).
		// Keyed by the token's hash (hashedStore).
		sm.Store = hashedStore{pgxstore.NewWithCleanupInterval(opts.Pool, 0)}
		if opts.SessionCleanup > 0 {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.cleanupSessions(ctx, opts.Pool, opts.SessionCleanup)
			}()
			s.stopCleanup = func() { cancel(); <-done }
		}
	}
	sm.Lifetime = sessionLifetime
	sm.Cookie.Name = "labgrid_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = opts.Secure
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.fail(w, r, errors.Join(errSession, err))
	}
	s.sessions = sm
	return s, nil
}

var errSession = errors.New("session")

// Close stops the sessions' cleanup.
func (s *Server) Close() {
	if s.stopCleanup != nil {
		s.stopCleanup()
	}
}

// cleanupSessions deletes expired sessions every so often until ctx ends.
func (s *Server) cleanupSessions(ctx context.Context, pool *pgxpool.Pool, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := pool.Exec(ctx, "DELETE FROM sessions WHERE expiry < now()"); err != nil && ctx.Err() == nil {
				s.logger.Warn("sessions: cleanup", "err", err)
			}
		}
	}
}
