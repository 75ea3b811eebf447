package wiring

import (
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// DeliveryOptions are the user's delivery settings; empty fields are left alone.
type DeliveryOptions struct {
	DeadLetterSink string
	Retry          *int32
	BackoffPolicy  string
	BackoffDelay   string
	Timeout        string
	RetryAfterMax  string
}

// IsZero says whether no delivery option was given.
func (o DeliveryOptions) IsZero() bool {
	return o == DeliveryOptions{}
}

// ApplyDelivery merges the options into spec (nil means a new one) and returns it.
// Field names in errors are the CLI's flag names.
func ApplyDelivery(spec *eventingduckv1.DeliverySpec, o DeliveryOptions, namespace string) (*eventingduckv1.DeliverySpec, error) {
	if o.IsZero() {
		return spec, nil
	}
	if spec == nil {
		spec = &eventingduckv1.DeliverySpec{}
	}
	if o.DeadLetterSink != "" {
		d, err := ParseSink("--dl-sink", o.DeadLetterSink, namespace)
		if err != nil {
			return nil, err
		}
		spec.DeadLetterSink = d
	}
	if o.Retry != nil {
		if *o.Retry < 0 {
			return nil, invalid.Errorf("--retry", "%d must not be negative", *o.Retry)
		}
		r := *o.Retry
		spec.Retry = &r
	}
	if o.BackoffPolicy != "" {
		p := eventingduckv1.BackoffPolicyType(o.BackoffPolicy)
		if p != eventingduckv1.BackoffPolicyLinear && p != eventingduckv1.BackoffPolicyExponential {
			return nil, invalid.Errorf("--backoff-policy", "%q: want linear or exponential", o.BackoffPolicy)
		}
		spec.BackoffPolicy = &p
	}
	for _, f := range []struct {
		flag, v   string
		dst       **string
		allowZero bool // as Knative's DeliverySpec validation allows
	}{
		{"--backoff-delay", o.BackoffDelay, &spec.BackoffDelay, true},
		{"--delivery-timeout", o.Timeout, &spec.Timeout, false},
		{"--retry-after-max", o.RetryAfterMax, &spec.RetryAfterMax, true},
	} {
		if f.v == "" {
			continue
		}
		iso, err := ISODuration(f.flag, f.v, f.allowZero)
		if err != nil {
			return nil, err
		}
		*f.dst = &iso
	}
	return spec, nil
}
