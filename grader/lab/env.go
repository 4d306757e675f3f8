package lab

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"

	"labgrid/grader"
)

// baseEnv is the CEL environment every lab starts from: the kinds' types,
// the standard extensions and the engine's function library, with the
// variables every lab has (user, dedicated, probes). A lab extends it with
// its settings, resources and variables.
func baseEnv() (*cel.Env, error) {
	sg := cel.ObjectType(celTypeName(reflect.TypeFor[SecurityGroup]()))
	perm := cel.ObjectType(celTypeName(reflect.TypeFor[Permission]()))
	return cel.NewEnv(
		ext.NativeTypes(append(nativeTypes(), ext.ParseStructTags(true))...),
		ext.Strings(),
		ext.Lists(),
		ext.Sets(),
		ext.Bindings(),
		cel.OptionalTypes(),
		cel.Variable("user", cel.StringType),
		cel.Variable("dedicated", cel.BoolType),
		cel.Variable("now", cel.TimestampType), // when the snapshot was taken
		// The data the snapshot could not read ("RDS events", …): a rule
		// with severity error tests it where a check reads data beyond its
		// resources' kinds.
		cel.Variable("unreadable", cel.ListType(cel.StringType)),
		cel.Variable("status", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("probes", cel.MapType(cel.StringType, cel.ObjectType(celTypeName(reflect.TypeFor[Probe]())))),
		cel.Function("norm",
			cel.Overload("norm_string", []*cel.Type{cel.StringType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return types.String(norm(string(v.(types.String)))) }))),
		// show(x) is x as a message's {{ x }} shows it: a time to the
		// second, a list joined with ", ", a record by its description.
		cel.Function("show",
			cel.Overload("show_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return types.String(show(v, nil)) }))),
		// l.sum() adds a list of numbers up (0 when empty): costs.
		cel.Function("sum",
			cel.MemberOverload("list_double_sum", []*cel.Type{cel.ListType(cel.DoubleType)}, cel.DoubleType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return sum(v, types.Double(0)) })),
			cel.MemberOverload("list_int_sum", []*cel.Type{cel.ListType(cel.IntType)}, cel.IntType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return sum(v, types.Int(0)) }))),
		cel.Function("probe_url",
			cel.Overload("probe_url_string", []*cel.Type{cel.StringType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return types.String(grader.ProbeURL(string(v.(types.String)))) }))),
		cel.Function("covers_port",
			cel.MemberOverload("permission_covers_port_int", []*cel.Type{perm, cel.IntType}, cel.BoolType,
				cel.BinaryBinding(func(p, port ref.Val) ref.Val {
					return types.Bool(coversPort(p.Value().(*Permission), int(port.(types.Int))))
				}))),
		cel.Function("ip_sources",
			cel.MemberOverload("security_group_ip_sources_int", []*cel.Type{sg, cel.IntType}, cel.ListType(cel.StringType),
				cel.BinaryBinding(func(g, port ref.Val) ref.Val {
					return types.DefaultTypeAdapter.NativeToValue(ipSourcesTo(g.Value().(*SecurityGroup), int(port.(types.Int))))
				}))),
		cel.Function("allows_port_from",
			cel.MemberOverload("security_group_allows_port_from_int_list", []*cel.Type{sg, cel.IntType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.FunctionBinding(func(args ...ref.Val) ref.Val {
					groups, err := stringList(args[2])
					if err != nil {
						return types.WrapErr(err)
					}
					return types.Bool(allowsPortFrom(args[0].Value().(*SecurityGroup), int(args[1].(types.Int)), groups))
				}))),
		// cidr_within(inner, outer): every address of the range inner is in
		// the range outer (IPv4 or IPv6; false when either is no CIDR or
		// they are of different families).
		cel.Function("cidr_within",
			cel.Overload("cidr_within_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(inner, outer ref.Val) ref.Val {
					return types.Bool(cidrWithin(string(inner.(types.String)), string(outer.(types.String))))
				}))),
		cel.Function("allows_port_from_anywhere",
			cel.MemberOverload("security_group_allows_port_from_anywhere_int", []*cel.Type{sg, cel.IntType}, cel.BoolType,
				cel.BinaryBinding(func(g, port ref.Val) ref.Val {
					return types.Bool(allowsPortFromAnywhere(g.Value().(*SecurityGroup), int(port.(types.Int))))
				}))),
	)
}

// norm is how names are compared: students mistype case and add spaces.
func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// coversPort reports whether a rule lets TCP traffic to port through: an
// all-traffic rule, or a TCP rule whose range holds the port.
func coversPort(p *Permission, port int) bool {
	switch norm(p.Protocol) {
	case "-1", "all":
		return true
	case "tcp", "6":
		return p.FromPort <= port && port <= p.ToPort
	}
	return false
}

// ipSourcesTo lists the address ranges (IPv4, IPv6, prefix lists) that the
// group's rules open port to.
func ipSourcesTo(sg *SecurityGroup, port int) []string {
	out := []string{}
	for _, p := range sg.Inbound {
		if !coversPort(p, port) {
			continue
		}
		for _, src := range slices.Concat(p.IPv4Ranges, p.IPv6Ranges, p.PrefixListIDs) {
			if !slices.Contains(out, src) {
				out = append(out, src)
			}
		}
	}
	return out
}

// allowsPortFrom reports whether a rule of the group opens port to one of
// the groups.
func allowsPortFrom(sg *SecurityGroup, port int, groups []string) bool {
	for _, p := range sg.Inbound {
		if coversPort(p, port) && slices.ContainsFunc(p.GroupIDs, func(g string) bool { return slices.Contains(groups, g) }) {
			return true
		}
	}
	return false
}

// allowsPortFromAnywhere reports whether the group opens port to 0.0.0.0/0
// or ::/0.
func allowsPortFromAnywhere(sg *SecurityGroup, port int) bool {
	for _, p := range sg.Inbound {
		if coversPort(p, port) && (slices.Contains(p.IPv4Ranges, "0.0.0.0/0") || slices.Contains(p.IPv6Ranges, "::/0")) {
			return true
		}
	}
	return false
}

// cidrWithin reports whether the CIDR range inner lies inside outer. A
// bare address is the range of that one address.
func cidrWithin(inner, outer string) bool {
	in, ok := parsePrefix(inner)
	if !ok {
		return false
	}
	out, ok := parsePrefix(outer)
	if !ok || in.Addr().Is4() != out.Addr().Is4() {
		return false
	}
	return out.Bits() <= in.Bits() && out.Contains(in.Addr())
}

func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// sum adds the items of list v to zero (a types.Double or types.Int); an
// int overflow is CEL's error.
func sum(v ref.Val, zero ref.Val) ref.Val {
	l, ok := v.(traits.Lister)
	if !ok {
		return types.NewErr("sum: expected a list")
	}
	total := zero
	for it := l.Iterator(); it.HasNext() == types.True; {
		total = total.(traits.Adder).Add(it.Next())
		if types.IsError(total) {
			return total
		}
	}
	return total
}

func stringList(v ref.Val) ([]string, error) {
	l, ok := v.(traits.Lister)
	if !ok {
		return nil, errNotList
	}
	var out []string
	for it := l.Iterator(); it.HasNext() == types.True; {
		s, ok := it.Next().(types.String)
		if !ok {
			return nil, errNotList
		}
		out = append(out, string(s))
	}
	return out, nil
}

var errNotList = errors.New("expected a list of strings")
