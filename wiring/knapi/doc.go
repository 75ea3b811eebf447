// Deep copies are generated for every type here (zz_generated.deepcopy.go, by
// `make generate`); the top-level types also get DeepCopyObject (their markers
// are in types.go).
// +k8s:deepcopy-gen=package

// Package knapi holds the plugin's own Go types for the Knative Eventing objects
// it manages: Broker, Trigger (eventing.knative.dev/v1), Channel, Subscription
// (messaging.knative.dev/v1) and EventPolicy (eventing.knative.dev/v1alpha1).
//
// They mirror Knative's types field for field (same JSON), without Knative's
// webhook, defaulting and reconciler code: the upstream API packages import the
// controller runtime (injection, metrics, grpc), which tripled the plugin's
// binary. roundtrip_test.go proves they carry every field of the upstream types.
// SinkBindings and Deployments go through the dynamic client as unstructured.
package knapi
