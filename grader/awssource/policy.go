package awssource

import (
	"encoding/json"
	"fmt"
	"slices"

	"labgrid/grader"
)

// DataOperations is the IAM actions a Snapshot calls to read each kind of
// data: listeners are listed per load balancer and target health per
// target group, so each needs its parent's list too. The probes are the
// grader's own HTTP requests and need nothing of AWS. The policy test
// compares this with the calls a real Snapshot makes, and collect makes
// the calls it names for the data asked for.
var DataOperations = map[grader.Data][]string{
	grader.DataVPCs:             {"ec2:DescribeVpcs"},
	grader.DataSubnets:          {"ec2:DescribeSubnets"},
	grader.DataRouteTables:      {"ec2:DescribeRouteTables"},
	grader.DataInternetGateways: {"ec2:DescribeInternetGateways"},
	grader.DataInstances:        {"ec2:DescribeInstances"},
	grader.DataImages:           {"ec2:DescribeImages"},
	grader.DataSecurityGroups:   {"ec2:DescribeSecurityGroups"},
	grader.DataKeyPairs:         {"ec2:DescribeKeyPairs"},
	grader.DataLoadBalancers:    {"elasticloadbalancing:DescribeLoadBalancers"},
	grader.DataListeners:        {"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners"},
	grader.DataTargetGroups:     {"elasticloadbalancing:DescribeTargetGroups"},
	grader.DataTargetHealth:     {"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"},
	grader.DataDBClusters:       {"rds:DescribeDBClusters"},
	grader.DataDBInstances:      {"rds:DescribeDBInstances"},
	grader.DataDBSubnetGroups:   {"rds:DescribeDBSubnetGroups"},
	grader.DataRDSEvents:        {"rds:DescribeEvents"},
	grader.DataProbes:           nil,
}

// OperationsFor is the IAM actions that reading data needs, in the order
// of Operations.
func OperationsFor(data []grader.Data) ([]string, error) {
	for _, d := range data {
		if _, ok := DataOperations[d]; !ok {
			return nil, fmt.Errorf("awssource: no AWS operations known for data %q", d)
		}
	}
	need := operationsNeeded(data)
	var out []string
	for _, op := range Operations {
		if need[op] {
			out = append(out, op)
		}
	}
	return out, nil
}

// operationsNeeded is the set of IAM actions that reading data needs; a
// Snapshot makes exactly these calls. Unknown kinds need nothing.
func operationsNeeded(data []grader.Data) map[string]bool {
	need := map[string]bool{}
	for _, d := range data {
		for _, op := range DataOperations[d] {
			need[op] = true
		}
	}
	return need
}

// PolicyDocument is the IAM policy, in the layout of
// deploy/iam-policy.json, that allows actions on every resource (the
// Describe APIs have no resource-level permissions).
func PolicyDocument(actions []string) ([]byte, error) {
	type statement struct {
		Sid      string
		Effect   string
		Action   []string
		Resource string
	}
	doc := struct {
		Version   string
		Statement []statement
	}{
		Version: "2012-10-17",
		Statement: []statement{{
			Sid: "LabgridReadOnlyDescribe", Effect: "Allow", Action: slices.Clone(actions), Resource: "*",
		}},
	}
	if len(actions) == 0 {
		doc.Statement = []statement{}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("awssource: policy: %w", err)
	}
	return append(out, '\n'), nil
}
