package wiring

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// Results of a doctor check.
const (
	Pass = "PASS"
	Warn = "WARN"
	Fail = "FAIL"
)

// Check is one line of doctor's report.
type Check struct {
	Name   string `json:"name"`
	Result string `json:"result"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// DoctorClients are what doctor asks: the API server (version, served
// groups), namespaces and ConfigMaps, a Broker dry run, access reviews.
type DoctorClients struct {
	Discovery typed.Discovery
	Mesh      Mesh
	Access    *typed.AccessReviewClient
}

// DoctorScope is the user namespace and integration namespace to check, and
// the adapter image the plugin would deploy.
type DoctorScope struct {
	Namespace, IntegrationNamespace, Image string
}

// eventingNamespace is where Knative Eventing keeps its configuration.
const eventingNamespace = "knative-eventing"

// Doctor checks whether the cluster can carry the mesh and whether the
// current user may build it. A check that cannot run says why, as a FAIL.
func Doctor(ctx context.Context, c DoctorClients, s DoctorScope) []Check {
	var out []Check
	add := func(name, result, detail, fix string) { out = append(out, Check{name, result, detail, fix}) }
	disc := typed.WithContext(ctx, c.Discovery) // Ctrl-C ends a hung TLS handshake too
	v, err := disc.ServerVersion()
	if ctx.Err() != nil {
		return out // stopped: the server's failure is not known
	}
	if err != nil {
		add("API server", Fail, "not reachable: "+err.Error(), "check --kubeconfig, --context and that the cluster is up")
		return out
	}
	add("API server", Pass, "Kubernetes "+v.GitVersion, "")
	installed := true
	for _, gv := range []string{"eventing.knative.dev/v1", "messaging.knative.dev/v1", "sources.knative.dev/v1"} {
		l, err := disc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			installed = false
			add("Knative API "+gv, Fail, "not served: "+err.Error(), "install Knative Eventing (knative.dev/docs/install), v1.x or later")
			continue
		}
		var names []string
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				names = append(names, r.Name)
			}
		}
		slices.Sort(names)
		add("Knative API "+gv, Pass, strings.Join(names, ", "), "")
	}
	if installed {
		out = append(out, knativeVersion(ctx, c.Mesh))
		out = append(out, webhookCheck(ctx, c.Mesh, s.Namespace))
		out = append(out, brokerDefaults(ctx, c.Mesh)...)
		out = append(out, featureChecks(ctx, c.Mesh.Core.ConfigMaps(eventingNamespace))...)
		out = append(out, controllerChecks(ctx, disc, c.Mesh.Dynamic, time.Now()))
		out = append(out, persistenceChecks(ctx, c.Mesh, disc, time.Now())...)
		out = append(out, newerSinksCheck(ctx, c.Mesh, disc))
		out = append(out, deadLetterChecks(ctx, c.Mesh, s.Namespace)...)
	}
	out = append(out, permissions(ctx, c.Access, s)...)
	if _, err := c.Mesh.Core.Namespaces().Get(ctx, s.IntegrationNamespace, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		add("integration namespace", Warn, fmt.Sprintf("%q does not exist yet", s.IntegrationNamespace), "wire or source create http creates it")
	} else if err != nil {
		add("integration namespace", Fail, err.Error(), "")
	} else {
		add("integration namespace", Pass, fmt.Sprintf("%q exists", s.IntegrationNamespace), "")
		if chk, ok := credentialsCheck(ctx, c.Mesh, s.IntegrationNamespace); ok {
			out = append(out, chk)
		}
		if chk, ok := exposureCheck(ctx, c.Mesh, s.IntegrationNamespace); ok {
			out = append(out, chk)
		}
	}
	add("adapter image", Pass, s.Image+" (source create http --image changes it)", "")
	if c := metricsCheck(ctx, disc, c.Mesh, s.IntegrationNamespace); c != nil {
		out = append(out, *c)
	}
	return out
}

// deadLetterChecks warns about each Broker of the namespace that has no
// dead-letter sink, nor do all of its Triggers: Knative drops what it gives
// up on there. It fails a Broker whose channel keeps a subscriber that no
// Subscription has (staleChannelSubscriber). Nothing when the namespace has no Broker or its Brokers are
// not readable (the permissions check names that).
func deadLetterChecks(ctx context.Context, m Mesh, ns string) []Check {
	if m.Eventing == nil {
		return nil
	}
	brokers, err := m.Eventing.Brokers(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(brokers.Items) == 0 {
		return nil
	}
	triggers, err := m.Eventing.Triggers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	var out []Check
	var with []string
	for i := range brokers.Items {
		b := &brokers.Items[i]
		if detail, fix := staleChannelEntry(ctx, m, b); detail != "" {
			out = append(out, Check{"channel subscribers", Fail, detail, fix})
		}
		if deadLetterSinkOf(b) != nil {
			with = append(with, b.Name)
			continue
		}
		var bare []string
		for j := range triggers.Items {
			t := &triggers.Items[j]
			if t.Spec.Broker == b.Name && (t.Spec.Delivery == nil || t.Spec.Delivery.DeadLetterSink == nil) {
				bare = append(bare, t.Name)
			}
		}
		all := 0
		for j := range triggers.Items {
			if triggers.Items[j].Spec.Broker == b.Name {
				all++
			}
		}
		if all > 0 && len(bare) == 0 {
			with = append(with, b.Name)
			continue
		}
		detail := fmt.Sprintf("broker %s/%s has none: events Knative gives up on are dropped", ns, b.Name)
		if len(bare) < all {
			detail += fmt.Sprintf(" (Triggers without one of their own: %s)", strings.Join(bare, ", "))
		}
		out = append(out, Check{"dead-letter sink", Warn, detail, fmt.Sprintf("kubectl kymamesh deadletter enable -n %s --broker %s", ns, b.Name)})
	}
	if len(with) > 0 {
		out = append(out, Check{"dead-letter sink", Pass, fmt.Sprintf("set for broker %s in %s", strings.Join(with, ", "), ns), ""})
	}
	return out
}

// metricsCheck warns when an application's adapter has an autoscaler
// (--autoscale) and the cluster serves no resource metrics API
// (metrics.k8s.io, metrics-server's): that autoscaler never scales.
func metricsCheck(ctx context.Context, disc typed.Discovery, m Mesh, ns string) *Check {
	if m.Dynamic == nil {
		return nil
	}
	list, err := m.Dynamic.Resource(HPAGVR).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: ComponentLabel + "=" + AdapterComponent})
	if err != nil {
		return nil // not readable: the permissions check names it
	}
	var apps []string
	for _, h := range list.Items {
		if h.GetLabels()[ManagedByLabel] == ManagedByValue {
			apps = append(apps, h.GetLabels()[AppLabel])
		}
	}
	_, merr := disc.ServerResourcesForGroupVersion("metrics.k8s.io/v1beta1")
	switch {
	case merr == nil:
		return &Check{"metrics API", Pass, "metrics.k8s.io/v1beta1 served: autoscalers (--autoscale) can scale", ""}
	case len(apps) == 0:
		return &Check{"metrics API", Pass, "metrics.k8s.io not served; no adapter has an autoscaler (--autoscale needs it)", ""}
	}
	slices.Sort(apps)
	return &Check{"metrics API", Warn, fmt.Sprintf("metrics.k8s.io is not served, and %d adapter(s) in %q have an autoscaler that will never scale: %s",
		len(apps), ns, strings.Join(apps, ", ")), "install metrics-server, or give those sources fixed replicas: kubectl kymamesh source update http APP --replicas N"}
}

// webhookCheck sends a Broker as a server dry run: only Knative's webhook
// can answer for it, and it stores nothing.
func webhookCheck(ctx context.Context, m Mesh, ns string) Check {
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{GenerateName: "kymamesh-doctor-", Namespace: ns}}
	_, err := m.Eventing.Brokers(ns).Create(ctx, b, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	switch {
	case err == nil:
		return Check{"eventing webhook", Pass, "a Broker was admitted (server dry run in namespace " + ns + ")", ""}
	case apierrors.IsForbidden(err):
		return Check{"eventing webhook", Warn, "could not try: " + err.Error(), "run doctor with -n a namespace where you may create Brokers"}
	case apierrors.IsNotFound(err):
		return Check{"eventing webhook", Warn, fmt.Sprintf("namespace %q does not exist", ns), "run doctor with -n an existing namespace"}
	}
	return Check{"eventing webhook", Fail, "a Broker was not admitted: " + err.Error(), "check the eventing-webhook Deployment in " + eventingNamespace}
}

// brokerDefaults reads the default broker class and the channel a Broker
// gets when the user names none (config-br-defaults and the ConfigMap it
// points at), and the sugar controller's namespace selector.
func brokerDefaults(ctx context.Context, m Mesh) []Check {
	var out []Check
	cms := m.Core.ConfigMaps(eventingNamespace)
	cm, err := cms.Get(ctx, "config-br-defaults", metav1.GetOptions{})
	if err != nil {
		return append(out, Check{"default broker class", Warn, "config-br-defaults not readable: " + err.Error(), "give each Broker --class"})
	}
	var defaults struct {
		ClusterDefault struct {
			BrokerClass string `json:"brokerClass"`
			Kind        string `json:"kind"`
			Name        string `json:"name"`
			Namespace   string `json:"namespace"`
		} `json:"clusterDefault"`
	}
	if err := yaml.Unmarshal([]byte(cm.Data["default-br-config"]), &defaults); err != nil {
		out = append(out, Check{"default broker class", Warn, "config-br-defaults default-br-config does not parse: " + err.Error(), "kubectl -n " + eventingNamespace + " edit configmap config-br-defaults"})
	} else if defaults.ClusterDefault.BrokerClass == "" {
		out = append(out, Check{"default broker class", Warn, "none set in config-br-defaults", "give each Broker --class (enable ns sets MTChannelBasedBroker)"})
	} else {
		out = append(out, Check{"default broker class", Pass, defaults.ClusterDefault.BrokerClass, ""})
		d := defaults.ClusterDefault
		if d.Kind == "ConfigMap" && d.Name != "" {
			ns := d.Namespace
			if ns == "" {
				ns = eventingNamespace
			}
			if ch, err := m.Core.ConfigMaps(ns).Get(ctx, d.Name, metav1.GetOptions{}); err != nil {
				out = append(out, Check{"default broker channel", Warn, fmt.Sprintf("%s/%s not readable: %v", ns, d.Name, err), "give Brokers a channel with enable ns --channel"})
			} else {
				out = append(out, Check{"default broker channel", Pass, strings.Join(strings.Fields(ch.Data["channel-template-spec"]), " "), ""})
			}
		}
	}
	sugar, err := cms.Get(ctx, "config-sugar", metav1.GetOptions{})
	switch {
	case err != nil:
		out = append(out, Check{"namespace injection", Warn, "config-sugar not readable: the injection label's effect is unknown", "use enable ns, which makes the Broker itself"})
	case strings.TrimSpace(sugar.Data["namespace-selector"]) == "":
		out = append(out, Check{"namespace injection", Warn, "the sugar controller acts on no namespace label (Kyma's injection label does nothing here)", "use enable ns, which makes the Broker itself"})
	default:
		out = append(out, Check{"namespace injection", Pass, "the sugar controller acts on namespaces matching " + strings.Join(strings.Fields(sugar.Data["namespace-selector"]), " "), ""})
	}
	return out
}

// featureChecks reads Knative's feature flags (config-features) that change
// what the plugin can do: the delivery fields Knative refuses while their
// flag is off, OIDC, without which EventPolicies are refused, and the flags
// of knativeFlags (transport encryption, the authorization default,
// cross-namespace references, EventType creation).
func featureChecks(ctx context.Context, cms *typed.ConfigMapClient) []Check {
	var out []Check
	cm, err := cms.Get(ctx, "config-features", metav1.GetOptions{})
	if err != nil {
		out = append(out, Check{"OIDC authentication", Warn, "config-features not readable: whether EventPolicies are enforced is unknown", ""})
		for _, f := range deliveryFeatures() {
			out = append(out, Check{"feature " + f.Name, Warn, "config-features not readable: whether Knative takes " + f.Flag + " is unknown", ""})
		}
		return append(out, flagChecks(nil, err)...)
	}
	if cm.Data["authentication-oidc"] == "enabled" {
		out = append(out, Check{"OIDC authentication", Pass, "on: EventPolicies (policy allow) are enforced", ""})
	} else {
		out = append(out, Check{"OIDC authentication", Warn, "off: Knative refuses new EventPolicies (policy allow) and enforces none",
			"set authentication-oidc: enabled in config-features (knative-eventing) to enforce them"})
	}
	for _, f := range deliveryFeatures() {
		on := f.Default
		if v, ok := cm.Data[f.Name]; ok {
			on = v == "enabled"
		}
		if on {
			out = append(out, Check{"feature " + f.Name, Pass, "on: Knative takes " + f.Flag, ""})
			continue
		}
		out = append(out, Check{"feature " + f.Name, Warn, "off: Knative refuses " + f.Flag + " (delivery." + f.Field + ")",
			"set " + f.Name + ": enabled in config-features (knative-eventing) to use it"})
	}
	return append(out, flagChecks(cm.Data, nil)...)
}

// access is one permission the plugin needs.
type access struct {
	verb, group, resource, subresource string
	integration                        bool // in the integration namespace, else the user namespace
}

// neededAccess lists the requests the plugin's commands make (built when
// doctor asks, not at every command's start).
func neededAccess() []access {
	var out []access
	for _, r := range []struct {
		group, resource string
		integration     bool
		verbs           []string
	}{
		{"eventing.knative.dev", "brokers", false, []string{"get", "list", "watch", "create", "update", "delete"}},
		{"eventing.knative.dev", "triggers", false, []string{"get", "list", "watch", "create", "update", "delete"}},
		{"", "configmaps", false, []string{"get", "create", "delete"}},
		{"messaging.knative.dev", "channels", true, []string{"get", "list", "watch", "patch", "delete"}},
		{"messaging.knative.dev", "subscriptions", true, []string{"get", "list", "watch", "create", "update", "delete"}},
		{"sources.knative.dev", "sinkbindings", true, []string{"get", "list", "patch", "delete"}},
		{"apps", "deployments", true, []string{"get", "list", "patch", "delete"}},
		{"autoscaling", "horizontalpodautoscalers", true, []string{"get", "list", "patch", "delete"}},
		{"policy", "poddisruptionbudgets", true, []string{"get", "list", "patch", "delete"}},
		{"", "services", true, []string{"get", "list", "patch", "delete"}},
		{"", "serviceaccounts", true, []string{"get", "patch", "delete"}},
		{"", "secrets", true, []string{"get", "list", "create", "update", "delete"}}, // applications' tokens
		{"discovery.k8s.io", "endpointslices", true, []string{"list"}},
		// tail's receiver, in the user namespace.
		{"apps", "deployments", false, []string{"get", "create", "delete"}},
		{"", "services", false, []string{"create"}},
		{"", "serviceaccounts", false, []string{"create"}},
		{"rbac.authorization.k8s.io", "roles", false, []string{"create"}},
		{"rbac.authorization.k8s.io", "rolebindings", false, []string{"create"}},
		{"", "secrets", false, []string{"create"}}, // the receiver's token
		{"discovery.k8s.io", "endpointslices", false, []string{"list"}},
	} {
		for _, v := range r.verbs {
			out = append(out, access{verb: v, group: r.group, resource: r.resource, integration: r.integration})
		}
	}
	return append(out, access{verb: "create", resource: "pods", subresource: "portforward", integration: true},
		access{verb: "create", resource: "pods", subresource: "portforward"},
		access{verb: "get", resource: "namespaces"}, access{verb: "create", resource: "namespaces"}, access{verb: "patch", resource: "namespaces"})
}

// permissions asks the API server, one SelfSubjectAccessReview per request
// kind, what the current user may do, and lists what is missing.
func permissions(ctx context.Context, c *typed.AccessReviewClient, s DoctorScope) []Check {
	var missing []string // "resource in namespace", in order
	verbs := map[string][]string{}
	var failed error
	needed := neededAccess()
	for _, a := range needed {
		ns := s.Namespace
		if a.integration {
			ns = s.IntegrationNamespace
		}
		if a.resource == "namespaces" {
			ns = ""
		}
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.subresource}}}
		got, err := c.Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			failed = errors.Join(failed, err)
			break
		}
		if !got.Status.Allowed {
			what := a.resource
			if a.group != "" {
				what += "." + a.group
			}
			if a.subresource != "" {
				what += "/" + a.subresource
			}
			if ns != "" {
				what += " in " + ns
			}
			if verbs[what] == nil {
				missing = append(missing, what)
			}
			verbs[what] = append(verbs[what], a.verb)
		}
	}
	switch {
	case failed != nil:
		return []Check{{"permissions", Fail, "could not ask the API server: " + failed.Error(), "check that SelfSubjectAccessReview is allowed"}}
	case len(missing) > 0:
		n := 0
		for i, what := range missing {
			n += len(verbs[what])
			missing[i] = what + " (" + strings.Join(verbs[what], ", ") + ")"
		}
		return []Check{{"permissions", Fail, fmt.Sprintf("%d missing: %s", n, strings.Join(missing, "; ")),
			"ask a cluster admin for a Role with these verbs (kubectl create role/rolebinding)"}}
	}
	return []Check{{"permissions", Pass, fmt.Sprintf("all %d requests the plugin makes are allowed in %q and %q", len(needed), s.Namespace, s.IntegrationNamespace), ""}}
}
