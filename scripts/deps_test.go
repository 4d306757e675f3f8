// Package scripts tests the project's shell scripts.
package scripts

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// depsRun is one run of deps.sh on a machine faked by a PATH of stand-ins:
// id says who we are, apt-get and sudo record what they were asked, so the
// script's decisions are seen without installing anything.
type depsRun struct {
	uid          string // what `id -u` prints
	sudo         bool   // a sudo that works without a password
	aptGet       bool   // the machine has apt-get
	hasChromium  bool   // apt-cache knows Debian's chromium package (Ubuntu's is chromium-browser)
	havePostgres bool   // an initdb where the script looks
	haveBrowser  bool   // a Chromium where the script looks
	noCompiler   bool   // no gcc on PATH
	purpose      string
}

type depsResult struct {
	code           int
	stdout, stderr string
	calls          []string // "sudo …", "apt-get …" in order
}

func (d depsRun) run(t *testing.T) depsResult {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	log := filepath.Join(dir, "calls")
	mustMkdir(t, bin)
	stub := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/bash\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stub("id", `[ "$1" = -u ] && echo `+d.uid)
	stub("env", `exec /usr/bin/env "$@"`)
	if !d.noCompiler {
		stub("gcc", "")
	}
	if d.aptGet {
		stub("apt-get", `echo "apt-get DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >>`+log)
		code := "1"
		if d.hasChromium {
			code = "0"
		}
		stub("apt-cache", `[ "$1 $2" = "show chromium" ] && exit `+code+`; exit 0`)
	}
	if d.sudo {
		stub("sudo", `echo "sudo $*" >>`+log+`
[ "$1" = -n ] && shift
while [[ "$1" == *=* ]]; do export "$1"; shift; done
"$@"`)
	}

	pgGlob := filepath.Join(dir, "pg", "*", "bin")
	if d.havePostgres {
		mustMkdir(t, filepath.Join(dir, "pg", "15", "bin"))
		stub("../pg/15/bin/initdb", "")
	}
	chromium := filepath.Join(dir, "no-chromium")
	if d.haveBrowser {
		chromium = filepath.Join(bin, "chromium")
		stub("chromium", "")
	}

	cmd := exec.Command("/bin/bash", "deps.sh", d.purpose)
	cmd.Env = []string{
		"PATH=" + bin,
		"LABGRID_PG_BIN_GLOB=" + pgGlob,
		"LABGRID_CHROMIUM=" + chromium,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := depsResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run deps.sh: %v", err)
	}
	if b, err := os.ReadFile(log); err == nil {
		res.calls = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return res
}

// installedAsRoot reports whether the run succeeded by updating the
// package lists and installing exactly packages, as root.
func (r depsResult) installedAsRoot(packages string) bool {
	return r.code == 0 && len(r.calls) == 2 && strings.HasSuffix(r.calls[0], " update -qq") &&
		strings.HasSuffix(r.calls[1], " install -y -qq "+packages)
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestDepsInstallsWhatIsMissingAsRoot(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "0", aptGet: true, hasChromium: true, purpose: "test"}.run(t)
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	want := []string{
		"apt-get DEBIAN_FRONTEND=noninteractive update -qq",
		"apt-get DEBIAN_FRONTEND=noninteractive install -y -qq postgresql chromium fonts-noto-cjk",
	}
	if strings.Join(res.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(res.calls, "\n"), strings.Join(want, "\n"))
	}
	for _, why := range []string{"postgresql: a throwaway database", "chromium, fonts-noto-cjk: the end-to-end test"} {
		if !strings.Contains(res.stdout, why) {
			t.Errorf("stdout does not say why (%q):\n%s", why, res.stdout)
		}
	}
}

func TestDepsRunNeedsNoBrowser(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "0", aptGet: true, hasChromium: true, purpose: "run"}.run(t)
	if !res.installedAsRoot("postgresql") {
		t.Errorf("exit %d, calls %q: want postgresql alone installed", res.code, res.calls)
	}
}

func TestDepsDoesNothingWhenAllIsThere(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "1000", aptGet: true, havePostgres: true, haveBrowser: true, purpose: "test"}.run(t)
	if res.code != 0 || res.stdout != "" || res.stderr != "" || res.calls != nil {
		t.Errorf("exit %d, stdout %q, stderr %q, calls %q: want a silent success", res.code, res.stdout, res.stderr, res.calls)
	}
}

func TestDepsUsesSudoWhenNotRoot(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "1000", sudo: true, aptGet: true, hasChromium: true, havePostgres: true, purpose: "test"}.run(t)
	if res.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", res.code, res.stderr)
	}
	want := []string{
		"sudo -n true",
		"sudo -n DEBIAN_FRONTEND=noninteractive apt-get update -qq",
		"apt-get DEBIAN_FRONTEND=noninteractive update -qq",
		"sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk",
		"apt-get DEBIAN_FRONTEND=noninteractive install -y -qq chromium fonts-noto-cjk",
	}
	if strings.Join(res.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(res.calls, "\n"), strings.Join(want, "\n"))
	}
}

func TestDepsStopsWithTheCommandWhenItCannotInstall(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "1000", aptGet: true, purpose: "test"}.run(t)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1", res.code)
	}
	if res.calls != nil {
		t.Errorf("ran %q; want nothing run", res.calls)
	}
	if want := "apt-get update && apt-get install -y postgresql chromium fonts-noto-cjk"; !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not give the command %q:\n%s", want, res.stderr)
	}
}

func TestDepsWithoutAptGetSaysWhatToInstall(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "0", havePostgres: true, purpose: "test"}.run(t)
	if res.code != 1 || !strings.Contains(res.stderr, "no apt-get") || !strings.Contains(res.stdout, "chromium") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s\nwant exit 1 naming chromium and the missing apt-get", res.code, res.stdout, res.stderr)
	}
}

func TestDepsTakesUbuntusChromiumPackage(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "0", aptGet: true, havePostgres: true, purpose: "test"}.run(t)
	if !res.installedAsRoot("chromium-browser fonts-noto-cjk") {
		t.Errorf("exit %d, calls %q: want chromium-browser installed", res.code, res.calls)
	}
}

func TestDepsInstallsACompilerForTheRaceDetector(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "0", aptGet: true, noCompiler: true, havePostgres: true, haveBrowser: true, purpose: "test"}.run(t)
	if !res.installedAsRoot("gcc libc6-dev") {
		t.Errorf("exit %d, calls %q: want gcc and libc6-dev installed", res.code, res.calls)
	}
	res = depsRun{uid: "0", aptGet: true, noCompiler: true, havePostgres: true, purpose: "run"}.run(t)
	if res.code != 0 || res.calls != nil {
		t.Errorf("make run: exit %d, calls %q: want nothing installed (serve needs no compiler)", res.code, res.calls)
	}
}

func TestDepsRefusesAnUnknownPurpose(t *testing.T) {
	t.Parallel()
	res := depsRun{uid: "0", aptGet: true, purpose: "deploy"}.run(t)
	if res.code != 2 || !strings.Contains(res.stderr, "usage") || res.calls != nil {
		t.Errorf("exit %d, stderr %q, calls %q: want usage and exit 2", res.code, res.stderr, res.calls)
	}
}
