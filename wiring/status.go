package wiring

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// MeshStatus is the mesh as one picture: each application's chain to the
// Brokers it delivers to, each namespace's Brokers and Triggers, and every
// broken link with the command that mends it.
type MeshStatus struct {
	Apps       []AppStatus       `json:"applications"`
	Namespaces []NamespaceStatus `json:"namespaces"`
	Problems   []Problem         `json:"problems"`
	// Unread is what status could not read and so does not show (a
	// namespace's admin may not list the integration namespace).
	Unread []string `json:"unread,omitempty"`
}

// Health is an object's Ready condition (Available for a Deployment).
type Health struct {
	Ready  string `json:"ready"` // True, False or Unknown
	Reason string `json:"reason,omitempty"`
}

// AppStatus is an application's adapter, its sink and its Channel's Subscriptions.
type AppStatus struct {
	Name          string               `json:"name"`
	Namespace     string               `json:"namespace"`
	Adapter       Health               `json:"adapter"`
	Replicas      *Replicas            `json:"replicas,omitempty"`   // the adapter Deployment's
	Autoscaler    string               `json:"autoscaler,omitempty"` // its HorizontalPodAutoscaler's figures, if it has one
	Sink          string               `json:"sink,omitempty"`       // K_SINK, as the SinkBinding bound it
	Channel       Health               `json:"channel"`
	Subscriptions []SubscriptionStatus `json:"subscriptions"`
	// Credentials says whether its adapter requires a token (source token).
	Credentials *CredentialsState `json:"credentials,omitempty"`
	// Exposure is its endpoint outside the cluster (source expose), if any.
	Exposure *Exposure `json:"exposure,omitempty"`
}

// Replicas are an adapter's ready and desired pods.
type Replicas struct {
	Ready   int64 `json:"ready"`
	Desired int64 `json:"desired"`
}

// Scaled says whether status shows the replicas: more or fewer than one
// wanted, some not ready, or an autoscaler.
func (a AppStatus) Scaled() bool {
	return a.Autoscaler != "" || a.Replicas != nil && (a.Replicas.Desired != 1 || a.Replicas.Ready < a.Replicas.Desired)
}

// SubscriptionStatus is one link from a Channel to where it delivers.
type SubscriptionStatus struct {
	Name string `json:"name"`
	Health
	To string `json:"to"` // broker NS/NAME, or the subscriber's URI
}

// NamespaceStatus is a user namespace's Brokers.
type NamespaceStatus struct {
	Name    string         `json:"name"`
	Brokers []BrokerStatus `json:"brokers"`
}

// BrokerStatus is a Broker and its Triggers.
type BrokerStatus struct {
	Name string `json:"name"`
	Health
	// Persistence is where the Broker keeps events: its class, the channel
	// kind Knative chose for it, and the config that chose it.
	Persistence Persistence `json:"persistence"`
	// DeadLetterSink is where the Broker sends what it cannot deliver
	// (empty: nowhere, it is dropped).
	DeadLetterSink string `json:"deadLetterSink,omitempty"`
	// DeadLetterStore is set when DeadLetterSink is the namespace's
	// dead-letter store (deadletter enable): how many events it holds.
	DeadLetterStore *DeadLetterStoreStatus `json:"deadLetterStore,omitempty"`
	Triggers        []TriggerStatus        `json:"triggers"`
}

// DeadLetterStoreStatus is what the store holds, as its API says, or why
// that is unknown (the store is not reached: status never fails for it).
type DeadLetterStoreStatus struct {
	Events  *int   `json:"events,omitempty"`
	Unknown string `json:"unknown,omitempty"`
}

// String renders it for the tree: "12 events" or "events unknown: why".
func (d DeadLetterStoreStatus) String() string {
	if d.Events != nil {
		return fmt.Sprintf("%d events", *d.Events)
	}
	return "events unknown: " + d.Unknown
}

// Persistence says where a Broker keeps events and where that comes from.
type Persistence struct {
	Class   string `json:"class,omitempty"`
	Channel string `json:"channel,omitempty"` // the channel kind, as the Broker reports it
	Config  string `json:"config,omitempty"`  // KIND NAMESPACE/NAME of spec.config
	// From is where the class and config come from, as far as Knative's
	// defaults tell: namespaceDefaults (the namespace's entry in
	// config-br-defaults), clusterDefault, or broker (neither matches: the
	// Broker's maker gave them, or the defaults changed since). Empty when
	// config-br-defaults is not readable.
	From string `json:"from,omitempty"`
}

// Where a Broker's persistence comes from (Persistence.From).
const (
	FromNamespaceDefaults = "namespaceDefaults"
	FromClusterDefault    = "clusterDefault"
	FromBroker            = "broker"
)

// String renders p compactly: "MTChannelBasedBroker, InMemoryChannel (configmap shop/x)".
func (p Persistence) String() string {
	parts := []string{}
	for _, s := range []string{p.Class, p.Channel} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	out := strings.Join(parts, ", ")
	var paren []string
	if p.Config != "" {
		paren = append(paren, p.Config)
	}
	switch p.From {
	case FromNamespaceDefaults:
		paren = append(paren, "the namespace's default")
	case FromClusterDefault:
		paren = append(paren, "the cluster default")
	case FromBroker:
		paren = append(paren, "the Broker's own")
	}
	if len(paren) > 0 {
		out += " (" + strings.Join(paren, ", ") + ")"
	}
	return out
}

// brokerPersistence reads a Broker's persistence from the Broker alone: its
// class annotation, spec.config (set by Knative's webhook from the
// namespace's or the cluster's defaults when its maker gave none), and the
// channel kind the channel-based Broker reports in its status.
func brokerPersistence(b *knapi.Broker) Persistence {
	p := Persistence{Class: b.Annotations[BrokerClassAnnotation], Channel: b.Status.Annotations["knative.dev/channelKind"]}
	if c := b.Spec.Config; c != nil {
		ns := c.Namespace
		if ns == "" {
			ns = b.Namespace
		}
		p.Config = strings.ToLower(c.Kind) + " " + ns + "/" + c.Name
	}
	return p
}

// TriggerStatus is a Trigger: what it lets through and where it sends it.
type TriggerStatus struct {
	Name string `json:"name"`
	Health
	Filter     string `json:"filter,omitempty"`
	Subscriber string `json:"subscriber,omitempty"`
}

// Problem is a broken link: which object, what is wrong, the command that mends it.
type Problem struct {
	Object string `json:"object"`
	What   string `json:"what"`
	Fix    string `json:"fix"`
}

// StatusScope says what status reads: the integration namespace, the user
// namespace ("" with All: every namespace) and optionally one application.
type StatusScope struct {
	IntegrationNamespace, Namespace, App string
	All                                  bool
}

// GetMeshStatus reads each kind once for the scope (no request per object)
// and analyses the chain.
func GetMeshStatus(ctx context.Context, m Mesh, s StatusScope) (MeshStatus, error) {
	sel := ""
	if s.App != "" {
		sel = AppLabel + "=" + s.App
	}
	// A namespace's admin may see its Brokers and Triggers but not the
	// integration namespace: status then shows what it can and says what
	// it left out, as doctor does, instead of failing.
	var unread []string
	sources, err := ListSourceStatuses(ctx, m.Dynamic, s.IntegrationNamespace, sel)
	apps := err == nil
	switch {
	case apierrors.IsForbidden(err):
		unread = append(unread, fmt.Sprintf("applications in namespace %q: you may not list them (%s)", s.IntegrationNamespace, forbiddenWhat(err)))
	case err != nil:
		return MeshStatus{}, err
	}
	subs := &knapi.SubscriptionList{}
	if apps {
		subs, err = m.Messaging.Subscriptions(s.IntegrationNamespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		switch {
		case apierrors.IsForbidden(err):
			apps, sources, subs = false, nil, &knapi.SubscriptionList{}
			unread = append(unread, fmt.Sprintf("applications in namespace %q: you may not list their subscriptions (%s)", s.IntegrationNamespace, forbiddenWhat(err)))
		case err != nil:
			return MeshStatus{}, APIError(err, "list", "subscriptions", "", s.IntegrationNamespace)
		}
	}
	ns := s.Namespace
	if s.All {
		ns = ""
	}
	brokers, err := m.Eventing.Brokers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return MeshStatus{}, APIError(err, "list", "brokers", "", ns)
	}
	triggers, err := m.Eventing.Triggers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return MeshStatus{}, APIError(err, "list", "triggers", "", ns)
	}
	st := AnalyzeMesh(s, sources, subs.Items, brokers.Items, triggers.Items)
	st.Unread = unread
	if apps {
		if err := addCredentials(ctx, m, s.IntegrationNamespace, &st); err != nil {
			return st, err
		}
		if err := addExposures(ctx, m, s.IntegrationNamespace, &st); err != nil {
			return st, err
		}
		if err := orphanSubscriptions(ctx, m, s.IntegrationNamespace, sources, subs.Items, &st); err != nil {
			return st, err
		}
	}
	newerSinks(ctx, m, triggers.Items, &st)
	if len(brokers.Items) > 0 && m.Core != nil {
		persistenceFrom(ctx, m, brokers.Items, &st)
	}
	// An empty namespace may be one that does not exist (a typo in -n): one
	// more request, only then, to say so.
	if !s.All && len(brokers.Items) == 0 && len(triggers.Items) == 0 && m.Core != nil {
		if _, err := m.Core.Namespaces().Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			st.Problems = append(st.Problems, Problem{"namespace " + ns, "does not exist",
				"kubectl create namespace " + ns + ", then kubectl kymamesh enable ns " + ns})
		}
	}
	// EventPolicies do nothing while Knative's OIDC authentication is off; a
	// cluster without the API has none to report.
	if m.Policies != nil {
		pols, err := m.Policies.EventPolicies(ns).List(ctx, metav1.ListOptions{})
		switch {
		case apierrors.IsForbidden(err):
			// A role for Brokers and Triggers alone: the rest is still shown.
			where := "namespace " + strconv.Quote(ns)
			if ns == "" {
				where = "any namespace"
			}
			st.Unread = append(st.Unread, fmt.Sprintf("eventpolicies in %s: you may not list them (%s)", where, forbiddenWhat(err)))
		case err != nil && !apierrors.IsNotFound(err):
			return st, APIError(err, "list", "eventpolicies", "", ns)
		}
		if err == nil {
			for _, p := range pols.Items {
				if c := p.Status.GetCondition(knapi.EventPolicyConditionAuthenticationEnabled); c != nil && c.IsFalse() {
					st.Problems = append(st.Problems, Problem{fmt.Sprintf("eventpolicy %s/%s", p.Namespace, p.Name),
						"is not enforced: Knative's OIDC authentication is off, so every sender is let through",
						"kubectl -n knative-eventing patch configmap config-features -p '{\"data\":{\"authentication-oidc\":\"enabled\"}}'"})
				}
			}
		}
	}
	return st, nil
}

// newerKinds are Knative's sinks whose readiness status reads itself: a
// Trigger's subscriber resolves to their address even while they cannot
// take events (a JobSink without its Job template's image, an
// IntegrationSink without its secret), so the Trigger alone looks well.
var newerKinds = map[string]bool{"JobSink": true, "IntegrationSink": true, "EventTransform": true}

// newerSinks reports each Trigger whose sink is one of newerKinds and is
// missing or not Ready: one read per such Trigger, none for the others.
func newerSinks(ctx context.Context, m Mesh, triggers []knapi.Trigger, st *MeshStatus) {
	if m.Dynamic == nil {
		return
	}
	for i := range triggers {
		t := &triggers[i]
		ref := t.Spec.Subscriber.Ref
		if ref == nil || !newerKinds[ref.Kind] {
			continue
		}
		gvr, err := SinkResource(ref)
		if err != nil {
			continue
		}
		ns := ref.Namespace
		if ns == "" {
			ns = t.Namespace
		}
		sink := SinkString(&t.Spec.Subscriber, t.Namespace)
		obj, err := m.Dynamic.Resource(gvr).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		what := fmt.Sprintf("trigger %s/%s", t.Namespace, t.Name)
		switch {
		case apierrors.IsNotFound(err):
			st.Problems = append(st.Problems, Problem{what, "its sink " + sink + " does not exist (or its kind is not installed): matching events are not delivered",
				fmt.Sprintf("kubectl get %s.%s %s -n %s", gvr.Resource, gvr.Group, ref.Name, ns)})
		case err != nil:
			// Not readable here: the Trigger's own conditions still speak.
		default:
			ready, reason := unstructuredReady(obj.Object)
			if ready != "True" {
				st.Problems = append(st.Problems, Problem{what, fmt.Sprintf("its sink %s is not ready (%s): matching events are not delivered", sink, orNone(reason)),
					fmt.Sprintf("kubectl describe %s.%s %s -n %s", gvr.Resource, gvr.Group, ref.Name, ns)})
			}
		}
	}
}

// unstructuredReady returns the Ready condition's status and reason of an
// object read without its Go type.
func unstructuredReady(obj map[string]any) (string, string) {
	conds, _, _ := unstructured.NestedSlice(obj, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Ready" {
			status, _ := m["status"].(string)
			reason, _ := m["reason"].(string)
			return status, reason
		}
	}
	return "Unknown", "no Ready condition yet"
}

// orphanSubscriptions reports the integration namespace's Subscriptions
// whose Channel does not exist. Those on an application's Channel are known
// from the sources; the Channels are listed only when some are not.
func orphanSubscriptions(ctx context.Context, m Mesh, ns string, sources []SourceStatus, subs []knapi.Subscription, st *MeshStatus) error {
	have := map[string]bool{}
	for _, src := range sources {
		if src.Object("Channel").Found {
			have[src.App] = true
		}
	}
	var unknown []*knapi.Subscription
	for i := range subs {
		if !have[subs[i].Spec.Channel.Name] {
			unknown = append(unknown, &subs[i])
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	chans, err := m.Messaging.Channels(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return APIError(err, "list", "channels", "", ns)
	}
	for _, c := range chans.Items {
		have[c.Name] = true
	}
	for _, sub := range unknown {
		if ch := sub.Spec.Channel; !have[ch.Name] && ch.Kind == "Channel" {
			st.Problems = append(st.Problems, Problem{fmt.Sprintf("subscription %s/%s", sub.Namespace, sub.Name),
				"its channel " + ch.Name + " does not exist: it delivers nothing",
				fmt.Sprintf("kubectl kymamesh channel create %s -n %s (or delete the subscription)", ch.Name, sub.Namespace)})
		}
	}
	return nil
}

// AnalyzeMesh builds the picture from what was read; it makes no request.
func AnalyzeMesh(s StatusScope, sources []SourceStatus, subs []knapi.Subscription, brokers []knapi.Broker, triggers []knapi.Trigger) MeshStatus {
	out := MeshStatus{Apps: []AppStatus{}, Namespaces: []NamespaceStatus{}, Problems: []Problem{}}
	problem := func(object, what, fix string) { out.Problems = append(out.Problems, Problem{object, what, fix}) }
	brokerByKey := map[string]*knapi.Broker{}
	for i := range brokers {
		brokerByKey[brokers[i].Namespace+"/"+brokers[i].Name] = &brokers[i]
	}
	for _, src := range sources {
		app := AppStatus{Name: src.App, Namespace: src.Namespace, Sink: strings.TrimPrefix(src.Object("SinkBinding").Detail, "K_SINK=")}
		dep, sb, ch := src.Object("Deployment"), src.Object("SinkBinding"), src.Object("Channel")
		app.Adapter, app.Channel = Health{dep.Ready, dep.Reason}, Health{ch.Ready, ch.Reason}
		if dep.Found {
			app.Replicas = &Replicas{Ready: dep.ReadyReplicas, Desired: dep.DesiredReplicas}
		}
		if hpa := src.Object("HorizontalPodAutoscaler"); hpa.Found {
			app.Autoscaler = hpa.Detail
		}
		name := fmt.Sprintf("application %s/%s", src.Namespace, src.App)
		if dep.Ready != "True" {
			problem(name, "its adapter Deployment is not available ("+orNone(dep.Reason)+"): its events are refused",
				fmt.Sprintf("kubectl kymamesh source describe %s --integration-namespace %s", src.App, src.Namespace))
		}
		if sb.Ready != "True" || app.Sink == "" {
			problem(name, "its SinkBinding has not bound the adapter to the Channel (no K_SINK): the adapter answers 503",
				fmt.Sprintf("kubectl kymamesh source describe %s --integration-namespace %s", src.App, src.Namespace))
		}
		switch {
		case !ch.Found:
			problem(name, "its Channel does not exist: the adapter has nowhere to send its events",
				fmt.Sprintf("kubectl kymamesh source create http %s --integration-namespace %s", src.App, src.Namespace))
		case ch.Ready != "True":
			problem(name, "its Channel is not ready ("+orNone(ch.Reason)+")",
				fmt.Sprintf("kubectl kymamesh channel describe %s -n %s", src.App, src.Namespace))
		case app.Sink != "" && ch.Detail != "" && app.Sink != ch.Detail:
			problem(name, "its SinkBinding sends to "+app.Sink+", not to its Channel ("+ch.Detail+"): the Channel's Subscriptions get none of its events",
				fmt.Sprintf("kubectl kymamesh source create http %s --integration-namespace %s --force-conflicts", src.App, src.Namespace))
		}
		for i := range subs {
			sub := &subs[i]
			if sub.Spec.Channel.Name != src.App {
				continue
			}
			ss := SubscriptionStatus{Name: sub.Name, Health: health(sub), To: subscriberString(sub)}
			app.Subscriptions = append(app.Subscriptions, ss)
			subName := fmt.Sprintf("subscription %s/%s", sub.Namespace, sub.Name)
			if to := sub.Labels[WiredToLabel]; to != "" && !deliversToBrokerIn(sub, to) {
				problem(subName, "was wired to namespace "+to+" but delivers to "+orNone(ss.To)+": namespace "+to+" gets none of the application's events",
					fmt.Sprintf("kubectl kymamesh wire %s --to %s --integration-namespace %s --force-conflicts", src.App, to, src.Namespace))
			}
			if ref := sub.Spec.Subscriber; ref != nil && ref.Ref != nil && ref.Ref.Kind == "Broker" {
				key := ref.Ref.Namespace + "/" + ref.Ref.Name
				if _, ok := brokerByKey[key]; !ok && (s.All || ref.Ref.Namespace == s.Namespace) {
					problem(subName, "delivers to broker "+key+", which does not exist: the application's events are lost there",
						fmt.Sprintf("kubectl kymamesh enable ns %s --broker %s", ref.Ref.Namespace, ref.Ref.Name))
				}
			}
			if ss.Ready != "True" {
				problem(subName, "is not ready ("+orNone(ss.Reason)+")", fmt.Sprintf("kubectl kymamesh subscription describe %s -n %s", sub.Name, sub.Namespace))
			}
			deadLetter(sub, subName, "subscription", sub.Name, sub.Namespace, problem)
		}
		if len(app.Subscriptions) == 0 {
			problem(name, "its Channel has no Subscription: its events reach no namespace",
				fmt.Sprintf("kubectl kymamesh wire %s --to NAMESPACE --integration-namespace %s", src.App, src.Namespace))
		}
		out.Apps = append(out.Apps, app)
	}
	out.Namespaces = namespaces(brokers, triggers, problem)
	return out
}

func namespaces(brokers []knapi.Broker, triggers []knapi.Trigger, problem func(object, what, fix string)) []NamespaceStatus {
	byNS := map[string]*NamespaceStatus{}
	var names []string
	for i := range brokers {
		b := &brokers[i]
		ns, ok := byNS[b.Namespace]
		if !ok {
			ns = &NamespaceStatus{Name: b.Namespace}
			byNS[b.Namespace] = ns
			names = append(names, b.Namespace)
		}
		bs := BrokerStatus{Name: b.Name, Health: health(b), Persistence: brokerPersistence(b)}
		if d := b.Spec.Delivery; d != nil && d.DeadLetterSink != nil {
			bs.DeadLetterSink = SinkString(d.DeadLetterSink, b.Namespace)
			if IsDeadLetterStore(d.DeadLetterSink, b.Namespace) {
				bs.DeadLetterStore = &DeadLetterStoreStatus{Unknown: "not asked"}
			}
		}
		bName := fmt.Sprintf("broker %s/%s", b.Namespace, b.Name)
		for j := range triggers {
			t := &triggers[j]
			if t.Namespace != b.Namespace || t.Spec.Broker != b.Name {
				continue
			}
			ts := TriggerStatus{Name: t.Name, Health: health(t), Filter: FilterString(t)}
			if t.Status.SubscriberURI != nil {
				ts.Subscriber = t.Status.SubscriberURI.String()
			}
			bs.Triggers = append(bs.Triggers, ts)
			tName := fmt.Sprintf("trigger %s/%s", t.Namespace, t.Name)
			if c := t.Status.GetCondition(knapi.TriggerConditionSubscriberResolved); c != nil && c.IsFalse() {
				problem(tName, "its subscriber does not resolve ("+orNone(c.Message)+"): matching events are not delivered",
					fmt.Sprintf("kubectl kymamesh trigger update %s -n %s --sink SINK", t.Name, t.Namespace))
			} else if ts.Ready != "True" {
				problem(tName, "is not ready ("+orNone(ts.Reason)+")", fmt.Sprintf("kubectl kymamesh trigger describe %s -n %s", t.Name, t.Namespace))
			}
			if FilterConflict(t) {
				problem(tName, "has spec.filter and spec.filters: Knative ignores spec.filter",
					fmt.Sprintf("kubectl kymamesh trigger update %s -n %s --filter KEY- (or move it into --filters-file)", t.Name, t.Namespace))
			}
			deadLetter(t, tName, "trigger", t.Name, t.Namespace, problem)
		}
		if bs.Ready != "True" {
			problem(bName, "is not ready ("+orNone(bs.Reason)+"): events sent to it are refused",
				fmt.Sprintf("kubectl kymamesh broker describe %s -n %s", b.Name, b.Namespace))
		}
		if len(bs.Triggers) == 0 {
			problem(bName, "has no Trigger: the events it takes go nowhere",
				fmt.Sprintf("kubectl kymamesh trigger create NAME -n %s --broker %s --sink SINK", b.Namespace, b.Name))
		}
		deadLetter(b, bName, "broker", b.Name, b.Namespace, problem)
		ns.Brokers = append(ns.Brokers, bs)
	}
	// A Trigger on a Broker that does not exist receives nothing, and no tree
	// branch would show it.
	for j := range triggers {
		t := &triggers[j]
		if !slices.ContainsFunc(brokers, func(b knapi.Broker) bool { return b.Namespace == t.Namespace && b.Name == t.Spec.Broker }) {
			problem(fmt.Sprintf("trigger %s/%s", t.Namespace, t.Name), fmt.Sprintf("its broker %s/%s does not exist: it receives nothing", t.Namespace, t.Spec.Broker),
				fmt.Sprintf("kubectl kymamesh enable ns %s --broker %s", t.Namespace, t.Spec.Broker))
		}
	}
	sort.Strings(names)
	out := make([]NamespaceStatus, 0, len(names))
	for _, n := range names {
		out = append(out, *byNS[n])
	}
	return out
}

// deadLetter reports a dead-letter sink that is set but has not resolved:
// Knative says so in DeadLetterSinkResolved, or (an in-memory channel behind
// a Broker) leaves the object without an address instead.
func deadLetter(obj runtime.Object, name, noun, objName, ns string, problem func(object, what, fix string)) {
	var d *eventingduckv1.DeliverySpec
	switch o := obj.(type) {
	case *knapi.Broker:
		d = o.Spec.Delivery
	case *knapi.Trigger:
		d = o.Spec.Delivery
	case *knapi.Subscription:
		d = o.Spec.Delivery
	}
	if d == nil || d.DeadLetterSink == nil {
		return
	}
	resolved, ready := "", health(obj).Ready == "True"
	for _, c := range Conditions(obj) {
		if c.Type == "DeadLetterSinkResolved" {
			resolved = string(c.Status)
		}
	}
	fix := fmt.Sprintf("kubectl kymamesh %s update %s -n %s --dl-sink SINK", noun, objName, ns)
	switch {
	case resolved == "False":
		problem(name, "its dead-letter sink "+SinkString(d.DeadLetterSink, ns)+" does not resolve: failed events have nowhere to go", fix)
	case resolved != "True" && !ready:
		// Knative has not said; an in-memory channel behind a Broker fails this way.
		problem(name, "its dead-letter sink "+SinkString(d.DeadLetterSink, ns)+" has not resolved, which may be why it is not ready", fix)
	}
}

func health(obj runtime.Object) Health {
	for _, c := range Conditions(obj) {
		if c.Type == apis.ConditionReady {
			return Health{Ready: string(c.Status), Reason: c.Reason}
		}
	}
	return Health{Ready: "Unknown"}
}

// deliversToBrokerIn says whether the Subscription's subscriber is a Broker in namespace ns.
func deliversToBrokerIn(sub *knapi.Subscription, ns string) bool {
	d := sub.Spec.Subscriber
	return d != nil && d.Ref != nil && d.Ref.Kind == "Broker" && orNS(d.Ref.Namespace, sub.Namespace) == ns
}

func subscriberString(sub *knapi.Subscription) string {
	d := sub.Spec.Subscriber
	switch {
	case d == nil:
		return ""
	case d.Ref != nil && d.Ref.Kind == "Broker":
		return "broker " + d.Ref.Namespace + "/" + d.Ref.Name
	}
	return SinkString(d, sub.Namespace)
}

// FilterString renders a Trigger's filters compactly: type=a, prefix(type=b), cesql(...).
func FilterString(t *knapi.Trigger) string {
	var parts []string
	if t.Spec.Filter != nil {
		for k, v := range t.Spec.Filter.Attributes {
			parts = append(parts, k+"="+v)
		}
		slices.Sort(parts)
	}
	for _, f := range t.Spec.Filters {
		switch {
		case len(f.Exact) > 0:
			parts = append(parts, "exact"+kvs(f.Exact))
		case len(f.Prefix) > 0:
			parts = append(parts, "prefix"+kvs(f.Prefix))
		case len(f.Suffix) > 0:
			parts = append(parts, "suffix"+kvs(f.Suffix))
		case f.CESQL != "":
			parts = append(parts, "cesql("+f.CESQL+")")
		default:
			parts = append(parts, "(nested)")
		}
	}
	return strings.Join(parts, ", ")
}

func kvs(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return "(" + strings.Join(parts, ", ") + ")"
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

// persistenceFrom says, for each Broker, whether its class and config are
// those of its namespace's entry in config-br-defaults, of the cluster
// default, or neither: Knative's webhook copies them onto a Broker made
// without them, so the Broker alone does not tell. One request; when
// config-br-defaults is not readable, nothing is said.
func persistenceFrom(ctx context.Context, m Mesh, brokers []knapi.Broker, st *MeshStatus) {
	cm, err := m.Core.ConfigMaps(eventingNamespace).Get(ctx, brokerDefaultsDoc.ConfigMap, metav1.GetOptions{})
	if err != nil {
		return
	}
	var root map[string]any
	if yaml.Unmarshal([]byte(cm.Data[brokerDefaultsDoc.Key]), &root) != nil {
		return
	}
	cluster, _ := root["clusterDefault"].(map[string]any)
	nsd, _ := root["namespaceDefaults"].(map[string]any)
	from := map[string]string{}
	for i := range brokers {
		b := &brokers[i]
		class := b.Annotations[BrokerClassAnnotation]
		entry, _ := nsd[b.Namespace].(map[string]any)
		// As Knative's webhook chooses: the namespace's config for the
		// class if its entry has one, else the cluster's (even where the
		// namespace has an entry, say with a class only).
		where, ref := FromNamespaceDefaults, classConfig(entry, class, false)
		if ref == nil {
			where, ref = FromClusterDefault, classConfig(cluster, class, true)
		}
		if ref == nil || !configMatches(ref, b) {
			where = FromBroker
		}
		from[b.Namespace+"/"+b.Name] = where
	}
	for i := range st.Namespaces {
		n := &st.Namespaces[i]
		for j := range n.Brokers {
			n.Brokers[j].Persistence.From = from[n.Name+"/"+n.Brokers[j].Name]
		}
	}
}

// classConfig is the config a defaults entry gives Brokers of class, as
// Knative's webhook reads it: brokerClasses.CLASS, else the inline form
// beside brokerClass (for the cluster's entry, whatever its class), or nil.
func classConfig(entry map[string]any, class string, cluster bool) map[string]any {
	if entry == nil {
		return nil
	}
	if cc, ok := entry["brokerClasses"].(map[string]any); ok {
		if ref, ok := cc[class].(map[string]any); ok {
			return ref
		}
	}
	def, _ := entry["brokerClass"].(string)
	if !cluster && def != class {
		return nil
	}
	for _, k := range []string{"apiVersion", "kind", "name", "namespace", "delivery"} {
		if entry[k] != nil {
			return entry
		}
	}
	return nil
}

// configMatches says whether b's spec.config is the one ref names (none,
// where ref gives only delivery).
func configMatches(ref map[string]any, b *knapi.Broker) bool {
	c := b.Spec.Config
	if ref["kind"] == nil {
		return c == nil
	}
	if c == nil {
		return false
	}
	kind, _ := ref["kind"].(string)
	name, _ := ref["name"].(string)
	ns, _ := ref["namespace"].(string)
	return kind == c.Kind && name == c.Name && (ns == "" || c.Namespace == "" || ns == c.Namespace)
}

// forbiddenWhat is the API server's words for a refusal, without the
// "forbidden:" preamble the user has seen in the line before.
func forbiddenWhat(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		return se.Status().Message
	}
	return err.Error()
}
