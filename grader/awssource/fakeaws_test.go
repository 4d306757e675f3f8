package awssource

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakeAWS is an HTTP server that answers EC2 (ec2query), ELBv2, RDS and STS
// (awsquery) list calls the way AWS documents them, so that the SDK's real
// serializers, signers, retryers and deserializers run against it. Tests
// give it item XML per action; it adds the envelopes, pages and errors, and
// records every request.
type fakeAWS struct {
	t   testing.TB
	srv *httptest.Server

	mu sync.Mutex
	// items holds the inner XML of each listed item, without its element
	// (<item>, <member>, <DBCluster>, …), keyed by action or, for the
	// per-resource calls, by "Action|arn".
	items map[string][]string
	// pageSize splits an action's items into pages (0: one page).
	pageSize map[string]int
	// errs are answered, one per request, before the action succeeds.
	errs map[string][]fakeErr
	// hang makes every request wait until the client gives up.
	hang bool
	// stsKey is the access key AssumeRole hands out.
	stsKey string
	reqs   []fakeReq
}

type fakeErr struct {
	Status  int
	Code    string
	Message string
	Delay   time.Duration // before answering
}

// fakeReq is one request as the server saw it.
type fakeReq struct {
	Action    string
	Version   string
	Form      url.Values
	AccessKey string // from the Authorization header's Credential=
	Region    string // signing region, from the same
	Token     string // X-Amz-Security-Token
}

// actionSpec is how one action's response is shaped.
type actionSpec struct {
	version string
	ec2     bool   // EC2 query protocol: no Result wrapper, <item> lists
	ns      string // response xmlns
	list    string // element of the result list
	item    string // element of each list entry
	inTok   string // request parameter carrying the page token
	outTok  string // response element carrying the next page token
	key     string // request parameter keying per-resource items
}

const (
	ec2NS  = "http://ec2.amazonaws.com/doc/2016-11-15/"
	elbNS  = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	rdsNS  = "http://rds.amazonaws.com/doc/2014-10-31/"
	stsNS  = "https://sts.amazonaws.com/doc/2011-06-15/"
	ec2Ver = "2016-11-15"
	elbVer = "2015-12-01"
	rdsVer = "2014-10-31"
	stsVer = "2011-06-15"
)

func ec2Action(list string) actionSpec {
	return actionSpec{version: ec2Ver, ec2: true, ns: ec2NS, list: list, item: "item", inTok: "NextToken", outTok: "nextToken"}
}

func elbAction(list, key string) actionSpec {
	return actionSpec{version: elbVer, ns: elbNS, list: list, item: "member", inTok: "Marker", outTok: "NextMarker", key: key}
}

func rdsAction(list, item string) actionSpec {
	return actionSpec{version: rdsVer, ns: rdsNS, list: list, item: item, inTok: "Marker", outTok: "Marker"}
}

var fakeActions = map[string]actionSpec{
	"DescribeVpcs":             ec2Action("vpcSet"),
	"DescribeSubnets":          ec2Action("subnetSet"),
	"DescribeRouteTables":      ec2Action("routeTableSet"),
	"DescribeInternetGateways": ec2Action("internetGatewaySet"),
	"DescribeInstances":        ec2Action("reservationSet"),
	"DescribeImages":           ec2Action("imagesSet"),
	"DescribeSecurityGroups":   ec2Action("securityGroupInfo"),
	"DescribeLoadBalancers":    elbAction("LoadBalancers", ""),
	"DescribeTargetGroups":     elbAction("TargetGroups", ""),
	"DescribeListeners":        elbAction("Listeners", "LoadBalancerArn"),
	"DescribeTargetHealth":     elbAction("TargetHealthDescriptions", "TargetGroupArn"),
	"DescribeDBClusters":       rdsAction("DBClusters", "DBCluster"),
	"DescribeDBInstances":      rdsAction("DBInstances", "DBInstance"),
	"DescribeDBSubnetGroups":   rdsAction("DBSubnetGroups", "DBSubnetGroup"),
	"DescribeEvents":           rdsAction("Events", "Event"),
	"AssumeRole":               {version: stsVer, ns: stsNS},
}

// iamPrefix maps an API version to the IAM service prefix of its actions.
var iamPrefix = map[string]string{ec2Ver: "ec2", elbVer: "elasticloadbalancing", rdsVer: "rds", stsVer: "sts"}

func newFakeAWS(t testing.TB) *fakeAWS {
	f := &fakeAWS{
		t:        t,
		items:    make(map[string][]string),
		pageSize: make(map[string]int),
		errs:     make(map[string][]fakeErr),
		stsKey:   "ASIATEMPORARYKEY",
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// add appends items to an action's list (key: "Action" or "Action|arn").
func (f *fakeAWS) add(key string, items ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[key] = append(f.items[key], items...)
}

func (f *fakeAWS) fail(action string, errs ...fakeErr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[action] = append(f.errs[action], errs...)
}

func (f *fakeAWS) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// count is how many requests named action the server received.
func (f *fakeAWS) count(action string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Action == action {
			n++
		}
	}
	return n
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := fakeReq{
		Action:    r.PostForm.Get("Action"),
		Version:   r.PostForm.Get("Version"),
		Form:      r.PostForm,
		AccessKey: credentialPart(r.Header.Get("Authorization"), 0),
		Region:    credentialPart(r.Header.Get("Authorization"), 2),
		Token:     r.Header.Get("X-Amz-Security-Token"),
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	hang := f.hang
	var fe *fakeErr
	if q := f.errs[req.Action]; len(q) > 0 {
		fe, f.errs[req.Action] = &q[0], q[1:]
	}
	f.mu.Unlock()

	spec, ok := fakeActions[req.Action]
	switch {
	case hang:
		<-r.Context().Done()
		return
	case !ok || spec.version != req.Version:
		f.t.Errorf("fake AWS: unexpected Action=%q Version=%q", req.Action, req.Version)
		writeQueryError(w, "", fakeErr{Status: 400, Code: "InvalidAction", Message: "unknown action " + req.Action})
	case fe != nil:
		time.Sleep(fe.Delay)
		if spec.ec2 {
			writeEC2Error(w, *fe)
		} else {
			writeQueryError(w, spec.ns, *fe)
		}
	case req.Action == "AssumeRole":
		f.assumeRole(w, req)
	default:
		f.list(w, req, spec)
	}
}

func (f *fakeAWS) assumeRole(w http.ResponseWriter, req fakeReq) {
	f.mu.Lock()
	key := f.stsKey
	f.mu.Unlock()
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	writeXML(w, http.StatusOK, `<AssumeRoleResponse xmlns="`+stsNS+`">
  <AssumeRoleResult>
    <SourceIdentity>labgrid</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/labgrid-read/`+req.Form.Get("RoleSessionName")+`</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:`+req.Form.Get("RoleSessionName")+`</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>`+key+`</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzEBYaDEXAMPLETOKEN</SessionToken>
      <Expiration>`+exp+`</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`)
}

// list answers one page of an action's items.
func (f *fakeAWS) list(w http.ResponseWriter, req fakeReq, spec actionSpec) {
	key := req.Action
	if spec.key != "" {
		key += "|" + req.Form.Get(spec.key)
	}
	f.mu.Lock()
	items := f.items[key]
	size := f.pageSize[req.Action]
	f.mu.Unlock()

	start := 0
	if tok := req.Form.Get(spec.inTok); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil || n > len(items) {
			f.t.Errorf("fake AWS: %s: bad page token %q", req.Action, tok)
		}
		start = n
	}
	end, next := len(items), ""
	if size > 0 && start+size < len(items) {
		end, next = start+size, fmt.Sprintf("page-%d", start+size)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "<%sResponse xmlns=%q>\n", req.Action, spec.ns)
	if spec.ec2 {
		b.WriteString("  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n")
	} else {
		fmt.Fprintf(&b, "  <%sResult>\n", req.Action)
	}
	fmt.Fprintf(&b, "  <%s>\n", spec.list)
	for _, it := range items[start:end] {
		fmt.Fprintf(&b, "    <%s>%s</%s>\n", spec.item, it, spec.item)
	}
	fmt.Fprintf(&b, "  </%s>\n", spec.list)
	if next != "" {
		fmt.Fprintf(&b, "  <%s>%s</%s>\n", spec.outTok, next, spec.outTok)
	}
	if !spec.ec2 {
		fmt.Fprintf(&b, "  </%sResult>\n", req.Action)
		b.WriteString("  <ResponseMetadata><RequestId>6e5a3a4c-1f0b-4e2f-8c3d-EXAMPLE</RequestId></ResponseMetadata>\n")
	}
	fmt.Fprintf(&b, "</%sResponse>", req.Action)
	writeXML(w, http.StatusOK, b.String())
}

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func writeEC2Error(w http.ResponseWriter, e fakeErr) {
	writeXML(w, e.Status, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>`+e.Code+`</Code><Message>`+e.Message+`</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`)
}

func writeQueryError(w http.ResponseWriter, ns string, e fakeErr) {
	writeXML(w, e.Status, `<ErrorResponse xmlns="`+ns+`">
  <Error>
    <Type>Sender</Type>
    <Code>`+e.Code+`</Code>
    <Message>`+e.Message+`</Message>
  </Error>
  <RequestId>a1b2c3d4-5678-90ab-cdef-EXAMPLE</RequestId>
</ErrorResponse>`)
}

// credentialPart is part i of a SigV4 Authorization header's credential
// scope: access key id, date, region, service.
func credentialPart(auth string, i int) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, ",")
	parts := strings.Split(rest, "/")
	if i >= len(parts) {
		return ""
	}
	return parts[i]
}

const baseAccessKey = "AKIAIOSFODNN7EXAMPLE"

// newTestSource points a Source at the fake with static credentials, no
// shared config files, and tiny backoffs.
func newTestSource(t testing.TB, f *fakeAWS, opts Options) *Source {
	t.Helper()
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = time.Millisecond
	}
	if opts.TargetTimeout == 0 {
		opts.TargetTimeout = 5 * time.Second
	}
	s, err := New(context.Background(), opts,
		config.WithBaseEndpoint(f.srv.URL),
		config.WithRegion("ap-northeast-1"),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(baseAccessKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// Item builders for the cases that need many plain resources.

func lbItem(arn, name string) string {
	return `<LoadBalancerArn>` + arn + `</LoadBalancerArn><LoadBalancerName>` + name + `</LoadBalancerName>` +
		`<Type>application</Type><Scheme>internet-facing</Scheme><State><Code>active</Code></State><VpcId>vpc-1</VpcId>`
}

func tgItem(arn, name string) string {
	return `<TargetGroupArn>` + arn + `</TargetGroupArn><TargetGroupName>` + name + `</TargetGroupName>` +
		`<Protocol>HTTP</Protocol><Port>80</Port><TargetType>instance</TargetType><VpcId>vpc-1</VpcId>`
}

func instanceReservation(ids ...string) string {
	var b strings.Builder
	b.WriteString(`<reservationId>r-` + ids[0] + `</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>`)
	for _, id := range ids {
		b.WriteString(`<item><instanceId>` + id + `</instanceId><instanceState><code>16</code><name>running</name></instanceState></item>`)
	}
	b.WriteString(`</instancesSet>`)
	return b.String()
}

func dbInstanceItem(id string) string {
	return `<DBInstanceIdentifier>` + id + `</DBInstanceIdentifier><DBInstanceClass>db.t2.small</DBInstanceClass><Engine>aurora-mysql</Engine><DBInstanceStatus>available</DBInstanceStatus>`
}
