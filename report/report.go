// Package report writes results for people and programs: a scan as a
// terminal table, JSON or CSV, and a class's results as the CSVs the web
// exports (see Table). It knows nothing of AWS, databases or HTTP.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"labgrid/grader"
)

// Formats are the names accepted by Write.
var Formats = []string{"table", "json", "csv"}

// Write renders res in format ("table", "json" or "csv"), with messages in
// lang ("ja" or "en").
func Write(w io.Writer, format string, res *grader.ScanResult, j grader.Judge, lang string) error {
	switch format {
	case "table":
		return WriteTable(w, res, j, lang)
	case "json":
		return WriteJSON(w, res, lang)
	case "csv":
		return WriteCSV(w, ScanTable(res, j), CSVOptions{Columns: ScanColumns})
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

type jsonScan struct {
	ScannedAt string        `json:"scanned_at"`
	AWSCalls  int           `json:"aws_calls"`
	Students  []jsonStudent `json:"students"`
}

type jsonStudent struct {
	Login       string      `json:"login"`
	DisplayName string      `json:"display_name"`
	AccountID   string      `json:"account_id"`
	Score       int         `json:"score"`
	MaxScore    int         `json:"max_score"`
	Labs        []jsonLab   `json:"labs"`
	Checks      []jsonCheck `json:"checks"`
}

// jsonLab is a student's score in one lab.
type jsonLab struct {
	ID       string `json:"id"`
	Score    int    `json:"score"`
	MaxScore int    `json:"max_score"`
}

type jsonCheck struct {
	Lab      string   `json:"lab"`
	ID       string   `json:"id"`
	Status   string   `json:"status"`
	Points   int      `json:"points"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint"`
	Evidence []string `json:"evidence"`
}

// WriteJSON writes the scan as one JSON document. points is what the
// student earned on the check, so the points of a student add up to score,
// and those of a lab's checks to the lab's score (labs, in checklist
// order).
func WriteJSON(w io.Writer, res *grader.ScanResult, lang string) error {
	doc := jsonScan{
		ScannedAt: res.StartedAt.UTC().Format(time.RFC3339),
		AWSCalls:  res.AWSCalls,
		Students:  make([]jsonStudent, 0, len(res.Reports)),
	}
	for _, rep := range res.Reports {
		js := jsonStudent{
			Login: rep.Student.Login, DisplayName: rep.Student.DisplayName, AccountID: rep.Student.AccountID,
			Score: rep.Score, MaxScore: rep.MaxScore, Labs: []jsonLab{}, Checks: make([]jsonCheck, 0, len(rep.Results)),
		}
		for _, r := range rep.Results {
			// The results are in checklist order: a lab's are together.
			if n := len(js.Labs); n == 0 || js.Labs[n-1].ID != r.Lab {
				js.Labs = append(js.Labs, jsonLab{ID: r.Lab})
			}
			l := &js.Labs[len(js.Labs)-1]
			l.Score += r.Points
			l.MaxScore += r.MaxPoints
			evidence := r.Evidence
			if evidence == nil {
				evidence = []string{}
			}
			js.Checks = append(js.Checks, jsonCheck{
				Lab: r.Lab, ID: r.CheckID, Status: string(r.Status), Points: r.Points,
				Message: r.Message.In(lang), Hint: r.Hint.In(lang), Evidence: evidence,
			})
		}
		doc.Students = append(doc.Students, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// symbols mark statuses in the grid; the legend spells them out, so the
// table never relies on colour.
var symbols = map[grader.Status]string{
	grader.StatusPass: "✓", grader.StatusWarn: "!", grader.StatusFail: "✗",
	grader.StatusBlocked: "-", grader.StatusError: "E", grader.StatusPending: "?",
}

// WriteTable writes a terminal grid (students × checks) and, under it, what
// each student still has to do: every check that did not pass, with its
// message and hint.
func WriteTable(w io.Writer, res *grader.ScanResult, j grader.Judge, lang string) error {
	t := ScanTable(res, j)
	titles := make(map[string]grader.Text, len(t.Checks))
	for _, c := range t.Checks {
		titles[c.ID] = c.Title
	}
	ew := &errWriter{w: w}
	ew.printf("%s  %s  students=%d targets=%d failed_targets=%d aws_calls=%d\n\n",
		tr(lang, "labgrid スキャン", "labgrid scan"), res.StartedAt.UTC().Format(time.RFC3339),
		len(res.Reports), len(res.Targets), res.Failed(), res.AWSCalls)

	tw := tabwriter.NewWriter(ew, 0, 0, 1, ' ', 0)
	labs := t.labs()
	// With several labs, each has a score column after the total, headed
	// by its id.
	perLab := len(labs) > 1
	head := []string{tr(lang, "学生", "student"), tr(lang, "得点", "score")}
	if perLab {
		for _, l := range labs {
			head = append(head, l.ID)
		}
	}
	for i := range t.Checks {
		head = append(head, strconv.Itoa(i+1))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i, row := range t.Rows { // t.Rows[i] is res.Reports[i]
		line := []string{row.Student.Login, fmt.Sprintf("%d/%d", row.Score, res.Reports[i].MaxScore)}
		if perLab {
			for j, n := range row.LabScores(labs) {
				line = append(line, fmt.Sprintf("%d/%d", n, labs[j].MaxScore))
			}
		}
		for _, c := range row.Cells {
			line = append(line, symbols[c.Status])
		}
		fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}

	ew.printf("\n")
	for _, l := range labs {
		if perLab {
			ew.printf("%s (%s)\n", l.Title.In(lang), l.ID)
		}
		for i := l.First; i < l.End; i++ {
			ew.printf("%2d %s\n", i+1, t.Checks[i].Title.In(lang))
		}
	}
	ew.printf("%s\n", tr(lang,
		"✓ 合格  ! 合格(注意あり)  ✗ 不合格  - 前提未達成  E 確認できず  ? 未スキャン",
		"✓ pass  ! warn (passes)  ✗ fail  - blocked  E error  ? pending"))

	for i, rep := range res.Reports {
		var todo []grader.Result
		for _, r := range rep.Results {
			if !r.Status.Passed() {
				todo = append(todo, r)
			}
		}
		if len(todo) == 0 {
			continue
		}
		ew.printf("\n%s", rep.Student.Login)
		if rep.Student.DisplayName != "" {
			ew.printf(" (%s)", rep.Student.DisplayName)
		}
		ew.printf("  %d/%d", rep.Score, rep.MaxScore)
		if perLab {
			for j, n := range t.Rows[i].LabScores(labs) {
				ew.printf("  %s %d/%d", labs[j].ID, n, labs[j].MaxScore)
			}
		}
		ew.printf("\n")
		for _, r := range todo {
			ew.printf("  %s %s: %s\n", symbols[r.Status], titles[r.CheckID].In(lang), r.Message.In(lang))
			if h := r.Hint.In(lang); h != "" {
				ew.printf("    → %s\n", h)
			}
		}
	}
	return ew.err
}

func tr(lang, ja, en string) string {
	if lang == "en" {
		return en
	}
	return ja
}

// errWriter keeps the first write error so the table code reads straight.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
