package lab

import (
	"reflect"
	"strings"
	"testing"
)

// TestTypeNamesCoverEveryRecord: every record a rule can reach, a kind or
// a record linked from one, has the name a lab author reads, so that no
// problem of `lab check` names a Go type (lab.VPC).
func TestTypeNamesCoverEveryRecord(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt.PkgPath() != reflect.TypeFor[VPC]().PkgPath() || seen[rt] {
			return
		}
		seen[rt] = true
		if got := typeNames.Replace(celTypeName(rt)); strings.HasPrefix(got, "lab.") {
			t.Errorf("%s has no name for lab authors (add it to kinds or records)", got)
		}
		for i := range rt.NumField() {
			walk(rt.Field(i).Type)
		}
	}
	for _, v := range nativeTypes() {
		walk(v.(reflect.Type))
	}
	if len(seen) < len(kinds)+len(records) {
		t.Errorf("walked %d records, fewer than the %d named", len(seen), len(kinds)+len(records))
	}
	// A name that prefixes another is not taken for it.
	if got := typeNames.Replace("list(lab.TargetGroup), lab.Target"); got != "list(elbv2.target_group), elbv2.target" {
		t.Errorf("Replace = %q", got)
	}
}
