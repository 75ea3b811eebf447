package wiring

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Scaling an application's adapter (issue 20): fixed replicas or a
// HorizontalPodAutoscaler, its CPU and memory, a PodDisruptionBudget whenever
// more than one replica may run. Kubernetes' own objects do the work; the
// plugin only writes them.

// The resources of an adapter's scaling, besides its Deployment.
var (
	HPAGVR = schema.GroupVersionResource{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}
	PDBGVR = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}
)

// Defaults of an adapter's scaling, as the manifest had them before.
const (
	DefaultCPU          = "50m:1"
	DefaultMemory       = "32Mi:128Mi"
	DefaultAutoscaleCPU = 80
	// handoverManager holds spec.replicas while it passes between the
	// plugin's apply and an autoscaler (Kubernetes' documented hand-over).
	handoverManager = ManagedByValue + "-handover"
)

// Scale is how an application's adapter runs. Strings are as the flags take them.
type Scale struct {
	// Replicas is the fixed number of pods; nil: 1, or the autoscaler's.
	Replicas *int32
	// CPU and Memory are REQUEST[:LIMIT] (one value sets both); empty: the defaults.
	CPU, Memory string
	// Autoscale is MIN:MAX of a HorizontalPodAutoscaler; empty: none.
	Autoscale string
	// AutoscaleCPU is the autoscaler's target CPU utilization, in percent of
	// the CPU request; nil: 80.
	AutoscaleCPU *int32
}

// Resource is a request and a limit, in Kubernetes' quantity form.
type Resource struct{ Request, Limit string }

// ParseResource reads REQUEST[:LIMIT] for flag: one value is both the request
// and the limit; a request above its limit is refused, as the API server would.
func ParseResource(flag, s string) (Resource, error) {
	req, lim, two := strings.Cut(s, ":")
	if !two {
		lim = req
	}
	var qs [2]resource.Quantity
	for i, v := range []string{req, lim} {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return Resource{}, invalid.Errorf(flag, "%q is not a quantity (want REQUEST or REQUEST:LIMIT, e.g. 250m:1 or 64Mi:256Mi)", s)
		}
		if q.Sign() <= 0 {
			return Resource{}, invalid.Errorf(flag, "%q: a request and a limit must be above 0", s)
		}
		qs[i] = q
	}
	if qs[0].Cmp(qs[1]) > 0 {
		return Resource{}, invalid.Errorf(flag, "%q: the request is above the limit", s)
	}
	return Resource{Request: qs[0].String(), Limit: qs[1].String()}, nil
}

// ParseAutoscale reads MIN:MAX for flag.
func ParseAutoscale(flag, s string) (lo, hi int32, err error) {
	a, b, ok := strings.Cut(s, ":")
	x, errA := strconv.ParseInt(a, 10, 32)
	y, errB := strconv.ParseInt(b, 10, 32)
	switch {
	case !ok || errA != nil || errB != nil:
		return 0, 0, invalid.Errorf(flag, "%q: want MIN:MAX, e.g. 2:10", s)
	case x < 1:
		return 0, 0, invalid.Errorf(flag, "%q: MIN must be at least 1", s)
	case y < x:
		return 0, 0, invalid.Errorf(flag, "%q: MAX is below MIN", s)
	}
	return int32(x), int32(y), nil
}

// scaleData checks s and gives the manifest's values for it.
func scaleData(s Scale) (map[string]any, error) {
	cpuS, memS := s.CPU, s.Memory
	if cpuS == "" {
		cpuS = DefaultCPU
	}
	if memS == "" {
		memS = DefaultMemory
	}
	cpu, err := ParseResource("--cpu", cpuS)
	if err != nil {
		return nil, err
	}
	mem, err := ParseResource("--memory", memS)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"CPURequest": quote(cpu.Request), "CPULimit": quote(cpu.Limit), "MemoryRequest": quote(mem.Request), "MemoryLimit": quote(mem.Limit)}
	var most int32
	switch {
	case s.Autoscale != "" && s.Replicas != nil:
		return nil, invalid.Errorf("--replicas", "cannot be combined with --autoscale (the autoscaler sets the replicas)")
	case s.Autoscale != "":
		lo, hi, err := ParseAutoscale("--autoscale", s.Autoscale)
		if err != nil {
			return nil, err
		}
		target := int32(DefaultAutoscaleCPU)
		if s.AutoscaleCPU != nil {
			target = *s.AutoscaleCPU
		}
		if target < 1 || target > 1000 {
			return nil, invalid.Errorf("--autoscale-cpu", "%d: want a percentage of the CPU request, 1 to 1000", target)
		}
		d["AutoscaleMin"], d["AutoscaleMax"], d["AutoscaleCPU"] = lo, hi, target
		most = hi
	case s.AutoscaleCPU != nil:
		return nil, invalid.Errorf("--autoscale-cpu", "needs --autoscale MIN:MAX")
	default:
		n := int32(1)
		if s.Replicas != nil {
			n = *s.Replicas
		}
		if n < 1 {
			return nil, invalid.Errorf("--replicas", "%d: want at least 1 (delete the source to stop it)", n)
		}
		d["Replicas"] = n
		most = n
	}
	d["Budget"] = most > 1
	return d, nil
}

// CurrentScale reads how an application's adapter is scaled now: its
// Deployment's replicas and resources, and its autoscaler if the plugin made
// one. found is false when there is no adapter Deployment.
func CurrentScale(ctx context.Context, dyn dynamic.Interface, app, namespace string) (s Scale, dep *unstructured.Unstructured, err error) {
	dep, err = dyn.Resource(DeploymentsGVR).Namespace(namespace).Get(ctx, AdapterName(app), metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return s, nil, nil
		}
		return s, nil, APIError(err, "get", "deployment", AdapterName(app), namespace)
	}
	s.CPU, s.Memory = containerResource(dep, "cpu"), containerResource(dep, "memory")
	hpa, err := dyn.Resource(HPAGVR).Namespace(namespace).Get(ctx, AdapterName(app), metav1.GetOptions{})
	switch {
	case err == nil && isOurs(hpa, app):
		lo, _ := intField(hpa, "spec", "minReplicas")
		hi, _ := intField(hpa, "spec", "maxReplicas")
		if lo == 0 {
			lo = 1
		}
		s.Autoscale = fmt.Sprintf("%d:%d", lo, hi)
		if t, ok := hpaCPUTarget(hpa); ok {
			s.AutoscaleCPU = &t
		}
		return s, dep, nil
	case err != nil && !apierrors.IsNotFound(err):
		return s, nil, APIError(err, "get", "horizontalpodautoscaler", AdapterName(app), namespace)
	}
	if n, ok := intField(dep, "spec", "replicas"); ok {
		r := int32(n)
		s.Replicas = &r
	}
	return s, dep, nil
}

func isOurs(u *unstructured.Unstructured, app string) bool {
	return u.GetLabels()[ManagedByLabel] == ManagedByValue && u.GetLabels()[AppLabel] == app
}

// containerResource gives the adapter container's request and limit of res as REQUEST:LIMIT.
func containerResource(dep *unstructured.Unstructured, res string) string {
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["name"] != "adapter" {
			continue
		}
		req, _, _ := unstructured.NestedFieldNoCopy(m, "resources", "requests", res)
		lim, _, _ := unstructured.NestedFieldNoCopy(m, "resources", "limits", res)
		if req == nil || lim == nil {
			return ""
		}
		return fmt.Sprintf("%v:%v", req, lim)
	}
	return ""
}

func hpaCPUTarget(hpa *unstructured.Unstructured) (int32, bool) {
	ms, _, _ := unstructured.NestedSlice(hpa.Object, "spec", "metrics")
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		if v, ok, _ := unstructured.NestedInt64(mm, "resource", "target", "averageUtilization"); ok {
			if name, _, _ := unstructured.NestedString(mm, "resource", "name"); name == "cpu" {
				return int32(v), true
			}
		}
	}
	return 0, false
}

// handOverReplicas lets spec.replicas pass between the plugin's apply and an
// autoscaler without the Deployment dropping to 1 pod or an apply conflict:
// before the plugin's apply stops setting it, the hand-over manager applies
// the current value (so it stays when the plugin lets go); before the plugin
// takes it back from an autoscaler, the hand-over manager takes it (forced)
// so that the plugin's apply conflicts only with its own managers.
func handOverReplicas(ctx context.Context, dyn dynamic.Interface, c dynamic.ResourceInterface, dep, cur *unstructured.Unstructured, dry DryRun) error {
	if dep.GetKind() != "Deployment" || cur == nil {
		return nil
	}
	have, found := intField(cur, "spec", "replicas")
	want, sets := intField(dep, "spec", "replicas") // built: numbers are float64
	if !found {
		return nil
	}
	ownedByOthers := false
	for _, m := range fieldManagers(cur, "f:spec", "f:replicas") {
		if !strings.HasPrefix(m, `"`+ManagedByValue) {
			ownedByOthers = true
		}
	}
	value, force := have, false
	switch {
	case !sets && len(fieldManagers(cur, "f:spec", "f:replicas")) > 0 && !ownedByOthers:
		// the plugin lets go: keep the value for the autoscaler
	case sets && ownedByOthers && hasOurHPA(ctx, dyn, cur):
		// the plugin takes it back from its own autoscaler
		value, force = want, true
	default:
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": dep.GetName(), "namespace": dep.GetNamespace()}, "spec": map[string]any{"replicas": value}})
	if _, err := c.Patch(ctx, dep.GetName(), types.ApplyPatchType, patch,
		metav1.PatchOptions{FieldManager: handoverManager, Force: &force, DryRun: dry.serverFlag()}); err != nil {
		return APIError(err, "apply", "deployment", dep.GetName(), dep.GetNamespace())
	}
	return nil
}

func hasOurHPA(ctx context.Context, dyn dynamic.Interface, dep *unstructured.Unstructured) bool {
	hpa, err := dyn.Resource(HPAGVR).Namespace(dep.GetNamespace()).Get(ctx, dep.GetName(), metav1.GetOptions{})
	return err == nil && isOurs(hpa, dep.GetLabels()[AppLabel])
}

// pruneScale deletes the plugin's autoscaler and disruption budget of the
// application when objs (what is applied now) no longer has them.
func pruneScale(ctx context.Context, dyn dynamic.Interface, app, namespace string, objs []*unstructured.Unstructured, dry DryRun) ([]Change, error) {
	var out []Change
	for _, p := range []struct {
		gvr  schema.GroupVersionResource
		kind string
	}{{HPAGVR, "HorizontalPodAutoscaler"}, {PDBGVR, "PodDisruptionBudget"}} {
		wanted := false
		for _, o := range objs {
			wanted = wanted || o.GetKind() == p.kind
		}
		if wanted {
			continue
		}
		c := dyn.Resource(p.gvr).Namespace(namespace)
		cur, err := c.Get(ctx, AdapterName(app), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, APIError(err, "get", p.gvr.Resource, AdapterName(app), namespace)
		}
		if !isOurs(cur, app) {
			continue
		}
		if err := c.Delete(ctx, cur.GetName(), metav1.DeleteOptions{DryRun: dry.serverFlag()}); err != nil && !apierrors.IsNotFound(err) {
			return out, APIError(err, "delete", p.gvr.Resource, cur.GetName(), namespace)
		}
		out = append(out, Change{Object: cur, Op: OpDeleted})
	}
	return out, nil
}

// ScaleObjects are the objects of a built source that hold its scaling: the
// Deployment, and the autoscaler and budget when it has them.
func ScaleObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget":
			out = append(out, o)
		}
	}
	return out
}

// applyScaled applies a source's objects (all of them, or its ScaleObjects):
// spec.replicas passes to or from an autoscaler first, and the autoscaler and
// disruption budget the source no longer asks for are deleted after.
func applyScaled(ctx context.Context, dyn dynamic.Interface, objs []*unstructured.Unstructured, namespace string, dry DryRun, force bool) ([]Change, error) {
	if dry == DryRunClient {
		return ApplyObjects(ctx, dyn, objs, dry, force)
	}
	out, err := ApplyObjects(ctx, dyn, objs, dry, force) // hands spec.replicas over first (handOverReplicas)
	if err != nil || len(objs) == 0 {
		return out, err
	}
	pruned, err := pruneScale(ctx, dyn, objs[0].GetLabels()[AppLabel], namespace, objs, dry)
	return append(out, pruned...), err
}

// ValidateScale checks a scaling as BuildHTTPSource does.
func ValidateScale(s Scale) error {
	_, err := scaleData(s)
	return err
}

// UpdateHTTPSourceScale changes how an existing application's adapter is
// scaled (`source update http`): over what it is now, change applies the
// flags given; the result is the same manifest `source create http` applies,
// of which only the Deployment, the autoscaler and the budget are applied
// (the image, port and the other objects stay as they are).
func UpdateHTTPSourceScale(ctx context.Context, m Mesh, app, namespace string, change func(Scale) Scale, dry DryRun, force bool) ([]Change, error) {
	if m.Dynamic == nil {
		return nil, fmt.Errorf("source update needs the cluster to read the source from")
	}
	cur, dep, err := CurrentScale(ctx, m.Dynamic, app, namespace)
	if err != nil {
		return nil, err
	}
	if dep == nil {
		return nil, fmt.Errorf("source %q not found in namespace %q: create it with 'kubectl kymamesh source create http %s --integration-namespace %s'", app, namespace, app, namespace)
	}
	if err := checkOurs(app, dep); err != nil {
		return nil, err
	}
	spec := HTTPSourceSpec{App: app, Namespace: namespace, Scale: change(cur)}
	spec.Image, spec.Port = adapterImageAndPort(dep)
	spec.LegacyEvents = adapterEnv(dep, "LEGACY_EVENTS") == "true" // kept as it is
	if spec.Labels, err = SourceMarks(ctx, m.Dynamic, app, namespace); err != nil {
		return nil, err
	}
	objs, err := BuildHTTPSource(spec)
	if err != nil {
		return nil, err
	}
	return applyScaled(ctx, m.Dynamic, ScaleObjects(objs), namespace, dry, force)
}

// adapterImageAndPort reads the adapter container's image and port.
func adapterImageAndPort(dep *unstructured.Unstructured) (string, int) {
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["name"] != "adapter" {
			continue
		}
		image, _ := m["image"].(string)
		port := 0
		envs, _ := m["env"].([]any)
		for _, e := range envs {
			em, _ := e.(map[string]any)
			if em["name"] == "PORT" {
				v, _ := em["value"].(string)
				port, _ = strconv.Atoi(v)
			}
		}
		return image, port
	}
	return "", 0
}

// adapterEnv reads a literal environment value of the adapter container.
func adapterEnv(dep *unstructured.Unstructured, name string) string {
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["name"] != "adapter" {
			continue
		}
		envs, _ := m["env"].([]any)
		for _, e := range envs {
			if em, _ := e.(map[string]any); em["name"] == name {
				v, _ := em["value"].(string)
				return v
			}
		}
	}
	return ""
}

// intField reads a whole number whether it was decoded as int64 (from the API
// server) or float64 (from the embedded manifest's YAML).
func intField(u *unstructured.Unstructured, path ...string) (int64, bool) {
	v, found, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	if !found {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	}
	return 0, false
}
