package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A pipeline sends the statements of a transaction one after the other
// without waiting for their results: PostgreSQL runs a statement while the
// next is encoded (and, in SaveScan, the next part of a scan planned).
// pgx's batches encode every statement before sending the first, so a
// 1,000-student save waited for its encoding (a fifth of it) with the
// database idle.
//
// The statements are those of statements, prepared on the connection
// before the pipeline starts (once per connection); results are read and
// dropped by finish, which reports the first error.
type pipeline struct {
	conn     *pgx.Conn
	p        *pgconn.Pipeline
	prepared map[string]*pgconn.StatementDescription
	*encoding
	sent int
	done bool
}

// encoding is the scratch a pipeline encodes a statement's parameters in,
// kept for the next pipeline: it grows to the biggest statement, a few
// hundred kilobytes a save allocated again.
type encoding struct {
	values  [][]byte
	formats []int16
	spans   [][2]int // of each value in buf; -1: NULL
	buf     []byte
}

var encodings = sync.Pool{New: func() any { return new(encoding) }}

// startPipeline prepares statements on tx's connection and starts a
// pipeline on it; the caller finishes it before using tx again.
func startPipeline(ctx context.Context, tx pgx.Tx, statements []string) (*pipeline, error) {
	conn := tx.Conn()
	pl := &pipeline{conn: conn, prepared: make(map[string]*pgconn.StatementDescription, len(statements)),
		encoding: encodings.Get().(*encoding)}
	for _, sql := range statements {
		// Named by its text: pgx keeps it for the connection's life.
		sd, err := conn.Prepare(ctx, sql, sql)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		pl.prepared[sql] = sd
	}
	pl.p = conn.PgConn().StartPipeline(ctx)
	return pl, nil
}

// send encodes one statement and sends it at once. The arguments are
// encoded as pgx would (their codecs' preferred formats).
func (pl *pipeline) send(sql string, args ...any) error {
	sd, ok := pl.prepared[sql]
	if !ok {
		return fmt.Errorf("pipeline: statement not prepared: %.60s", sql)
	}
	if len(args) != len(sd.ParamOIDs) {
		return fmt.Errorf("pipeline: %d arguments for %d parameters: %.60s", len(args), len(sd.ParamOIDs), sql)
	}
	tm := pl.conn.TypeMap()
	pl.values, pl.formats, pl.buf = pl.values[:0], pl.formats[:0], pl.buf[:0]
	pl.spans = slices.Grow(pl.spans[:0], len(args))[:len(args)]
	for i, arg := range args {
		oid := sd.ParamOIDs[i]
		format := tm.FormatCodeForOID(oid)
		start := len(pl.buf)
		buf, err := tm.Encode(oid, format, arg, pl.buf)
		if err != nil {
			return fmt.Errorf("pipeline: encode parameter %d: %w", i+1, err)
		}
		pl.spans[i] = [2]int{-1, -1}
		if buf != nil {
			pl.buf = buf
			pl.spans[i] = [2]int{start, len(buf)}
		}
		pl.formats = append(pl.formats, format)
	}
	// Slices of buf, whole only now.
	for _, sp := range pl.spans {
		var v []byte
		if sp[0] >= 0 {
			v = pl.buf[sp[0]:sp[1]:sp[1]]
		}
		pl.values = append(pl.values, v)
	}
	pl.p.SendQueryStatement(sd, pl.values, pl.formats, nil)
	pl.sent++
	// Sent now, not with the next: the database gets to work.
	if err := pl.p.Flush(); err != nil {
		return err
	}
	return nil
}

// finish waits for every statement sent and ends the pipeline: the first
// error of a statement, if any (the database skipped those after it).
func (pl *pipeline) finish() error {
	if pl.done {
		return nil
	}
	pl.done = true
	defer pl.release()
	err := pl.p.Sync()
	for err == nil {
		var res any
		res, err = pl.p.GetResults()
		if err != nil {
			break
		}
		switch r := res.(type) {
		case *pgconn.ResultReader:
			_, err = r.Close()
		case *pgconn.PipelineSync:
			return pl.p.Close()
		case nil:
			err = errors.New("pipeline: no sync")
		}
	}
	return errors.Join(err, pl.p.Close())
}

// abandon ends the pipeline after a failure, before the transaction is
// rolled back.
func (pl *pipeline) abandon() {
	if !pl.done {
		pl.done = true
		pl.p.Close()
		pl.release()
	}
}

// release gives the pipeline's scratch back: what it encoded is sent.
func (pl *pipeline) release() {
	clear(pl.values) // no statement's parameters kept alive
	encodings.Put(pl.encoding)
	pl.encoding = nil
}
