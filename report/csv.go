package report

import (
	"encoding/csv"
	"fmt"
	"io"
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
	// Assignment names the graded work in a gradebook (the labs).
	Assignment string
	MaxScore   int
	Rows       []Row
}

// NewTable is an empty Table of what j judges.
func NewTable(j grader.Judge) *Table {
	return &Table{Checks: j.Checks(), Assignment: j.Title().EN, MaxScore: j.MaxScore()}
}

// Row is one student of a Table.
type Row struct {
	Student grader.Student
	Score   int
	Cells   []Cell // one per Table.Checks, in that order
	// ScannedAt is when the student was last scanned; zero: never.
	ScannedAt time.Time
}

// Cell is one check of one student.
type Cell struct {
	Status        grader.Status
	FirstPassedAt time.Time // zero: never passed (or not known)
}

// ScanTable is the Table of one scan, a row per report in the order of
// res.Reports: every student scanned at res.StartedAt.
func ScanTable(res *grader.ScanResult, j grader.Judge) *Table {
	t := NewTable(j)
	t.Rows = make([]Row, 0, len(res.Reports))
	for _, rep := range res.Reports {
		status := make(map[string]grader.Status, len(rep.Results))
		for _, r := range rep.Results {
			status[r.CheckID] = r.Status
		}
		row := Row{Student: rep.Student, Score: rep.Score, Cells: make([]Cell, len(t.Checks)), ScannedAt: res.StartedAt}
		for i, c := range t.Checks {
			row.Cells[i].Status = status[c.ID]
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Columns chooses the columns of a CSV.
type Columns int

const (
	// ScanColumns is `labgrid scan --format csv`: login, display_name,
	// account_id, score, max_score, the status of each check, scanned_at.
	ScanColumns Columns = iota
	// ClassColumns is the web export: login, display_name, email, sis_id,
	// section, score, max_score, percent, then for each check its status
	// and when it first passed, then last_scanned.
	ClassColumns
	// LMSColumns are the columns gradebook imports read (Canvas, Moodle):
	// Student, SIS User ID, SIS Login ID, Email, Section, "<labs> (max)".
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
	switch opt.Columns {
	case ScanColumns:
		head := []string{"login", "display_name", "account_id", "score", "max_score"}
		for _, c := range t.Checks {
			head = append(head, c.ID)
		}
		write(append(head, "scanned_at"))
		for _, r := range t.Rows {
			st := r.Student
			rec := []string{st.Login, st.DisplayName, st.AccountID, strconv.Itoa(r.Score), strconv.Itoa(t.MaxScore)}
			for _, c := range r.Cells {
				rec = append(rec, string(c.Status))
			}
			write(append(rec, csvTime(r.ScannedAt)))
		}
	case ClassColumns:
		head := []string{"login", "display_name", "email", "sis_id", "section", "score", "max_score", "percent"}
		for _, c := range t.Checks {
			head = append(head, c.ID, c.ID+" first_passed_at")
		}
		write(append(head, "last_scanned"))
		for _, r := range t.Rows {
			st := r.Student
			rec := []string{st.Login, st.DisplayName, st.Email, st.SISID, st.Section,
				strconv.Itoa(r.Score), strconv.Itoa(t.MaxScore), percentOf(r.Score, t.MaxScore)}
			for _, c := range r.Cells {
				rec = append(rec, string(c.Status), csvTime(c.FirstPassedAt))
			}
			write(append(rec, csvTime(r.ScannedAt)))
		}
	case LMSColumns:
		write([]string{"Student", "SIS User ID", "SIS Login ID", "Email", "Section", fmt.Sprintf("%s (%d)", t.Assignment, t.MaxScore)})
		for _, r := range t.Rows {
			st := r.Student
			write([]string{st.Name(), st.SISID, st.Login, st.Email, st.Section, strconv.Itoa(r.Score)})
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
