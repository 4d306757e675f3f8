package awssource

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"labgrid/grader/awssource/awstest"
)

// fakeAWS is an awstest.Handler behind an httptest server: tests give it
// item XML per action, and it adds the envelopes, pages and errors AWS
// documents, and records every request, so that the SDK's real serializers,
// signers, retryers and deserializers run against it.
type fakeAWS struct {
	*awstest.Handler
	URL string
}

type (
	fakeErr = awstest.Error
	fakeReq = awstest.Request
)

func newFakeAWS(t testing.TB) *fakeAWS {
	h := awstest.NewHandler(nil)
	h.OnUnexpected(t.Errorf)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fakeAWS{Handler: h, URL: srv.URL}
}

const baseAccessKey = "AKIAIOSFODNN7EXAMPLE"

// newTestSource points a Source at the fake with static credentials, no
// shared config files, and tiny backoffs.
func newTestSource(t testing.TB, f *fakeAWS, opts Options) *Source {
	t.Helper()
	return newSourceAt(t, f.URL, opts)
}

// newSourceAt is newTestSource for any emulator at endpoint.
func newSourceAt(t testing.TB, endpoint string, opts Options) *Source {
	t.Helper()
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = time.Millisecond
	}
	if opts.TargetTimeout == 0 {
		opts.TargetTimeout = 30 * time.Second // page size 2 makes hundreds of calls; a loaded machine needs time
	}
	s, err := New(context.Background(), opts,
		config.WithBaseEndpoint(endpoint),
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
