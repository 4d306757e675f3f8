package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"labgrid/internal/schema"
)

// migrateConfig is the whole configuration of `labgrid migrate`.
type migrateConfig struct {
	dbSettings
}

func parseMigrateFlags(args []string, stderr io.Writer, getenv func(string) string) (migrateConfig, error) {
	var cfg migrateConfig
	fs := newFlagSet("migrate", "Usage: labgrid migrate [--database-url URL]\n\nCreates or updates labgrid's tables and its job queue's in the database ($"+envDatabaseURL+").\nSafe to run again, and from several processes at once.", stderr)
	cfg.dbSettings.define(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("migrate", problems)
	}
	return cfg, nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseMigrateFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer pool.Close()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	applied, err := schema.Migrate(ctx, pool, logger)
	if err != nil {
		return err
	}
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	st, err := schema.Status(ctx, pool)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "the database is at %s: the latest\n", st)
	return nil
}
