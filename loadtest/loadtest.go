// Package loadtest measures a running labgrid serve on loopback, or
// several on one database: it opens the live streams of many students of
// a class and a few instructor grids (spread over the serves), lets the
// class change (its scans go on), and times each change from the moment
// it was stored to the event each stream received. It also reads back
// from River's table whether two scans of one target ever ran at once.
//
// The stored time of a change is the one its notification carries
// (store.Notification.StoredAt: when the scan's writes were sent, a
// commit before the results are stored), heard on a LISTEN session of the
// generator's own. An update of a student is owed to that student's
// stream and to every grid: it is delivered by the first event naming the
// student received at or after its stored time, and lost when none comes
// within the grace after the window. The database is also read back: a
// status change in result_changes that no notification announced counts
// as lost on every stream it was owed to.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/store"
)

// Config is what to measure and for how long.
type Config struct {
	// BaseURLs are the serves, on loopback (http://127.0.0.1:8080), all on
	// one database: the streams and the grids go to them in turn.
	BaseURLs    []string
	DatabaseURL string // the serve's database: the class, its links, its notifications
	Secret      []byte // the serve's secret, which the links are made from
	Class       string
	Password    string // the instructor's, for the grids
	Students    int    // student streams, one per student (0: every student)
	Grids       int    // instructor grids
	// Window is how long updates are counted, once every stream is open;
	// Grace is how long their events are waited for after it.
	Window, Grace time.Duration
	// OpenTimeout bounds opening the streams.
	OpenTimeout time.Duration
	ServePIDs   []int // the serves' processes; none: no process figures
	Logger      *slog.Logger
}

// Figures are what a run measured.
type Figures struct {
	StudentStreams, GridStreams int
	Updates                     int // (notification, student) pairs stored in the window
	Deliveries                  int // events owed to streams for them
	Lost                        int // owed events never received
	Unannounced                 int // status changes in the database no notification named
	StreamErrors                int // streams that ended before the run did
	Latencies                   []time.Duration
	StudentLatencies            []time.Duration // of the students' own streams
	GridLatencies               []time.Duration // of the grids
	LostStudent, LostGrid       int
	StoreLatencies              []time.Duration // stored time to the notification heard
	// From the notification heard by the generator to the event: the
	// serve's part, without the commit's (it may be below 0 when the
	// generator hears its notification later than the serve does).
	FanoutLatencies []time.Duration
	Window          time.Duration
	Process         *ProcessFigures // nil without ServePIDs
	Scans           ScanFigures
	// The generator's own CPU over the window (percent of one core), and
	// the machine's load average at its end: a busy machine makes every
	// figure worse.
	GeneratorCPUPct float64
	LoadAvg         float64
}

// Print writes one line per figure, "name: value unit".
func (f *Figures) Print(w io.Writer) {
	line := func(name string, v any, unit string) { fmt.Fprintf(w, "%s: %v %s\n", name, v, unit) }
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
	}
	line("clients", f.StudentStreams+f.GridStreams, "streams")
	line("student_streams", f.StudentStreams, "streams")
	line("grid_streams", f.GridStreams, "streams")
	line("window", strconv.FormatFloat(f.Window.Seconds(), 'f', 0, 64), "s")
	line("updates", f.Updates, "updates")
	line("deliveries", f.Deliveries, "events")
	line("latency_p50_ms", ms(quantile(f.Latencies, 0.50)), "ms")
	line("latency_p99_ms", ms(quantile(f.Latencies, 0.99)), "ms")
	line("latency_max_ms", ms(quantile(f.Latencies, 1)), "ms")
	line("latency_student_p99_ms", ms(quantile(f.StudentLatencies, 0.99)), "ms")
	line("latency_grid_p99_ms", ms(quantile(f.GridLatencies, 0.99)), "ms")
	line("lost_updates", f.Lost, "events")
	line("lost_student_updates", f.LostStudent, "events")
	line("lost_grid_updates", f.LostGrid, "events")
	line("unannounced_changes", f.Unannounced, "changes")
	line("stream_errors", f.StreamErrors, "streams")
	line("store_p99_ms", ms(quantile(f.StoreLatencies, 0.99)), "ms")
	line("fanout_p50_ms", ms(quantile(f.FanoutLatencies, 0.50)), "ms")
	line("fanout_p99_ms", ms(quantile(f.FanoutLatencies, 0.99)), "ms")
	line("scan_jobs", f.Scans.Jobs, "jobs")
	line("scan_processes", f.Scans.Processes, "processes")
	line("double_scans", f.Scans.DoubleScans, "pairs")
	if p := f.Process; p != nil {
		line("serve_processes", p.Processes, "processes")
		line("serve_rss_mb", strconv.FormatFloat(p.MaxRSSMB, 'f', 1, 64), "MB")
		line("serve_cpu_pct", strconv.FormatFloat(p.CPUPct, 'f', 1, 64), "%")
		line("postgres_cpu_pct", strconv.FormatFloat(p.ChildCPUPct, 'f', 1, 64), "%")
	}
	line("generator_cpu_pct", strconv.FormatFloat(f.GeneratorCPUPct, 'f', 1, 64), "%")
	line("load_avg_1m", strconv.FormatFloat(f.LoadAvg, 'f', 2, 64), "tasks")
}

// quantile is the q-quantile of ds (nearest rank); 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// CheckLoopback refuses a base URL whose host is not a loopback address.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("loadtest: %q: want http://HOST:PORT on loopback", base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadtest: %s is not a loopback address: the load generator runs on loopback only", host)
	}
	return nil
}

// notification is one heard, with when.
type notification struct {
	store.Notification
	heard time.Time
}

// received is one event a stream received: the student it names (0: none
// of the class's students, such as the grid's summary) and when.
type received struct {
	student int64
	at      time.Time
}

type stream struct {
	student int64 // 0: a grid, owed every student's updates
	events  []received
	err     error // why it ended before the run did
}

// Run measures. It returns when the window and the grace are over, or
// ctx ends.
func Run(ctx context.Context, cfg Config) (*Figures, error) {
	if len(cfg.BaseURLs) == 0 {
		return nil, errors.New("loadtest: no serve to measure")
	}
	bases := make([]string, len(cfg.BaseURLs))
	for i, u := range cfg.BaseURLs {
		if err := CheckLoopback(u); err != nil {
			return nil, err
		}
		bases[i] = strings.TrimSuffix(u, "/")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("loadtest: database: %w", err)
	}
	defer pool.Close()
	st := store.New(pool)
	class, err := st.ClassByName(ctx, cfg.Class)
	if err != nil {
		return nil, fmt.Errorf("loadtest: class %s: %w", cfg.Class, err)
	}
	links, err := st.StudentLinks(ctx, class.ID, cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	if cfg.Students > 0 {
		if cfg.Students > len(links) {
			return nil, fmt.Errorf("loadtest: %d student streams asked, class %s has %d students", cfg.Students, cfg.Class, len(links))
		}
		links = links[:cfg.Students]
	}

	// The generator's own LISTEN: every change, with its stored time.
	var (
		notesMu sync.Mutex
		notes   []notification
	)
	listening := make(chan struct{}, 1)
	listenCtx, stopListen := context.WithCancel(ctx)
	listenDone := make(chan struct{})
	go func() {
		defer close(listenDone)
		_ = store.Listen(listenCtx, cfg.DatabaseURL, func(n store.Notification) {
			if n.ClassID != class.ID {
				return
			}
			notesMu.Lock()
			notes = append(notes, notification{n, time.Now()})
			notesMu.Unlock()
		}, store.ListenOptions{Logger: logger, OnListen: func() {
			select {
			case listening <- struct{}{}:
			default:
			}
		}})
	}()
	defer func() { stopListen(); <-listenDone }()
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		return nil, errors.New("loadtest: LISTEN on the database not in place within 30s")
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	// A client per serve, each with its own instructor session.
	clients := make([]*http.Client, len(bases))
	for i, base := range bases {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{
			Jar: jar,
			Transport: &http.Transport{
				Proxy:               nil, // loopback: never through a proxy
				MaxIdleConnsPerHost: 64,
				DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		defer clients[i].CloseIdleConnections()
		if i < cfg.Grids {
			if err := signIn(ctx, clients[i], base, cfg.Password); err != nil {
				return nil, err
			}
		}
	}

	// Open the streams, a few at a time; each is open once its head came.
	// The students' streams, then the grids, go round the serves.
	streams := make([]*stream, 0, len(links)+cfg.Grids)
	urls := make([]string, 0, cap(streams))
	serve := make([]int, 0, cap(streams)) // the index of each stream's serve
	for i, l := range links {
		streams = append(streams, &stream{student: l.StudentID})
		urls = append(urls, bases[i%len(bases)]+"/s/"+l.Token+"/events")
		serve = append(serve, i%len(bases))
	}
	for i := range cfg.Grids {
		streams = append(streams, &stream{})
		urls = append(urls, bases[i%len(bases)]+"/classes/"+url.PathEscape(class.Name)+"/events")
		serve = append(serve, i%len(bases))
	}
	streamCtx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	var wg sync.WaitGroup
	opened := make(chan error, len(streams))
	sem := make(chan struct{}, 32)
	for i, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			s.err = s.run(streamCtx, clients[serve[i]], urls[i], func(err error) { <-sem; opened <- err })
		}()
	}
	openBy := time.After(cmp(cfg.OpenTimeout, 2*time.Minute))
	for range streams {
		select {
		case err := <-opened:
			if err != nil {
				return nil, fmt.Errorf("loadtest: open a stream: %w", err)
			}
		case <-openBy:
			return nil, fmt.Errorf("loadtest: %d streams not open within %s", len(streams), cmp(cfg.OpenTimeout, 2*time.Minute))
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	logger.Info("streams open", "students", len(links), "grids", cfg.Grids, "serves", len(bases))

	// The window: updates stored in it are owed.
	var proc *procSampler
	if len(cfg.ServePIDs) > 0 {
		if proc, err = startProc(cfg.ServePIDs); err != nil {
			return nil, fmt.Errorf("loadtest: serve process: %w", err)
		}
	}
	start := time.Now()
	self0 := cpuTicks(os.Getpid())
	procDone := make(chan *ProcessFigures, 1)
	go func() {
		if proc == nil {
			procDone <- nil
			return
		}
		procDone <- proc.sample(ctx, cfg.Window)
	}()
	select {
	case <-time.After(cfg.Window):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	end := time.Now()
	selfCPU := 100 * float64(cpuTicks(os.Getpid())-self0) / userHZ / end.Sub(start).Seconds()
	select {
	case <-time.After(cfg.Grace):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	stopStreams()
	wg.Wait()
	stopListen()
	<-listenDone
	procFigures := <-procDone

	changes, err := statusChanges(ctx, pool, class.ID, start, end)
	if err != nil {
		return nil, err
	}
	scans, err := scanOverlaps(ctx, pool, class.ID, start, end)
	if err != nil {
		return nil, err
	}
	f := evaluate(streams, notes, changes, start, end)
	f.Process = procFigures
	f.Scans = scans
	f.GeneratorCPUPct = selfCPU
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if fs := strings.Fields(string(b)); len(fs) > 0 {
			f.LoadAvg, _ = strconv.ParseFloat(fs[0], 64)
		}
	}
	return f, nil
}

func cmp(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// signIn posts the instructor's password; the session cookie stays in
// the client's jar.
func signIn(ctx context.Context, client *http.Client, base, password string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(url.Values{"password": {password}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("loadtest: sign in: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("loadtest: sign in: %s (is the password the serve's?)", resp.Status)
	}
	return nil
}

// run reads the stream until ctx ends, keeping every event's student and
// arrival; opened is called once, with nil when the head came.
func (s *stream) run(ctx context.Context, client *http.Client, u string, opened func(error)) error {
	report := opened // called once on every path below
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		report(err)
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		report(err)
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("GET %s: %s", redact(u), resp.Status)
		report(err)
		return err
	}
	r := bufio.NewReaderSize(resp.Body, 16<<10)
	// The head: "retry: …" and a blank line.
	if _, err := r.ReadSlice('\n'); err != nil {
		report(err)
		return err
	}
	report(nil)
	var name []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		switch {
		case bytes.HasPrefix(line, []byte("event: ")):
			name = append(name[:0], bytes.TrimSpace(line[len("event: "):])...)
		case len(line) == 1 && line[0] == '\n' && name != nil:
			// The blank line ends the event: it has arrived.
			if id, ok := s.names(name); ok {
				s.events = append(s.events, received{student: id, at: time.Now()})
			}
			name = nil
		}
	}
}

// names is the student an event stands for: a student's own checklist
// is theirs, a grid's row "student-<id>" is that student's.
func (s *stream) names(event []byte) (int64, bool) {
	if s.student != 0 {
		return s.student, string(event) == "checklist"
	}
	rest, ok := bytes.CutPrefix(event, []byte("student-"))
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(string(rest), 10, 64)
	return id, err == nil
}

// redact hides a student's token in an error.
func redact(u string) string {
	if i := strings.Index(u, "/s/"); i >= 0 {
		return u[:i] + "/s/…/events"
	}
	return u
}

// change is a status change read back from the database.
type change struct {
	student int64
	at      time.Time
}

// statusChanges are the class's status changes observed in the window.
func statusChanges(ctx context.Context, pool *pgxpool.Pool, classID int64, start, end time.Time) ([]change, error) {
	rows, err := pool.Query(ctx, `
		SELECT rc.student_id, rc.at FROM result_changes rc JOIN students s ON s.id = rc.student_id
		WHERE s.class_id = $1 AND rc.at >= $2 AND rc.at < $3`, classID, start, end)
	if err != nil {
		return nil, fmt.Errorf("loadtest: read back the changes: %w", err)
	}
	defer rows.Close()
	var out []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.student, &c.at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// evaluate matches what was owed with what was received.
func evaluate(streams []*stream, notes []notification, changes []change, start, end time.Time) *Figures {
	f := &Figures{Window: end.Sub(start)}
	byStudent := map[int64][]*stream{}
	var grids []*stream
	for _, s := range streams {
		if s.err != nil {
			f.StreamErrors++
		}
		if s.student == 0 {
			f.GridStreams++
			grids = append(grids, s)
		} else {
			f.StudentStreams++
			byStudent[s.student] = append(byStudent[s.student], s)
		}
	}
	// first is when s first received an event for student at or after t.
	first := func(s *stream, student int64, t time.Time) (time.Time, bool) {
		for _, e := range s.events {
			if e.student == student && !e.at.Before(t) {
				return e.at, true
			}
		}
		return time.Time{}, false
	}
	owe := func(student int64, t, heard time.Time, latency bool) {
		for _, s := range append(slices.Clip(byStudent[student]), grids...) {
			f.Deliveries++
			at, ok := first(s, student, t)
			if !ok {
				f.Lost++
				if s.student == 0 {
					f.LostGrid++
				} else {
					f.LostStudent++
				}
				continue
			}
			if latency {
				f.Latencies = append(f.Latencies, at.Sub(t))
				f.FanoutLatencies = append(f.FanoutLatencies, at.Sub(heard))
				if s.student == 0 {
					f.GridLatencies = append(f.GridLatencies, at.Sub(t))
				} else {
					f.StudentLatencies = append(f.StudentLatencies, at.Sub(t))
				}
			}
		}
	}
	announced := map[int64][]time.Time{}
	for _, n := range notes {
		for _, id := range n.StudentIDs {
			announced[id] = append(announced[id], n.StoredAt)
		}
		if n.StoredAt.Before(start) || !n.StoredAt.Before(end) {
			continue
		}
		f.StoreLatencies = append(f.StoreLatencies, n.heard.Sub(n.StoredAt))
		for _, id := range n.StudentIDs {
			f.Updates++
			owe(id, n.StoredAt, n.heard, true)
		}
	}
	// A status change is stored after it was observed: some notification
	// of its student must say so.
	for _, c := range changes {
		if !slices.ContainsFunc(announced[c.student], func(t time.Time) bool { return !t.Before(c.at) }) {
			f.Unannounced++
			owe(c.student, c.at, time.Time{}, false)
		}
	}
	return f
}

// ProcessFigures are the serve processes', over the window, summed over
// the processes.
type ProcessFigures struct {
	Processes int
	MaxRSSMB  float64 // the sum of each process's largest RSS
	CPUPct    float64 // of one core
	// Their children (a throwaway PostgreSQL, which the first serve of
	// make bench-load starts) and theirs.
	ChildCPUPct float64
}

type procSampler struct{ pids []int }

func startProc(pids []int) (*procSampler, error) {
	for _, pid := range pids {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil {
			return nil, err
		}
	}
	return &procSampler{pids: pids}, nil
}

// userHZ is the unit of the times in /proc/PID/stat on Linux.
const userHZ = 100

// sample reads the processes every second for d.
func (p *procSampler) sample(ctx context.Context, d time.Duration) *ProcessFigures {
	n := len(p.pids)
	c0, k0, maxRSS := make([]int64, n), make([]int64, n), make([]int64, n)
	observe := func() {
		for i, pid := range p.pids {
			maxRSS[i] = max(maxRSS[i], rssKB(pid))
		}
	}
	t0 := time.Now()
	for i, pid := range p.pids {
		c0[i], k0[i] = cpuTicks(pid), childTicks(pid)
	}
	observe()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	deadline := time.After(d)
loop:
	for {
		select {
		case <-tick.C:
			observe()
		case <-deadline:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	observe()
	secs := time.Since(t0).Seconds()
	f := &ProcessFigures{Processes: n}
	for i, pid := range p.pids {
		f.MaxRSSMB += float64(maxRSS[i]) / 1024
		f.CPUPct += 100 * float64(cpuTicks(pid)-c0[i]) / userHZ / secs
		f.ChildCPUPct += 100 * float64(childTicks(pid)-k0[i]) / userHZ / secs
	}
	return f
}

// stat is the fields of /proc/PID/stat after the command name.
func stat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// cpuTicks is utime + stime (fields 14 and 15; [11] and [12] here, after
// pid and comm).
func cpuTicks(pid int) int64 {
	f := stat(pid)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// childTicks is the CPU of pid's children and their children now alive
// (PostgreSQL's backends are the postmaster's children).
func childTicks(pid int) int64 {
	dirs, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, d := range dirs {
		id, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if f := stat(id); len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			parent[id] = pp
		}
	}
	var total int64
	for id, pp := range parent {
		if pp == pid || parent[pp] == pid {
			total += cpuTicks(id)
		}
	}
	return total
}

func rssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
