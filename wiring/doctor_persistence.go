package wiring

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kcfg "knative.dev/eventing/pkg/apis/config"
	chcfg "knative.dev/eventing/pkg/apis/messaging/config"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// Where namespaces keep their events: the Broker classes and channel kinds
// chosen for them (Knative's cluster default and each namespace's entry in
// config-br-defaults and default-ch-webhook) and those the Brokers use. A
// class or kind nobody serves leaves every Broker made later un-Ready; an
// in-memory channel loses what it holds when its dispatcher restarts.

// usage collects, per class or channel kind, where it is chosen or used.
type usage map[string][]string

func (u usage) add(key, where string) {
	if key != "" && !slices.Contains(u[key], where) {
		u[key] = append(u[key], where)
	}
}

func (u usage) keys() []string {
	out := make([]string, 0, len(u))
	for k := range u {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// said lists where, shortening a long list of Brokers to a count.
func said(where []string) string {
	var brokers, other []string
	for _, w := range where {
		if strings.HasPrefix(w, "broker ") {
			brokers = append(brokers, w)
		} else {
			other = append(other, w)
		}
	}
	if len(brokers) > 3 {
		other = append(other, fmt.Sprintf("%d Brokers (%s, ...)", len(brokers), strings.Join(brokers[:2], ", ")))
	} else {
		other = append(other, brokers...)
	}
	return strings.Join(other, ", ")
}

// persistenceChecks reports, for each Broker class and each channel kind
// chosen or used, whether the cluster serves it and whether a controller
// acts on it, and warns of in-memory channels.
func persistenceChecks(ctx context.Context, m Mesh, disc typed.Discovery, now time.Time) []Check {
	classes, kinds := usage{}, usage{}
	var odd []string // values Knative cannot use, said rather than passed over
	cms := m.Core.ConfigMaps(eventingNamespace)
	// config-br-defaults: each class, and the channel template its config names.
	if cm, err := cms.Get(ctx, brokerDefaultsDoc.ConfigMap, metav1.GetOptions{}); err == nil {
		n := len(odd)
		var root map[string]any
		if err := yaml.Unmarshal([]byte(cm.Data[brokerDefaultsDoc.Key]), &root); err != nil {
			odd = append(odd, fmt.Sprintf("%s %s does not parse (%v)", brokerDefaultsDoc.ConfigMap, brokerDefaultsDoc.Key, err))
		}
		entries := map[string]map[string]any{}
		if c, ok := root["clusterDefault"].(map[string]any); ok {
			entries["config-br-defaults clusterDefault"] = c
		}
		nsd, _ := root["namespaceDefaults"].(map[string]any)
		for ns, e := range nsd {
			if em, ok := e.(map[string]any); ok {
				entries["config-br-defaults namespaceDefaults."+ns] = em
			}
		}
		for _, where := range sortedKeys(entries) {
			e := entries[where]
			class, isString := e["brokerClass"].(string)
			if v, ok := e["brokerClass"]; ok && !isString {
				odd = append(odd, fmt.Sprintf("%s.brokerClass is %v, not a class name", where, v))
			}
			classes.add(class, where)
			ref := e // the inline form: kind, name, namespace beside brokerClass
			if cc, ok := e["brokerClasses"].(map[string]any); ok {
				if r, ok := cc[class].(map[string]any); ok {
					ref = r
				}
			}
			if k, _ := ref["kind"].(string); k == "ConfigMap" {
				name, _ := ref["name"].(string)
				ns, _ := ref["namespace"].(string)
				if name != "" {
					kinds.add(templateKind(ctx, m, orNS(ns, eventingNamespace), name), where+" (configmap "+orNS(ns, eventingNamespace)+"/"+name+")")
				}
			}
		}
		knativeRejects(&odd, n, brokerDefaultsDoc, cm.Data[brokerDefaultsDoc.Key], &kcfg.Defaults{})
	}
	// default-ch-webhook: the kind of every Channel made without one.
	if cm, err := cms.Get(ctx, channelDefaultsDoc.ConfigMap, metav1.GetOptions{}); err == nil {
		n := len(odd)
		var root map[string]any
		if err := yaml.Unmarshal([]byte(cm.Data[channelDefaultsDoc.Key]), &root); err != nil {
			odd = append(odd, fmt.Sprintf("%s %s does not parse (%v)", channelDefaultsDoc.ConfigMap, channelDefaultsDoc.Key, err))
		}
		template := func(e map[string]any, where string) {
			if typeKey(e) == "" || e["apiVersion"] == nil {
				odd = append(odd, where+" is not a channel template (it needs apiVersion and kind)")
				return
			}
			kinds.add(typeKey(e), where)
		}
		if c, ok := root["clusterDefault"].(map[string]any); ok {
			template(c, "default-ch-webhook clusterDefault")
		}
		nsd, _ := root["namespaceDefaults"].(map[string]any)
		for _, ns := range sortedKeys(nsd) {
			if em, ok := nsd[ns].(map[string]any); ok {
				template(em, "default-ch-webhook namespaceDefaults."+ns)
			}
		}
		knativeRejects(&odd, n, channelDefaultsDoc, cm.Data[channelDefaultsDoc.Key], &chcfg.ChannelDefaults{})
	}
	// What the Brokers use: their class, and the channel they report.
	brokers, berr := m.Eventing.Brokers(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	var bl []knapi.Broker
	if berr == nil {
		bl = brokers.Items
	}
	for _, b := range bl {
		where := "broker " + b.Namespace + "/" + b.Name
		classes.add(b.Annotations[BrokerClassAnnotation], where)
		a := b.Status.Annotations
		if a["knative.dev/channelKind"] != "" {
			kinds.add(a["knative.dev/channelAPIVersion"]+" "+a["knative.dev/channelKind"], where)
		}
	}

	var out []Check
	if len(odd) > 0 {
		out = append(out, Check{"Knative defaults", Fail, strings.Join(odd, "; ") + ": Knative's webhook cannot give Brokers or Channels these defaults",
			"kubectl -n " + eventingNamespace + " edit configmap " + brokerDefaultsDoc.ConfigMap + " (or " + channelDefaultsDoc.ConfigMap + ")"})
	}
	for _, class := range classes.keys() {
		out = append(out, classCheck(class, classes[class], bl, berr, now))
	}
	for _, k := range kinds.keys() {
		out = append(out, channelKindCheck(ctx, m, disc, k, kinds[k], now))
	}
	return out
}

// knativeRejects adds what Knative's own reading of value (YAML to JSON,
// then its Go types, as its webhook does) refuses, when nothing after the
// n-th of odd names something more precise: a type the walk does not look at
// (an entry or delivery.retry that is a string, a list where a map belongs)
// makes the webhook refuse the whole value.
func knativeRejects(odd *[]string, n int, doc defaultsDoc, value string, into any) {
	if len(*odd) != n || strings.TrimSpace(value) == "" {
		return
	}
	j, err := yaml.YAMLToJSON([]byte(value))
	if err == nil {
		err = json.Unmarshal(j, into)
	}
	if err != nil {
		*odd = append(*odd, fmt.Sprintf("Knative cannot read %s %s (%v)", doc.ConfigMap, doc.Key, err))
	}
}

// typeKey is "APIVERSION KIND" of a {apiVersion, kind} map.
func typeKey(e map[string]any) string {
	v, _ := e["apiVersion"].(string)
	k, _ := e["kind"].(string)
	if k == "" {
		return ""
	}
	return v + " " + k
}

// templateKind reads a channel-template ConfigMap's kind ("" when not readable).
func templateKind(ctx context.Context, m Mesh, ns, name string) string {
	cm, err := m.Core.ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	var tmpl map[string]any
	if yaml.Unmarshal([]byte(cm.Data[ChannelTemplateKey]), &tmpl) != nil {
		return ""
	}
	return typeKey(tmpl)
}

// classCheck judges a Broker class by its Brokers, as controllerChecks
// judges a kind by its objects: a class is a name only a controller knows.
func classCheck(class string, where []string, brokers []knapi.Broker, listErr error, now time.Time) Check {
	name := "broker class " + class
	from := "chosen or used by " + said(where)
	if listErr != nil {
		return Check{name, Warn, from + "; Brokers not readable, whether a controller acts on it is unknown", ""}
	}
	n, oldest := 0, time.Duration(0)
	for _, b := range brokers {
		if b.Annotations[BrokerClassAnnotation] != class {
			continue
		}
		if b.Status.ObservedGeneration != 0 || len(b.Status.Conditions) > 0 {
			return Check{name, Pass, from + "; a controller writes the status of its Brokers", ""}
		}
		n++
		if age := now.Sub(b.CreationTimestamp.Time); age > oldest {
			oldest = age
		}
	}
	switch {
	case n > 0 && oldest >= unreconciledAfter:
		return Check{name, Warn, fmt.Sprintf("%s; no controller acts on it: %d Broker(s) of it, none with a status, the oldest %s old", from, n, oldest.Truncate(time.Second)),
			"install the Broker implementation of class " + class + ", or choose a class the cluster runs (MTChannelBasedBroker is Knative Eventing's own)"}
	case class == DefaultBrokerClass:
		return Check{name, Pass, from + "; Knative Eventing's own class (no Broker of it to judge its controller by yet)", ""}
	}
	return Check{name, Warn, from + "; not judged: no Broker of it older than a minute shows whether a controller acts on it",
		"make a Broker of it (kubectl kymamesh broker create NAME --class " + class + ") and run doctor again after a minute"}
}

// channelKindCheck says whether the API server serves a channel kind, whether
// a controller acts on it, and warns of the in-memory channel.
func channelKindCheck(ctx context.Context, m Mesh, disc typed.Discovery, key string, where []string, now time.Time) Check {
	apiVersion, kind, _ := strings.Cut(key, " ")
	name := "channel kind " + kind
	from := apiVersion + ", chosen or used by " + said(where)
	gvr, served := servedResource(disc, apiVersion, kind)
	if !served {
		return Check{name, Warn, from + "; not served: no CRD for it (Brokers and Channels of it never become Ready)",
			"install the " + kind + " implementation, or choose a served kind (enable ns NS --channel imc)"}
	}
	s := scanKind(ctx, m.Dynamic, gvr, now)
	judged := "; served"
	switch {
	case s.err != nil:
		judged += ", its objects not readable"
	case s.reconciled:
		judged += ", a controller writes the status of its objects"
	case s.objects > 0 && s.oldest >= unreconciledAfter:
		return Check{name, Warn, fmt.Sprintf("%s; served, but no controller writes the status of its objects (%d, the oldest %s old)", from, s.objects, s.oldest.Truncate(time.Second)),
			"install or start the controller of " + kind}
	default:
		judged += "; its controller not judged (no object of it older than a minute)"
	}
	if kind == "InMemoryChannel" {
		return Check{name, Warn, from + judged + "; it keeps events in memory only: what its dispatcher holds is lost when it restarts",
			"where losing events matters, give the namespace a persistent channel: kubectl kymamesh enable ns NS --channel kafka (and broker migrate for an existing Broker)"}
	}
	return Check{name, Pass, from + judged, ""}
}

// servedResource finds the resource of kind in apiVersion, if served.
func servedResource(disc typed.Discovery, apiVersion, kind string) (schema.GroupVersionResource, bool) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || disc == nil {
		return schema.GroupVersionResource{}, false
	}
	l, err := disc.ServerResourcesForGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false
	}
	for _, r := range l.APIResources {
		if r.Kind == kind && !strings.Contains(r.Name, "/") {
			return gv.WithResource(r.Name), true
		}
	}
	return schema.GroupVersionResource{}, false
}

// newerSinkKinds are Knative's newer sinks, by kind.
var newerSinkKinds = map[string]schema.GroupVersionResource{}

func init() {
	for gvr, kind := range knownKinds {
		if kind == "JobSink" || kind == "IntegrationSink" || kind == "EventTransform" {
			newerSinkKinds[kind] = gvr
		}
	}
}

// newerSinksCheck reports the JobSinks, IntegrationSinks and EventTransforms
// that Triggers, Subscriptions, Brokers' dead-letter sinks, sources and
// flows point at, and whether their CRD is there; and says so plainly when
// nothing points at one.
func newerSinksCheck(ctx context.Context, m Mesh, disc typed.Discovery) Check {
	const name = "newer sink kinds"
	users := map[string][]string{}
	var unread []string
	for _, gvr := range referringResources {
		l, err := m.Dynamic.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			// Not served is no user; not readable must be said, or a
			// restricted user is told nothing points at these kinds.
			if !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
				unread = append(unread, gvr.Resource)
			}
			continue
		}
		for i := range l.Items {
			o := &l.Items[i]
			spec, _ := o.Object["spec"].(map[string]any)
			for _, kind := range refKinds(spec) {
				if _, ok := newerSinkKinds[kind]; ok {
					users[kind] = append(users[kind], strings.ToLower(o.GetKind())+"/"+o.GetName()+" in "+o.GetNamespace())
				}
			}
		}
	}
	tail := ""
	if len(unread) > 0 {
		tail = "; not readable: " + strings.Join(unread, ", ")
	}
	if len(users) == 0 && len(unread) > 0 {
		return Check{name, Warn, "none of what could be read points at a JobSink, IntegrationSink or EventTransform" + tail, ""}
	}
	if len(users) == 0 {
		return Check{name, Pass, "no Trigger, Subscription, Broker, source or flow points at a JobSink, IntegrationSink or EventTransform", ""}
	}
	var missing, served []string
	for _, kind := range []string{"EventTransform", "IntegrationSink", "JobSink"} {
		u := users[kind]
		if len(u) == 0 {
			continue
		}
		gvr := newerSinkKinds[kind]
		line := fmt.Sprintf("%s (%s.%s/%s) used by %s", kind, gvr.Resource, gvr.Group, gvr.Version, said(u))
		if _, ok := servedResource(disc, gvr.GroupVersion().String(), kind); ok {
			served = append(served, line)
		} else {
			missing = append(missing, line)
		}
	}
	if len(missing) > 0 {
		detail := "CRD missing: " + strings.Join(missing, "; ")
		if len(served) > 0 {
			detail += "; served: " + strings.Join(served, "; ")
		}
		return Check{name, Warn, detail + tail, "install a Knative Eventing release that ships these kinds (and enable them), or point those objects at another sink"}
	}
	return Check{name, Pass, "served: " + strings.Join(served, "; ") + tail, ""}
}

// refKinds are the kinds of the references anywhere in v ({kind, name}).
func refKinds(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if k, ok := x["kind"].(string); ok {
			if _, named := x["name"]; named {
				out = append(out, k)
			}
		}
		for _, e := range x {
			out = append(out, refKinds(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, refKinds(e)...)
		}
	}
	return out
}

// sortedKeys are m's keys in order: the report reads the same every run.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
