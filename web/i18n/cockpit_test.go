package i18n

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCockpitCatalogsComplete(t *testing.T) {
	t.Parallel()
	same := map[string]bool{"ChartLabelF": true, "ElapsedAxisF": true}
	jv, ev := reflect.ValueOf(cockpitJA), reflect.ValueOf(cockpitEN)
	for i := range jv.NumField() {
		name := jv.Type().Field(i).Name
		js, es := jv.Field(i).String(), ev.Field(i).String()
		if js == "" || es == "" {
			t.Errorf("%s: empty", name)
		}
		if js == es && !same[name] {
			t.Errorf("%s: %q in both languages", name, js)
		}
		if strings.HasSuffix(name, "F") {
			if jvs, evs := formatArgs(js), formatArgs(es); !slices.Equal(jvs, evs) || (len(jvs) == 0 && !strings.Contains(js, "%02d")) {
				t.Errorf("%s: verbs %v (ja) and %v (en)", name, jvs, evs)
			}
		} else if strings.Contains(js+es, "%") {
			t.Errorf("%s: a format verb in a plain string; name it …F", name)
		}
	}
	if CockpitFor(EN) != &cockpitEN || CockpitFor("xx") != &cockpitJA {
		t.Error("CockpitFor")
	}
}

func TestCockpitDurations(t *testing.T) {
	t.Parallel()
	c := CockpitFor(EN)
	for d, want := range map[time.Duration]string{
		0: "0 min", 90 * time.Second: "2 min", 59 * time.Minute: "59 min", 65 * time.Minute: "1 h 5 min",
	} {
		if got := c.Took(d); got != want {
			t.Errorf("Took(%v) = %q, want %q", d, got, want)
		}
	}
	if got := c.Elapsed(90*time.Minute + 30*time.Second); got != "1:30" {
		t.Errorf("Elapsed(1h30m30s) = %q", got)
	}
	if got := CockpitFor(JA).BottleneckDetail(3, 10, 30, 12); got != "ここまで進んだ 10 人のうち 3 人(30%)が 12 分以上止まっています。" {
		t.Errorf("BottleneckDetail ja = %q", got)
	}
}

func TestReportCatalogsComplete(t *testing.T) {
	t.Parallel()
	jv, ev := reflect.ValueOf(reportJA), reflect.ValueOf(reportEN)
	for i := range jv.NumField() {
		name := jv.Type().Field(i).Name
		js, es := jv.Field(i).String(), ev.Field(i).String()
		if js == "" || es == "" {
			t.Errorf("%s: empty", name)
		}
		if js == es && name != "PercentF" {
			t.Errorf("%s: %q in both languages", name, js)
		}
		if strings.HasSuffix(name, "F") {
			if jvs, evs := formatArgs(js), formatArgs(es); !slices.Equal(jvs, evs) || len(jvs) == 0 {
				t.Errorf("%s: verbs %v (ja) and %v (en)", name, jvs, evs)
			}
		} else if strings.Contains(js+es, "%") {
			t.Errorf("%s: a format verb in a plain string; name it …F", name)
		}
	}
	if ReportFor(EN) != &reportEN || ReportFor("xx") != &reportJA {
		t.Error("ReportFor")
	}
	if got := ReportFor(EN).Percent(42); got != "42%" {
		t.Errorf("Percent(42) = %q", got)
	}
}
