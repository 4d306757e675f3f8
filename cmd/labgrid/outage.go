package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// An outage of PostgreSQL makes every part of serve fail at once and over
// and over: River's producer, elector and maintenance services, the live
// updates' listener, /readyz (about a hundred lines in 20 s). outageLog
// turns that into two lines: one when the database is found unreachable,
// one when it is back, with how many warnings and errors were held back
// in between.
//
// A warning or error that reads like a lost connection makes it try the
// database on a connection of its own: the outage begins only if that
// fails too. Until a connection succeeds again (tried every
// outageRetry), every warning and error is counted instead of logged,
// whatever its source: they are the outage's. Lines below Warn pass.
type outageLog struct {
	h  slog.Handler
	st *outageState
}

// outageRetry is how often a connection is tried during an outage.
const outageRetry = time.Second

type outageState struct {
	// reach connects to the database and closes the connection.
	reach func(context.Context) error
	// out is where outageLog's own two lines go.
	out  *slog.Logger
	stop <-chan struct{}

	checkMu sync.Mutex // one connection try at a time
	// reachedAt is when a try last found the database up: lines within
	// outageRetry of it are taken at that word, without a connection of
	// their own (a burst of client resets would open one each).
	reachedAt time.Time

	mu      sync.Mutex
	down    bool
	since   time.Time
	skipped int
}

// watchOutages returns logger with database outages logged as two lines,
// and a func that ends the watch, to call when serve returns.
func watchOutages(logger *slog.Logger, databaseURL string) (*slog.Logger, func()) {
	stop := make(chan struct{})
	st := &outageState{
		reach: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			conn, err := pgx.Connect(ctx, databaseURL)
			if err != nil {
				return err
			}
			return conn.Close(ctx)
		},
		out:  logger,
		stop: stop,
	}
	var once sync.Once
	return slog.New(&outageLog{h: logger.Handler(), st: st}), func() { once.Do(func() { close(stop) }) }
}

func (l *outageLog) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l *outageLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &outageLog{h: l.h.WithAttrs(attrs), st: l.st}
}

func (l *outageLog) WithGroup(name string) slog.Handler {
	return &outageLog{h: l.h.WithGroup(name), st: l.st}
}

func (l *outageLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return l.h.Handle(ctx, r)
	}
	if l.st.skip() {
		return nil
	}
	if !connectionLost(r) {
		return l.h.Handle(ctx, r)
	}
	if l.st.begin(ctx, r) {
		return nil
	}
	return l.h.Handle(ctx, r)
}

// skip counts r if the database is down.
func (st *outageState) skip() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.down {
		st.skipped++
	}
	return st.down
}

// begin tries the database after r, a line about a lost connection, and
// reports whether r is part of an outage, now begun (or begun meanwhile by
// another line).
func (st *outageState) begin(ctx context.Context, r slog.Record) bool {
	st.checkMu.Lock()
	defer st.checkMu.Unlock()
	if st.skip() {
		return true
	}
	if time.Since(st.reachedAt) < outageRetry {
		return false // just found up
	}
	err := st.reach(context.WithoutCancel(ctx))
	if err == nil {
		st.reachedAt = time.Now()
		return false // a connection lost, the database not
	}
	st.mu.Lock()
	st.down, st.since, st.skipped = true, time.Now(), 0
	st.mu.Unlock()
	st.out.Warn("database unreachable: its errors are counted, not logged, until it is back",
		"err", oneLine(err.Error()), "first", oneLine(r.Message))
	go st.watch()
	return true
}

// watch tries the database every outageRetry until it answers, then ends
// the outage.
func (st *outageState) watch() {
	t := time.NewTicker(outageRetry)
	defer t.Stop()
	for {
		select {
		case <-st.stop:
			return
		case <-t.C:
		}
		if st.reach(context.Background()) != nil {
			continue
		}
		st.mu.Lock()
		st.down = false
		since, skipped := st.since, st.skipped
		st.mu.Unlock()
		st.out.Info("database reachable again", "down_for", time.Since(since).Round(time.Second).String(), "skipped_lines", skipped)
		return
	}
}

// lostConnectionSigns are what pgx, PostgreSQL and the network say of a
// connection that failed or went away.
var lostConnectionSigns = []string{
	"failed to connect",
	"connection refused",
	"closed pool",
	"conn closed",
	"connection reset",
	"broken pipe",
	"unexpected eof",
	"terminating connection",
	"the database system is",
	"server closed the connection",
	"no such host",
	"i/o timeout",
}

// connectionLost reports whether r reads like a lost database connection:
// its message or any attribute (River passes errors as strings).
func connectionLost(r slog.Record) bool {
	var text strings.Builder
	text.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		text.WriteString(" ")
		text.WriteString(fmt.Sprint(a.Value.Resolve().Any()))
		return true
	})
	s := strings.ToLower(text.String())
	for _, sign := range lostConnectionSigns {
		if strings.Contains(s, sign) {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
