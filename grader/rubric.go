package grader

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed rubric_default.yaml
var defaultRubricYAML []byte

// Rubric is what the checks compare a student's resources against: name
// templates, expected values and which checks count for how much.
type Rubric struct {
	Region string
	AZs    []string
	Names  Names
	Expect Expectations
	// Checks holds one setting per known check, in handout order.
	Checks []CheckSetting
}

// Names are templates in which {user} stands for the student's login.
type Names struct {
	VPC          string `yaml:"vpc"`
	WebServer1   string `yaml:"web_server_1"`
	WebServer2   string `yaml:"web_server_2"`
	AMI          string `yaml:"ami"`
	WebSG        string `yaml:"web_security_group"`
	ALBSG        string `yaml:"alb_security_group"`
	LoadBalancer string `yaml:"load_balancer"`
	TargetGroup  string `yaml:"target_group"`
	DBCluster    string `yaml:"db_cluster"`
	DBWriter     string `yaml:"db_writer"`
	DBReplica    string `yaml:"db_replica"`
	KeyPair      string `yaml:"key_pair"`
}

// Expectations are values that, when different, only earn a warning.
type Expectations struct {
	VPCCIDR          string `yaml:"vpc_cidr"`
	InstanceType     string `yaml:"instance_type"`
	SecondInstanceAZ string `yaml:"second_instance_az"`
	DBInstanceClass  string `yaml:"db_instance_class"`
	ReplicaAZ        string `yaml:"replica_az"`
}

// CheckSetting is how one check counts.
type CheckSetting struct {
	ID       string
	Enabled  bool
	Required bool
	Points   int
}

// Setting returns the setting of check id, and false for an unknown id.
func (r *Rubric) Setting(id string) (CheckSetting, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return CheckSetting{}, false
}

// MaxScore is what a student earns by passing every required check.
func (r *Rubric) MaxScore() int {
	total := 0
	for _, c := range r.Checks {
		if c.Enabled && c.Required {
			total += c.Points
		}
	}
	return total
}

// rubricFile is the YAML form. Pointers tell "absent" (keep the default)
// from a zero value the author meant.
type rubricFile struct {
	Region *string                      `yaml:"region"`
	AZs    []string                     `yaml:"azs"`
	Names  map[string]string            `yaml:"names"`
	Expect map[string]string            `yaml:"expect"`
	Checks map[string]checkSettingInput `yaml:"checks"`
}

type checkSettingInput struct {
	Enabled  *bool `yaml:"enabled"`
	Required *bool `yaml:"required"`
	Points   *int  `yaml:"points"`
}

// defaultRubricNames are the handout's name templates, which the hints are
// written with.
var defaultRubricNames = sync.OnceValue(func() Names { return DefaultRubric().Names })

// DefaultRubric is the handout's rubric.
func DefaultRubric() *Rubric {
	r, err := buildRubric(nil)
	if err != nil {
		panic("grader: the embedded default rubric is invalid: " + err.Error())
	}
	return r
}

// LoadRubric reads a rubric file whose keys override the defaults.
func LoadRubric(path string) (*Rubric, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rubric: %w", err)
	}
	defer f.Close()
	r, err := ParseRubric(f)
	if err != nil {
		return nil, fmt.Errorf("rubric %s: %w", path, err)
	}
	return r, nil
}

// ParseRubric reads rubric YAML whose keys override the defaults. Unknown
// keys and check ids are errors, so a typo never silently keeps a default.
func ParseRubric(r io.Reader) (*Rubric, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRubricBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > MaxRubricBytes {
		return nil, fmt.Errorf("larger than %d KiB; a rubric file is a few kilobytes", MaxRubricBytes>>10)
	}
	return buildRubric(data)
}

// MaxRubricBytes bounds a rubric file: it is held in memory and stored
// with its class.
const MaxRubricBytes = 256 << 10

func buildRubric(override []byte) (*Rubric, error) {
	var base rubricFile
	if err := decodeStrict(defaultRubricYAML, &base); err != nil {
		return nil, err
	}
	var lossy []string
	if len(bytes.TrimSpace(override)) > 0 {
		var over rubricFile
		if err := decodeStrict(override, &over); err != nil {
			return nil, err
		}
		lossy = lossyValues(override)
		merge(&base, &over)
	}
	r, err := resolve(&base)
	if len(lossy) == 0 {
		return r, err
	}
	var re *RubricError
	if errors.As(err, &re) {
		lossy = append(lossy, re.Problems...)
	}
	return nil, &RubricError{Problems: lossy}
}

// lossyValues finds the values of an override file that decoding would
// lose silently: a fractional number of points (truncated), an empty azs
// list, and keys given no value (which would keep the default). Each is
// reported with its key and line.
func lossyValues(data []byte) []string {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil // decodeStrict has reported it
	}
	var problems []string
	bad := func(at *yaml.Node, key, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("line %d: %s: ", at.Line, key)+fmt.Sprintf(format, args...))
	}
	const leaveOut = "or leave the key out to keep the default"
	isNull := func(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "region":
			if isNull(v) {
				bad(k, "region", "no value; want a region such as ap-northeast-1, %s", leaveOut)
			}
		case "azs":
			switch {
			case isNull(v):
				bad(k, "azs", "no value; want the region's Availability Zones, e.g. [ap-northeast-1c, ap-northeast-1d], %s", leaveOut)
			case v.Kind == yaml.SequenceNode && len(v.Content) == 0:
				bad(k, "azs", "empty list; want the region's Availability Zones, e.g. [ap-northeast-1c, ap-northeast-1d], %s", leaveOut)
			case v.Kind == yaml.SequenceNode:
				seen := map[string]bool{}
				for _, az := range v.Content {
					name := strings.TrimSpace(az.Value)
					if seen[name] {
						bad(az, "azs", "%q is listed twice; want each Availability Zone once", name)
					}
					seen[name] = true
				}
			}
		case "checks":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				id, setting := v.Content[j].Value, v.Content[j+1]
				if setting.Kind != yaml.MappingNode {
					continue
				}
				for m := 0; m+1 < len(setting.Content); m += 2 {
					sk, sv := setting.Content[m], setting.Content[m+1]
					key := "checks." + id + "." + sk.Value
					switch {
					case isNull(sv):
						bad(sk, key, "no value; %s", leaveOut)
					case sk.Value == "points" && sv.Kind == yaml.ScalarNode && sv.ShortTag() == "!!float":
						if f, err := strconv.ParseFloat(sv.Value, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1000 {
							bad(sv, key, "%s is not written as a whole number; want points such as %d", sv.Value, int(f))
						} else {
							bad(sv, key, "%s is not a whole number; want whole points such as 5", sv.Value)
						}
					}
				}
			}
		}
	}
	return problems
}

func decodeStrict(data []byte, into *rubricFile) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid YAML: %w", err)
	}
	return nil
}

func merge(base, over *rubricFile) {
	if over.Region != nil {
		base.Region = over.Region
	}
	if over.AZs != nil {
		base.AZs = over.AZs
	}
	for k, v := range over.Names {
		base.Names[k] = v
	}
	for k, v := range over.Expect {
		base.Expect[k] = v
	}
	for id, in := range over.Checks {
		cur := base.Checks[id]
		if in.Enabled != nil {
			cur.Enabled = in.Enabled
		}
		if in.Required != nil {
			cur.Required = in.Required
		}
		if in.Points != nil {
			cur.Points = in.Points
		}
		base.Checks[id] = cur
	}
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// resolve validates the merged file and turns it into a Rubric, listing
// every problem at once.
func resolve(f *rubricFile) (*Rubric, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	r := &Rubric{}
	if f.Region != nil {
		r.Region = strings.TrimSpace(*f.Region)
	}
	if !regionPattern.MatchString(r.Region) {
		bad("region: %q is not an AWS region name such as ap-northeast-1", r.Region)
	}
	for _, az := range f.AZs {
		az = strings.TrimSpace(az)
		if !strings.HasPrefix(az, r.Region) || len(az) <= len(r.Region) {
			bad("azs: %q is not an Availability Zone of region %s", az, r.Region)
		}
		r.AZs = append(r.AZs, az)
	}

	names := map[string]*string{
		"vpc": &r.Names.VPC, "web_server_1": &r.Names.WebServer1, "web_server_2": &r.Names.WebServer2,
		"ami": &r.Names.AMI, "web_security_group": &r.Names.WebSG, "alb_security_group": &r.Names.ALBSG,
		"load_balancer": &r.Names.LoadBalancer, "target_group": &r.Names.TargetGroup,
		"db_cluster": &r.Names.DBCluster, "db_writer": &r.Names.DBWriter, "db_replica": &r.Names.DBReplica,
		"key_pair": &r.Names.KeyPair,
	}
	for key, value := range f.Names {
		dst, ok := names[key]
		if !ok {
			bad("names.%s: unknown name (known: %s)", key, strings.Join(sortedKeys(names), ", "))
			continue
		}
		*dst = strings.TrimSpace(value)
	}
	for _, key := range sortedKeys(names) {
		if !strings.Contains(*names[key], "{user}") {
			bad("names.%s: %q must contain {user}, or every student would share one name", key, *names[key])
		}
	}

	expect := map[string]*string{
		"vpc_cidr": &r.Expect.VPCCIDR, "instance_type": &r.Expect.InstanceType,
		"second_instance_az": &r.Expect.SecondInstanceAZ, "db_instance_class": &r.Expect.DBInstanceClass,
		"replica_az": &r.Expect.ReplicaAZ,
	}
	for key, value := range f.Expect {
		dst, ok := expect[key]
		if !ok {
			bad("expect.%s: unknown key (known: %s)", key, strings.Join(sortedKeys(expect), ", "))
			continue
		}
		*dst = strings.TrimSpace(value)
	}
	if r.Expect.VPCCIDR != "" {
		if _, err := netip.ParsePrefix(r.Expect.VPCCIDR); err != nil {
			bad("expect.vpc_cidr: %q is not a CIDR block such as 10.0.0.0/16", r.Expect.VPCCIDR)
		}
	}

	known := map[string]bool{}
	for _, c := range catalog {
		known[c.id] = true
	}
	for id := range f.Checks {
		if !known[id] {
			bad("checks.%s: unknown check id", id)
		}
	}
	for _, c := range catalog {
		in, ok := f.Checks[c.id]
		if !ok {
			bad("checks.%s: missing from the default rubric", c.id) // a programming error
			continue
		}
		s := CheckSetting{ID: c.id, Enabled: true}
		if in.Enabled != nil {
			s.Enabled = *in.Enabled
		}
		if in.Required != nil {
			s.Required = *in.Required
		}
		if in.Points != nil {
			s.Points = *in.Points
		}
		if s.Points < 0 || s.Points > 1000 {
			bad("checks.%s.points: %d is outside 0..1000", c.id, s.Points)
		}
		r.Checks = append(r.Checks, s)
	}

	if len(problems) > 0 {
		return nil, &RubricError{Problems: problems}
	}
	return r, nil
}

// RubricError lists every problem of a rubric file.
type RubricError struct{ Problems []string }

func (e *RubricError) Error() string {
	return "invalid rubric:\n  " + strings.Join(e.Problems, "\n  ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
