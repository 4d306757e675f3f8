package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"labgrid/grader"
	"labgrid/scheduler"
	"labgrid/store"
)

// rescanConfig is the whole configuration of `labgrid rescan`.
type rescanConfig struct {
	dbSettings
	Class   string
	Student string
}

func parseRescanFlags(args []string, stderr io.Writer, getenv func(string) string) (rescanConfig, error) {
	var cfg rescanConfig
	fs := newFlagSet("rescan", "Usage: labgrid rescan --class NAME [--student LOGIN]\n\nQueues a scan now, ahead of the schedule: of the student's target with --student,\nelse of every target of the class. A running `labgrid serve` does the scan.", stderr)
	cfg.dbSettings.define(fs)
	fs.StringVar(&cfg.Class, "class", "", "the class `name`")
	fs.StringVar(&cfg.Student, "student", "", "only this student's `login` (and whoever shares the target)")
	if err := fs.Parse(args); err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if cfg.Class == "" {
		problems = append(problems, "--class is required")
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("rescan", problems)
	}
	return cfg, nil
}

func runRescan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseRescanFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	// The scheduler only inserts jobs here; it is never started, so it
	// needs one worker's worth of connections.
	const workers = 1
	pool, err := openDBWithConns(ctx, cfg.DatabaseURL, workers+8)
	if err != nil {
		return fmt.Errorf("rescan: %w", err)
	}
	defer pool.Close()
	st := store.New(pool)
	class, err := st.ClassByName(ctx, cfg.Class)
	if err != nil {
		return storeError(err)
	}
	noSources := func(store.Class) (grader.Source, error) {
		return nil, errors.New("rescan only queues jobs")
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sched, err := scheduler.New(pool, st, noSources, scheduler.Config{Judges: classJudge, Workers: workers}, logger)
	if err != nil {
		return fmt.Errorf("rescan: %w", err)
	}
	if cfg.Student == "" {
		if err := sched.RescanClass(ctx, class.ID); err != nil {
			return storeError(err)
		}
		fmt.Fprintf(stdout, "queued a scan of every target of class %s\n", class.Name)
		return nil
	}
	res, err := sched.CheckNow(ctx, class.ID, cfg.Student)
	if err != nil {
		return storeError(err)
	}
	fmt.Fprintf(stdout, "%s: scan of %s (%d students) %s\n", cfg.Student, res.Target, res.Students, res.State)
	return nil
}
