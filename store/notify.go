package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// NotifyChannel is where SaveScan announces changed results.
const NotifyChannel = "labgrid_results"

// maxPayload keeps a notification under PostgreSQL's 8000-byte limit.
const maxPayload = 7900

// Notification says whose results changed: a payload of NotifyChannel.
type Notification struct {
	ClassID int64 `json:"class_id"`
	// StoredAt is when the scan's writes were sent, in the transaction
	// that commits them and the notification together: the results are
	// stored a commit later. What a page shows of them can be timed from
	// it (labgrid loadtest does). Zero in a notification of an older
	// labgrid.
	StoredAt   time.Time `json:"stored_at,omitzero"`
	StudentIDs []int64   `json:"student_ids"`
	// Kind is what changed: "" the students' results (SaveScan),
	// NotifyHelp their raised hands, NotifyAnnouncement the class's
	// announcements (no student named: it is for all of them).
	Kind string `json:"kind,omitempty"`
}

// The kinds of a Notification besides results.
const (
	NotifyHelp         = "help"
	NotifyAnnouncement = "announcement"
)

// notify announces, in tx, a change of kind in the class, naming ids.
func notify(ctx context.Context, tx pgx.Tx, kind string, classID int64, ids ...int64) error {
	if ids == nil {
		ids = []int64{}
	}
	payload, err := json.Marshal(Notification{ClassID: classID, StoredAt: time.Now(), StudentIDs: ids, Kind: kind})
	if err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", NotifyChannel, string(payload)); err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	return nil
}

// notifyPayloads splits the announcement of ids, stored at storedAt, into
// payloads that each fit in a notification.
func notifyPayloads(classID int64, storedAt time.Time, ids []int64) []string {
	if len(ids) == 0 {
		return nil
	}
	var payloads []string
	head := `{"class_id":` + strconv.FormatInt(classID, 10) +
		`,"stored_at":"` + storedAt.UTC().Format(time.RFC3339Nano) + `","student_ids":[`
	buf := []byte(head)
	for i, id := range ids {
		n := strconv.AppendInt(nil, id, 10)
		if len(buf) > len(head) && len(buf)+1+len(n)+2 > maxPayload {
			payloads = append(payloads, string(append(buf, "]}"...)))
			buf = []byte(head)
		}
		if len(buf) > len(head) {
			buf = append(buf, ',')
		}
		buf = append(buf, n...)
		if i == len(ids)-1 {
			payloads = append(payloads, string(append(buf, "]}"...)))
		}
	}
	return payloads
}

// ListenOptions tune Listen; the zero value is usable.
type ListenOptions struct {
	Logger *slog.Logger
	// OnListen is called each time LISTEN is in place, first and after a
	// reconnection. Announcements made while disconnected are lost, so a
	// caller refreshes what it shows here.
	OnListen func()
	// MinBackoff and MaxBackoff bound the wait before reconnecting; it
	// doubles after each failed attempt (defaults 100 ms and 5 s).
	MinBackoff, MaxBackoff time.Duration
}

// listenAppName marks the listening session in pg_stat_activity.
const listenAppName = "labgrid-listen"

// Listen calls fn with every notification on NotifyChannel until ctx is
// done, then returns nil. It holds a connection of its own (LISTEN needs a
// session that stays) and reconnects with backoff whenever the connection
// drops, so a PostgreSQL restart only pauses it. fn runs on Listen's
// goroutine: it must be quick. An error is returned only for a connString
// that cannot be parsed.
func Listen(ctx context.Context, connString string, fn func(Notification), opts ListenOptions) error {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		// Not err: it may quote the connection string, password included.
		return errors.New("listen: the database URL cannot be read")
	}
	cfg.RuntimeParams["application_name"] = listenAppName
	// TCP keepalives notice a server that vanished without closing the
	// connection (a host gone, a partition) within half a minute.
	dialer := &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3}}
	cfg.DialFunc = dialer.DialContext

	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	minWait, maxWait := opts.MinBackoff, opts.MaxBackoff
	if minWait <= 0 {
		minWait = 100 * time.Millisecond
	}
	if maxWait < minWait {
		maxWait = max(5*time.Second, minWait)
	}
	wait := minWait
	for {
		err := listenOnce(ctx, cfg, fn, logger, func() {
			wait = minWait
			if opts.OnListen != nil {
				opts.OnListen()
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		logger.Warn("listen: connection lost, reconnecting", "channel", NotifyChannel, "err", err, "wait", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

func listenOnce(ctx context.Context, cfg *pgx.ConnConfig, fn func(Notification), logger *slog.Logger, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{NotifyChannel}.Sanitize()); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var msg Notification
		if err := json.Unmarshal([]byte(n.Payload), &msg); err != nil {
			logger.Warn("listen: unreadable notification ignored", "channel", n.Channel, "err", err)
			continue
		}
		fn(msg)
	}
}
