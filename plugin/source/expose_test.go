package source_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// exposeFactory holds a source with a token, an IngressClass "web", a TLS
// Secret and a Gateway infra/public with an HTTPS listener; the Gateway API
// is served when gatewayAPI.
func exposeFactory(t *testing.T, gatewayAPI bool, extra ...runtime.Object) *cmdtest.Factory {
	t.Helper()
	gw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": "public", "namespace": "infra"},
		"spec": map[string]any{"gatewayClassName": "traefik", "listeners": []any{
			map[string]any{"name": "https", "protocol": "HTTPS", "port": int64(443), "hostname": "*.example.com",
				"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}}}}},
	}}
	// listeners that attach no route from the integration namespace: the
	// default allowedRoutes (from: Same), a selector the namespace does not
	// match, another hostname, TCP routes only
	closed := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": "closed", "namespace": "infra"},
		"spec": map[string]any{"gatewayClassName": "traefik", "listeners": []any{
			map[string]any{"name": "same", "protocol": "HTTPS", "port": int64(443)},
			map[string]any{"name": "sel", "protocol": "HTTP", "port": int64(80), "allowedRoutes": map[string]any{"namespaces": map[string]any{
				"from": "Selector", "selector": map[string]any{"matchLabels": map[string]any{"expose": "yes"}}}}},
			map[string]any{"name": "other", "protocol": "HTTP", "port": int64(8080), "hostname": "*.example.org",
				"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}}},
			map[string]any{"name": "tcp", "protocol": "HTTP", "port": int64(8081),
				"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}, "kinds": []any{map[string]any{"kind": "TCPRoute"}}}},
		}},
	}}
	objs := append(sourceObjects(t, "shop"),
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "web"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "events-tls", Namespace: integration}, Type: corev1.SecretTypeTLS},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "opaque", Namespace: integration}, Type: corev1.SecretTypeOpaque})
	f := cmdtest.NewFactory("default", append(objs, extra...)...)
	// made, not preset: the fake's preset objects miss this group's resource
	for _, g := range []*unstructured.Unstructured{gw, closed} {
		if _, err := f.Dyn.Resource(wiring.GatewaysGVR).Namespace("infra").Create(t.Context(), g, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.ServeApply()
	if gatewayAPI {
		f.Disc.Resources = []*metav1.APIResourceList{{GroupVersion: "gateway.networking.k8s.io/v1",
			APIResources: []metav1.APIResource{{Name: "httproutes", Namespaced: true, Kind: "HTTPRoute"}, {Name: "gateways", Namespaced: true, Kind: "Gateway"}}}}
	}
	return f
}

func exposureObject(t *testing.T, f *cmdtest.Factory, kind string) *unstructured.Unstructured {
	t.Helper()
	gvr := wiring.IngressesGVR
	if kind == "HTTPRoute" {
		gvr = wiring.HTTPRoutesGVR
	}
	u, err := f.Dyn.Resource(gvr).Namespace(integration).Get(t.Context(), "shop-adapter", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return u
}

// expose makes the Ingress only once the application has a token (or with
// --allow-anonymous), routes HOST/APP to the adapter's Service, carries the
// plugin's marks and the external URL; again it converges; with --gateway
// the HTTPRoute replaces the Ingress; unexpose and source delete remove it.
func TestExposeAndUnexpose(t *testing.T) {
	f := exposeFactory(t, true)
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --ingress-class web", 1, "",
		`error: --allow-anonymous: application "shop" has no token, so anyone who reaches shop.example.com could send events in its name; make one first (kubectl kymamesh source token create shop) or pass --allow-anonymous`+"\n")
	if exposureObject(t, f, "Ingress") != nil {
		t.Fatal("an Ingress was made for an application without a token")
	}
	if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --ingress-class web --tls-secret events-tls", 0,
		"ingress.networking.k8s.io/shop-adapter created\n", "")
	ing := exposureObject(t, f, "Ingress")
	if ing == nil || !wiring.IsManaged(ing) || ing.GetLabels()[wiring.AppLabel] != "shop" ||
		ing.GetAnnotations()[wiring.ExternalURLAnnotation] != "https://shop.example.com/shop/events" {
		t.Fatalf("the ingress: %v", ing)
	}
	rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
	if s := strings.Join(strings.Fields(strings.ReplaceAll(strings.ReplaceAll(toJSON(t, rules), "{", " "), "}", " ")), ""); !strings.Contains(s, `"host":"shop.example.com"`) ||
		!strings.Contains(s, `"path":"/shop","pathType":"Prefix"`) || !strings.Contains(s, `"name":"shop-adapter","port":"number":80`) {
		t.Fatalf("the ingress's rules: %s", s)
	}
	if c, _, _ := unstructured.NestedString(ing.Object, "spec", "ingressClassName"); c != "web" {
		t.Fatalf("ingressClassName %q", c)
	}
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --ingress-class web --tls-secret events-tls", 0,
		"ingress.networking.k8s.io/shop-adapter unchanged\n", "")
	cmdtest.Expect(t, f, "source expose shop --host other.example.com --ingress-class web", 0,
		"ingress.networking.k8s.io/shop-adapter configured\n", "")
	r := cmdtest.Run(t.Context(), f, "", "source", "describe", "shop")
	if r.Code != 0 || !strings.Contains(r.Stdout, "Exposed:      http://other.example.com/shop/events (without TLS; ingress/shop-adapter, web)\n") {
		t.Fatalf("describe: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "status", "--integration-namespace", integration, "-A")
	if r.Code != 0 || !strings.Contains(r.Stdout, "exposed http://other.example.com/shop/events (without TLS; ingress/shop-adapter, web)") {
		t.Fatalf("status: %+v", r)
	}
	// The Gateway's HTTPS listener makes it https; another prefix is rewritten.
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --gateway infra/public --path /apps/shop", 0,
		"httproute.gateway.networking.k8s.io/shop-adapter created\ningress.networking.k8s.io/shop-adapter deleted\n", "")
	rt := exposureObject(t, f, "HTTPRoute")
	if rt == nil || rt.GetAnnotations()[wiring.ExternalURLAnnotation] != "https://shop.example.com/apps/shop/events" || exposureObject(t, f, "Ingress") != nil {
		t.Fatalf("the route: %v", rt)
	}
	if s := toJSON(t, rt.Object["spec"]); !strings.Contains(s, `"replacePrefixMatch":"/shop"`) || !strings.Contains(s, `"namespace":"infra"`) ||
		!strings.Contains(s, `"value":"/apps/shop"`) || !strings.Contains(s, `"backendRefs":[{"name":"shop-adapter","port":80}]`) {
		t.Fatalf("the route's spec: %s", s)
	}
	cmdtest.Expect(t, f, "source unexpose shop", 0, "httproute.gateway.networking.k8s.io/shop-adapter deleted\n", "")
	cmdtest.Expect(t, f, "source unexpose shop", 0, "", `application "shop" in namespace "kyma-integration" is not exposed`+"\n")
	// source delete takes the route with the rest of the source.
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --gateway infra/public", 0,
		"httproute.gateway.networking.k8s.io/shop-adapter created\n", "")
	r = cmdtest.Run(t.Context(), f, "", "source", "delete", "shop")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "httproute.gateway.networking.k8s.io/shop-adapter deleted\n") || !strings.Contains(r.Stdout, "secret/shop-adapter-credentials deleted\n") {
		t.Fatalf("source delete: %+v", r)
	}
	if exposureObject(t, f, "HTTPRoute") != nil {
		t.Fatal("source delete left the route")
	}
}

// What expose checks in the cluster is refused in one line naming the flag,
// before anything is made.
func TestExposeRefusals(t *testing.T) {
	foreign := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "shop-adapter", Namespace: integration}}
	for _, c := range []struct {
		gatewayAPI bool
		extra      []runtime.Object
		args, want string
	}{
		{true, nil, "--ingress-class nginx", `error: --ingress-class: IngressClass "nginx" does not exist (kubectl get ingressclass)`},
		{true, nil, "", `error: --ingress-class: the cluster has no default IngressClass; name one (kubectl get ingressclass) or use --gateway`},
		{true, nil, "--ingress-class web --tls-secret missing", `error: --tls-secret: secret "missing" not found in namespace "kyma-integration" (an Ingress takes its certificate from its own namespace: kubectl create secret tls missing -n kyma-integration --cert ... --key ...)`},
		{true, nil, "--ingress-class web --tls-secret opaque", `error: --tls-secret: secret "opaque" in namespace "kyma-integration" is of type "Opaque", not kubernetes.io/tls`},
		{false, nil, "--gateway infra/public", `error: --gateway: the cluster does not serve the Gateway API (gateway.networking.k8s.io/v1 HTTPRoute): install its CRDs, or use --ingress-class`},
		{true, nil, "--gateway infra/private", `error: --gateway: Gateway "private" not found in namespace "infra" (kubectl get gateways -A)`},
		{true, []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: integration}}}, "--gateway infra/closed", `error: --gateway: Gateway infra/closed has no HTTP or HTTPS listener for host "shop.example.com" that admits HTTPRoutes from namespace "kyma-integration" (its listeners' hostname and allowedRoutes; from: Same is the default): the route would not be attached`},
		{true, []runtime.Object{foreign}, "--ingress-class web", `error: ingress "shop-adapter" in namespace "kyma-integration" exists and was not made by kubectl-kymamesh for application "shop": nothing was changed; delete it or expose the application in another way`},
	} {
		f := exposeFactory(t, c.gatewayAPI, c.extra...)
		if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
			t.Fatalf("token create: %+v", r)
		}
		f.Dyn.ClearActions()
		cmdtest.Expect(t, f, "source expose shop --host shop.example.com "+c.args, 1, "", c.want+"\n")
		for _, a := range f.Dyn.Actions() {
			if v := a.GetVerb(); v != "get" && v != "list" {
				t.Errorf("%s: sent %s %s", c.args, v, a.GetResource().Resource)
			}
		}
	}
	// The selector listener admits a namespace it matches (plain HTTP).
	f := exposeFactory(t, true, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: integration, Labels: map[string]string{"expose": "yes"}}})
	if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --gateway infra/closed", 0,
		"httproute.gateway.networking.k8s.io/shop-adapter created\n", "")
	if rt := exposureObject(t, f, "HTTPRoute"); rt == nil || rt.GetAnnotations()[wiring.ExternalURLAnnotation] != "http://shop.example.com/shop/events" {
		t.Fatalf("the route through the selector listener: %v", rt)
	}
	// Someone else's Ingress of the name: unexpose and source delete leave it.
	f = exposeFactory(t, true, foreign)
	cmdtest.Expect(t, f, "source unexpose shop", 1, "", `error: ingress shop-adapter in namespace "kyma-integration" was not made by kubectl-kymamesh for application "shop": left alone`+"\n")
	if r := cmdtest.Run(t.Context(), f, "", "source", "delete", "shop"); r.Code != 0 || strings.Contains(r.Stdout, "ingress") {
		t.Fatalf("source delete: %+v", r)
	}
	if exposureObject(t, f, "Ingress") == nil {
		t.Fatal("source delete deleted someone else's Ingress")
	}
	// An application without a source is not exposed.
	f = exposeFactory(t, true)
	cmdtest.Expect(t, f, "source expose crm --host crm.example.com --allow-anonymous --ingress-class web", 1, "",
		`error: APP: source "crm" not found in namespace "kyma-integration" (kubectl kymamesh source list)`+"\n")
	// --allow-anonymous exposes one without a token, and says nothing more;
	// doctor and status then warn.
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --allow-anonymous --ingress-class web", 0,
		"ingress.networking.k8s.io/shop-adapter created\n", "")
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An adapter made by an older plugin does not mount its tokens: exposing it
// would open it to anyone, token or not, so it is refused.
func TestExposeRefusesAnAdapterThatIgnoresItsTokens(t *testing.T) {
	f := exposeFactory(t, true)
	if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	dep := deployments
	u, err := f.Dyn.Resource(dep).Namespace(integration).Get(t.Context(), "shop-adapter", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	unstructured.RemoveNestedField(u.Object, "spec", "template", "spec", "volumes")
	if _, err := f.Dyn.Resource(dep).Namespace(integration).Update(t.Context(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --ingress-class web", 1, "",
		`error: --allow-anonymous: the adapter deployment "shop-adapter" does not mount its tokens (made by an older kubectl-kymamesh), so it takes events without one; run kubectl kymamesh source create http shop first, or pass --allow-anonymous`+"\n")
}

// Another Ingress (any namespace, the same class or the default) or
// HTTPRoute (the same Gateway) that routes the same host and path would
// leave the winner to the controller: expose refuses and makes nothing,
// unless --force-conflicts; so does one under ours that takes the adapter's
// endpoints, or a wildcard host that covers ours. A path that only nests
// under theirs, another class or another host is no clash.
func TestExposeRefusesAHostAndPathAnotherRoutes(t *testing.T) {
	prefix := networkingv1.PathTypePrefix
	ing := func(ns, name, class, host, path string) *networkingv1.Ingress {
		i := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "other", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}}}
		if class != "" {
			i.Spec.IngressClassName = &class
		}
		return i
	}
	for _, c := range []struct {
		theirs *networkingv1.Ingress
		want   string // "" for no clash
	}{
		{ing("shop-team", "storefront", "web", "shop.example.com", "/shop"), `error: ingress shop-team/storefront already routes shop.example.com/shop (IngressClass web): two routes for one host and path leave it to the controller which gets the traffic; nothing was changed (pass --force-conflicts to expose it anyway)`},
		{ing("shop-team", "storefront", "", "shop.example.com", "/shop/"), `error: ingress shop-team/storefront already routes shop.example.com/shop (the default IngressClass): two routes`},
		{ing("shop-team", "catchall", "", "", "/shop"), `error: ingress shop-team/catchall already routes every host, path /shop (the default IngressClass)`},
		// Under ours and more specific: it would take the adapter's endpoints.
		{ing("shop-team", "events", "web", "shop.example.com", "/shop/events"), `error: ingress shop-team/events already routes shop.example.com/shop/events (IngressClass web), under this exposure's /shop: it would take the events, and the tokens, senders post there; nothing was changed (pass --force-conflicts to expose it anyway)`},
		{ing("shop-team", "legacy", "", "shop.example.com", "/shop/v1/"), `error: ingress shop-team/legacy already routes shop.example.com/shop/v1 (the default IngressClass), under this exposure's /shop`},
		{ing("shop-team", "charwise", "web", "shop.example.com", "/shop/ev"), `error: ingress shop-team/charwise already routes shop.example.com/shop/ev (IngressClass web), under this exposure's /shop`},
		// A wildcard host: Traefik ranks its longer rule first.
		{ing("shop-team", "wildcard", "web", "*.example.com", "/shop"), `error: ingress shop-team/wildcard already routes *.example.com/shop (IngressClass web): two routes`},
		{ing("shop-team", "deepwild", "web", "*.example.com", "/shop/events"), `error: ingress shop-team/deepwild already routes *.example.com/shop/events (IngressClass web), under this exposure's /shop`},
		{ing("shop-team", "otherwild", "web", "*.other.com", "/shop"), ""},
		{ing("shop-team", "twolabels", "web", "*.com", "/shop"), ""},
		{ing("shop-team", "sibling", "web", "shop.example.com", "/shopping"), ""},
		{ing("shop-team", "root", "web", "shop.example.com", "/"), ""},
		{ing("shop-team", "deeper", "web", "shop.example.com", "/shop/admin"), ""},
		{ing("shop-team", "otherclass", "nginx", "shop.example.com", "/shop"), ""},
		{ing("shop-team", "otherhost", "web", "crm.example.com", "/shop"), ""},
	} {
		f := exposeFactory(t, true, c.theirs)
		if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
			t.Fatalf("token create: %+v", r)
		}
		r := cmdtest.Run(t.Context(), f, "", "source", "expose", "shop", "--host", "shop.example.com", "--ingress-class", "web")
		switch {
		case c.want == "" && r.Code != 0:
			t.Errorf("%s: want no clash, got %+v", c.theirs.Name, r)
		case c.want != "" && (r.Code != 1 || !strings.HasPrefix(r.Stderr, c.want) || exposureObject(t, f, "Ingress") != nil):
			t.Errorf("%s: want exit 1 and %q and nothing made, got %+v", c.theirs.Name, c.want, r)
		case c.want != "":
			if r := cmdtest.Run(t.Context(), f, "", "source", "expose", "shop", "--host", "shop.example.com", "--ingress-class", "web", "--force-conflicts"); r.Code != 0 || exposureObject(t, f, "Ingress") == nil {
				t.Errorf("%s: --force-conflicts: %+v", c.theirs.Name, r)
			}
		}
	}
	// An HTTPRoute on the same Gateway for the same host and path.
	f := exposeFactory(t, true)
	theirs := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
		"metadata": map[string]any{"name": "storefront", "namespace": "shop-team"},
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"name": "public", "namespace": "infra"}},
			"hostnames":  []any{"shop.example.com"},
			"rules":      []any{map[string]any{"matches": []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/shop"}}}}},
		},
	}}
	if _, err := f.Dyn.Resource(wiring.HTTPRoutesGVR).Namespace("shop-team").Create(t.Context(), theirs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --gateway infra/public", 1, "",
		"error: httproute shop-team/storefront already routes shop.example.com/shop (Gateway infra/public): two routes for one host and path leave it to the controller which gets the traffic; nothing was changed (pass --force-conflicts to expose it anyway)\n")
	// One on the Gateway under the route's path, for its endpoint: refused.
	theirs.SetName("sneaky")
	_ = unstructured.SetNestedSlice(theirs.Object, []any{map[string]any{"matches": []any{map[string]any{"path": map[string]any{"type": "Exact", "value": "/apps/shop/events"}}}}}, "spec", "rules")
	if _, err := f.Dyn.Resource(wiring.HTTPRoutesGVR).Namespace("shop-team").Create(t.Context(), theirs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --gateway infra/public --path /apps/shop", 1, "",
		"error: httproute shop-team/sneaky already routes shop.example.com/apps/shop/events (Gateway infra/public), under this exposure's /apps/shop: it would take the events, and the tokens, senders post there; nothing was changed (pass --force-conflicts to expose it anyway)\n")
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --gateway infra/public --path /apps/shop-events", 0,
		"httproute.gateway.networking.k8s.io/shop-adapter created\n", "")
}

// wire --expose for an application it would make has no token yet, and
// source token create needs its adapter: the refusal says the way through
// (wire without --expose, a token, wire again) instead of pointing at
// token create, which cannot work yet; nothing is made.
func TestWireExposeOfANewApplicationSaysTheWayThrough(t *testing.T) {
	f := cmdtest.NewFactory("default", &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "web"}})
	f.ServeApply()
	wire := "wire shop --to shop --create-namespace --expose shop.example.com --ingress-class web"
	cmdtest.Expect(t, f, wire, 1, "",
		`error: --allow-anonymous: application "shop" has no token yet, so anyone who reaches shop.example.com could send events in its name; a token needs its adapter: run this without --expose first, make a token (kubectl kymamesh source token create shop), then run it again (or pass --allow-anonymous); nothing was changed`+"\n")
	if exposureObject(t, f, "Ingress") != nil {
		t.Fatal("a refused wire --expose made the Ingress")
	}
	// The way it says works.
	if r := cmdtest.Run(t.Context(), f, "", "wire", "shop", "--to", "shop", "--create-namespace"); r.Code != 0 {
		t.Fatalf("wire: %+v", r)
	}
	if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	if r := cmdtest.Run(t.Context(), f, "", strings.Fields(wire)...); r.Code != 0 || exposureObject(t, f, "Ingress") == nil {
		t.Fatalf("wire --expose again: %+v", r)
	}
}

// A namespace's admin may make Ingresses in the integration namespace but
// may not read IngressClasses (cluster-wide) nor list Ingresses elsewhere:
// expose makes the Ingress without those checks instead of failing on
// them; a Gateway in another namespace it may not read is still an error
// naming it (its listeners decide the URL's scheme and whether the route
// attaches).
func TestExposeAsANamespaceAdmin(t *testing.T) {
	f := exposeFactory(t, true)
	if r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop"); r.Code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	// Kubernetes' admin role: nothing outside the namespace, and no
	// HTTPRoutes (the Gateway API's CRDs do not aggregate into it).
	f.Dyn.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if g, ok := a.(k8stesting.GetAction); ok && a.GetResource().Resource == "namespaces" && g.GetName() == integration {
			return false, nil, nil // its own namespace: a RoleBinding there grants it
		}
		if a.GetNamespace() != integration || a.GetResource().Resource == "httproutes" {
			return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "", errors.New(`User "alice" cannot `+a.GetVerb()+` resource "`+a.GetResource().Resource+`"`))
		}
		return false, nil, nil
	})
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com --ingress-class web", 0, "ingress.networking.k8s.io/shop-adapter created\n", "")
	cmdtest.Expect(t, f, "source unexpose shop", 0, "ingress.networking.k8s.io/shop-adapter deleted\n", "")
	cmdtest.Expect(t, f, "source expose shop --host shop.example.com", 0, "ingress.networking.k8s.io/shop-adapter created\n", "")

	r := cmdtest.Run(t.Context(), f, "", "source", "expose", "shop", "--host", "shop.example.com", "--gateway", "infra/public")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, `error: forbidden: cannot get gateways "public" in namespace "infra"`) {
		t.Fatalf("--gateway the user may not read: %+v", r)
	}
	// source delete takes the Ingress and the rest, not stopping at the
	// HTTPRoutes it may not read.
	if exposureObject(t, f, "Ingress") == nil {
		t.Fatal("the refused --gateway removed the Ingress")
	}
	r = cmdtest.Run(t.Context(), f, "", "source", "delete", "shop")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "ingress.networking.k8s.io/shop-adapter deleted\n") || exposureObject(t, f, "Ingress") != nil {
		t.Fatalf("source delete as a namespace's admin: %+v", r)
	}
}
