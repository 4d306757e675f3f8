package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"labgrid/internal/pgtest"
)

// process is a `labgrid serve` run as a process of its own, to be killed.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
}

// buildLabgrid builds this command into a temporary directory.
func buildLabgrid(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "labgrid")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs bin with args and env added to the test's
// environment, and waits for the URL it prints. The process is killed, if
// still running, when the test ends.
func startProcess(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
			t.Error("serve did not stop within 30s of SIGTERM")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for openRE.FindStringSubmatch(p.stdout.String()) == nil {
		select {
		case <-p.done:
			t.Fatalf("serve exited before serving\nstderr:\n%s", p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL within 60s\nstderr:\n%s", p.stderr)
		}
	}
	return p
}

// A serve killed mid-scan (kill -9) and started again at once scans every
// target on schedule within one interval and one scan: the dead process's
// jobs, left running, do not hold their targets until River's rescuer
// takes them (minutes later). Those jobs are not lost either: they run
// again and complete.
func TestServeKilledMidScanResumesSchedule(t *testing.T) {
	t.Parallel()
	const (
		interval = 2 * time.Second
		scan     = 2 * time.Second
		// Start-up and a loaded machine; River's rescue is minutes away.
		slack = 8 * time.Second
	)
	bin := buildLabgrid(t)
	url := pgtest.NewDatabase(t, false)
	env := []string{envDemoScanDelay + "=" + scan.String()}
	args := []string{"serve", "--demo", "--database-url", url, "--addr", "127.0.0.1:0", "--interval", interval.String(),
		"--demo-students", "4", "--demo-accounts", "2", "--secret", "crash-test-secret-0123456789abcdefghij"}

	first := startProcess(t, bin, env, args...)
	pool := pgtest.NewPool(t, url)
	ctx := context.Background()
	runningScans := func() []int64 {
		t.Helper()
		var ids []int64
		err := pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM river_job WHERE kind = 'labgrid_scan_target' AND state = 'running'`).Scan(&ids)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(runningScans()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no two scans running within 30s\nstderr:\n%s", first.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	killed := time.Now()
	dead := runningScans()
	if len(dead) == 0 {
		t.Fatalf("no scan left running by the killed process\nstderr:\n%s", first.stderr)
	}

	second := startProcess(t, bin, env, args...)
	ready := time.Now()
	deadline = ready.Add(interval + scan + slack)
	for {
		var stale, unfinished int
		err := pool.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM students s LEFT JOIN student_memory m ON m.student_id = s.id WHERE m.scanned_at IS NULL OR m.scanned_at < $1),
			       (SELECT count(*) FROM river_job WHERE id = ANY($2) AND state <> 'completed')`,
			killed, dead).Scan(&stale, &unfinished)
		if err != nil {
			t.Fatal(err)
		}
		if stale == 0 && unfinished == 0 {
			t.Logf("every target scanned %s after the restart; %d killed jobs run again", time.Since(ready).Round(time.Millisecond), len(dead))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after the restart: %d of 4 students not scanned since the kill, %d of the killed process's %d jobs not completed\nstderr:\n%s",
				time.Since(ready).Round(time.Millisecond), stale, unfinished, len(dead), second.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var manual int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM scan_runs WHERE trigger <> 'schedule'`).Scan(&manual); err != nil || manual != 0 {
		t.Errorf("%d scan runs not on schedule (%v), want none", manual, err)
	}
}
