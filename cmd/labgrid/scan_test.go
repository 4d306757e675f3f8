package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
	"labgrid/grader/awssource/awstest"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
	"labgrid/labs"
)

const (
	testAccessKey = "AKIAIOSFODNN7EXAMPLE"
	classDuration = 20 * time.Minute
	// listCalls are the list calls of a default-rubric scan: one per kind
	// of data but the internet gateways, which no check reads.
	listCalls = 12
)

// scanJSON is the documented shape of `labgrid scan --format json`.
type scanJSON struct {
	ScannedAt string `json:"scanned_at"`
	AWSCalls  int    `json:"aws_calls"`
	Students  []struct {
		Login       string `json:"login"`
		DisplayName string `json:"display_name"`
		AccountID   string `json:"account_id"`
		Score       int    `json:"score"`
		MaxScore    int    `json:"max_score"`
		Labs        []struct {
			ID       string `json:"id"`
			Score    int    `json:"score"`
			MaxScore int    `json:"max_score"`
		} `json:"labs"`
		Checks []struct {
			Lab      string   `json:"lab"`
			ID       string   `json:"id"`
			Status   string   `json:"status"`
			Points   int      `json:"points"`
			Message  string   `json:"message"`
			Hint     string   `json:"hint"`
			Evidence []string `json:"evidence"`
		} `json:"checks"`
	} `json:"students"`
}

// class is a simulated class in mid-course, served by an emulator.
type class struct {
	sim    *sim.Class
	snap   *grader.Snapshot
	srv    *awstest.Server
	roster string // path of its roster CSV
}

// newClass serves a simulated class and writes its roster, with extra rows
// (login, account_id, role_arn, external_id) after the class's.
func newClass(t *testing.T, extra ...[4]string) *class {
	t.Helper()
	now := time.Now()
	// Seed 1 at 1.25×Duration: students at every stage from Step 2 to done,
	// with pending instances, provisioning ALBs and unhealthy targets.
	start := now.Add(-classDuration * 5 / 4)
	c := sim.New(sim.Options{Start: start, Duration: classDuration, Seed: 1, Now: func() time.Time { return now }})
	snap, err := c.Snapshot(t.Context(), c.Target(), grader.AllData())
	if err != nil {
		t.Fatalf("sim: %v", err)
	}
	unhealthy := 0
	for _, tg := range snap.TargetGroups {
		for _, th := range tg.Targets {
			if th.State != "healthy" {
				unhealthy++
			}
		}
	}
	if len(snap.LoadBalancers) == 0 || unhealthy == 0 {
		t.Fatalf("the class is not mid-course: %d load balancers, %d targets not healthy", len(snap.LoadBalancers), unhealthy)
	}
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	srv.Handler().OnUnexpected(t.Errorf)
	srv.SetSnapshot(snap)

	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"login", "account_id", "display_name", "role_arn", "external_id", "region", "email"})
	for _, st := range c.Roster() {
		w.Write([]string{st.Login, st.AccountID, st.DisplayName, "", "", st.Region, st.Email})
	}
	for _, e := range extra {
		w.Write([]string{e[0], e[1], "ゲスト " + e[0], e[2], e[3], "", ""})
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &class{sim: c, snap: snap, srv: srv, roster: path}
}

// awsEnv gives the SDK static credentials and a region, and keeps it from
// reading the machine's AWS configuration or any other endpoint.
func awsEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	empty := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                          testAccessKey,
		"AWS_SECRET_ACCESS_KEY":                      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_REGION":                                 "ap-northeast-1",
		"AWS_CONFIG_FILE":                            empty("config"),
		"AWS_SHARED_CREDENTIALS_FILE":                empty("credentials"),
		"AWS_EC2_METADATA_DISABLED":                  "true",
		"AWS_SESSION_TOKEN":                          "",
		"AWS_PROFILE":                                "",
		"AWS_DEFAULT_PROFILE":                        "",
		"AWS_DEFAULT_REGION":                         "",
		"AWS_ENDPOINT_URL":                           "",
		"AWS_ENDPOINT_URL_EC2":                       "",
		"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2": "",
		"AWS_ENDPOINT_URL_RDS":                       "",
		"AWS_ENDPOINT_URL_STS":                       "",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS":        "",
		"AWS_ROLE_ARN":                               "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":                "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":         "",
		"AWS_CA_BUNDLE":                              "",
		"AWS_MAX_ATTEMPTS":                           "",
		"AWS_RETRY_MODE":                             "",
		"AWS_USE_FIPS_ENDPOINT":                      "",
		"AWS_USE_DUALSTACK_ENDPOINT":                 "",
	} {
		t.Setenv(k, v)
	}
}

// scan runs `labgrid scan args…` and returns its output and exit status.
func scan(t *testing.T, args ...string) (stdout, stderr string, code int, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(ctx, append([]string{"scan"}, args...), &out, &errOut)
	code = 0
	if err != nil {
		code = 1 // as main does
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
		}
	}
	return out.String(), errOut.String(), code, err
}

// decodeJSON decodes the output strictly into the documented struct, and
// checks with a generic decode that no documented key is missing.
func decodeJSON(t *testing.T, out string) scanJSON {
	t.Helper()
	var doc scanJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("JSON does not decode into the documented shape: %v\n%s", err, out)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	keys := func(what string, m any, want ...string) {
		t.Helper()
		obj, ok := m.(map[string]any)
		if !ok {
			t.Fatalf("%s is %T, not an object", what, m)
		}
		if got := slices.Sorted(maps.Keys(obj)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Fatalf("%s has keys %v, want %v", what, got, want)
		}
	}
	keys("document", raw, "scanned_at", "aws_calls", "students")
	students, ok := raw["students"].([]any)
	if !ok {
		t.Fatalf("students is %T", raw["students"])
	}
	for _, st := range students {
		keys("student", st, "login", "display_name", "account_id", "score", "max_score", "labs", "checks")
		checks, ok := st.(map[string]any)["checks"].([]any)
		if !ok || len(checks) == 0 {
			t.Fatalf("checks is %T with %d entries", st.(map[string]any)["checks"], len(checks))
		}
		labs, ok := st.(map[string]any)["labs"].([]any)
		if !ok || len(labs) == 0 {
			t.Fatalf("labs is %T with %d entries", st.(map[string]any)["labs"], len(labs))
		}
		for _, l := range labs {
			keys("lab", l, "id", "score", "max_score")
		}
		for _, c := range checks {
			keys("check", c, "lab", "id", "status", "points", "message", "hint", "evidence")
			if _, ok := c.(map[string]any)["evidence"].([]any); !ok {
				t.Fatalf("evidence is %T, want an array", c.(map[string]any)["evidence"])
			}
		}
	}
	if ts, err := time.Parse(time.RFC3339, doc.ScannedAt); err != nil || ts.Location() != time.UTC || time.Since(ts) > time.Minute {
		t.Errorf("scanned_at %q: %v; want a recent RFC 3339 UTC time", doc.ScannedAt, err)
	}
	return doc
}

// expected is each student's report from the class's snapshot directly.
func (c *class) expected(t *testing.T) map[string]grader.Report {
	out := map[string]grader.Report{}
	judging := defaultSet(t).Prepare(c.snap)
	for _, st := range c.sim.Roster() {
		out[st.Login] = judging.Evaluate(st, nil)
	}
	return out
}

func (c *class) args(format string, more ...string) []string {
	return append([]string{"--roster", c.roster, "--endpoint-url", c.srv.URL(), "--format", format, "--timeout", "20s"}, more...)
}

func TestScanOutputs(t *testing.T) {
	awsEnv(t)
	c := newClass(t)
	want := c.expected(t)
	roster := c.sim.Roster()
	fixedCalls := listCalls + len(c.snap.LoadBalancers) + len(c.snap.TargetGroups)

	t.Run("json", func(t *testing.T) {
		before := len(c.srv.Requests())
		out, stderr, code, err := scan(t, c.args("json", "--lang", "en")...)
		if code != 0 {
			t.Fatalf("exit %d: %v\n%s", code, err, stderr)
		}
		doc := decodeJSON(t, out)
		reqs := c.srv.Requests()[before:]
		if doc.AWSCalls != fixedCalls || len(reqs) != fixedCalls {
			t.Errorf("aws_calls = %d, server saw %d; want 12 + %d LBs + %d TGs = %d",
				doc.AWSCalls, len(reqs), len(c.snap.LoadBalancers), len(c.snap.TargetGroups), fixedCalls)
		}
		for _, r := range reqs {
			if r.AccessKey != testAccessKey || r.Region != "ap-northeast-1" {
				t.Errorf("%s signed by %q in %q, want the environment's key and region", r.Action, r.AccessKey, r.Region)
			}
		}
		if len(doc.Students) != len(roster) {
			t.Fatalf("%d students, want %d", len(doc.Students), len(roster))
		}
		scores := map[int]bool{}
		for i, st := range doc.Students {
			exp := want[roster[i].Login]
			if st.Login != roster[i].Login || st.DisplayName != roster[i].DisplayName || st.AccountID != roster[i].AccountID {
				t.Errorf("student %d = %s %q %s, want %s %q %s", i, st.Login, st.DisplayName, st.AccountID,
					roster[i].Login, roster[i].DisplayName, roster[i].AccountID)
			}
			if st.Score != exp.Score || st.MaxScore != exp.MaxScore {
				t.Errorf("%s: score %d/%d, want %d/%d as grader.Evaluate gives", st.Login, st.Score, st.MaxScore, exp.Score, exp.MaxScore)
			}
			scores[st.Score] = true
			if len(st.Checks) != len(exp.Results) {
				t.Fatalf("%s: %d checks, want %d", st.Login, len(st.Checks), len(exp.Results))
			}
			sum := 0
			for j, ch := range st.Checks {
				r := exp.Results[j]
				evidence := r.Evidence
				if evidence == nil {
					evidence = []string{}
				}
				if ch.ID != r.CheckID || ch.Status != string(r.Status) || ch.Points != r.Points ||
					ch.Message != r.Message.EN || ch.Hint != r.Hint.EN || !slices.Equal(ch.Evidence, evidence) {
					t.Errorf("%s check %d:\n got %+v\nwant %+v", st.Login, j, ch, r)
				}
				sum += ch.Points
			}
			if sum != st.Score {
				t.Errorf("%s: points add up to %d, score is %d", st.Login, sum, st.Score)
			}
			// One lab is shipped: its score is the student's.
			if len(st.Labs) != 1 || st.Labs[0].ID != exp.Results[0].Lab || st.Labs[0].Score != st.Score || st.Labs[0].MaxScore != st.MaxScore {
				t.Errorf("%s: labs %+v, want one, %s, scored %d/%d", st.Login, st.Labs, exp.Results[0].Lab, st.Score, st.MaxScore)
			}
		}
		if len(scores) < 2 {
			t.Errorf("every student has the same score %v; the class should be at different stages", scores)
		}
	})

	t.Run("table", func(t *testing.T) {
		out, stderr, code, err := scan(t, c.args("table", "--lang", "en")...)
		if code != 0 {
			t.Fatalf("exit %d: %v\n%s", code, err, stderr)
		}
		for _, st := range roster {
			exp := want[st.Login]
			re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(st.Login) + `\s+` + fmt.Sprintf("%d/%d", exp.Score, exp.MaxScore) + `\s`)
			if !re.MatchString(out) {
				t.Errorf("no grid row %q with score %d/%d", st.Login, exp.Score, exp.MaxScore)
			}
		}
		for _, s := range []string{"labgrid scan", "aws_calls=" + strconv.Itoa(fixedCalls),
			"✓ pass  ! warn (passes)  ✗ fail  - blocked  E error  ? pending"} {
			if !strings.Contains(out, s) {
				t.Errorf("table lacks %q:\n%s", s, out)
			}
		}
		// The legend names each column by its title, in the language asked.
		for i, info := range enabledChecks(t) {
			if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s*%d %s$`, i+1, regexp.QuoteMeta(info.Title.EN))).MatchString(out) {
				t.Errorf("legend lacks column %d %s", i+1, info.Title.EN)
			}
		}
	})

	t.Run("csv", func(t *testing.T) {
		out, stderr, code, err := scan(t, c.args("csv")...)
		if code != 0 {
			t.Fatalf("exit %d: %v\n%s", code, err, stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, out)
		}
		checks := enabledChecks(t)
		lab := checks[0].Lab
		header := []string{"login", "display_name", "account_id", "score", "max_score", lab + " score", lab + " max_score"}
		for _, info := range checks {
			header = append(header, lab+":"+info.ID)
		}
		header = append(header, "scanned_at")
		if len(rows) == 0 || !slices.Equal(rows[0], header) {
			t.Fatalf("header %v, want %v", rows[0], header)
		}
		if len(rows) != 1+len(roster) {
			t.Fatalf("%d rows, want a header and %d students", len(rows), len(roster))
		}
		for i, row := range rows[1:] {
			exp := want[roster[i].Login]
			if row[0] != roster[i].Login || row[3] != strconv.Itoa(exp.Score) || row[4] != strconv.Itoa(exp.MaxScore) ||
				row[5] != row[3] || row[6] != row[4] {
				t.Errorf("row %d = %v, want %s score %d/%d, in total and in the one lab", i+1, row[:7], roster[i].Login, exp.Score, exp.MaxScore)
			}
			for j, r := range exp.Results {
				if row[7+j] != string(r.Status) {
					t.Errorf("%s %s = %q, want %q", row[0], r.CheckID, row[7+j], r.Status)
				}
			}
		}
	})

	t.Run("student", func(t *testing.T) {
		out, stderr, code, err := scan(t, c.args("json", "--student", "user03")...)
		if code != 0 {
			t.Fatalf("exit %d: %v\n%s", code, err, stderr)
		}
		doc := decodeJSON(t, out)
		if len(doc.Students) != 1 || doc.Students[0].Login != "user03" || doc.Students[0].Score != want["user03"].Score {
			t.Errorf("--student user03 printed %d students (%+v)", len(doc.Students), doc.Students)
		}
		if doc.AWSCalls != fixedCalls {
			t.Errorf("aws_calls = %d for one student, want %d: a target costs the same", doc.AWSCalls, fixedCalls)
		}
	})

	t.Run("lang", func(t *testing.T) {
		messages := map[string][]string{}
		for _, lang := range []string{"ja", "en"} {
			out, stderr, code, err := scan(t, c.args("json", "--lang", lang, "--student", "user05")...)
			if code != 0 {
				t.Fatalf("--lang %s: exit %d: %v\n%s", lang, code, err, stderr)
			}
			for _, ch := range decodeJSON(t, out).Students[0].Checks {
				messages[lang] = append(messages[lang], ch.Message)
			}
		}
		exp := want["user05"]
		for i, r := range exp.Results {
			ja, en := messages["ja"][i], messages["en"][i]
			if ja != r.Message.JA || en != r.Message.EN || ja == en {
				t.Errorf("%s: ja %q, en %q; want %q and %q, different", r.CheckID, ja, en, r.Message.JA, r.Message.EN)
			}
		}
	})
}

func TestScanAccessDenied(t *testing.T) {
	awsEnv(t)
	c := newClass(t)
	c.srv.Fail("*", 403, "AccessDenied", "User: arn:aws:iam::111122223333:user/grader is not authorized", -1)
	start := time.Now()
	out, stderr, code, err := scan(t, c.args("json", "--lang", "en")...)
	if code != 1 {
		t.Fatalf("exit %d (%v), want 1 when nothing could be scanned\n%s", code, err, stderr)
	}
	if !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("error %q does not name AccessDenied", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: AccessDenied should not be retried", d)
	}
	doc := decodeJSON(t, out)
	if len(doc.Students) != len(c.sim.Roster()) {
		t.Errorf("%d students, want every student", len(doc.Students))
	}
	if doc.AWSCalls != listCalls {
		t.Errorf("aws_calls = %d, want the %d denied calls counted", doc.AWSCalls, listCalls)
	}
	for _, st := range doc.Students {
		if st.Score != 0 {
			t.Errorf("%s scored %d", st.Login, st.Score)
		}
		for _, ch := range st.Checks {
			if ch.Status != "error" || !strings.Contains(ch.Message, "AccessDenied") {
				t.Errorf("%s %s: %s %q, want error naming AccessDenied", st.Login, ch.ID, ch.Status, ch.Message)
			}
		}
	}
}

// RDS denied alone: the Aurora checks are error, the rest is judged.
func TestScanRDSDenied(t *testing.T) {
	awsEnv(t)
	c := newClass(t)
	for _, action := range []string{"DescribeDBClusters", "DescribeDBInstances", "DescribeDBSubnetGroups", "DescribeEvents"} {
		c.srv.Fail(action, 403, "AccessDenied", "not authorized to perform rds", -1)
	}
	out, stderr, code, err := scan(t, c.args("json", "--lang", "en")...)
	if code != 0 {
		t.Fatalf("exit %d (%v), want 0: the target was partly read\n%s", code, err, stderr)
	}
	passedOutsideRDS := 0
	for _, st := range decodeJSON(t, out).Students {
		for _, ch := range st.Checks {
			aurora := strings.HasPrefix(ch.ID, "aurora.")
			if aurora && (ch.Status != "error" || !strings.Contains(ch.Message, "AccessDenied")) {
				t.Errorf("%s %s: %s %q, want error naming AccessDenied", st.Login, ch.ID, ch.Status, ch.Message)
			}
			if !aurora && ch.Status == "error" {
				t.Errorf("%s %s: error although EC2 and ELB were readable", st.Login, ch.ID)
			}
			if !aurora && ch.Status == "pass" {
				passedOutsideRDS++
			}
		}
	}
	if passedOutsideRDS == 0 {
		t.Error("no check passed outside RDS")
	}
}

func TestScanTwoTargets(t *testing.T) {
	awsEnv(t)
	const (
		role   = "arn:aws:iam::444455556666:role/labgrid-read"
		extID  = "ext-s3cr3t-1234"
		guests = "444455556666"
	)
	c := newClass(t, [4]string{"guest01", guests, role, extID}, [4]string{"guest02", guests, role, extID})
	c.srv.Fail("AssumeRole", 403, "AccessDenied", "User: arn:aws:iam::111122223333:user/grader is not authorized to perform: sts:AssumeRole", -1)
	want := c.expected(t)

	out, stderr, code, err := scan(t, c.args("json", "--lang", "en")...)
	if code != 0 {
		t.Fatalf("exit %d (%v), want 0 when one target could be scanned\n%s", code, err, stderr)
	}
	doc := decodeJSON(t, out)
	if n := len(c.sim.Roster()) + 2; len(doc.Students) != n {
		t.Fatalf("%d students, want %d", len(doc.Students), n)
	}
	if fixed := listCalls + len(c.snap.LoadBalancers) + len(c.snap.TargetGroups); doc.AWSCalls != fixed {
		t.Errorf("aws_calls = %d, want %d from the first target alone", doc.AWSCalls, fixed)
	}
	for _, st := range doc.Students {
		if !strings.HasPrefix(st.Login, "guest") {
			if exp := want[st.Login]; st.Score != exp.Score {
				t.Errorf("%s: score %d, want %d", st.Login, st.Score, exp.Score)
			}
			continue
		}
		if st.AccountID != guests || st.Score != 0 {
			t.Errorf("%s: account %s, score %d", st.Login, st.AccountID, st.Score)
		}
		for _, ch := range st.Checks {
			if ch.Status != "error" || !strings.Contains(ch.Message, "AccessDenied") || !strings.Contains(ch.Message, "sts:AssumeRole") {
				t.Errorf("%s %s: %s %q, want error naming sts:AssumeRole and AccessDenied", st.Login, ch.ID, ch.Status, ch.Message)
			}
		}
	}
	assumes := 0
	for _, r := range c.srv.Requests() {
		switch {
		case r.Action == "AssumeRole":
			assumes++
			if r.Form.Get("RoleArn") != role || r.Form.Get("ExternalId") != extID || r.AccessKey != testAccessKey {
				t.Errorf("AssumeRole %v signed by %s", r.Form, r.AccessKey)
			}
		case r.AccessKey != testAccessKey:
			t.Errorf("%s signed by %s: the refused role was used", r.Action, r.AccessKey)
		}
	}
	if assumes != 1 {
		t.Errorf("AssumeRole asked %d times, want once (not retried)", assumes)
	}
	if strings.Contains(out+stderr, extID) {
		t.Errorf("the external id shows in the output")
	}
}

// TestScanBadInput: bad input exits 2 with a message that says what is
// wrong, before any AWS call.
func TestScanBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "login,account_id\nuser01,111122223333\n")
	badAccount := write("bad-account.csv", "login,account_id,display_name\nuser01,111122223333,山田\nuser02,12345,鈴木\n")
	badRubric := write("bad-rubric.yaml", "checks:\n  aurora.nope:\n    points: 5\n")
	brokenYAML := write("broken.yaml", "names: [\n")
	brokenLab := write("broken-lab.yaml", "id: x\ntitle: {ja: x, en: x}\nareas: []\nchecks: []\nbogus: 1\n")

	for _, tc := range []struct {
		name string
		args []string
		want []string // in the error message
	}{
		{"bad account id", []string{"--roster", badAccount}, []string{"line 3", "account_id", "12345"}},
		{"unknown flag", []string{"--roster", good, "--bogus"}, []string{"bogus"}},
		{"unknown format", []string{"--roster", good, "--format", "xml"}, []string{"--format", "xml"}},
		{"unknown lang", []string{"--roster", good, "--lang", "fr"}, []string{"--lang", "fr"}},
		{"no roster flag", []string{"--format", "json"}, []string{"--roster"}},
		{"missing roster", []string{"--roster", filepath.Join(dir, "nope.csv")}, []string{"nope.csv"}},
		{"unknown rubric check", []string{"--roster", good, "--rubric", badRubric}, []string{"rubric", "aurora.nope"}},
		{"broken rubric", []string{"--roster", good, "--rubric", brokenYAML}, []string{"rubric", "broken.yaml"}},
		{"missing rubric", []string{"--roster", good, "--rubric", filepath.Join(dir, "nope.yaml")}, []string{"rubric"}},
		{"extra argument", []string{"--roster", good, "now"}, []string{"now"}},
		{"unknown lab", []string{"--roster", good, "--lab", "step-9"}, []string{"step-9", "step-3"}},
		{"broken lab file", []string{"--roster", good, "--lab", brokenLab}, []string{"broken-lab.yaml", "problem"}},
		{"labs sharing a check", []string{"--roster", good, "--lab", "step-3", "--lab", "../../examples/lab.yaml"}, []string{"network.vpc", "step-3", "vpc-basics"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, stderr, code, err := scan(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if tc.name == "broken lab file" && !strings.Contains(stderr, "broken-lab.yaml:5:1") {
				t.Errorf("stderr %q does not place the unknown key", stderr)
			}
		})
	}
}

// --lab judges with the labs named (shipped ids or files), and every check
// of the JSON says which lab it belongs to.
func TestScanLab(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		lab  string
		ids  []string
	}{
		{nil, "step-3", enabledIDs(t)},
		{[]string{"--lab", "step-3"}, "step-3", enabledIDs(t)},
		{[]string{"--lab", "../../examples/lab.yaml"}, "vpc-basics", []string{"network.vpc", "network.public_subnets"}},
	} {
		out, stderr, code, err := scan(t, append([]string{"--demo", "--format", "json", "--student", "user01"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %v\n%s", tc.args, code, err, stderr)
		}
		var doc struct {
			Students []struct {
				Checks []struct{ Lab, ID string }
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Students) != 1 {
			t.Fatalf("%v: %v\n%s", tc.args, err, out)
		}
		var ids []string
		for _, c := range doc.Students[0].Checks {
			ids = append(ids, c.ID)
			if c.Lab != tc.lab {
				t.Errorf("%v: check %s of lab %q, want %q", tc.args, c.ID, c.Lab, tc.lab)
			}
		}
		if !slices.Equal(ids, tc.ids) {
			t.Errorf("%v: checks %v, want %v", tc.args, ids, tc.ids)
		}
	}
}

// scan --demo with a lab other than the default ones lives the whole day,
// --demo-elapsed saying how far into it; with the default labs alone it
// is the class of those labs, Steps 1 and 2 done at its start.
func TestScanDemoWholeDay(t *testing.T) {
	t.Parallel()
	statuses := func(args ...string) map[string]map[string]int {
		t.Helper()
		out, stderr, code, err := scan(t, append([]string{"--demo", "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %v\n%s", args, code, err, stderr)
		}
		var doc scanJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Students) != 30 {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		byLab := map[string]map[string]int{}
		for _, st := range doc.Students {
			for _, c := range st.Checks {
				if byLab[c.Lab] == nil {
					byLab[c.Lab] = map[string]int{}
				}
				byLab[c.Lab][c.Status]++
			}
		}
		return byLab
	}
	passed := func(m map[string]int) int { return m["pass"] + m["warn"] }
	// The start of the day: nothing of the morning yet.
	if got := statuses("--lab", "steps-1-2", "--demo-elapsed", "0s"); passed(got["steps-1-2"]) != 0 {
		t.Errorf("steps-1-2 at the start of the day: %v, want nothing passed", got)
	}
	// The end of the day: most have cleaned up.
	got := statuses("--lab", "steps-1-2", "--lab", "step-3", "--lab", "cleanup", "--demo-elapsed", "2h20m")
	if c := got["cleanup"]; passed(c) < 30*5*8/10 || c["fail"] == 0 {
		t.Errorf("cleanup at the end of the day: %v, want most passed and some left over", c)
	}
	// The default labs alone: the start is theirs, Steps 1 and 2 done.
	if got := statuses("--demo-elapsed", "0s"); passed(got["step-3"]) == 0 {
		t.Errorf("the default labs at the start: %v, want the Aurora cluster passed", got)
	}
}

func enabledIDs(t *testing.T) []string {
	var ids []string
	for _, c := range enabledChecks(t) {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestScanUnknownStudent exits 2 naming the login. It sets the AWS
// environment because the CLI may build its AWS client before it filters
// the roster.
func TestScanUnknownStudent(t *testing.T) {
	awsEnv(t)
	c := newClass(t)
	out, _, code, err := scan(t, c.args("json", "--student", "user99")...)
	if code != 2 || !strings.Contains(err.Error(), "user99") || !strings.Contains(err.Error(), "not in the roster") {
		t.Errorf("exit %d, err %v; want 2 naming user99", code, err)
	}
	if out != "" || len(c.srv.Requests()) != 0 {
		t.Errorf("printed %q and made %d AWS calls for a student not in the roster", out, len(c.srv.Requests()))
	}
}

// enabledChecks are the checks of the default labs that are on: all but
// the active probes.
func enabledChecks(t *testing.T) []grader.CheckInfo { return defaultSet(t).Checks() }

// defaultSet is what a scan judges with when no lab is named.
func defaultSet(t *testing.T) *lab.Set {
	t.Helper()
	set, err := labs.ForClass(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A display name a spreadsheet would run as a formula is written with a
// leading ' by --format csv. (The roster refuses tabs and line breaks in
// names and trims spaces, so display_name is the user text that gets
// there; report's tests cover the rest.)
func TestScanCSVNeutralisesFormulas(t *testing.T) {
	awsEnv(t)
	c := newClass(t)
	hostile := []string{`=HYPERLINK("http://x","y")`, "+1", "-1", "@SUM(A1)", "=1+1@x.com"}
	b, err := os.ReadFile(c.roster)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || rows[0][2] != "display_name" {
		t.Fatalf("roster: %v %v", err, rows[0])
	}
	want := map[string]string{}
	for i, row := range rows[1:] {
		row[2] = hostile[i%len(hostile)]
		want[row[0]] = "'" + row[2]
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.WriteAll(rows)
	if err := os.WriteFile(c.roster, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code, err := scan(t, c.args("csv")...)
	if code != 0 {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	got, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(got) != len(rows) {
		t.Fatalf("CSV: %d rows, %v\n%s", len(got), err, stdout)
	}
	for _, row := range got[1:] {
		if row[1] != want[row[0]] {
			t.Errorf("%s: display_name %q, want %q", row[0], row[1], want[row[0]])
		}
	}
}

// The day's three labs at once: 11 + 17 + 5 checks (the opt-in probes
// off), each with its lab, in the day's order.
func TestScanDemoThreeLabs(t *testing.T) {
	t.Parallel()
	out, stderr, code, err := scan(t, "--demo", "--format", "json", "--lab", "steps-1-2", "--lab", "step-3", "--lab", "cleanup", "--demo-elapsed", "90m")
	if code != 0 {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	var doc struct {
		Students []struct {
			Login  string
			Checks []struct{ Lab, ID, Status string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Students) == 0 {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, st := range doc.Students {
		counts := map[string]int{}
		var order []string
		for _, c := range st.Checks {
			if counts[c.Lab] == 0 {
				order = append(order, c.Lab)
			}
			counts[c.Lab]++
			if c.Status == "error" {
				t.Errorf("%s %s: error", st.Login, c.ID)
			}
		}
		if len(st.Checks) != 33 || counts["steps-1-2"] != 11 || counts["step-3"] != 17 || counts["cleanup"] != 5 ||
			!slices.Equal(order, []string{"steps-1-2", "step-3", "cleanup"}) {
			t.Fatalf("%s: %d checks by lab %v in order %v, want 33: 11, 17, 5 in the day's order", st.Login, len(st.Checks), counts, order)
		}
	}
}
