package wiring

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	neturl "net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// An application is exposed outside the cluster by one object of its
// adapter's name in the integration namespace: a networking.k8s.io/v1
// Ingress (the most portable) or a Gateway API HTTPRoute. It routes
// HOST/PATH to the adapter's Service; the adapter takes CloudEvents on
// /APP/events (Kyma's Application Connector path) and, with --legacy-events,
// Kyma's events API on /APP/v1/events. An Ingress cannot rewrite paths
// portably, so its path is /APP; an HTTPRoute rewrites any --path to /APP.

// The resources an exposure reads or makes.
var (
	IngressesGVR      = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	IngressClassesGVR = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingressclasses"}
	HTTPRoutesGVR     = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}
	GatewaysGVR       = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gateways"}
)

// ExternalURLAnnotation holds, on an exposure, the URL senders outside the
// cluster post CloudEvents to (https when TLS ends at the ingress).
const ExternalURLAnnotation = "kymamesh.kyma-project.io/external-url"

// defaultIngressClassAnnotation marks the IngressClass an Ingress without a
// class gets.
const defaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

// ExposeSpec says how to expose an application.
type ExposeSpec struct {
	App, Namespace string
	Host           string
	// Path is the external path prefix; empty: /APP.
	Path string
	// TLSSecret is the Ingress's certificate Secret (integration namespace).
	TLSSecret string
	// IngressClass names the Ingress's class; empty with no Gateway: the
	// cluster's default IngressClass.
	IngressClass string
	// Gateway is NS/NAME: an HTTPRoute attached to that Gateway.
	Gateway string
	// AllowAnonymous exposes an application without credentials.
	AllowAnonymous bool
	// HostFlag names the host's flag in errors: --host (wire: --expose).
	HostFlag string
	// ForceConflicts takes fields another manager set (kubectl edit) back.
	ForceConflicts bool
}

func (s *ExposeSpec) hostFlag() string {
	if s.HostFlag != "" {
		return s.HostFlag
	}
	return "--host"
}

var pathRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// Validate checks the spec without a cluster; it fills in the default path.
func (s *ExposeSpec) Validate() error {
	if err := ValidateAppName("APP", s.App); err != nil {
		return err
	}
	if err := ValidateNamespaceName("--integration-namespace", s.Namespace); err != nil {
		return err
	}
	if s.Host == "" {
		return invalid.Errorf(s.hostFlag(), "a host name is required (the DNS name senders outside the cluster use)")
	}
	if net.ParseIP(s.Host) != nil {
		return invalid.Errorf(s.hostFlag(), "%q is an IP address; an Ingress or HTTPRoute matches a DNS name", s.Host)
	}
	if errs := validation.IsDNS1123Subdomain(s.Host); len(errs) > 0 || !strings.Contains(s.Host, ".") && s.Host != "localhost" {
		return invalid.Errorf(s.hostFlag(), "%q is not a DNS name (such as shop.example.com)", s.Host)
	}
	if s.IngressClass != "" && s.Gateway != "" {
		return invalid.Errorf("--gateway", "either --ingress-class (an Ingress) or --gateway (an HTTPRoute), not both")
	}
	own := "/" + s.App
	if s.Path == "" {
		s.Path = own
	}
	s.Path = strings.TrimSuffix(s.Path, "/")
	if s.Path == "" {
		s.Path = "/"
	}
	if s.Path != "/" && !pathRE.MatchString(s.Path) {
		return invalid.Errorf("--path", "%q is not a path prefix (such as /%s)", s.Path, s.App)
	}
	if s.Path != own && s.Gateway == "" {
		return invalid.Errorf("--path", "%s: an Ingress passes the path on unchanged and the adapter answers on %s; another prefix needs --gateway (an HTTPRoute rewrites it)", s.Path, own)
	}
	if s.Gateway != "" {
		ns, name, ok := strings.Cut(s.Gateway, "/")
		if !ok || ValidateNamespaceName("--gateway", ns) != nil || ValidateName("--gateway", name) != nil {
			return invalid.Errorf("--gateway", "%q: want NAMESPACE/NAME of a Gateway", s.Gateway)
		}
		if s.TLSSecret != "" {
			return invalid.Errorf("--tls-secret", "with --gateway, TLS is the Gateway listener's (its certificateRefs), not the route's")
		}
	}
	if s.IngressClass != "" {
		if err := ValidateName("--ingress-class", s.IngressClass); err != nil {
			return err
		}
	}
	if s.TLSSecret != "" {
		if err := ValidateName("--tls-secret", s.TLSSecret); err != nil {
			return err
		}
	}
	return nil
}

// Exposure is what status, doctor and source describe say of an exposed
// application.
type Exposure struct {
	Kind string `json:"kind"` // Ingress or HTTPRoute
	Name string `json:"name"`
	// URL is where senders outside the cluster post CloudEvents.
	URL string `json:"url"`
	TLS bool   `json:"tls"`
	// Via is the IngressClass ("" for the default) or the Gateway NS/NAME.
	Via string `json:"via,omitempty"`
	// Detached says why an HTTPRoute is not served, from its status (the
	// Gateway controller's word); empty when it is, or cannot be told.
	Detached string `json:"detached,omitempty"`
	// obj is the Ingress or HTTPRoute as read (doctor re-checks its claim).
	obj *unstructured.Unstructured
}

func (e Exposure) String() string {
	tls := "without TLS"
	if e.TLS {
		tls = "TLS"
	}
	via := e.Via
	if via == "" {
		via = "default class"
	}
	return fmt.Sprintf("%s (%s; %s/%s, %s)", e.URL, tls, strings.ToLower(e.Kind), e.Name, via)
}

// exposureOf reads an Ingress or HTTPRoute the plugin made for an application.
func exposureOf(u *unstructured.Unstructured) Exposure {
	url := u.GetAnnotations()[ExternalURLAnnotation]
	e := Exposure{Kind: u.GetKind(), Name: u.GetName(), URL: url, TLS: strings.HasPrefix(url, "https://"), obj: u}
	switch u.GetKind() {
	case "Ingress":
		e.Via, _, _ = unstructured.NestedString(u.Object, "spec", "ingressClassName")
		// Whether TLS ends at the ingress is the spec's, not the annotation's:
		// someone may have edited spec.tls (or the annotation) since.
		e.TLS = ingressTLS(u)
		if rest, ok := strings.CutPrefix(url, "https://"); ok && !e.TLS {
			e.URL = "http://" + rest
		} else if rest, ok := strings.CutPrefix(url, "http://"); ok && e.TLS {
			e.URL = "https://" + rest
		}
	case "HTTPRoute":
		refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
		if len(refs) > 0 {
			r, _ := refs[0].(map[string]any)
			ns, _ := r["namespace"].(string)
			name, _ := r["name"].(string)
			e.Via = "gateway " + orNS(ns, u.GetNamespace()) + "/" + name
		}
		e.Detached = routeDetached(u, time.Now())
	}
	return e
}

// routeDetached reads an HTTPRoute's status.parents as its Gateway
// controller wrote them: a parent that did not accept it, or a backend that
// does not resolve. A route no controller has written to for two minutes is
// served by none.
func routeDetached(u *unstructured.Unstructured, now time.Time) string {
	parents, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	if len(parents) == 0 {
		created := u.GetCreationTimestamp().Time
		if age := now.Sub(created); !created.IsZero() && age > 2*time.Minute {
			return fmt.Sprintf("not taken by any Gateway controller (no status.parents after %s)", age.Round(time.Minute))
		}
		return ""
	}
	for _, p := range parents {
		pm, _ := p.(map[string]any) // a schema-less CRD may hold anything
		conds, _, _ := unstructured.NestedSlice(pm, "conditions")
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			if cm["status"] != "False" {
				continue
			}
			// A verdict on an older spec of the route (before the plugin
			// changed it) says nothing of the route now.
			if g, ok, _ := unstructured.NestedInt64(cm, "observedGeneration"); ok && g < u.GetGeneration() {
				continue
			}
			reason, _ := cm["reason"].(string)
			msg, _ := cm["message"].(string)
			switch cm["type"] {
			case "Accepted":
				return fmt.Sprintf("not accepted by its Gateway (%s: %s)", reason, msg)
			case "ResolvedRefs":
				return fmt.Sprintf("routing to a backend that does not resolve (%s: %s)", reason, msg)
			}
		}
	}
	return ""
}

// ingressTLS says whether the Ingress's spec.tls covers its first rule's host.
func ingressTLS(u *unstructured.Unstructured) bool {
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	if len(rules) == 0 {
		return false
	}
	r, _ := rules[0].(map[string]any)
	host, _ := r["host"].(string)
	tls, _, _ := unstructured.NestedSlice(u.Object, "spec", "tls")
	for _, t := range tls {
		tm, _ := t.(map[string]any)
		hosts, _ := tm["hosts"].([]any)
		if len(hosts) == 0 && host != "" {
			continue // an entry without hosts covers none by name
		}
		if slices.Contains(hosts, any(host)) {
			return true
		}
	}
	return false
}

func ownsExposure(u *unstructured.Unstructured, app string) bool {
	l := u.GetLabels()
	return l[ManagedByLabel] == ManagedByValue && l[AppLabel] == app
}

// exposureGVRs are the two kinds of exposure.
var exposureGVRs = []schema.GroupVersionResource{IngressesGVR, HTTPRoutesGVR}

// Expose makes (or changes) the application's Ingress or HTTPRoute:
// PlanExpose, then its Apply.
func Expose(ctx context.Context, m Mesh, s ExposeSpec, dry DryRun) ([]Change, error) {
	p, err := PlanExpose(ctx, m, s, false)
	if err != nil {
		return nil, err
	}
	return p.Apply(ctx, m, dry)
}

// ExposePlan is an exposure checked against the cluster, ready to apply.
type ExposePlan struct {
	obj, cur   *unstructured.Unstructured
	gvr, other schema.GroupVersionResource
	app, ns    string
	force      bool
}

// PlanExpose checks everything first, so that nothing is made when anything
// is wrong: the source is the plugin's (unless withSource: wire makes it in
// the same run), it has credentials (or AllowAnonymous), the class, the
// Gateway (and the Gateway API) and the TLS Secret exist, no object of its
// name is someone else's, and no other route claims its host and path
// (exposeclaims.go). Reads even in a client dry run.
func PlanExpose(ctx context.Context, m Mesh, s ExposeSpec, withSource bool) (*ExposePlan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	dyn := m.Dynamic
	mounts := true
	if !withSource {
		var err error
		if mounts, err = ownSource(ctx, dyn, CredentialsSpec{App: s.App, Namespace: s.Namespace}); err != nil {
			return nil, err
		}
	}
	if !mounts && !s.AllowAnonymous {
		return nil, fmt.Errorf("--allow-anonymous: the adapter deployment %q does not mount its tokens (made by an older kubectl-kymamesh), so it takes events without one; run kubectl kymamesh source create http %s first, or pass --allow-anonymous", AdapterName(s.App), s.App)
	}
	if !s.AllowAnonymous {
		creds, err := GetCredentialsState(ctx, dyn, s.App, s.Namespace)
		if err != nil {
			return nil, err
		}
		switch creds.Required {
		case "False":
			if withSource && SourceExists(ctx, dyn, s.App, s.Namespace) != nil {
				// A token needs the adapter: this run would make it first.
				return nil, fmt.Errorf("--allow-anonymous: application %q has no token yet, so anyone who reaches %s could send events in its name; a token needs its adapter: run this without %s first, make a token (kubectl kymamesh source token create %s), then run it again (or pass --allow-anonymous); nothing was changed", s.App, s.Host, s.hostFlag(), s.App)
			}
			return nil, fmt.Errorf("--allow-anonymous: application %q has no token, so anyone who reaches %s could send events in its name; make one first (kubectl kymamesh source token create %s) or pass --allow-anonymous", s.App, s.Host, s.App)
		case "Unknown":
			return nil, fmt.Errorf("--allow-anonymous: cannot tell whether application %q requires a token (you may not read secrets in %q); pass --allow-anonymous to expose it anyway", s.App, s.Namespace)
		}
	}
	p := &ExposePlan{gvr: IngressesGVR, other: HTTPRoutesGVR, app: s.App, ns: s.Namespace, force: s.ForceConflicts}
	var err error
	if s.Gateway != "" {
		p.gvr, p.other = HTTPRoutesGVR, IngressesGVR
		p.obj, err = buildRoute(ctx, m, s)
	} else {
		p.obj, err = buildIngress(ctx, dyn, s)
	}
	if err != nil {
		return nil, err
	}
	if !s.ForceConflicts {
		if err := checkClaims(ctx, dyn, p.gvr, p.obj); err != nil {
			return nil, err
		}
	}
	cur, err := dyn.Resource(p.gvr).Namespace(s.Namespace).Get(ctx, p.obj.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, APIError(err, "get", p.gvr.Resource, p.obj.GetName(), s.Namespace)
	case !ownsExposure(cur, s.App):
		return nil, fmt.Errorf("%s %q in namespace %q exists and was not made by kubectl-kymamesh for application %q: nothing was changed; delete it or expose the application in another way",
			strings.ToLower(p.obj.GetKind()), p.obj.GetName(), s.Namespace, s.App)
	default:
		p.cur = cur
	}
	return p, nil
}

// Apply makes or changes the route; an exposure of the other kind that the
// plugin made for the application is deleted (an application has one).
// Writes nothing in a client dry run.
func (p *ExposePlan) Apply(ctx context.Context, m Mesh, dry DryRun) ([]Change, error) {
	var out []Change
	if dry == DryRunClient {
		op := OpCreated
		if p.cur != nil {
			op = OpConfigured
		}
		out = append(out, Change{Object: p.obj, Op: op})
	} else {
		ch, err := applyOver(ctx, m.Dynamic.Resource(p.gvr).Namespace(p.ns), p.obj, p.cur, dry, p.force)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	gone, err := deleteExposure(ctx, m, p.other, p.app, p.ns, dry)
	if gone != nil {
		out = append(out, *gone)
	}
	return out, err
}

// buildIngress checks the class and the TLS Secret and builds the Ingress.
func buildIngress(ctx context.Context, dyn dynamic.Interface, s ExposeSpec) (*unstructured.Unstructured, error) {
	// IngressClasses are cluster-wide and a namespace's admin (the admin and
	// edit roles) may not read them, though it may make the Ingress: then
	// the class is not checked (doctor, run by someone who may, says).
	if s.IngressClass != "" {
		_, err := dyn.Resource(IngressClassesGVR).Get(ctx, s.IngressClass, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("--ingress-class: IngressClass %q does not exist (kubectl get ingressclass)", s.IngressClass)
		}
		if err != nil && !apierrors.IsForbidden(err) {
			return nil, APIError(err, "get", "ingressclasses", s.IngressClass, "")
		}
	} else {
		def, err := defaultIngressClass(ctx, dyn)
		if errors.Is(err, errClassesForbidden) {
			def, err = "(not read)", nil
		}
		if err != nil {
			return nil, err
		}
		if def == "" {
			return nil, fmt.Errorf("--ingress-class: the cluster has no default IngressClass; name one (kubectl get ingressclass) or use --gateway")
		}
	}
	if s.TLSSecret != "" {
		if err := tlsSecretExists(ctx, dyn, s.TLSSecret, s.Namespace); err != nil {
			return nil, err
		}
	}
	return buildIngressObject(s)
}

// buildIngressObject builds the Ingress of a checked spec.
func buildIngressObject(s ExposeSpec) (*unstructured.Unstructured, error) {
	scheme := "http"
	if s.TLSSecret != "" {
		scheme = "https"
	}
	spec := map[string]any{
		"rules": []any{map[string]any{
			"host": s.Host,
			"http": map[string]any{"paths": []any{map[string]any{
				"path": s.Path, "pathType": "Prefix",
				"backend": map[string]any{"service": map[string]any{"name": AdapterName(s.App), "port": map[string]any{"number": int64(80)}}},
			}}},
		}},
	}
	if s.IngressClass != "" {
		spec["ingressClassName"] = s.IngressClass
	}
	if s.TLSSecret != "" {
		spec["tls"] = []any{map[string]any{"hosts": []any{s.Host}, "secretName": s.TLSSecret}}
	}
	return exposureObject("networking.k8s.io/v1", "Ingress", s, scheme, spec), nil
}

func exposureObject(apiVersion, kind string, s ExposeSpec, scheme string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": spec}}
	u.SetName(AdapterName(s.App))
	u.SetNamespace(s.Namespace)
	u.SetLabels(managedLabels(map[string]string{AppLabel: s.App}))
	u.SetAnnotations(map[string]string{ExternalURLAnnotation: scheme + "://" + s.Host + strings.TrimSuffix(s.Path, "/") + "/events"})
	return u
}

// errClassesForbidden: the user may not list IngressClasses.
var errClassesForbidden = errors.New("may not list ingressclasses")

// defaultIngressClass names the cluster's default IngressClass ("" when none).
func defaultIngressClass(ctx context.Context, dyn dynamic.Interface) (string, error) {
	l, err := dyn.Resource(IngressClassesGVR).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		return "", fmt.Errorf("%w: %w", errClassesForbidden, APIError(err, "list", "ingressclasses", "", ""))
	}
	if err != nil {
		return "", APIError(err, "list", "ingressclasses", "", "")
	}
	for _, c := range l.Items {
		if c.GetAnnotations()[defaultIngressClassAnnotation] == "true" {
			return c.GetName(), nil
		}
	}
	return "", nil
}

func tlsSecretExists(ctx context.Context, dyn dynamic.Interface, name, ns string) error {
	sec, err := dyn.Resource(secretsGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("--tls-secret: secret %q not found in namespace %q (an Ingress takes its certificate from its own namespace: kubectl create secret tls %s -n %s --cert ... --key ...)", name, ns, name, ns)
	}
	if err != nil {
		return APIError(err, "get", "secrets", name, ns)
	}
	if t, _, _ := unstructured.NestedString(sec.Object, "type"); t != "kubernetes.io/tls" {
		return fmt.Errorf("--tls-secret: secret %q in namespace %q is of type %q, not kubernetes.io/tls", name, ns, t)
	}
	return nil
}

// gatewayAPIServed says whether the cluster serves Gateway API HTTPRoutes.
func gatewayAPIServed(m Mesh) (bool, error) {
	if m.Discovery == nil {
		return true, nil // no discovery client: the requests themselves tell
	}
	rl, err := m.Discovery.ServerResourcesForGroupVersion(HTTPRoutesGVR.GroupVersion().String())
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the API server's %s resources: %w", HTTPRoutesGVR.GroupVersion(), err)
	}
	for _, r := range rl.APIResources {
		if r.Name == HTTPRoutesGVR.Resource {
			return true, nil
		}
	}
	return false, nil
}

// buildRoute checks the Gateway API and the Gateway and builds the HTTPRoute.
func buildRoute(ctx context.Context, m Mesh, s ExposeSpec) (*unstructured.Unstructured, error) {
	served, err := gatewayAPIServed(m)
	if err != nil {
		return nil, err
	}
	if !served {
		return nil, fmt.Errorf("--gateway: the cluster does not serve the Gateway API (%s HTTPRoute): install its CRDs, or use --ingress-class", HTTPRoutesGVR.GroupVersion())
	}
	gns, gname, _ := strings.Cut(s.Gateway, "/")
	gw, err := m.Dynamic.Resource(GatewaysGVR).Namespace(gns).Get(ctx, gname, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("--gateway: Gateway %q not found in namespace %q (kubectl get gateways -A)", gname, gns)
	}
	if err != nil {
		return nil, APIError(err, "get", "gateways", gname, gns)
	}
	admits, tls, err := gatewayAdmits(ctx, m.Dynamic, gw, s.Namespace, s.Host)
	if err != nil {
		return nil, err
	}
	if !admits {
		return nil, fmt.Errorf("--gateway: Gateway %s/%s has no HTTP or HTTPS listener for host %q that admits HTTPRoutes from namespace %q (its listeners' hostname and allowedRoutes; from: Same is the default): the route would not be attached", gns, gname, s.Host, s.Namespace)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	rule := map[string]any{
		"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": s.Path}}},
		"backendRefs": []any{map[string]any{"name": AdapterName(s.App), "port": int64(80)}},
	}
	if own := "/" + s.App; s.Path != own {
		rule["filters"] = []any{map[string]any{"type": "URLRewrite", "urlRewrite": map[string]any{
			"path": map[string]any{"type": "ReplacePrefixMatch", "replacePrefixMatch": own}}}}
	}
	spec := map[string]any{
		"parentRefs": []any{map[string]any{"group": GatewaysGVR.Group, "kind": "Gateway", "namespace": gns, "name": gname}},
		"hostnames":  []any{s.Host},
		"rules":      []any{rule},
	}
	return exposureObject(HTTPRoutesGVR.GroupVersion().String(), "HTTPRoute", s, scheme, spec), nil
}

// gatewayAdmits says whether one of the Gateway's listeners would attach
// an HTTPRoute for host from namespace ns (Gateway API: protocol HTTP or
// HTTPS, a matching hostname, allowedRoutes admitting the namespace and the
// kind; from: Same when unset), and whether such a listener is HTTPS. A
// namespace selector needs the namespace's labels: when they cannot be read,
// the listener is taken as admitting (the route's status then tells).
func gatewayAdmits(ctx context.Context, dyn dynamic.Interface, gw *unstructured.Unstructured, ns, host string) (admits, tls bool, err error) {
	ls, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	for _, l := range ls {
		lm, _ := l.(map[string]any)
		p, _ := lm["protocol"].(string)
		if p != "HTTP" && p != "HTTPS" {
			continue
		}
		h, _ := lm["hostname"].(string)
		if h != "" && h != host && !(strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
			continue
		}
		ok, err := listenerAdmits(ctx, dyn, lm, gw.GetNamespace(), ns)
		if err != nil {
			return false, false, err
		}
		if ok {
			admits = true
			tls = tls || p == "HTTPS"
		}
	}
	return admits, tls, nil
}

// listenerAdmits applies a listener's allowedRoutes to an HTTPRoute in ns.
func listenerAdmits(ctx context.Context, dyn dynamic.Interface, l map[string]any, gwNS, ns string) (bool, error) {
	if kinds, found, _ := unstructured.NestedSlice(l, "allowedRoutes", "kinds"); found && len(kinds) > 0 {
		http := false
		for _, k := range kinds {
			km, _ := k.(map[string]any)
			g, hasGroup := km["group"].(string)
			if km["kind"] == "HTTPRoute" && (!hasGroup || g == GatewaysGVR.Group) {
				http = true
			}
		}
		if !http {
			return false, nil
		}
	}
	from, _, _ := unstructured.NestedString(l, "allowedRoutes", "namespaces", "from")
	switch from {
	case "All":
		return true, nil
	case "", "Same":
		return ns == gwNS, nil
	case "Selector":
		sel, found, _ := unstructured.NestedMap(l, "allowedRoutes", "namespaces", "selector")
		if !found {
			return false, nil
		}
		var ls metav1.LabelSelector
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(sel, &ls); err != nil {
			return false, nil
		}
		s, err := metav1.LabelSelectorAsSelector(&ls)
		if err != nil {
			return false, nil
		}
		nsObj, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			return true, nil //nolint:nilerr // cannot tell: the route's status will
		}
		return s.Matches(labels.Set(nsObj.GetLabels())), nil
	}
	return false, nil
}

// Unexpose deletes the application's Ingress and HTTPRoute, those the
// plugin made for it; an object of the name that is someone else's is an
// error naming it (nothing is deleted). Reads even in a client dry run.
func Unexpose(ctx context.Context, m Mesh, app, namespace string, dry DryRun) ([]Change, error) {
	if err := ValidateName("APP", app); err != nil {
		return nil, err
	}
	var foreignNames []string
	for _, gvr := range exposureGVRs {
		cur, err := m.Dynamic.Resource(gvr).Namespace(namespace).Get(ctx, AdapterName(app), metav1.GetOptions{})
		if err == nil && !ownsExposure(cur, app) {
			foreignNames = append(foreignNames, strings.ToLower(cur.GetKind())+" "+cur.GetName())
		}
	}
	var out []Change
	for _, gvr := range exposureGVRs {
		c, err := deleteExposure(ctx, m, gvr, app, namespace, dry)
		if c != nil {
			out = append(out, *c)
		}
		if err != nil {
			return out, err
		}
	}
	if len(out) == 0 && len(foreignNames) > 0 {
		return nil, fmt.Errorf("%s in namespace %q was not made by kubectl-kymamesh for application %q: left alone", strings.Join(foreignNames, " and "), namespace, app)
	}
	return out, nil
}

// deleteExposure deletes the application's object of gvr when it is the
// plugin's; nil when there is none (or the API is not served), or the user
// may not read that kind: a namespace's admin role does not cover the
// Gateway API's HTTPRoutes, and expose, unexpose, source delete and unwire
// must not fail for a kind it could not have made.
func deleteExposure(ctx context.Context, m Mesh, gvr schema.GroupVersionResource, app, namespace string, dry DryRun) (*Change, error) {
	c := m.Dynamic.Resource(gvr).Namespace(namespace)
	cur, err := c.Get(ctx, AdapterName(app), metav1.GetOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || err == nil && !ownsExposure(cur, app) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", gvr.Resource, AdapterName(app), namespace)
	}
	if dry != DryRunClient {
		if err := c.Delete(ctx, cur.GetName(), metav1.DeleteOptions{DryRun: dry.serverFlag()}); err != nil && !apierrors.IsNotFound(err) {
			return nil, APIError(err, "delete", gvr.Resource, cur.GetName(), namespace)
		}
	}
	return &Change{Object: cur, Op: OpDeleted}, nil
}

// GetExposure reads how an application is exposed: nil when it is not.
func GetExposure(ctx context.Context, dyn dynamic.Interface, app, namespace string) (*Exposure, error) {
	for _, gvr := range exposureGVRs {
		cur, err := dyn.Resource(gvr).Namespace(namespace).Get(ctx, AdapterName(app), metav1.GetOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
			continue
		}
		if err != nil {
			return nil, APIError(err, "get", gvr.Resource, AdapterName(app), namespace)
		}
		if ownsExposure(cur, app) {
			e := exposureOf(cur)
			return &e, nil
		}
	}
	return nil, nil
}

// ListExposures reads the exposures of every application in namespace (""
// for all), by namespace/app: one list per kind; a kind the cluster does not
// serve, or the user may not list, has none.
func ListExposures(ctx context.Context, dyn dynamic.Interface, namespace string) (map[string]Exposure, error) {
	out, _, err := listExposures(ctx, dyn, namespace)
	return out, err
}

// listExposures is ListExposures that also says which kinds the user may
// not list (by resource, with the API server's words).
func listExposures(ctx context.Context, dyn dynamic.Interface, namespace string) (map[string]Exposure, []string, error) {
	out := map[string]Exposure{}
	var forbidden []string
	for _, gvr := range exposureGVRs {
		l, err := dyn.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: ManagedByLabel + "=" + ManagedByValue + "," + AppLabel})
		if apierrors.IsForbidden(err) {
			forbidden = append(forbidden, gvr.Resource+" ("+forbiddenWhat(err)+")")
			continue
		}
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, nil, APIError(err, "list", gvr.Resource, "", namespace)
		}
		for i := range l.Items {
			u := &l.Items[i]
			app := u.GetLabels()[AppLabel]
			if u.GetName() == AdapterName(app) {
				out[u.GetNamespace()+"/"+app] = exposureOf(u)
			}
		}
	}
	return out, forbidden, nil
}

// addExposures gives each application its endpoint outside the cluster (one
// list per kind), and reports an exposed one that takes events without a
// token.
func addExposures(ctx context.Context, m Mesh, namespace string, st *MeshStatus) error {
	if len(st.Apps) == 0 || m.Dynamic == nil {
		return nil
	}
	exps, forbidden, err := listExposures(ctx, m.Dynamic, namespace)
	if err != nil {
		return err
	}
	// An exposure the user may not read is not "not exposed": say so, when
	// an application shows none (the plugin makes one per application).
	hidden := false
	for _, a := range st.Apps {
		if _, ok := exps[a.Namespace+"/"+a.Name]; !ok {
			hidden = true
		}
	}
	for _, f := range forbidden {
		if hidden {
			st.Unread = append(st.Unread, fmt.Sprintf("applications' exposures in namespace %q: you may not list %s", namespace, f))
		}
	}
	for i := range st.Apps {
		a := &st.Apps[i]
		e, ok := exps[a.Namespace+"/"+a.Name]
		if !ok {
			continue
		}
		a.Exposure = &e
		if a.Credentials != nil && a.Credentials.Required == "False" {
			st.Problems = append(st.Problems, Problem{fmt.Sprintf("application %s/%s", a.Namespace, a.Name),
				"is exposed at " + e.URL + " and takes events without a token: anyone who reaches it may send in its name",
				fmt.Sprintf("kubectl kymamesh source token create %s --integration-namespace %s", a.Name, a.Namespace)})
		}
	}
	return nil
}

// exposureCheck is doctor's line on the applications exposed outside the
// cluster: a warning for one without TLS, one that takes events without a
// token, an Ingress whose class does not exist (or none is the default),
// and an HTTPRoute whose Gateway does not exist. None exposed: no line.
func exposureCheck(ctx context.Context, m Mesh, namespace string) (Check, bool) {
	const name = "exposed applications"
	exps, err := ListExposures(ctx, m.Dynamic, namespace)
	if err != nil {
		return Check{name, Warn, err.Error(), ""}, true
	}
	if len(exps) == 0 {
		return Check{}, false
	}
	states, readable, err := ListCredentialsStates(ctx, m.Dynamic, namespace, time.Now())
	if err != nil {
		return Check{name, Warn, err.Error(), ""}, true
	}
	var ok, warns []string
	fix := ""
	routes := map[schema.GroupVersionResource][]unstructured.Unstructured{}
	keys := slices.Sorted(maps.Keys(exps))
	for _, k := range keys {
		e := exps[k]
		_, app, _ := strings.Cut(k, "/")
		var probs []string
		if !e.TLS {
			probs = append(probs, "without TLS (tokens and events cross the network in clear)")
			fix = "kubectl kymamesh source expose " + app + " --tls-secret NAME (or an HTTPS listener on the Gateway)"
		}
		if st := StateOf(states, readable, namespace, app); st.Required == "False" {
			probs = append(probs, "without a token (anyone who reaches it may send in its name)")
			fix = "kubectl kymamesh source token create " + app + " --integration-namespace " + namespace
		}
		if p := exposureTarget(ctx, m, e, namespace); p != "" {
			probs = append(probs, p)
		}
		if e.Detached != "" {
			probs = append(probs, "whose HTTPRoute is "+e.Detached)
		}
		// Someone may have routed its host and path since expose checked.
		if c := exposureClash(ctx, m.Dynamic, e, namespace, routes); c != "" {
			probs = append(probs, "whose traffic another route may take: "+c)
			fix = "kubectl kymamesh source expose " + app + " --host HOST (another host or path), or ask the route's owner to move it"
		}
		if len(probs) == 0 {
			ok = append(ok, app+" at "+e.URL)
		} else {
			warns = append(warns, app+" at "+e.URL+" "+strings.Join(probs, ", "))
		}
	}
	if len(warns) > 0 {
		return Check{name, Warn, strings.Join(append(warns, ok...), "; "), fix}, true
	}
	return Check{name, Pass, strings.Join(ok, "; "), ""}, true
}

// exposureClash says which other route claims an exposure's host and path
// now ("" when none, or when the routes cannot be listed); routes caches the
// lists by kind across one doctor run.
func exposureClash(ctx context.Context, dyn dynamic.Interface, e Exposure, namespace string, routes map[schema.GroupVersionResource][]unstructured.Unstructured) string {
	if e.obj == nil {
		return ""
	}
	gvr := IngressesGVR
	if e.Kind == "HTTPRoute" {
		gvr = HTTPRoutesGVR
	}
	items, seen := routes[gvr]
	if !seen {
		var err error
		if items, err = listRoutes(ctx, dyn, gvr, namespace); err != nil {
			items = nil
		}
		routes[gvr] = items
	}
	return clashWith(items, gvr, e.obj)
}

// exposureTarget says what is missing for an exposure to be served: its
// IngressClass (or a default one), its Gateway; "" when it is there.
func exposureTarget(ctx context.Context, m Mesh, e Exposure, namespace string) string {
	switch {
	case e.Kind == "Ingress" && e.Via != "":
		if _, err := m.Dynamic.Resource(IngressClassesGVR).Get(ctx, e.Via, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return fmt.Sprintf("whose IngressClass %q does not exist (no ingress controller serves it)", e.Via)
		}
	case e.Kind == "Ingress":
		if def, err := defaultIngressClass(ctx, m.Dynamic); err == nil && def == "" {
			return "with no IngressClass, and the cluster has no default one (no ingress controller serves it)"
		}
	}
	if e.Kind == "Ingress" && e.TLS {
		if s := missingTLSSecret(ctx, m.Dynamic, e.obj, namespace); s != "" {
			return fmt.Sprintf("whose TLS Secret %q is gone (the controller serves its own certificate: senders' https fails)", s)
		}
	}
	switch {
	case e.Kind == "HTTPRoute":
		ns, name, _ := strings.Cut(strings.TrimPrefix(e.Via, "gateway "), "/")
		gw, err := m.Dynamic.Resource(GatewaysGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("whose Gateway %s/%s does not exist", ns, name)
		}
		if err != nil {
			return ""
		}
		// The Gateway's listeners may have changed since expose chose the
		// URL's scheme from them.
		u, perr := neturl.Parse(e.URL)
		if perr != nil {
			return ""
		}
		admits, tls, err := gatewayAdmits(ctx, m.Dynamic, gw, namespace, u.Hostname())
		switch {
		case err != nil:
		case !admits:
			return fmt.Sprintf("whose Gateway %s/%s no longer has a listener that admits it", ns, name)
		case e.TLS && !tls:
			return fmt.Sprintf("whose Gateway %s/%s no longer has an HTTPS listener for it (senders' https fails; expose it again for its http URL)", ns, name)
		}
	}
	return ""
}

// missingTLSSecret names the Secret of the Ingress's spec.tls entry for its
// host when it does not exist (deleted after expose checked it); "" when it
// does, or cannot be read.
func missingTLSSecret(ctx context.Context, dyn dynamic.Interface, u *unstructured.Unstructured, namespace string) string {
	if u == nil {
		return ""
	}
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	if len(rules) == 0 {
		return ""
	}
	r, _ := rules[0].(map[string]any)
	host, _ := r["host"].(string)
	tls, _, _ := unstructured.NestedSlice(u.Object, "spec", "tls")
	for _, t := range tls {
		tm, _ := t.(map[string]any)
		hosts, _ := tm["hosts"].([]any)
		name, _ := tm["secretName"].(string)
		if name == "" || !slices.Contains(hosts, any(host)) {
			continue
		}
		if _, err := dyn.Resource(secretsGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return name
		}
	}
	return ""
}
