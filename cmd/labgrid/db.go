package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/store"
)

// Settings shared by the commands that use the database. Each has a flag
// and an environment variable; the flag wins.
const (
	envDatabaseURL = "DATABASE_URL"
	envSecret      = "LABGRID_SECRET"
)

// dbSettings are the flags every database command takes. Defaults are
// never taken from the environment at flag definition: -help prints
// defaults, and these may hold a password or the secret.
type dbSettings struct {
	DatabaseURL string
}

func (d *dbSettings) define(fs *flag.FlagSet) {
	fs.StringVar(&d.DatabaseURL, "database-url", "", "PostgreSQL `URL`, e.g. postgres://user@host/labgrid (default $"+envDatabaseURL+")")
}

// resolve fills what the flags left empty from the environment and
// reports what is missing.
func (d *dbSettings) resolve(getenv func(string) string) []string {
	if d.DatabaseURL == "" {
		d.DatabaseURL = getenv(envDatabaseURL)
	}
	if d.DatabaseURL == "" {
		return []string{"no database: set " + envDatabaseURL + " or --database-url"}
	}
	return nil
}

// secretSetting is the server secret student links are made from.
type secretSetting struct {
	Secret string
}

func (s *secretSetting) define(fs *flag.FlagSet) {
	fs.StringVar(&s.Secret, "secret", "", fmt.Sprintf("server `secret` the student links are made from, at least %d characters (default $%s)", store.MinSecretLen, envSecret))
}

func (s *secretSetting) resolve(getenv func(string) string) []string {
	if s.Secret == "" {
		s.Secret = getenv(envSecret)
	}
	switch {
	case s.Secret == "":
		return []string{"no secret: set " + envSecret + " or --secret (the same one every time: the student links are made from it)"}
	case len(s.Secret) < store.MinSecretLen:
		// Never echo the secret, not even its beginning.
		return []string{fmt.Sprintf("the secret is %d characters long: want at least %d (e.g. openssl rand -base64 33)", len(s.Secret), store.MinSecretLen)}
	}
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments (`roster import FILE --prune`), which flag.Parse
// alone stops at. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet is a flag set whose -help prints usage and a description.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage+"\n\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// flagError turns a flag parsing error into the command's result:
// nothing for -help, else bad input.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError(err)
}

// openDB connects to the database, failing fast when it cannot.
func openDB(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	return openDBWithConns(ctx, databaseURL, 0)
}

// openDBWithConns is openDB with a pool of maxConns connections (0: pgx's
// default), for commands that drive the job queue. A pool_max_conns in the
// URL wins.
func openDBWithConns(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx's parse errors may quote the URL, password included.
		return nil, usageError(errors.New("the database URL cannot be read: want postgres://user:password@host:5432/dbname or host=… dbname=… settings"))
	}
	if maxConns > 0 && !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "labgrid"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	return pool, nil
}

// storeError says what the user can do about a store error: bad input is
// exit status 2, and a database without labgrid's tables needs migrating.
func storeError(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		return fmt.Errorf("%w\nthe database has no labgrid tables yet: run labgrid migrate", err)
	case errors.Is(err, store.ErrSecretMismatch):
		return usageError(fmt.Errorf("%w: is %s the one used when the roster was imported?", err, envSecret))
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return usageError(err)
	}
	return err
}

// checkBaseURL reports why base cannot prefix the student links, or "".
func checkBaseURL(base string) string {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("--base-url %q: want an http or https URL such as https://labgrid.example.com", base)
	}
	return ""
}

func joinProblems(command string, problems []string) error {
	return usageError(errors.New(command + ": " + strings.Join(problems, "; ")))
}
