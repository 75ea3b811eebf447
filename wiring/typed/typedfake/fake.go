// Package typedfake gives unit tests a fake dynamic client that holds typed
// Kubernetes and Knative objects, for the typed clients to run against.
package typedfake

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Scheme holds every type the plugin's commands read or write.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{knapi.AddToScheme, corev1.AddToScheme, discoveryv1.AddToScheme,
		authorizationv1.AddToScheme, appsv1.AddToScheme, rbacv1.AddToScheme, autoscalingv2.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// New returns a fake dynamic client holding objs. The fake keeps everything
// as unstructured (as the API server's JSON would be): given typed kinds it
// would build typed lists and fail to put unstructured items in them.
func New(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	scheme := Scheme()
	lists := map[schema.GroupVersionResource]string{
		{Group: "sources.knative.dev", Version: "v1", Resource: "sinkbindings"}:           "SinkBindingList",
		{Group: "sources.knative.dev", Version: "v1", Resource: "pingsources"}:            "PingSourceList",
		{Group: "sources.knative.dev", Version: "v1", Resource: "apiserversources"}:       "ApiServerSourceList",
		{Group: "sources.knative.dev", Version: "v1", Resource: "containersources"}:       "ContainerSourceList",
		{Group: "flows.knative.dev", Version: "v1", Resource: "sequences"}:                "SequenceList",
		{Group: "flows.knative.dev", Version: "v1", Resource: "parallels"}:                "ParallelList",
		{Group: "messaging.knative.dev", Version: "v1", Resource: "inmemorychannels"}:     "InMemoryChannelList",
		{Group: "messaging.knative.dev", Version: "v1beta1", Resource: "kafkachannels"}:   "KafkaChannelList",
		{Group: "operator.knative.dev", Version: "v1beta1", Resource: "knativeeventings"}: "KnativeEventingList",
		{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}:       "HTTPRouteList",
		{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gateways"}:         "GatewayList",
	}
	for gvk := range scheme.AllKnownTypes() {
		if strings.HasSuffix(gvk.Kind, "List") || gvk.Version == runtime.APIVersionInternal {
			continue
		}
		gvr, _ := meta.UnsafeGuessKindToResource(gvk)
		lists[gvr] = gvk.Kind + "List"
	}
	var objects []runtime.Object
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			objects = append(objects, u)
			continue
		}
		kinds, _, err := scheme.ObjectKinds(o)
		if err != nil {
			panic(err)
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			panic(err)
		}
		u := &unstructured.Unstructured{Object: m}
		u.SetGroupVersionKind(kinds[0])
		objects = append(objects, u)
	}
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objects...)
}
