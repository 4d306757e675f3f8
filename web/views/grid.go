package views

import (
	"context"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// legendStatuses is the order of the legend.
var legendStatuses = []grader.Status{
	grader.StatusPass, grader.StatusWarn, grader.StatusFail,
	grader.StatusBlocked, grader.StatusError, grader.StatusPending,
}

// cellClass is the status (for the colour and the icon of app.css), "g"
// where an area begins (a divider) and "err" when the grader could not look.
func cellClass(cells []Cell, i int) string {
	c := cells[i]
	s := statusClass(c.Status)
	if i > 0 && !sameArea(cells[i-1].Lab, cells[i-1].Area, c.Lab, c.Area) {
		s += " g"
	}
	if c.Error {
		s += " err"
	}
	return s
}

// gridCells are a row's cells, written here rather than in GridRow:
// templ's class={ } processing of 17,000 cells was a sixth of the
// 1,000-student grid's render, and cellClass is constant tokens only.
// Each cell links to the student's page at the check, named by its status
// word; a cell the grader could not look at says so in its title and in a
// visually hidden word. Every other string is escaped as templ would.
func gridCells(m *i18n.Messages, login string, cells []Cell) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		// Straight to w (templ's buffer): a builder of the row first
		// cost a copy and its growth.
		var err error
		put := func(s string) {
			if err == nil {
				_, err = io.WriteString(w, s)
			}
		}
		href := html.EscapeString(login) + "#"
		for i, c := range cells {
			put(`<td class="`)
			put(cellClass(cells, i))
			put(`"><a href="`)
			put(href)
			put(html.EscapeString(c.CheckID))
			if c.Error {
				put(`" title="`)
				put(html.EscapeString(m.ErrorFlagged(c.Status)))
			}
			put(`">`)
			put(html.EscapeString(m.StatusWord(c.Status)))
			if c.Error {
				put(`<span class="vh">`)
				put(html.EscapeString(" " + m.ErrorFlag))
				put(`</span>`)
			}
			put(`</a></td>`)
		}
		if err != nil {
			return fmt.Errorf("write grid cells: %w", err)
		}
		return nil
	})
}

// statusClass is the CSS class of a status; an unknown one is "pending".
func statusClass(s grader.Status) string {
	if s.Valid() {
		return string(s)
	}
	return string(grader.StatusPending)
}

// rowClass is the row's class attribute, none when it has no class.
func rowClass(c GridContext, r Row) templ.Attributes {
	var cls []string
	if r.StuckFor > 0 {
		cls = append(cls, "stuck")
	}
	if r.Error != (grader.Text{}) {
		cls = append(cls, "err")
	}
	if c.Fresh {
		cls = append(cls, "fresh")
	}
	if len(cls) == 0 {
		return nil
	}
	return templ.Attributes{"class": strings.Join(cls, " ")}
}

func passingAt(s Summary, i int) int {
	if i < len(s.Passing) {
		return s.Passing[i]
	}
	return 0
}

func summaryClass(passing, students int, groupStart bool) string {
	s := "some"
	switch {
	case students > 0 && passing >= students:
		s = "all"
	case passing == 0:
		s = "none"
	}
	if groupStart {
		s += " g"
	}
	return s
}

func stuckValue(q GridQuery) string {
	if q.StuckMinutes <= 0 {
		return ""
	}
	return strconv.Itoa(q.StuckMinutes)
}

// costText is a cost per hour in the labs' prices (AWS's, in US dollars):
// cents for a dollar or more, a tenth of a cent below.
func costText(v float64) string {
	if v >= 1 {
		return "$" + strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
	}
	return "$" + strconv.FormatFloat(math.Round(v*1000)/1000, 'f', 3, 64)
}

// costWords is a student's cost per hour, or that what is left bills no
// hourly figure.
func costWords(m *i18n.Messages, v float64) string {
	if v <= 0 {
		return m.CostNoHourly
	}
	return m.CostPerHour(costText(v))
}
