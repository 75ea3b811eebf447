// Package reach finds how send reaches a target from this machine: the URL
// a target stands for, and for an in-cluster address a ready pod behind its
// Service and a port-forward to it.
package reach

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Address is where a target takes events: its URL and, with Knative's OIDC
// authentication on, the audience a token presented to it must carry
// (status.address.audience; empty when the target has none).
type Address struct {
	URL, Audience string
	// What names the target's object in messages: `broker "b" in namespace "ns"`.
	What string
}

// ResolveTarget turns a send target into the address to post to: an http(s)
// URL as it is; app:APP as the application's adapter Service; any other sink
// (broker:, channel:, ksvc:, svc:, KIND:APIVERSION:NAME) as the address in
// its status.
func ResolveTarget(ctx context.Context, dyn dynamic.Interface, target, namespace, integrationNS string) (Address, error) {
	dest, err := CheckTarget(target, namespace)
	if err != nil {
		return Address{}, err
	}
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return Address{URL: target, What: target}, nil
	}
	if app, ok := strings.CutPrefix(target, "app:"); ok {
		svc := wiring.AdapterName(app)
		if _, err := dyn.Resource(wiring.ServicesGVR).Namespace(integrationNS).Get(ctx, svc, metav1.GetOptions{}); err != nil {
			return Address{}, wiring.APIError(err, "get", "service", svc, integrationNS)
		}
		return Address{URL: AppAddress(app, integrationNS), What: fmt.Sprintf("application %q", app)}, nil
	}
	return addressOf(ctx, dyn, dest.Ref)
}

// AppAddress is the in-cluster address of an application's adapter.
func AppAddress(app, integrationNS string) string {
	return fmt.Sprintf("http://%s.%s.svc.cluster.local/", wiring.AdapterName(app), integrationNS)
}

// CheckTarget checks a send target's syntax without a cluster; for a sink it
// returns the reference.
func CheckTarget(target, namespace string) (*duckv1.Destination, error) {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		u, err := url.Parse(target)
		if err != nil || u.Host == "" {
			return nil, invalid.Errorf("--to", "%q is not a valid URL", target)
		}
		return nil, nil
	}
	if app, ok := strings.CutPrefix(target, "app:"); ok {
		if err := wiring.ValidateName("--to", app); err != nil {
			return nil, err
		}
		if len(wiring.AdapterName(app)) > 63 {
			return nil, invalid.Errorf("--to", "%q: no application can have that name: its adapter Service name would be longer than 63 characters", app)
		}
		return nil, nil
	}
	dest, err := wiring.ParseSink("--to", target, namespace)
	var ie *invalid.Error
	if errors.As(err, &ie) && strings.Contains(ie.Error(), "unknown sink type") {
		return nil, invalid.Errorf("--to", "%q: want app:APP, broker:NAME[:NS], channel:NAME[:NS], another kn sink or a URL", target)
	}
	return dest, err
}

// addressOf reads an addressable object's status.address (url and
// audience); a core Service has none and is addressed by its cluster DNS name.
func addressOf(ctx context.Context, dyn dynamic.Interface, ref *duckv1.KReference) (Address, error) {
	gvr, err := wiring.SinkResource(ref)
	if err != nil {
		return Address{}, invalid.Errorf("--to", "bad API version %q", ref.APIVersion)
	}
	obj, err := dyn.Resource(gvr).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return Address{}, wiring.APIError(err, "get", strings.ToLower(ref.Kind), ref.Name, ref.Namespace)
	}
	what := fmt.Sprintf("%s %q in namespace %q", strings.ToLower(ref.Kind), ref.Name, ref.Namespace)
	if gvr.Group == "" && ref.Kind == "Service" {
		port := int64(80)
		if ports, _, _ := unstructured.NestedSlice(obj.Object, "spec", "ports"); len(ports) > 0 {
			if p, ok := ports[0].(map[string]any)["port"].(int64); ok {
				port = p
			}
		}
		return Address{URL: fmt.Sprintf("http://%s.%s.svc.cluster.local:%d/", ref.Name, ref.Namespace, port), What: what}, nil
	}
	addr, _, _ := unstructured.NestedString(obj.Object, "status", "address", "url")
	if addr == "" {
		return Address{}, fmt.Errorf("%s has no address yet (is it Ready?)", what)
	}
	aud, _, _ := unstructured.NestedString(obj.Object, "status", "address", "audience")
	return Address{URL: addr, Audience: aud, What: what}, nil
}
