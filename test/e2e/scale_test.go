//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// replicasManagers names the managers of a Deployment's spec.replicas, from
// its managedFields as the real API server keeps them.
func replicasManagers(t *testing.T, ns, name string) []string {
	t.Helper()
	d := getJSON(t, "get", "deployment", name, "-n", ns, "--show-managed-fields")
	var out []string
	mf, _ := field(d, "metadata", "managedFields").([]any)
	for _, e := range mf {
		if field(e, "fieldsV1", "f:spec", "f:replicas") != nil {
			out = append(out, field(e, "manager").(string))
		}
	}
	return out
}

func replicasOf(t *testing.T, ns, name string) float64 {
	t.Helper()
	n, _ := field(getJSON(t, "get", "deployment", name, "-n", ns), "spec", "replicas").(float64)
	return n
}

// Scaling by server-side apply on the real API server (issue 20): fixed
// replicas with a budget; an autoscaler takes spec.replicas over without the
// Deployment dropping to one pod (the plugin no longer manages the field);
// what the autoscaler sets is left alone by later updates; --replicas takes
// the field back without a conflict and removes the autoscaler and budget;
// delete and unwire remove them too.
func TestSourceScaleUpdateAndRemove(t *testing.T) {
	ns := testbed.Namespace(t)
	in := []string{"--integration-namespace", ns}
	r := mustKM(t, append([]string{"source", "create", "http", "shop", "--replicas", "2", "--cpu", "100m:1"}, in...)...)
	if !strings.Contains(r.Stdout, "poddisruptionbudget.policy/shop-adapter created") {
		t.Fatalf("create --replicas 2: %s", r)
	}
	if n := replicasOf(t, ns, "shop-adapter"); n != 2 {
		t.Fatalf("replicas %v, want 2", n)
	}
	// the scaling flags given again: nothing changes
	r = mustKM(t, append([]string{"source", "create", "http", "shop", "--replicas", "2", "--cpu", "100m:1"}, in...)...)
	if strings.Contains(r.Stdout, " created") || strings.Contains(r.Stdout, " configured") {
		t.Fatalf("re-running create changed something: %s", r)
	}
	image := field(getJSON(t, "get", "deployment", "shop-adapter", "-n", ns), "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"]

	r = mustKM(t, append([]string{"source", "update", "http", "shop", "--autoscale", "2:4", "--autoscale-cpu", "70"}, in...)...)
	// the Deployment's content is as it was (the replicas stay); only who manages them changed
	for _, want := range []string{"deployment.apps/shop-adapter unchanged", "horizontalpodautoscaler.autoscaling/shop-adapter created",
		"poddisruptionbudget.policy/shop-adapter unchanged"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("update --autoscale lacks %q: %s", want, r)
		}
	}
	if n := replicasOf(t, ns, "shop-adapter"); n != 2 {
		t.Fatalf("after --autoscale the replicas are %v, want 2 (kept for the autoscaler)", n)
	}
	for _, m := range replicasManagers(t, ns, "shop-adapter") {
		if m == "kubectl-kymamesh" {
			t.Fatalf("the plugin still manages spec.replicas of an autoscaled Deployment (SSA would fight the HPA)")
		}
	}
	hpa := getJSON(t, "get", "hpa", "shop-adapter", "-n", ns)
	if field(hpa, "spec", "maxReplicas") != float64(4) || field(hpa, "spec", "minReplicas") != float64(2) {
		t.Fatalf("hpa: %v", field(hpa, "spec"))
	}
	// the autoscaler (here: kubectl scale, through the same scale subresource) sets the replicas
	testbed.MustKubectl(t, "scale", "deployment", "shop-adapter", "-n", ns, "--replicas", "3")
	r = mustKM(t, append([]string{"source", "update", "http", "shop", "--cpu", "200m:1"}, in...)...)
	if n := replicasOf(t, ns, "shop-adapter"); n != 3 {
		t.Fatalf("an update of --cpu changed the autoscaler's replicas to %v: %s", n, r)
	}
	d := getJSON(t, "get", "deployment", "shop-adapter", "-n", ns)
	c := field(d, "spec", "template", "spec", "containers").([]any)[0]
	if field(c, "resources", "requests", "cpu") != "200m" || field(c, "image") != image {
		t.Fatalf("update --cpu: %v", c)
	}
	b, _ := json.Marshal(field(hpa, "spec", "metrics"))
	if !strings.Contains(string(b), `"averageUtilization":70`) {
		t.Fatalf("hpa metrics: %s", b)
	}
	r = mustKM(t, append([]string{"source", "describe", "shop"}, in...)...)
	if !strings.Contains(r.Stdout, "HorizontalPodAutoscaler") || !strings.Contains(r.Stdout, "min 2, max 4") || !strings.Contains(r.Stdout, "/70%") {
		t.Fatalf("describe: %s", r)
	}

	// back to fixed replicas: taken back from the autoscaler without a conflict
	r = mustKM(t, append([]string{"source", "update", "http", "shop", "--replicas", "1"}, in...)...)
	for _, want := range []string{"deployment.apps/shop-adapter configured", "horizontalpodautoscaler.autoscaling/shop-adapter deleted",
		"poddisruptionbudget.policy/shop-adapter deleted"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("update --replicas 1 lacks %q: %s", want, r)
		}
	}
	if n := replicasOf(t, ns, "shop-adapter"); n != 1 {
		t.Fatalf("replicas %v, want 1", n)
	}
	if !notFound(t, "hpa", "shop-adapter", "-n", ns) || !notFound(t, "pdb", "shop-adapter", "-n", ns) {
		t.Fatal("the autoscaler or budget outlived --replicas 1")
	}
	mustKM(t, append([]string{"source", "update", "http", "shop", "--autoscale", "1:3"}, in...)...)
	r = mustKM(t, append([]string{"source", "delete", "shop"}, in...)...)
	if !strings.Contains(r.Stdout, "horizontalpodautoscaler.autoscaling/shop-adapter deleted") || !strings.Contains(r.Stdout, "poddisruptionbudget.policy/shop-adapter deleted") {
		t.Fatalf("delete: %s", r)
	}

	// wire and unwire
	user := testbed.Namespace(t)
	ns2 := testbed.Namespace(t)
	mustKM(t, "wire", "crm", "--to", user, "--integration-namespace", ns2, "--autoscale", "2:3")
	if notFound(t, "hpa", "crm-adapter", "-n", ns2) || notFound(t, "pdb", "crm-adapter", "-n", ns2) {
		t.Fatal("wire --autoscale made no autoscaler or budget")
	}
	r = mustKM(t, "unwire", "crm", "--from", user, "--integration-namespace", ns2)
	if !strings.Contains(r.Stdout, "horizontalpodautoscaler.autoscaling/crm-adapter deleted") || !strings.Contains(r.Stdout, "poddisruptionbudget.policy/crm-adapter deleted") {
		t.Fatalf("unwire: %s", r)
	}
}
