package main

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"labgrid/grader/sim"
	"labgrid/store"
)

// Environment variables of `labgrid serve` beside DATABASE_URL and
// LABGRID_SECRET. A flag wins over its variable.
const (
	envAddr           = "LABGRID_ADDR"
	envScanInterval   = "LABGRID_SCAN_INTERVAL"
	envDemo           = "LABGRID_DEMO"
	envLogLevel       = "LABGRID_LOG_LEVEL"
	envBaseURL        = "LABGRID_BASE_URL"
	envWorkers        = "LABGRID_WORKERS"
	envDemoStudents   = "LABGRID_DEMO_STUDENTS"
	envDemoAccounts   = "LABGRID_DEMO_ACCOUNTS"
	envDemoScanDelay  = "LABGRID_DEMO_SCAN_DELAY"
	envDemoCallDelay  = "LABGRID_DEMO_CALL_DELAY"
	envDemoElapsed    = "LABGRID_DEMO_ELAPSED"
	envTrustedProxies = "LABGRID_TRUSTED_PROXIES"
	// The instructor's password, or its bcrypt hash: only from the
	// environment (a flag would show in ps).
	envAdminPassword     = "LABGRID_ADMIN_PASSWORD"
	envAdminPasswordHash = "LABGRID_ADMIN_PASSWORD_HASH"
)

// minAdminPasswordLen is the shortest instructor password accepted.
const minAdminPasswordLen = 8

const defaultServeAddr = "127.0.0.1:8080"

// maxDemoCallDelay is the slowest simulated AWS call: real ones take a
// few hundred milliseconds, throttled ones seconds.
const maxDemoCallDelay = 10 * time.Second

// serveConfig is the whole configuration of `labgrid serve`, validated
// before anything starts.
type serveConfig struct {
	DatabaseURL string // empty with Demo: a throwaway PostgreSQL
	Addr        string
	Secret      string // empty with Demo: a random one is made
	// Interval overrides every class's scan interval; 0 keeps them.
	Interval time.Duration
	Demo     bool
	LogLevel slog.Level
	// BaseURL is where people reach labgrid (behind a proxy, say); empty:
	// the listen address. An https URL makes the session cookie Secure.
	BaseURL string

	// The demo class's size, for trying labgrid at scale (and the
	// performance measurement).
	DemoStudents int
	DemoAccounts int
	// DemoScanDelay is how long each simulated scan of a target takes, to
	// see scans in flight (and kill a process in the middle of one).
	DemoScanDelay time.Duration
	// DemoCallDelay is how long each simulated AWS call takes, a scan
	// making its calls as a real one does (sim.Options.CallLatency).
	DemoCallDelay time.Duration
	// DemoElapsed is how far into its day the simulated class starts: its
	// first minutes change nothing (make bench-load wants a busy class).
	DemoElapsed time.Duration
	// MaxStudents is how many students a class may have (the demo's too).
	MaxStudents int
	// Workers is how many targets this process scans at once.
	Workers int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (for the sign-in limit and the log); none: the peer is
	// the client.
	TrustedProxies []netip.Prefix

	// AdminPasswordHash is the bcrypt hash of the instructor's password.
	AdminPasswordHash []byte
	// GeneratedPassword is the password made for a --demo run with none
	// set: printed once at start, never logged.
	GeneratedPassword string
}

const serveUsage = `Usage: labgrid serve [flags]

Runs labgrid: keeps every student's results fresh in PostgreSQL (a scan
per target every interval, and on demand) and serves the web pages.

  labgrid serve --demo          a simulated class of 30 students living a whole
                                workshop day (2h20m from the start), no AWS (and
                                with no DATABASE_URL, a throwaway PostgreSQL)

Settings come from flags or, when a flag is not given, from the
environment: DATABASE_URL, LABGRID_ADDR, LABGRID_SECRET,
LABGRID_SCAN_INTERVAL, LABGRID_DEMO, LABGRID_LOG_LEVEL, LABGRID_BASE_URL,
LABGRID_WORKERS, LABGRID_DEMO_STUDENTS, LABGRID_DEMO_ACCOUNTS,
LABGRID_DEMO_SCAN_DELAY, LABGRID_DEMO_CALL_DELAY, LABGRID_MAX_STUDENTS, LABGRID_TRUSTED_PROXIES.
The instructor's
password comes from LABGRID_ADMIN_PASSWORD (8 characters or more) or, as a
bcrypt hash, LABGRID_ADMIN_PASSWORD_HASH; with --demo and neither, one is
made and printed. AWS settings are
the usual ones (AWS_PROFILE, AWS_REGION, ~/.aws/config, instance roles).

Operators: GET /healthz, GET /readyz and GET /metrics (Prometheus) need no
sign-in.`

func parseServeFlags(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var (
		cfg      serveConfig
		db       dbSettings
		secret   secretSetting
		interval string
		logLevel string
		proxies  string
		delay    string
		call     string
		elapsed  string
	)
	fs := newFlagSet("serve", serveUsage, stderr)
	db.define(fs)
	secret.define(fs)
	fs.StringVar(&cfg.Addr, "addr", "", "`host:port` to listen on (default $"+envAddr+", else "+defaultServeAddr+")")
	fs.StringVar(&interval, "interval", "", "scan `interval` of every class, e.g. 15s, overriding each class's own (default $"+envScanInterval+")")
	fs.BoolVar(&cfg.Demo, "demo", false, "run the simulated class \"demo\" (no AWS needed); without a database, start a throwaway one (default $"+envDemo+")")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "`URL` where people reach labgrid, e.g. https://labgrid.example.com; https makes cookies Secure (default $"+envBaseURL+", else the listen address)")
	fs.StringVar(&logLevel, "log-level", "", "`level` of the log on stderr: debug, info, warn or error (default $"+envLogLevel+", else info)")
	fs.IntVar(&cfg.DemoStudents, "demo-students", 30, "with --demo: how many simulated students ($"+envDemoStudents+")")
	fs.IntVar(&cfg.DemoAccounts, "demo-accounts", 1, "with --demo: how many AWS accounts they are spread over, one target each ($"+envDemoAccounts+")")
	fs.StringVar(&delay, "demo-scan-delay", "", "with --demo: how long each simulated scan of a target takes, e.g. 3s, at most 1m (default $"+envDemoScanDelay+", else none)")
	fs.StringVar(&call, "demo-call-delay", "", "with --demo: how long each simulated AWS call takes, e.g. 150ms, at most "+maxDemoCallDelay.String()+" (default $"+envDemoCallDelay+", else none)")
	fs.StringVar(&elapsed, "demo-elapsed", "", "with --demo: how far into its day the simulated class starts, e.g. 10m, at most its day's length (default $"+envDemoElapsed+", else 0s: the day begins now)")
	fs.StringVar(&proxies, "trusted-proxies", "", "comma-separated `addresses` or CIDRs of reverse proxies whose X-Forwarded-For names the client, e.g. 10.0.0.0/8 (default $"+envTrustedProxies+", else none)")
	fs.IntVar(&cfg.Workers, "workers", 8, "targets this process scans at once ($"+envWorkers+")")
	var classSize classSizeSetting
	classSize.define(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, flagError(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	for _, v := range []struct {
		flag, env string
		dst       *int
	}{{"demo-students", envDemoStudents, &cfg.DemoStudents}, {"demo-accounts", envDemoAccounts, &cfg.DemoAccounts}, {"workers", envWorkers, &cfg.Workers}} {
		if s := getenv(v.env); s != "" && !set[v.flag] {
			n, err := strconv.Atoi(s)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: want a whole number", v.env, s))
				continue
			}
			*v.dst = n
		}
	}
	if !set["demo"] {
		if v := getenv(envDemo); v != "" {
			demo, err := strconv.ParseBool(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: want true or false", envDemo, v))
			}
			cfg.Demo = demo
		}
	}

	if db.DatabaseURL == "" {
		db.DatabaseURL = getenv(envDatabaseURL)
	}
	cfg.DatabaseURL = db.DatabaseURL
	if cfg.DatabaseURL == "" && !cfg.Demo {
		problems = append(problems, "no database: set "+envDatabaseURL+" or --database-url (or use --demo, which starts a throwaway one)")
	}

	if secret.Secret == "" {
		secret.Secret = getenv(envSecret)
	}
	if secret.Secret != "" || !cfg.Demo {
		problems = append(problems, secret.resolve(getenv)...)
	}
	cfg.Secret = secret.Secret

	if cfg.Addr == "" {
		cfg.Addr = cmp.Or(getenv(envAddr), defaultServeAddr)
	}
	if p := checkAddr(cfg.Addr); p != "" {
		problems = append(problems, p)
	}

	if cfg.BaseURL == "" {
		cfg.BaseURL = getenv(envBaseURL)
	}
	if cfg.BaseURL != "" {
		if p := checkBaseURL(cfg.BaseURL); p != "" {
			problems = append(problems, p)
		}
		cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	}

	if proxies == "" {
		proxies = getenv(envTrustedProxies)
	}
	var p []string
	cfg.TrustedProxies, p = parseTrustedProxies(proxies)
	problems = append(problems, p...)

	if interval == "" {
		interval = getenv(envScanInterval)
	}
	if interval != "" {
		d, p := parseInterval(interval)
		if p != "" {
			problems = append(problems, p)
		}
		cfg.Interval = d
	}

	if delay == "" {
		delay = getenv(envDemoScanDelay)
	}
	if delay != "" {
		d, err := time.ParseDuration(delay)
		if err != nil || d < 0 || d > time.Minute {
			problems = append(problems, fmt.Sprintf("--demo-scan-delay %q: want a duration from 0s to 1m", delay))
		}
		cfg.DemoScanDelay = d
	}

	if call == "" {
		call = getenv(envDemoCallDelay)
	}
	if call != "" {
		d, err := time.ParseDuration(call)
		if err != nil || d < 0 || d > maxDemoCallDelay {
			problems = append(problems, fmt.Sprintf("--demo-call-delay %q: want a duration from 0s to %s", call, maxDemoCallDelay))
		}
		cfg.DemoCallDelay = d
	}

	if elapsed == "" {
		elapsed = getenv(envDemoElapsed)
	}
	if elapsed != "" {
		d, err := time.ParseDuration(elapsed)
		if err != nil || d < 0 || d > sim.New(sim.Options{Students: 1, WholeDay: true}).Day().End {
			problems = append(problems, fmt.Sprintf("--demo-elapsed %q: want a duration from 0s to the day's length", elapsed))
		}
		cfg.DemoElapsed = d
	}

	if logLevel == "" {
		logLevel = cmp.Or(getenv(envLogLevel), "info")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		problems = append(problems, fmt.Sprintf("--log-level %q: want debug, info, warn or error", logLevel))
	}

	problems = append(problems, cfg.resolvePassword(getenv)...)

	problems = append(problems, classSize.resolve(fs, getenv)...)
	cfg.MaxStudents = classSize.MaxStudents
	if cfg.DemoStudents < 1 {
		problems = append(problems, fmt.Sprintf("--demo-students %d: want 1 or more", cfg.DemoStudents))
	} else if cfg.MaxStudents > 0 && cfg.DemoStudents > cfg.MaxStudents {
		problems = append(problems, fmt.Sprintf("--demo-students %d: the limit is %d students a class (%s)", cfg.DemoStudents, cfg.MaxStudents, classSize.hint()))
	}
	if cfg.DemoAccounts < 1 || cfg.DemoAccounts > cfg.DemoStudents {
		problems = append(problems, fmt.Sprintf("--demo-accounts %d: want 1..%d (one student at least per account)", cfg.DemoAccounts, cfg.DemoStudents))
	}
	if cfg.Workers < 1 || cfg.Workers > 256 {
		problems = append(problems, fmt.Sprintf("--workers %d: want 1..256", cfg.Workers))
	}
	if len(problems) > 0 {
		return cfg, joinProblems("serve", problems)
	}
	return cfg, nil
}

// checkAddr reports why addr cannot be listened on, or "".
func checkAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("--addr %q: want host:port, e.g. %s or :8080", addr, defaultServeAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("--addr %q: the port must be a number 0..65535", addr)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Sprintf("--addr %q: %q is not a host name or address", addr, host)
	}
	return ""
}

// parseTrustedProxies reads a comma-separated list of addresses (one
// host) and CIDRs (a network); empty entries are skipped.
func parseTrustedProxies(s string) ([]netip.Prefix, []string) {
	var (
		prefixes []netip.Prefix
		problems []string
	)
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		var (
			p   netip.Prefix
			err error
		)
		if strings.Contains(entry, "/") {
			p, err = netip.ParsePrefix(entry)
			p = p.Masked()
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(entry)
			if err == nil {
				a = a.Unmap()
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || a4in6(p) {
			problems = append(problems, fmt.Sprintf("--trusted-proxies: %q is not an IP address or CIDR (e.g. 10.0.0.1 or 10.0.0.0/8)", entry))
			continue
		}
		prefixes = append(prefixes, p)
	}
	return prefixes, problems
}

// a4in6 reports an IPv4-mapped IPv6 network ("::ffff:10.0.0.0/104"), which
// would never match: client addresses are unmapped before they are
// compared.
func a4in6(p netip.Prefix) bool { return p.Addr().Is4In6() }

// parseInterval reads a scan interval: a Go duration ("15s", "1m") or a
// number of seconds ("15").
func parseInterval(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.Atoi(s)
		if nerr != nil {
			return 0, fmt.Sprintf("--interval %q: want a duration such as 15s", s)
		}
		d = time.Duration(n) * time.Second
	}
	if d < time.Second || d > time.Hour {
		return 0, fmt.Sprintf("--interval %s: want 1s to 1h", d)
	}
	return d, ""
}

// demoSecretLen is the length of the secret made for a demo run.
const demoSecretLen = store.MinSecretLen + 8

// resolvePassword sets AdminPasswordHash from the environment, or makes a
// password for a demo run.
func (cfg *serveConfig) resolvePassword(getenv func(string) string) []string {
	password, hash := getenv(envAdminPassword), getenv(envAdminPasswordHash)
	switch {
	case password != "" && hash != "":
		return []string{"set " + envAdminPassword + " or " + envAdminPasswordHash + ", not both"}
	case hash != "":
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return []string{envAdminPasswordHash + " is not a bcrypt hash (make one with htpasswd -nbB x PASSWORD, or set " + envAdminPassword + ")"}
		}
		cfg.AdminPasswordHash = []byte(hash)
	case password != "":
		if n := len([]rune(password)); n < minAdminPasswordLen || len(password) > 72 {
			return []string{fmt.Sprintf("%s is %d characters long: want %d to 72 bytes", envAdminPassword, n, minAdminPasswordLen)}
		}
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return []string{envAdminPassword + ": " + err.Error()}
		}
		cfg.AdminPasswordHash = h
	case cfg.Demo:
		b := make([]byte, 12)
		rand.Read(b)
		cfg.GeneratedPassword = base64.RawURLEncoding.EncodeToString(b)
		h, err := bcrypt.GenerateFromPassword([]byte(cfg.GeneratedPassword), bcrypt.DefaultCost)
		if err != nil {
			return []string{"admin password: " + err.Error()}
		}
		cfg.AdminPasswordHash = h
	default:
		return []string{"no instructor password: set " + envAdminPassword + " or " + envAdminPasswordHash + " (or use --demo, which makes one)"}
	}
	return nil
}
