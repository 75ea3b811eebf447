package wiring

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// The Knative Eventing releases the plugin is tested on (the test bed's
// oldest and newest, test/testbed/knative/versions.sh).
const (
	OldestTestedKnative = "1.18"
	NewestTestedKnative = "1.23"
)

// versionLabel is where Knative's release manifests write their release
// ("1.23.0") on every object, the knative-eventing namespace included;
// Knative's docs read it from there. Manifests built from source say "devel".
const versionLabel = "app.kubernetes.io/version"

var releaseRe = regexp.MustCompile(`^v?1\.(\d+)\.\d+`)

// knativeVersion reports the Knative Eventing release the cluster runs, from
// the knative-eventing namespace's version label, and whether the plugin is
// tested on it.
func knativeVersion(ctx context.Context, m Mesh) Check {
	const name = "Knative Eventing version"
	ns, err := m.Core.Namespaces().Get(ctx, eventingNamespace, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return Check{name, Warn, "no namespace " + eventingNamespace + ": the version is unknown", "doctor reads it from that namespace's " + versionLabel + " label"}
	case err != nil:
		return Check{name, Warn, "unknown: " + err.Error(), ""}
	}
	v := ns.Labels[versionLabel]
	from := " (" + eventingNamespace + "'s " + versionLabel + " label)"
	tested := "the plugin is tested on " + OldestTestedKnative + " to " + NewestTestedKnative
	mt := releaseRe.FindStringSubmatch(v)
	switch {
	case v == "":
		return Check{name, Warn, "unknown: " + eventingNamespace + " has no " + versionLabel + " label", tested}
	case mt == nil:
		return Check{name, Warn, fmt.Sprintf("unknown: %q%s, not a release (built from source?)", v, from), tested}
	}
	minor, _ := strconv.Atoi(mt[1])
	oldest, _ := strconv.Atoi(strings.TrimPrefix(OldestTestedKnative, "1."))
	newest, _ := strconv.Atoi(strings.TrimPrefix(NewestTestedKnative, "1."))
	switch {
	case minor < oldest:
		return Check{name, Warn, v + from + ", older than " + OldestTestedKnative + ", the oldest the plugin is tested on", "upgrade Knative Eventing"}
	case minor > newest:
		return Check{name, Pass, v + from + ", newer than " + NewestTestedKnative + ", the newest the plugin is tested on", ""}
	}
	return Check{name, Pass, v + from, ""}
}

// flagCheck is what one value of a config-features flag means for the plugin.
type flagCheck struct {
	result, detail, fix string
}

// knativeFlag is a config-features flag beside the delivery ones
// (deliveryFeatures) and OIDC, with Knative's default and what each value
// means for the plugin; a value not listed reads as the default would not.
type knativeFlag struct {
	name, def string
	values    map[string]flagCheck
}

func knativeFlags() []knativeFlag {
	const in = " in config-features (" + eventingNamespace + ")"
	return []knativeFlag{
		{"transport-encryption", "disabled", map[string]flagCheck{
			"disabled": {Pass, "disabled: Brokers and Channels are addressed over HTTP", ""},
			"permissive": {Warn, "permissive: senders are given HTTPS addresses signed by the cluster's own CA, " +
				"which the adapter does not trust (it reads no K_CA_CERTS): its forwarding to the Channel fails",
				"set transport-encryption: disabled" + in + " while the mesh's adapters forward events"},
			"strict": {Warn, "strict: Brokers and Channels take HTTPS only, with certificates of the cluster's own CA, " +
				"which the adapter does not trust (it reads no K_CA_CERTS): its forwarding to the Channel fails",
				"set transport-encryption: disabled" + in + " while the mesh's adapters forward events"},
		}},
		{"default-authorization-mode", "allow-same-namespace", map[string]flagCheck{
			"allow-same-namespace": {Pass, "allow-same-namespace: with OIDC on, a Broker or Channel without an EventPolicy " +
				"takes events from its own namespace only (the integration namespace's Subscription to a Broker needs policy allow)", ""},
			"allow-all": {Pass, "allow-all: with OIDC on, a Broker or Channel without an EventPolicy takes events from anyone", ""},
			"deny-all": {Warn, "deny-all: with OIDC on, a Broker or Channel without an EventPolicy refuses every sender, " +
				"its own namespace's too", "give every sender an EventPolicy (policy allow), or set default-authorization-mode: allow-same-namespace" + in},
		}},
		{"cross-namespace-event-links", "disabled", map[string]flagCheck{
			"disabled": {Pass, "disabled: a Trigger's Broker and a Subscription's Channel are in its own namespace (as the mesh wires them)", ""},
			"enabled":  {Pass, "enabled: a Trigger may name a Broker, a Subscription a Channel, in another namespace", ""},
		}},
		{"eventtype-auto-create", "disabled", map[string]flagCheck{
			"disabled": {Pass, "disabled: Knative records no EventTypes for the events it sees", ""},
			"enabled":  {Pass, "enabled: Knative records an EventType for each event type its Brokers and Channels see (kubectl get eventtypes -n NS)", ""},
		}},
	}
}

// flagChecks reads the flags of knativeFlags from config-features (nil: not
// readable).
func flagChecks(data map[string]string, readErr error) []Check {
	var out []Check
	for _, f := range knativeFlags() {
		name := "feature " + f.name
		if readErr != nil {
			out = append(out, Check{name, Warn, "config-features not readable: unknown", ""})
			continue
		}
		v, ok := data[f.name]
		if !ok || v == "" {
			v = f.def
		}
		c, known := f.values[v]
		if !known {
			c = flagCheck{Warn, fmt.Sprintf("%q: a value the plugin does not know (Knative's default is %s)", v, f.def), ""}
		}
		out = append(out, Check{name, c.result, c.detail, c.fix})
	}
	return out
}

// unreconciledAfter is how old an object must be before a missing status
// says that no controller acts on its kind.
const unreconciledAfter = time.Minute

// kindScan is what the objects of one Knative resource say about its
// controller.
type kindScan struct {
	resource   string // plural.group
	objects    int
	reconciled bool
	oldest     time.Duration // the oldest object's age, unreconciled only
	err        error
}

// controllerChecks reports the Knative resources that are installed but that
// no controller acts on. A CRD does not say whether its controller runs, and
// controllers run under names no API ties to a kind; what every Knative
// controller does is write each object's status (status.observedGeneration,
// conditions) soon after it is made. So, for each resource of a *.knative.dev
// group the API server serves, doctor reads up to 20 of its objects in all
// namespaces: a status on any of them means a controller acts on the kind;
// objects older than a minute without any status mean none does. A kind with
// no objects (or only new ones) says nothing, and is listed as not judged.
func controllerChecks(ctx context.Context, disc typed.Discovery, dyn dynamic.Interface, now time.Time) Check {
	const name = "controllers"
	groups, err := disc.ServerGroups()
	if err != nil {
		return Check{name, Warn, "API groups not readable: " + err.Error(), ""}
	}
	var scans []kindScan
	for _, g := range groups.Groups {
		if !strings.HasSuffix(g.Name, "knative.dev") || g.PreferredVersion.GroupVersion == "" {
			continue
		}
		l, err := disc.ServerResourcesForGroupVersion(g.PreferredVersion.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || (len(r.Verbs) > 0 && !slices.Contains(r.Verbs, "list")) {
				continue
			}
			gvr := schema.GroupVersionResource{Group: g.Name, Version: g.PreferredVersion.Version, Resource: r.Name}
			scans = append(scans, scanKind(ctx, dyn, gvr, now))
		}
	}
	// Discovery's order differs between servers (and fakes): name them sorted.
	sort.Slice(scans, func(i, j int) bool { return scans[i].resource < scans[j].resource })
	var unserved, judged, unjudged, failed []string
	for _, s := range scans {
		switch {
		case s.err != nil:
			failed = append(failed, s.resource)
		case s.reconciled:
			judged = append(judged, s.resource)
		case s.objects > 0 && s.oldest >= unreconciledAfter:
			n := fmt.Sprintf("%d objects, none with a status, the oldest", s.objects)
			if s.objects == 1 {
				n = "1 object without a status,"
			}
			unserved = append(unserved, fmt.Sprintf("%s (%s %s old)", s.resource, n, s.oldest.Truncate(time.Second)))
		default:
			unjudged = append(unjudged, s.resource)
		}
	}
	tail := ""
	if len(unjudged) > 0 {
		tail += "; not judged (no objects older than a minute): " + strings.Join(unjudged, ", ")
	}
	if len(failed) > 0 {
		tail += "; not readable: " + strings.Join(failed, ", ")
	}
	if len(unserved) > 0 {
		return Check{name, Warn, "installed, but no controller writes the status of their objects: " + strings.Join(unserved, "; ") + tail,
			"install or start the controller of these kinds: the API server takes their objects and nothing acts on them"}
	}
	if len(judged) == 0 {
		return Check{name, Pass, "no Knative objects to judge by yet" + tail, ""}
	}
	return Check{name, Pass, "a controller writes the status of " + strings.Join(judged, ", ") + tail, ""}
}

func scanKind(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, now time.Time) kindScan {
	s := kindScan{resource: gvr.Resource + "." + gvr.Group}
	l, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 20})
	if err != nil {
		s.err = err
		return s
	}
	s.objects = len(l.Items)
	for _, o := range l.Items {
		if hasStatus(o.Object) {
			s.reconciled = true
			return s
		}
		if age := now.Sub(o.GetCreationTimestamp().Time); age > s.oldest {
			s.oldest = age
		}
	}
	return s
}

// hasStatus says whether a controller wrote the object's status.
func hasStatus(obj map[string]any) bool {
	if _, found, _ := unstructured.NestedFieldNoCopy(obj, "status", "observedGeneration"); found {
		return true
	}
	c, _, _ := unstructured.NestedSlice(obj, "status", "conditions")
	return len(c) > 0
}
