package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"labgrid/grader"
)

// Table is a class's results as every CSV labgrid writes them: one row per
// student, one column group per enabled check. Callers build it from what
// they have (a scan, the store); the writers only lay it out.
type Table struct {
	Checks []grader.CheckInfo // the enabled checks, in checklist order
	// Labs are the labs of Checks (grader.LabsOf), in order; nil is
	// LabsOf(Checks).
	Labs []grader.LabInfo
	// Assignment names the graded work in a gradebook (the labs).
	Assignment string
	MaxScore   int
	Rows       []Row
}

// NewTable is an empty Table of what j judges.
func NewTable(j grader.Judge) *Table {
	checks := j.Checks()
	return &Table{Checks: checks, Labs: grader.LabsOf(checks), Assignment: j.Title().EN, MaxScore: j.MaxScore()}
}

// labs is t.Labs, or the labs of t.Checks.
func (t *Table) labs() []grader.LabInfo {
	if t.Labs != nil {
		return t.Labs
	}
	return grader.LabsOf(t.Checks)
}

// LabScores is what the row earned in each lab of labs: the points of
// its cells in the lab's range.
func (r Row) LabScores(labs []grader.LabInfo) []int {
	out := make([]int, len(labs))
	for i, l := range labs {
		for j := l.First; j < l.End && j < len(r.Cells); j++ {
			out[i] += r.Cells[j].Points
		}
	}
	return out
}

// CostPerHour is the sum of the estimated costs per hour of the row's
// results (what an end-of-day lab found left).
func (r Row) CostPerHour() float64 {
	total := 0.0
	for _, c := range r.Cells {
		total += c.CostPerHour
	}
	return total
}

// Leftovers is the evidence of the row's checks that failed in the
// labs that report costs (costLabs, by index of labs, Table.CostLabs):
// what is left, billing or not (a stopped instance bills its storage
// only, with no hourly figure, and is still a leftover).
func (r Row) Leftovers(labs []grader.LabInfo, costLabs []bool) []string {
	var out []string
	for i, l := range labs {
		if i >= len(costLabs) || !costLabs[i] {
			continue
		}
		for j := l.First; j < l.End && j < len(r.Cells); j++ {
			if c := r.Cells[j]; c.Status == grader.StatusFail {
				out = append(out, c.Evidence...)
			}
		}
	}
	return out
}

// CostLabs marks, by index of the table's labs, those that report costs:
// a check of theirs says it estimates costs (grader.LabInfo.Costs), or
// some result of theirs carries one. When any does, the class CSV has the
// cost_per_hour and leftovers columns.
func (t *Table) CostLabs() (costLabs []bool, any bool) {
	labs := t.labs()
	costLabs = make([]bool, len(labs))
	for i, l := range labs {
		if l.Costs {
			costLabs[i], any = true, true
		}
		for _, r := range t.Rows {
			for j := l.First; j < l.End && j < len(r.Cells); j++ {
				if r.Cells[j].CostPerHour > 0 {
					costLabs[i], any = true, true
				}
			}
		}
	}
	return costLabs, any
}

// FormatCost writes a cost per hour with up to four decimals, no
// trailing zeros ("0.0252", "1.5", "0").
func FormatCost(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// columnOf names a check's column: its lab and id, "<lab>:<id>".
func columnOf(c grader.CheckInfo) string {
	if c.Lab == "" {
		return c.ID
	}
	return c.Lab + ":" + c.ID
}

// Row is one student of a Table.
type Row struct {
	Student grader.Student
	Score   int
	Cells   []Cell // one per Table.Checks, in that order
	// ScannedAt is when the student was last scanned; zero: never.
	ScannedAt time.Time
	// HelpRequests is how many times the student raised a hand.
	HelpRequests int
}

// Cell is one check of one student.
type Cell struct {
	Status        grader.Status
	FirstPassedAt time.Time // zero: never passed (or not known)
	// Points is what the student earned on the check.
	Points int
	// CostPerHour is the result's estimated cost per hour; Evidence what
	// the check found (the class CSV lists it for leftovers).
	CostPerHour float64
	Evidence    []string
}

// ScanTable is the Table of one scan, a row per report in the order of
// res.Reports: every student scanned at res.StartedAt.
func ScanTable(res *grader.ScanResult, j grader.Judge) *Table {
	t := NewTable(j)
	t.Rows = make([]Row, 0, len(res.Reports))
	for _, rep := range res.Reports {
		byCheck := make(map[string]*grader.Result, len(rep.Results))
		for i := range rep.Results {
			byCheck[rep.Results[i].CheckID] = &rep.Results[i]
		}
		row := Row{Student: rep.Student, Score: rep.Score, Cells: make([]Cell, len(t.Checks)), ScannedAt: res.StartedAt}
		for i, c := range t.Checks {
			if r, ok := byCheck[c.ID]; ok {
				row.Cells[i] = Cell{Status: r.Status, Points: r.Points, CostPerHour: r.CostPerHour, Evidence: r.Evidence}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Columns chooses the columns of a CSV.
type Columns int

const (
	// ScanColumns is `labgrid scan --format csv`: login, display_name,
	// account_id, score, max_score, each lab's score and max_score, the
	// status of each check ("<lab>:<check>"), scanned_at.
	ScanColumns Columns = iota
	// ClassColumns is the web export: login, display_name, email, sis_id,
	// section, score, max_score, percent, each lab's score and max_score,
	// then for each check ("<lab>:<check>") its status and when it first
	// passed, then, when some result carries a cost (Table.CostLabs),
	// cost_per_hour and leftovers, then last_scanned and help_requests.
	ClassColumns
	// LMSColumns are the columns gradebook imports read (Canvas, Moodle):
	// Student, SIS User ID, SIS Login ID, Email, Section, then a score
	// column per lab, "<lab's short title> (<max>)".
	LMSColumns
)

// CSVOptions are how a CSV is written.
type CSVOptions struct {
	Columns Columns
	// Excel starts the file with a UTF-8 byte order mark and ends lines
	// with CRLF, so that Excel (Japanese Windows included) reads UTF-8.
	Excel bool
}

// WriteCSV writes t with the columns and options of opt. Text that would
// start a formula is defused in every format (see defuse).
func WriteCSV(w io.Writer, t *Table, opt CSVOptions) error {
	if opt.Excel {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = opt.Excel
	// Every cell goes through defuse, headers included: the numbers
	// written here are never negative (points are 0 to 1000), so it only
	// ever changes text.
	write := func(rec []string) {
		for i, c := range rec {
			rec[i] = defuse(c)
		}
		cw.Write(rec)
	}
	labs := t.labs()
	labHead := func(head []string) []string {
		for _, l := range labs {
			head = append(head, l.ID+" score", l.ID+" max_score")
		}
		return head
	}
	labCells := func(rec []string, r Row) []string {
		for i, n := range r.LabScores(labs) {
			rec = append(rec, strconv.Itoa(n), strconv.Itoa(labs[i].MaxScore))
		}
		return rec
	}
	switch opt.Columns {
	case ScanColumns:
		head := labHead([]string{"login", "display_name", "account_id", "score", "max_score"})
		for _, c := range t.Checks {
			head = append(head, columnOf(c))
		}
		write(append(head, "scanned_at"))
		for _, r := range t.Rows {
			st := r.Student
			rec := labCells([]string{st.Login, st.DisplayName, st.AccountID, strconv.Itoa(r.Score), strconv.Itoa(t.MaxScore)}, r)
			for _, c := range r.Cells {
				rec = append(rec, string(c.Status))
			}
			write(append(rec, csvTime(r.ScannedAt)))
		}
	case ClassColumns:
		costLabs, costs := t.CostLabs()
		head := labHead([]string{"login", "display_name", "email", "sis_id", "section", "score", "max_score", "percent"})
		for _, c := range t.Checks {
			col := columnOf(c)
			head = append(head, col, col+" first_passed_at")
		}
		if costs {
			head = append(head, "cost_per_hour", "leftovers")
		}
		write(append(head, "last_scanned", "help_requests"))
		for _, r := range t.Rows {
			st := r.Student
			rec := labCells([]string{st.Login, st.DisplayName, st.Email, st.SISID, st.Section,
				strconv.Itoa(r.Score), strconv.Itoa(t.MaxScore), percentOf(r.Score, t.MaxScore)}, r)
			for _, c := range r.Cells {
				rec = append(rec, string(c.Status), csvTime(c.FirstPassedAt))
			}
			if costs {
				rec = append(rec, FormatCost(r.CostPerHour()), strings.Join(r.Leftovers(labs, costLabs), "; "))
			}
			write(append(rec, csvTime(r.ScannedAt), strconv.Itoa(r.HelpRequests)))
		}
	case LMSColumns:
		head := []string{"Student", "SIS User ID", "SIS Login ID", "Email", "Section"}
		if len(labs) == 0 {
			head = append(head, fmt.Sprintf("%s (%d)", t.Assignment, t.MaxScore))
		}
		for _, l := range labs {
			head = append(head, fmt.Sprintf("%s (%d)", l.Short.EN, l.MaxScore))
		}
		write(head)
		for _, r := range t.Rows {
			st := r.Student
			rec := []string{st.Name(), st.SISID, st.Login, st.Email, st.Section}
			if len(labs) == 0 {
				rec = append(rec, strconv.Itoa(r.Score))
			}
			for _, n := range r.LabScores(labs) {
				rec = append(rec, strconv.Itoa(n))
			}
			write(rec)
		}
	default:
		return fmt.Errorf("write csv: unknown columns %d", opt.Columns)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// defuse keeps a spreadsheet from running a cell as a formula (CSV
// injection, as OWASP describes it): a cell that starts with a tab or a
// carriage return, or whose first character past any spaces and line
// breaks is = + - or @, gets a leading '. The full-width ＝ ＋ － ＠ and
// space count too, which Japanese spreadsheets may read as their ASCII
// forms. A display name of =HYPERLINK(...) is then shown, not followed.
func defuse(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' {
		return "'" + s
	}
	first, _ := utf8.DecodeRuneInString(strings.TrimLeft(s, " \t\r\n\u3000"))
	if strings.ContainsRune("=+-@＝＋－＠", first) {
		return "'" + s
	}
	return s
}

// percentOf is score of max with one decimal, "0" when max is 0.
func percentOf(score, max int) string {
	if max <= 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(score)*100/float64(max), 'f', 1, 64)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
