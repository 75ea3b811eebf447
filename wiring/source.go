package wiring

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// gvrOf maps an object's kind to its resource among those the plugin applies.
func gvrOf(u *unstructured.Unstructured) (schema.GroupVersionResource, error) {
	gvk := u.GroupVersionKind()
	for _, gvr := range HTTPSourceGVRs {
		if gvr.Group == gvk.Group && gvr.Version == gvk.Version && kindToResource(gvk.Kind) == gvr.Resource {
			return gvr, nil
		}
	}
	if gvr, ok := applyGVRs[gvk.Kind]; ok && gvr.GroupVersion() == gvk.GroupVersion() {
		return gvr, nil
	}
	return schema.GroupVersionResource{}, fmt.Errorf("no resource known for %s", gvk)
}

// sourceKinds maps the HTTP source's kinds to their resources.
var sourceKinds = map[string]string{
	"ServiceAccount": "serviceaccounts", "Channel": "channels", "Deployment": "deployments",
	"Service": "services", "SinkBinding": "sinkbindings",
	"HorizontalPodAutoscaler": "horizontalpodautoscalers", "PodDisruptionBudget": "poddisruptionbudgets",
}

func kindToResource(kind string) string { return sourceKinds[kind] }

func resourceToKind(resource string) string {
	for k, r := range sourceKinds {
		if r == resource {
			return k
		}
	}
	return resource
}

// ApplyObjects server-side applies objs in order with the plugin's field
// manager (converge.go): re-applying the same objects changes nothing, which
// makes it idempotent; what differs is changed and reported configured. A
// SinkBinding sink another tool set is checked before anything is applied. A
// client dry run reports every object as it would be created.
func ApplyObjects(ctx context.Context, dyn dynamic.Interface, objs []*unstructured.Unstructured, dry DryRun, force bool) ([]Change, error) {
	out := make([]Change, 0, len(objs))
	if dry == DryRunClient {
		for _, o := range objs {
			out = append(out, Change{Object: o, Op: OpCreated})
		}
		return out, nil
	}
	// Every object is read first: a SinkBinding sink another tool set the
	// other way stops the apply before anything is applied.
	clients := make([]dynamic.ResourceInterface, len(objs))
	curs := make([]*unstructured.Unstructured, len(objs))
	replaced := false
	for i, o := range objs {
		var err error
		if clients[i], curs[i], err = current(ctx, dyn, o); err != nil {
			return nil, err
		}
		if err := checkOurs(o.GetLabels()[AppLabel], curs[i]); err != nil {
			return nil, err
		}
		if o.GetKind() == "SinkBinding" {
			if replaced, err = checkDestination(ctx, clients[i], o, curs[i], dry, force); err != nil {
				return nil, err
			}
		}
	}
	for i, o := range objs {
		// spec.replicas passes to or from an autoscaler (scale.go)
		if err := handOverReplicas(ctx, dyn, clients[i], o, curs[i], dry); err != nil {
			return out, err
		}
		c, err := applyOver(ctx, clients[i], o, curs[i], dry, force)
		if err != nil {
			return out, err
		}
		if replaced && o.GetKind() == "SinkBinding" && c.Op == OpUnchanged {
			c.Op = OpConfigured
		}
		out = append(out, c)
	}
	return out, nil
}

// checkOurs refuses to apply over an object of the same name that the plugin
// did not make for application app (another team's Channel or
// ServiceAccount): applying would put the plugin's marks on it, and a later
// removal would delete it. cur nil (no such object) is fine.
func checkOurs(app string, cur *unstructured.Unstructured) error {
	if cur == nil || (cur.GetLabels()[ManagedByLabel] == ManagedByValue && cur.GetLabels()[AppLabel] == app) {
		return nil
	}
	return fmt.Errorf("%s %q in namespace %q exists and was not made by kubectl-kymamesh for application %q: nothing was applied; choose another application name, or another --integration-namespace",
		strings.ToLower(cur.GetKind()), cur.GetName(), cur.GetNamespace(), app)
}

// DeleteHTTPSource deletes an application's source objects, in reverse apply
// order; objects already gone, and objects of the same name that are not the
// application's, are skipped. A source whose Channel has Subscriptions is kept
// whole, and reported kept with them (unless opts.InUse). It returns what it
// deleted or kept.
func DeleteHTTPSource(ctx context.Context, m Mesh, app, namespace string, dry DryRun, opts DeleteOptions) ([]Change, error) {
	if err := ValidateName("APP", app); err != nil {
		return nil, err
	}
	out, err := deleteSource(ctx, m, app, namespace, dry, opts, nil)
	if err != nil || len(out) == 0 || out[0].Op != OpDeleted {
		return out, err
	}
	// The integration namespace goes too if the plugin made it and nothing
	// else is left in it, as after unwire.
	c, err := deleteNamespaceIfOurs(ctx, m, namespace, out, dry)
	if c != nil {
		out = append(out, *c)
	}
	return out, err
}

// deleteSource is DeleteHTTPSource after done (what this removal already
// deleted: those Subscriptions do not hold the Channel).
func deleteSource(ctx context.Context, m Mesh, app, namespace string, dry DryRun, opts DeleteOptions, done []Change) ([]Change, error) {
	gvrs := slices.Clone(HTTPSourceGVRs)
	slices.Reverse(gvrs)
	type found struct {
		gvr schema.GroupVersionResource
		obj *unstructured.Unstructured
	}
	var ours []found
	for _, gvr := range gvrs {
		name := AdapterName(app)
		if gvr.Resource == "channels" {
			name = app
		}
		cur, err := m.Dynamic.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, APIError(err, "get", gvr.Resource, name, namespace)
		}
		if cur.GetLabels()[AppLabel] != app || cur.GetLabels()[ManagedByLabel] != ManagedByValue {
			continue // not ours: an object of the same name that the plugin did not create
		}
		if gvr.Resource == "channels" && !opts.InUse {
			// The source's own objects (its SinkBinding sinks to the Channel) go with it.
			gone := deletedUIDs(done)
			for _, f := range ours {
				gone[f.obj.GetUID()] = true
			}
			users, err := channelUsers(ctx, m, cur, gone)
			if err != nil {
				return nil, err
			}
			if len(users) > 0 {
				return []Change{keptChange(cur, strings.Join(users, "; ")+
					"; the application's adapter is kept with it; add --delete-in-use to delete them anyway")}, nil
			}
		}
		ours = append(ours, found{gvr, cur})
	}
	var out []Change
	// Its Ingress or HTTPRoute (source expose) goes first: nothing routes
	// outside senders to an adapter that is going.
	for _, gvr := range exposureGVRs {
		c, err := deleteExposure(ctx, m, gvr, app, namespace, dry)
		if c != nil {
			out = append(out, *c)
		}
		if err != nil {
			return out, err
		}
	}
	for _, f := range ours {
		c := m.Dynamic.Resource(f.gvr).Namespace(namespace)
		if dry != DryRunClient {
			policy := metav1.DeletePropagationBackground
			err := c.Delete(ctx, f.obj.GetName(), metav1.DeleteOptions{DryRun: dry.serverFlag(), PropagationPolicy: &policy})
			if err != nil && !apierrors.IsNotFound(err) {
				return out, APIError(err, "delete", f.gvr.Resource, f.obj.GetName(), namespace)
			}
		}
		out = append(out, Change{Object: f.obj, Op: OpDeleted})
	}
	// The application's credentials go with its source (source token).
	c, err := deleteCredentials(ctx, m.Dynamic, app, namespace, dry)
	if c != nil {
		out = append(out, *c)
	}
	return out, err
}

// SourceStatus is what `source describe` shows of an application's source.
type SourceStatus struct {
	App       string         `json:"app"`
	Namespace string         `json:"namespace"`
	Objects   []ObjectStatus `json:"objects"`
}

// ObjectStatus is one object of a source: whether it exists and is ready.
type ObjectStatus struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Found  bool   `json:"found"`
	Ready  string `json:"ready"` // True, False or Unknown
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"` // the Channel's address, the SinkBinding's sink, the Service's port
	// ReadyReplicas and DesiredReplicas are a Deployment's (in Detail too).
	ReadyReplicas, DesiredReplicas int64 `json:"-"`
}

// Object returns the status of the source's object of that kind.
func (s SourceStatus) Object(kind string) ObjectStatus {
	for _, o := range s.Objects {
		if o.Kind == kind {
			return o
		}
	}
	return ObjectStatus{Kind: kind}
}

// Ready says whether every object of the source exists and is ready.
func (s SourceStatus) Ready() bool {
	for _, o := range s.Objects {
		if optionalKind(o.Kind) {
			continue // an autoscaler without metrics still leaves the adapter serving
		}
		if !o.Found || o.Ready != "True" {
			return false
		}
	}
	return len(s.Objects) > 0
}

// ListSourceStatuses reads the sources of every application in the namespace
// with one list request per resource (not four reads per application).
// namespace "" lists every namespace; selector narrows the list further (-l).
func ListSourceStatuses(ctx context.Context, dyn dynamic.Interface, namespace, selector string) ([]SourceStatus, error) {
	byApp := map[string]*SourceStatus{} // by namespace/app
	var apps []string
	sel := ComponentLabel + "=" + AdapterComponent
	if selector != "" {
		sel += "," + selector
	}
	for _, gvr := range HTTPSourceGVRs {
		if gvr.Resource == "serviceaccounts" {
			continue
		}
		list, err := dyn.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, APIError(err, "list", gvr.Resource, "", namespace)
		}
		for i := range list.Items {
			u := &list.Items[i]
			key := u.GetNamespace() + "/" + u.GetLabels()[AppLabel]
			st, ok := byApp[key]
			if !ok {
				st = &SourceStatus{App: u.GetLabels()[AppLabel], Namespace: u.GetNamespace()}
				byApp[key] = st
				apps = append(apps, key)
			}
			os := ObjectStatus{Kind: resourceToKind(gvr.Resource), Name: u.GetName(), Found: true, Ready: "Unknown"}
			readObjectStatus(u, &os)
			st.Objects = append(st.Objects, os)
		}
	}
	slices.Sort(apps)
	out := make([]SourceStatus, 0, len(apps))
	for _, app := range apps {
		st := byApp[app]
		// An object missing from the lists counts as not ready.
		required := 0
		for _, o := range st.Objects {
			if !optionalKind(o.Kind) {
				required++
			}
		}
		if required < len(HTTPSourceGVRs)-1-2 { // neither the service account nor the optional two
			st.Objects = append(st.Objects, ObjectStatus{Kind: "incomplete", Ready: "False", Reason: "NotFound"})
		}
		out = append(out, *st)
	}
	return out, nil
}

// GetSourceStatus reads every object of an application's source.
func GetSourceStatus(ctx context.Context, dyn dynamic.Interface, app, namespace string) (SourceStatus, error) {
	st := SourceStatus{App: app, Namespace: namespace}
	for _, gvr := range HTTPSourceGVRs {
		if gvr.Resource == "serviceaccounts" {
			continue
		}
		name := AdapterName(app)
		if gvr.Resource == "channels" {
			name = app
		}
		os := ObjectStatus{Kind: resourceToKind(gvr.Resource), Name: name, Ready: "Unknown"}
		u, err := dyn.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case optionalKind(os.Kind) && (apierrors.IsNotFound(err) || err == nil && !isOurs(u, app)):
			continue // the source is not scaled that way
		case apierrors.IsNotFound(err):
			os.Ready, os.Reason = "False", "NotFound"
		case err != nil:
			return st, APIError(err, "get", gvr.Resource, name, namespace)
		default:
			os.Found = true
			readObjectStatus(u, &os)
		}
		st.Objects = append(st.Objects, os)
	}
	return st, nil
}

func readObjectStatus(u *unstructured.Unstructured, os *ObjectStatus) {
	condType := "Ready"
	switch os.Kind {
	case "Deployment":
		condType = "Available"
		os.Detail = deploymentReplicas(u)
		os.DesiredReplicas, os.ReadyReplicas = replicaCounts(u)
	case "HorizontalPodAutoscaler":
		condType = "ScalingActive"
		os.Detail = autoscalerFigures(u)
	case "PodDisruptionBudget":
		os.Ready = "True"
		allowed, _ := intField(u, "status", "disruptionsAllowed")
		most, _, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "maxUnavailable")
		os.Detail = fmt.Sprintf("maxUnavailable %v, disruptions allowed %d", most, allowed)
		return
	case "Service":
		os.Ready = "True"
		ports, _, _ := unstructured.NestedSlice(u.Object, "spec", "ports")
		if len(ports) > 0 {
			p, _ := ports[0].(map[string]any)
			os.Detail = fmt.Sprintf("port %v -> %v", p["port"], p["targetPort"])
		}
		return
	case "Channel":
		os.Detail, _, _ = unstructured.NestedString(u.Object, "status", "address", "url")
	case "SinkBinding":
		if sink, _, _ := unstructured.NestedString(u.Object, "status", "sinkUri"); sink != "" {
			os.Detail = "K_SINK=" + sink
		}
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == condType {
			os.Ready, _ = m["status"].(string)
			os.Reason, _ = m["reason"].(string)
		}
	}
}

// WaitSourceReady polls the source until all its objects are ready.
func WaitSourceReady(ctx context.Context, dyn dynamic.Interface, app, namespace string, timeout time.Duration) (SourceStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		st, err := GetSourceStatus(ctx, dyn, app, namespace)
		if err == nil && st.Ready() {
			return st, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("source %q in namespace %q is not ready after %s", app, namespace, timeout)
			}
			return st, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// optionalKind says whether a source has an object of that kind only when
// scaled so: an autoscaler, a disruption budget.
func optionalKind(kind string) bool {
	return kind == "HorizontalPodAutoscaler" || kind == "PodDisruptionBudget"
}

// deploymentReplicas is a Deployment's ready and desired replicas, with those
// still terminating or not yet updated when there are any.
func deploymentReplicas(u *unstructured.Unstructured) string {
	desired, ready := replicaCounts(u)
	d := fmt.Sprintf("replicas %d/%d ready", ready, desired)
	if total, ok := intField(u, "status", "replicas"); ok && total != desired {
		d += fmt.Sprintf(", %d running", total)
	}
	return d
}

// autoscalerFigures are an autoscaler's current and desired replicas within
// its bounds, and its current and target CPU utilization.
func autoscalerFigures(u *unstructured.Unstructured) string {
	lo, _ := intField(u, "spec", "minReplicas")
	hi, _ := intField(u, "spec", "maxReplicas")
	cur, _ := intField(u, "status", "currentReplicas")
	want, _ := intField(u, "status", "desiredReplicas")
	if lo == 0 {
		lo = 1
	}
	d := fmt.Sprintf("replicas %d (desired %d, min %d, max %d)", cur, want, lo, hi)
	target, ok := hpaCPUTarget(u)
	if !ok {
		return d
	}
	now := "?"
	ms, _, _ := unstructured.NestedSlice(u.Object, "status", "currentMetrics")
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		if v, ok, _ := unstructured.NestedInt64(mm, "resource", "current", "averageUtilization"); ok {
			now = fmt.Sprintf("%d%%", v)
		}
	}
	return d + fmt.Sprintf(", cpu %s/%d%%", now, target)
}

func replicaCounts(u *unstructured.Unstructured) (desired, ready int64) {
	desired, found := intField(u, "spec", "replicas")
	if !found {
		desired = 1
	}
	ready, _, _ = unstructured.NestedInt64(u.Object, "status", "readyReplicas")
	return desired, ready
}
