package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"labgrid/loadtest"
)

// maxLoadtestServes bounds --url and --serve-pid: serves on one machine.
const maxLoadtestServes = 16

type loadtestConfig struct {
	dbSettings
	secretSetting
	loadtest.Config
}

func parseLoadtestFlags(args []string, stderr io.Writer, getenv func(string) string) (loadtestConfig, error) {
	var cfg loadtestConfig
	fs := newFlagSet("loadtest", `Usage: labgrid loadtest --url http://127.0.0.1:PORT [--url …] [--students N] [--grids M] [--window 90s]

Measures a running labgrid serve on loopback (make bench-load starts one),
or several serves of one database (--url once each, or a comma list): opens
the live streams of N students of the class and M instructor grids, going
round the serves, lets the class change for the window, and times each
change from the moment it was stored (its notification says when) to the
event each stream received. It reads the class, its links and its
notifications in the serves' database (DATABASE_URL, LABGRID_SECRET), and
signs in with the instructor password (LABGRID_ADMIN_PASSWORD). It prints
one figure a line, "name: value unit"; lost_updates counts the events owed
and never received, double_scans the pairs of scan jobs of one target that
ran at once (from River's table). serve_rss_mb and serve_cpu_pct are summed
over the --serve-pid processes.`, stderr)
	cfg.dbSettings.define(fs)
	cfg.secretSetting.define(fs)
	fs.Func("url", "a serve's `URL`, on loopback, e.g. http://127.0.0.1:8080 (once per serve, or a comma list)", func(v string) error {
		for u := range strings.SplitSeq(v, ",") {
			cfg.BaseURLs = append(cfg.BaseURLs, strings.TrimSpace(u))
		}
		return nil
	})
	fs.StringVar(&cfg.Class, "class", demoClassName, "the class `name`")
	fs.IntVar(&cfg.Students, "students", 0, "student streams, one per student (default every student of the class)")
	fs.IntVar(&cfg.Grids, "grids", 10, "instructor grids")
	fs.DurationVar(&cfg.Window, "window", 90*time.Second, "how long changes are counted, once every stream is open (at most 10m)")
	fs.DurationVar(&cfg.Grace, "grace", 5*time.Second, "how long their events are waited for after the window")
	fs.Func("serve-pid", "a serve's process `id`, for its memory and CPU (Linux /proc; once per serve, or a comma list)", func(v string) error {
		for p := range strings.SplitSeq(v, ",") {
			pid, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || pid <= 0 {
				return fmt.Errorf("%q: want a process id", p)
			}
			cfg.ServePIDs = append(cfg.ServePIDs, pid)
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return cfg, flagError(err)
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if len(cfg.BaseURLs) == 0 {
		problems = append(problems, "--url is required")
	} else if len(cfg.BaseURLs) > maxLoadtestServes || len(cfg.ServePIDs) > maxLoadtestServes {
		problems = append(problems, fmt.Sprintf("--url and --serve-pid: at most %d each", maxLoadtestServes))
	}
	for _, u := range cfg.BaseURLs {
		if err := loadtest.CheckLoopback(u); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if cfg.Students < 0 || cfg.Grids < 0 || cfg.Students+cfg.Grids > 20000 {
		problems = append(problems, "--students and --grids: from 0, at most 20000 streams together")
	}
	if cfg.Window <= 0 || cfg.Window > 10*time.Minute || cfg.Grace < 0 || cfg.Grace > time.Minute {
		problems = append(problems, "--window: more than 0, at most 10m; --grace: at most 1m")
	}
	cfg.Password = getenv(envAdminPassword)
	if cfg.Grids > 0 && cfg.Password == "" {
		problems = append(problems, "grids need the instructor password: set "+envAdminPassword)
	}
	problems = append(problems, cfg.dbSettings.resolve(getenv)...)
	problems = append(problems, cfg.secretSetting.resolve(getenv)...)
	if len(problems) > 0 {
		return cfg, joinProblems("loadtest", problems)
	}
	cfg.Config.DatabaseURL, cfg.Config.Secret = cfg.dbSettings.DatabaseURL, []byte(cfg.secretSetting.Secret)
	return cfg, nil
}

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseLoadtestFlags(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := loadtest.Run(ctx, cfg.Config)
	if err != nil {
		return err
	}
	f.Print(stdout)
	return nil
}
