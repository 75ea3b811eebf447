package wiring

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

func TestParseSink(t *testing.T) {
	ref := func(kind, apiVersion, name, ns string) *duckv1.Destination {
		return &duckv1.Destination{Ref: &duckv1.KReference{Kind: kind, APIVersion: apiVersion, Name: name, Namespace: ns}}
	}
	for in, want := range map[string]*duckv1.Destination{
		"handler":                         ref("Service", "serving.knative.dev/v1", "handler", "cur"),
		"ksvc:handler":                    ref("Service", "serving.knative.dev/v1", "handler", "cur"),
		"ksvc:handler:other":              ref("Service", "serving.knative.dev/v1", "handler", "other"),
		"svc:handler":                     ref("Service", "v1", "handler", "cur"),
		"broker:default:orders":           ref("Broker", "eventing.knative.dev/v1", "default", "orders"),
		"channel:shop":                    ref("Channel", "messaging.knative.dev/v1", "shop", "cur"),
		"Sequence:flows.knative.dev/v1:s": ref("Sequence", "flows.knative.dev/v1", "s", "cur"),
		"Service:v1:plain":                ref("Service", "v1", "plain", "cur"),
		"messaging.knative.dev/v1/inmemorychannels:imc1": ref("InMemoryChannel", "messaging.knative.dev/v1", "imc1", "cur"),
		"jobsink:batch":                          ref("JobSink", "sinks.knative.dev/v1alpha1", "batch", "cur"),
		"integrationsink:s3:ops":                 ref("IntegrationSink", "sinks.knative.dev/v1alpha1", "s3", "ops"),
		"eventtransform:tr":                      ref("EventTransform", "eventing.knative.dev/v1alpha1", "tr", "cur"),
		"sinks.knative.dev/v1alpha1/jobsinks:j2": ref("JobSink", "sinks.knative.dev/v1alpha1", "j2", "cur"),
	} {
		got, err := ParseSink("--sink", in, "cur")
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", in, diff)
		}
	}
	// The short prefixes come back in tables and describe.
	for _, in := range []string{"jobsink:batch", "integrationsink:s3:ops", "eventtransform:tr", "broker:default"} {
		d, _ := ParseSink("--sink", in, "cur")
		if got := SinkString(d, "cur"); got != in {
			t.Errorf("SinkString(ParseSink(%q)) = %q", in, got)
		}
	}
	got, err := ParseSink("--sink", "https://example.com:8443/in?x=1", "cur")
	if err != nil || got.URI == nil || got.URI.String() != "https://example.com:8443/in?x=1" || got.Ref != nil {
		t.Fatalf("URL sink: %+v %v", got, err)
	}
	for _, bad := range []string{"", "x:y:z:w", "ksvc:", "broker:b:", "http://", "flows.knative.dev/v1/unknowns:x"} {
		if _, err := ParseSink("--sink", bad, "cur"); !errors.Is(err, invalid.Err) {
			t.Errorf("%q: want an invalid-input error, got %v", bad, err)
		}
	}
}

func TestSinkStringRoundTrips(t *testing.T) {
	for _, in := range []string{"ksvc:a", "svc:a:other", "broker:default", "channel:c:x", "Sequence:flows.knative.dev/v1:s", "http://h/p"} {
		d, err := ParseSink("--sink", in, "cur")
		if err != nil {
			t.Fatal(err)
		}
		if got := SinkString(d, "cur"); got != in {
			t.Errorf("SinkString(ParseSink(%q)) = %q", in, got)
		}
	}
}

func TestISODuration(t *testing.T) {
	for in, want := range map[string]string{
		"PT2S": "PT2S", "PT0.5S": "PT0.5S", "P1DT2H": "P1DT2H", "200ms": "PT0.2S", "1m30s": "PT90S", "2h": "PT7200S",
		"PT1.50S": "PT1.50S", "1500ms": "PT1.5S",
	} {
		got, err := ISODuration("--x", in, false)
		if err != nil || got != want {
			t.Errorf("ISODuration(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Knative keeps tenths of a second: finer fractions would be read as lost.
	for _, bad := range []string{"", "P", "PT", "2", "-1s", "0s", "PT0S", "PT0.0S", "P0D", "P1.5D", "PTS", "soon",
		"1ns", "50ms", "1.25s", "PT0.05S", "PT1.55S"} {
		if _, err := ISODuration("--x", bad, false); !errors.Is(err, invalid.Err) {
			t.Errorf("ISODuration(%q): want an error", bad)
		}
	}
	// Where Knative takes zero (a backoff delay), 0s and PT0S mean the same.
	for in, want := range map[string]string{"0s": "PT0S", "PT0S": "PT0S", "0": "PT0S"} {
		if got, err := ISODuration("--x", in, true); err != nil || got != want {
			t.Errorf("ISODuration(%q, zero allowed) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseKeyValues(t *testing.T) {
	set, remove, err := ParseKeyValues("--filter", []string{"type=a=b", "source=", "subject-"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"type": "a=b", "source": ""}, set); diff != "" {
		t.Fatal(diff)
	}
	if diff := cmp.Diff([]string{"subject"}, remove); diff != "" {
		t.Fatal(diff)
	}
}

func TestValidateCESQL(t *testing.T) {
	for _, ok := range []string{"type = 'a'", "type LIKE 'order.%' AND source = 'shop'", "EXISTS subject", "LOWER(type) IN ('a', 'b')", "NOT (x > 3)"} {
		if err := ValidateCESQL("--cesql", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"type = = 'a'":   `--cesql: "type = = 'a'": position 8: `,
		"":               "--cesql: the expression is empty",
		"FOO(type)":      `--cesql: "FOO(type)": position 1: unknown function FOO with 1 argument(s)`,
		"type = 'a' AND": `--cesql: "type = 'a' AND": position 15: `,
	} {
		err := ValidateCESQL("--cesql", bad)
		if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%q: want prefix %q, got %v", bad, want, err)
		}
	}
}
