package awssource

// CallObserver is told of every API call a Source's clients make
// (Options.Metrics): *metrics.Metrics is one, and awssource needs no
// Prometheus. service is the SDK's service id ("EC2", "RDS", …), code the
// AWS error code or "" for a success ("error" for a failure without one).
// It must be safe for concurrent use.
type CallObserver interface {
	AWSCall(service, operation, code string)
	AWSRetry(service, operation string)
}
