package main

import (
	"bytes"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `labgrid serve --help` names every setting's environment variable, and
// every flag says which one it falls back to (the demo's size and the
// workers included).
func TestServeHelpListsEnv(t *testing.T) {
	var out bytes.Buffer
	_, err := parseServeFlags([]string{"--help"}, &out, func(string) string { return "" })
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v, want flag.ErrHelp", err)
	}
	help := out.String()
	for _, env := range []string{
		envDatabaseURL, envSecret, envAddr, envScanInterval, envDemo, envLogLevel, envBaseURL,
		envWorkers, envDemoStudents, envDemoAccounts, envDemoElapsed, envAdminPassword, envAdminPasswordHash, envTrustedProxies,
	} {
		if !strings.Contains(help, env) {
			t.Errorf("serve --help does not name %s", env)
		}
	}
	// Each flag's entry ("  -name …" and its indented description).
	flags := regexp.MustCompile(`(?m)^  -(\S+)[^\n]*\n((?:    [^\n]*\n?)*)`).FindAllStringSubmatch(help, -1)
	if len(flags) < 10 {
		t.Fatalf("found %d flags in the help:\n%s", len(flags), help)
	}
	for _, f := range flags {
		if !strings.Contains(f[0], "$LABGRID_") && !strings.Contains(f[0], "$DATABASE_URL") {
			t.Errorf("flag -%s names no environment variable: %q", f[1], f[0])
		}
	}
	if !strings.Contains(help, "/metrics") {
		t.Error("serve --help does not mention /metrics")
	}
}

func TestServeIntSettingsFromEnv(t *testing.T) {
	env := map[string]string{
		envDatabaseURL: "postgres://x@localhost/labgrid", envSecret: strings.Repeat("s", 40),
		envAdminPassword: "password123", envWorkers: "3", envDemoStudents: "40", envDemoAccounts: "4",
	}
	cfg, err := parseServeFlags(nil, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Workers != 3 || cfg.DemoStudents != 40 || cfg.DemoAccounts != 4 {
		t.Errorf("workers %d, demo students %d, accounts %d; want 3, 40, 4", cfg.Workers, cfg.DemoStudents, cfg.DemoAccounts)
	}
	cfg, err = parseServeFlags([]string{"--workers", "5"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil || cfg.Workers != 5 {
		t.Errorf("--workers 5 over %s=3: %d, %v", envWorkers, cfg.Workers, err)
	}
	env[envWorkers] = "many"
	if _, err := parseServeFlags(nil, &bytes.Buffer{}, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), envWorkers) {
		t.Errorf("%s=many: %v, want an error naming it", envWorkers, err)
	}
}

// --demo-elapsed starts the simulated day further in, within the day.
func TestServeDemoElapsed(t *testing.T) {
	t.Parallel()
	env := map[string]string{envAdminPassword: "password123", envDemoElapsed: "1h"}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseServeFlags([]string{"--demo"}, &bytes.Buffer{}, getenv)
	if err != nil || cfg.DemoElapsed != time.Hour {
		t.Errorf("%s=1h: %v, %v; want 1h", envDemoElapsed, cfg.DemoElapsed, err)
	}
	cfg, err = parseServeFlags([]string{"--demo", "--demo-elapsed", "5m"}, &bytes.Buffer{}, getenv)
	if err != nil || cfg.DemoElapsed != 5*time.Minute {
		t.Errorf("--demo-elapsed 5m: %v, %v; want 5m", cfg.DemoElapsed, err)
	}
	for _, bad := range []string{"-1m", "soon", "24h"} {
		if _, err := parseServeFlags([]string{"--demo", "--demo-elapsed", bad}, &bytes.Buffer{}, getenv); err == nil || !strings.Contains(err.Error(), "--demo-elapsed") {
			t.Errorf("--demo-elapsed %s: %v, want an error naming the flag", bad, err)
		}
	}
}
