// Package devpg starts a throwaway PostgreSQL cluster from the machine's
// PostgreSQL binaries, so `make run` and the tests need no database setup.
// It is for development and tests only: the cluster trusts every local
// connection and trades durability for speed.
package devpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries means no PostgreSQL installation was found.
var ErrNoBinaries = errors.New("PostgreSQL binaries not found: install the postgresql package (apt-get install postgresql) or set DATABASE_URL")

// debianBinGlob is where Debian and Ubuntu install each major version, none
// of them on PATH.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// Cluster is a running throwaway PostgreSQL. Stop it to remove its files.
type Cluster struct {
	dir    string // private: data/, the unix socket and the server log
	bin    string
	port   int
	cred   *syscall.Credential // nil unless we run as root
	logger *slog.Logger

	cmd     *exec.Cmd
	exited  chan struct{} // closed when the server process has exited
	waitErr error

	stopOnce sync.Once
	stopErr  error
}

// Start initialises a cluster in a fresh private directory and starts it
// on a free 127.0.0.1 port. It returns once the server accepts connections.
func Start(ctx context.Context, logger *slog.Logger) (*Cluster, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bin, err := findBinDir(exec.LookPath, debianBinGlob)
	if err != nil {
		return nil, err
	}
	cred, err := unprivilegedCredential()
	if err != nil {
		return nil, err
	}
	dir, err := makePrivateDir(cred)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, cred: cred, logger: logger}
	start := time.Now()
	if err := c.initdb(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Another process may take the free port between our probe and the
	// server's bind: try a few ports.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err == nil {
			err = c.start(ctx, port)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, errPortInUse) || attempt == 5 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	logger.Info("throwaway PostgreSQL started", "bin", bin, "port", c.port, "dir", dir, "duration", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// URL is the connection string of the cluster's postgres database as its
// superuser postgres (no password: the cluster trusts local connections).
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Dir is the cluster's private directory (data, socket and server log).
func (c *Cluster) Dir() string { return c.dir }

// Stop shuts the server down (a fast shutdown, like pg_ctl stop -m fast:
// sessions are disconnected, nothing waits for clients) and removes its
// directory. When ctx ends first the server is killed. Stop may be called
// more than once.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { c.stopErr = c.stop(ctx) })
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	var errs []error
	if c.cmd != nil {
		cut, err := c.shutdown(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("stop postgres: %w", err))
		}
		if cut {
			errs = append(errs, fmt.Errorf("stop postgres: %w", ctx.Err()))
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, fmt.Errorf("stop postgres: remove %s: %w", c.dir, err))
	}
	return errors.Join(errs...)
}

// shutdown ends the server process: a fast shutdown (SIGINT), and when ctx
// ends first an immediate one (SIGQUIT: the postmaster then ends its
// backends itself, which a SIGKILL would not do), then a kill. cut reports
// that ctx ended first; err, that the first signal could not be sent.
func (c *Cluster) shutdown(ctx context.Context) (cut bool, err error) {
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return false, err
	}
	select {
	case <-c.exited:
		return false, nil
	case <-ctx.Done():
	}
	c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
	return true, nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }
func (c *Cluster) logPath() string { return filepath.Join(c.dir, "postgres.log") }

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	// A neutral environment: the caller's PG* variables and locale must
	// not leak into the cluster.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	cmd.SysProcAttr = sysProcAttr(c.cred)
	return cmd
}

func (c *Cluster) initdb(ctx context.Context) error {
	cmd := c.command(ctx, "initdb",
		"-D", c.dataDir(), "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--locale=C", "--no-sync")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, tail(out, 20))
	}
	return nil
}

var errPortInUse = errors.New("port in use")

func (c *Cluster) start(ctx context.Context, port int) error {
	logFile, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	// Not CommandContext: the server outlives Start's ctx.
	cmd := c.command(context.Background(), "postgres",
		"-D", c.dataDir(),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+c.dir,
		// Durability is worthless for a throwaway cluster; speed is not.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=32MB",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.cmd, c.port, c.exited = cmd, port, make(chan struct{})
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-c.exited:
			log, _ := os.ReadFile(c.logPath())
			c.cmd = nil
			if bytes.Contains(log, []byte("Address already in use")) {
				return fmt.Errorf("start postgres on port %d: %w", port, errPortInUse)
			}
			return fmt.Errorf("start postgres: %v\n%s", c.waitErr, tail(log, 20))
		case <-ctx.Done():
			c.Stop(context.Background())
			return fmt.Errorf("start postgres: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if c.ready(ctx) {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(c.logPath())
			c.Stop(context.Background())
			return fmt.Errorf("start postgres: not ready after 60s\n%s", tail(log, 20))
		}
	}
}

func (c *Cluster) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, c.URL())
	if err != nil {
		return false
	}
	conn.Close(ctx)
	return true
}

// findBinDir is the directory holding initdb and postgres: initdb's on PATH
// (symlinks resolved, so the server finds its share files), else the newest
// version under pattern.
func findBinDir(lookPath func(string) (string, error), pattern string) (string, error) {
	if p, err := lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if dir := filepath.Dir(p); hasBinaries(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(pattern)
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf reads the major version from …/postgresql/15/bin ("9.6" too).
func versionOf(binDir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

// unprivilegedCredential is whom to run PostgreSQL as: nil (ourselves)
// unless we are root, which initdb and postgres refuse.
func unprivilegedCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses root: no user nobody to run it as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("running as root: user nobody has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// makePrivateDir creates the cluster's directory, owned by whoever runs
// the server. For root that is nobody, who must also be able to reach it.
func makePrivateDir(cred *syscall.Credential) (string, error) {
	parent := os.TempDir()
	if cred != nil && !reachableByOthers(parent) {
		parent = "/tmp"
	}
	removeAbandoned(parent)
	dir, err := os.MkdirTemp(parent, dirPrefix)
	if err != nil {
		return "", fmt.Errorf("create cluster directory: %w", err)
	}
	// Whose cluster this is, for removeAbandoned; the kernel stops the
	// server itself when we die (sysProcAttr).
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("create cluster directory: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("create cluster directory: %w", err)
		}
	}
	return dir, nil
}

const (
	dirPrefix = "labgrid-pg-"
	ownerFile = "owner.pid"
)

// removeAbandoned removes the directories of clusters whose process died
// without calling Stop (a test binary that timed out, a crash).
func removeAbandoned(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // being created, or not ours to judge
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // alive, or unknowable: leave it
		}
		os.RemoveAll(dir)
	}
}

// reachableByOthers reports whether every directory from / to dir can be
// traversed by an unrelated user.
func reachableByOthers(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, lines int) string {
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// CreateDatabase creates database name on the server at serverURL and
// returns the URL of the new database.
func CreateDatabase(ctx context.Context, serverURL, name string) (string, error) {
	dbURL, err := WithDatabase(serverURL, name)
	if err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return dbURL, nil
}

// DropDatabase drops database name on the server at serverURL, ending the
// sessions still connected to it.
func DropDatabase(ctx context.Context, serverURL, name string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// WithDatabase is connString pointed at database name. It takes both forms
// PostgreSQL accepts: a postgres:// URL and "key=value" settings.
func WithDatabase(connString, name string) (string, error) {
	if !strings.HasPrefix(connString, "postgres://") && !strings.HasPrefix(connString, "postgresql://") {
		// In key=value form a later setting overrides an earlier one.
		return connString + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'", nil
	}
	u, err := url.Parse(connString)
	if err != nil {
		// url.Parse errors quote the URL, password included.
		return "", errors.New("the database URL is not a valid URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}
