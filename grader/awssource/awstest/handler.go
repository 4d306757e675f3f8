// Package awstest emulates, for tests, the AWS APIs labgrid reads: the 15
// Describe actions of awssource (EC2 ec2query; ELBv2, RDS awsquery) and STS
// AssumeRole. The SDK's real serializers, signers, retryers and
// deserializers run against it, so a test through awstest exercises every
// layer but the network to AWS.
//
// Server serves a *grader.Snapshot as AWS would describe it. Handler is the
// lower level it is built on: it adds envelopes, pages and errors around
// item XML that a test gives per action, and records every request.
//
// The emulator answers only what labgrid asks. It does not apply the
// request's filters (Filter.N, resource ids, names), except the few that
// change what AWS returns to awssource: DescribeImages' Owner.N and
// DescribeEvents' SourceType, SourceIdentifier, EventCategories, Duration,
// StartTime and EndTime (see Server).
package awstest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// API versions of the services the emulator answers; every request names
// one in its Version parameter.
const (
	EC2Version   = "2016-11-15"
	ELBv2Version = "2015-12-01"
	RDSVersion   = "2014-10-31"
	STSVersion   = "2011-06-15"
)

// The credentials AssumeRole hands out.
const (
	TempAccessKeyID     = "ASIATEMPORARYKEY"
	TempSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	TempSessionToken    = "FwoGZXIvYXdzEBYaDEXAMPLETOKEN"
)

const (
	ec2NS = "http://ec2.amazonaws.com/doc/" + EC2Version + "/"
	elbNS = "http://elasticloadbalancing.amazonaws.com/doc/" + ELBv2Version + "/"
	rdsNS = "http://rds.amazonaws.com/doc/" + RDSVersion + "/"
	stsNS = "https://sts.amazonaws.com/doc/" + STSVersion + "/"
)

// actionSpec is how one action's request and response are shaped.
type actionSpec struct {
	version string
	iam     string // IAM service prefix
	ec2     bool   // EC2 query protocol: no Result wrapper, <item> lists, other error shape
	ns      string // response xmlns
	list    string // element of the result list
	item    string // element of each list entry
	inTok   string // request parameter carrying the page token ("": not paginated)
	outTok  string // response element carrying the next page token
	limit   string // request parameter asking for a page size
	key     string // request parameter keying per-resource items
}

func ec2Action(list string) actionSpec {
	return actionSpec{version: EC2Version, iam: "ec2", ec2: true, ns: ec2NS, list: list, item: "item",
		inTok: "NextToken", outTok: "nextToken", limit: "MaxResults"}
}

func elbAction(list, key string) actionSpec {
	return actionSpec{version: ELBv2Version, iam: "elasticloadbalancing", ns: elbNS, list: list, item: "member",
		inTok: "Marker", outTok: "NextMarker", limit: "PageSize", key: key}
}

func rdsAction(list, item string) actionSpec {
	return actionSpec{version: RDSVersion, iam: "rds", ns: rdsNS, list: list, item: item,
		inTok: "Marker", outTok: "Marker", limit: "MaxRecords"}
}

var actions = map[string]actionSpec{
	"DescribeVpcs":             ec2Action("vpcSet"),
	"DescribeSubnets":          ec2Action("subnetSet"),
	"DescribeRouteTables":      ec2Action("routeTableSet"),
	"DescribeInternetGateways": ec2Action("internetGatewaySet"),
	"DescribeInstances":        ec2Action("reservationSet"),
	"DescribeImages":           ec2Action("imagesSet"),
	"DescribeSecurityGroups":   ec2Action("securityGroupInfo"),
	"DescribeKeyPairs":         {version: EC2Version, iam: "ec2", ec2: true, ns: ec2NS, list: "keySet", item: "item"},
	"DescribeLoadBalancers":    elbAction("LoadBalancers", ""),
	"DescribeTargetGroups":     elbAction("TargetGroups", ""),
	"DescribeListeners":        elbAction("Listeners", "LoadBalancerArn"),
	"DescribeTargetHealth":     {version: ELBv2Version, iam: "elasticloadbalancing", ns: elbNS, list: "TargetHealthDescriptions", item: "member", key: "TargetGroupArn"},
	"DescribeDBClusters":       rdsAction("DBClusters", "DBCluster"),
	"DescribeDBInstances":      rdsAction("DBInstances", "DBInstance"),
	"DescribeDBSubnetGroups":   rdsAction("DBSubnetGroups", "DBSubnetGroup"),
	"DescribeEvents":           rdsAction("Events", "Event"),
	"AssumeRole":               {version: STSVersion, iam: "sts", ns: stsNS},
}

// Actions lists every action the emulator answers, sorted.
func Actions() []string {
	var out []string
	for a := range actions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Request is one request as the emulator saw it.
type Request struct {
	Action    string
	Version   string
	Form      url.Values
	AccessKey string // from the SigV4 Authorization header's Credential=
	Region    string // signing region, from the same
	Token     string // X-Amz-Security-Token
}

// IAMAction is the request's action as IAM names it, e.g.
// "ec2:DescribeVpcs"; "" for an action the emulator does not know.
func (r Request) IAMAction() string {
	spec, ok := actions[r.Action]
	if !ok || spec.version != r.Version {
		return ""
	}
	return spec.iam + ":" + r.Action
}

// Error is an AWS error answer.
type Error struct {
	Status  int    // HTTP status, e.g. 403
	Code    string // e.g. "AccessDenied"
	Message string
	Delay   time.Duration // waited before answering
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// ListFunc returns the items of one list request: the inner XML of each
// entry, without its element (<item>, <member>, <DBCluster>, …). An error
// is answered in the protocol's error shape instead.
type ListFunc func(req Request) ([]string, *Error)

// Handler answers AWS query-protocol requests: it records each one, answers
// the injected errors, pages the items of list actions and wraps them in the
// action's envelope, and answers AssumeRole with temporary credentials. It
// is safe for concurrent use.
type Handler struct {
	list ListFunc

	mu         sync.Mutex
	items      map[string][]string
	pageSize   int
	pageSizes  map[string]int
	fails      []*failure
	hang       bool
	reqs       []Request
	unexpected func(format string, args ...any)
	requestID  int
}

type failure struct {
	action string
	err    Error
	left   int // < 0: every time
}

// NewHandler returns a Handler whose list items come from list, or, when
// list is nil, from what Add gave it.
func NewHandler(list ListFunc) *Handler {
	h := &Handler{list: list, items: make(map[string][]string), pageSizes: make(map[string]int)}
	if h.list == nil {
		h.list = h.addedItems
	}
	return h
}

// Add appends raw items to a list. key is the action, or "Action|arn" for
// the per-resource actions (DescribeListeners by LoadBalancerArn,
// DescribeTargetHealth by TargetGroupArn). Only used when the Handler was
// made without a ListFunc.
func (h *Handler) Add(key string, items ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.items[key] = append(h.items[key], items...)
}

func (h *Handler) addedItems(req Request) ([]string, *Error) {
	key := req.Action
	if k := actions[req.Action].key; k != "" {
		key += "|" + req.Form.Get(k)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.items[key]), nil
}

// SetPageSize splits lists into pages of n items (0: one page), for the
// named actions or, with none named, as the default of every action.
// Pages are chained with each API's own token (NextToken/nextToken for
// EC2, Marker/NextMarker for ELBv2, Marker/Marker for RDS). A request's own
// MaxResults, PageSize or MaxRecords makes its page smaller still.
func (h *Handler) SetPageSize(n int, actions ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(actions) == 0 {
		h.pageSize = n
		return
	}
	for _, a := range actions {
		h.pageSizes[a] = n
	}
}

// Fail makes the next times requests of action (every request when times
// is negative) answer e, in the protocol's error shape. action "*" matches
// every action. Errors queue: each request takes the first that applies.
func (h *Handler) Fail(action string, e Error, times int) {
	if times == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fails = append(h.fails, &failure{action: action, err: e, left: times})
}

// SetHang makes every request wait, unanswered, until its client gives up.
func (h *Handler) SetHang(hang bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hang = hang
}

// OnUnexpected sets the function told of requests the emulator cannot
// answer (unknown action or version, bad page token, missing parameter),
// typically a test's Errorf. They are answered with an error either way.
func (h *Handler) OnUnexpected(fn func(format string, args ...any)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unexpected = fn
}

// Requests returns every request received so far, in order of arrival.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.reqs)
}

// Count is how many requests named action were received.
func (h *Handler) Count(action string) int {
	n := 0
	for _, r := range h.Requests() {
		if r.Action == action {
			n++
		}
	}
	return n
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	auth := r.Header.Get("Authorization")
	req := Request{
		Action:    r.PostForm.Get("Action"),
		Version:   r.PostForm.Get("Version"),
		Form:      r.PostForm,
		AccessKey: credentialPart(auth, 0),
		Region:    credentialPart(auth, 2),
		Token:     r.Header.Get("X-Amz-Security-Token"),
	}
	spec, known := actions[req.Action]
	known = known && spec.version == req.Version

	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.requestID++
	reqID := fmt.Sprintf("%08x-4e2f-4c3d-8a6b-%012x", h.requestID, h.requestID)
	hang := h.hang
	var fe *Error
	for _, f := range h.fails {
		if known && f.left != 0 && (f.action == req.Action || f.action == "*") {
			e := f.err
			fe = &e
			if f.left > 0 {
				f.left--
			}
			break
		}
	}
	h.fails = slices.DeleteFunc(h.fails, func(f *failure) bool { return f.left == 0 })
	h.mu.Unlock()

	switch {
	case hang:
		<-r.Context().Done()
	case !known:
		h.reportUnexpected("awstest: unexpected Action=%q Version=%q", req.Action, req.Version)
		writeError(w, actionSpec{ns: spec.ns, ec2: spec.ec2}, reqID, Error{Status: 400, Code: "InvalidAction",
			Message: fmt.Sprintf("The action %s is not valid for this web service.", req.Action)})
	case fe != nil:
		if fe.Delay > 0 {
			select {
			case <-time.After(fe.Delay):
			case <-r.Context().Done():
				return
			}
		}
		writeError(w, spec, reqID, *fe)
	case req.Action == "AssumeRole":
		h.assumeRole(w, req, reqID)
	default:
		h.serveList(w, req, spec, reqID)
	}
}

func (h *Handler) reportUnexpected(format string, args ...any) {
	h.mu.Lock()
	fn := h.unexpected
	h.mu.Unlock()
	if fn != nil {
		fn(format, args...)
	}
}

// serveList answers one page of a list action.
func (h *Handler) serveList(w http.ResponseWriter, req Request, spec actionSpec, reqID string) {
	if spec.key != "" && req.Form.Get(spec.key) == "" {
		h.reportUnexpected("awstest: %s without %s: %v", req.Action, spec.key, req.Form)
		writeError(w, spec, reqID, Error{Status: 400, Code: "ValidationError",
			Message: fmt.Sprintf("%s is required", spec.key)})
		return
	}
	items, apiErr := h.list(req)
	if apiErr != nil {
		writeError(w, spec, reqID, *apiErr)
		return
	}
	h.mu.Lock()
	size := h.pageSize
	if n, ok := h.pageSizes[req.Action]; ok {
		size = n
	}
	h.mu.Unlock()
	if spec.limit != "" {
		if n, err := strconv.Atoi(req.Form.Get(spec.limit)); err == nil && n > 0 && (size <= 0 || n < size) {
			size = n
		}
	}
	if spec.inTok == "" {
		size = 0 // not a paginated API
	}

	page, next, ok := pageOf(items, req.Form.Get(spec.inTok), size)
	if !ok {
		h.reportUnexpected("awstest: %s: bad page token %q", req.Action, req.Form.Get(spec.inTok))
		code := "InvalidParameterValue"
		if spec.version == ELBv2Version {
			code = "ValidationError"
		}
		writeError(w, spec, reqID, Error{Status: 400, Code: code, Message: "The pagination token is invalid."})
		return
	}
	writeXML(w, http.StatusOK, listResponse(req.Action, spec, reqID, page, next))
}

// pageOf cuts the page a token points at. Tokens are "page-N", N the index
// of the page's first item.
func pageOf(items []string, token string, size int) (page []string, next string, ok bool) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "page-"))
		if err != nil || !strings.HasPrefix(token, "page-") || n <= 0 || n > len(items) {
			return nil, "", false
		}
		start = n
	}
	end := len(items)
	if size > 0 && start+size < len(items) {
		end, next = start+size, fmt.Sprintf("page-%d", start+size)
	}
	return items[start:end], next, true
}

// listResponse is the whole response document of one page.
func listResponse(action string, spec actionSpec, reqID string, items []string, next string) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	fmt.Fprintf(&b, "<%sResponse xmlns=%q>\n", action, spec.ns)
	if spec.ec2 {
		fmt.Fprintf(&b, "  <requestId>%s</requestId>\n", reqID)
	} else {
		fmt.Fprintf(&b, "  <%sResult>\n", action)
	}
	if len(items) == 0 {
		fmt.Fprintf(&b, "  <%s/>\n", spec.list)
	} else {
		fmt.Fprintf(&b, "  <%s>\n", spec.list)
		for _, it := range items {
			fmt.Fprintf(&b, "    <%s>%s</%s>\n", spec.item, it, spec.item)
		}
		fmt.Fprintf(&b, "  </%s>\n", spec.list)
	}
	if next != "" {
		fmt.Fprintf(&b, "  <%s>%s</%s>\n", spec.outTok, escape(next), spec.outTok)
	}
	if !spec.ec2 {
		fmt.Fprintf(&b, "  </%sResult>\n", action)
		fmt.Fprintf(&b, "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n", reqID)
	}
	fmt.Fprintf(&b, "</%sResponse>\n", action)
	return b.String()
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// assumeRole answers AssumeRole for any role with the Temp* credentials,
// valid for an hour.
func (h *Handler) assumeRole(w http.ResponseWriter, req Request, reqID string) {
	spec := actions["AssumeRole"]
	roleARN, session := req.Form.Get("RoleArn"), req.Form.Get("RoleSessionName")
	if roleARN == "" || session == "" {
		h.reportUnexpected("awstest: AssumeRole without RoleArn or RoleSessionName: %v", req.Form)
		writeError(w, spec, reqID, Error{Status: 400, Code: "ValidationError", Message: "RoleArn and RoleSessionName are required"})
		return
	}
	// arn:aws:iam::210987654321:role/path/name → account and role name.
	account, roleName := "123456789012", roleARN
	if parts := strings.SplitN(roleARN, ":", 6); len(parts) == 6 {
		account = parts[4]
		roleName = parts[5][strings.LastIndex(parts[5], "/")+1:]
	}
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	writeXML(w, http.StatusOK, xmlHeader+`<AssumeRoleResponse xmlns="`+spec.ns+`">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::`+escape(account)+`:assumed-role/`+escape(roleName)+`/`+escape(session)+`</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:`+escape(session)+`</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>`+TempAccessKeyID+`</AccessKeyId>
      <SecretAccessKey>`+TempSecretAccessKey+`</SecretAccessKey>
      <SessionToken>`+TempSessionToken+`</SessionToken>
      <Expiration>`+exp+`</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>`+reqID+`</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`)
}

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeError answers e in the shape of the action's protocol: EC2's
// <Response><Errors><Error>, or the query protocols' <ErrorResponse>.
func writeError(w http.ResponseWriter, spec actionSpec, reqID string, e Error) {
	if spec.ec2 {
		writeXML(w, e.Status, xmlHeader+`<Response><Errors><Error><Code>`+escape(e.Code)+`</Code><Message>`+escape(e.Message)+
			`</Message></Error></Errors><RequestID>`+reqID+`</RequestID></Response>`+"\n")
		return
	}
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	ns := ""
	if spec.ns != "" {
		ns = fmt.Sprintf(" xmlns=%q", spec.ns)
	}
	writeXML(w, e.Status, xmlHeader+`<ErrorResponse`+ns+`>
  <Error>
    <Type>`+typ+`</Type>
    <Code>`+escape(e.Code)+`</Code>
    <Message>`+escape(e.Message)+`</Message>
  </Error>
  <RequestId>`+reqID+`</RequestId>
</ErrorResponse>
`)
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
