package wiring

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Two Ingresses (of one class) or two HTTPRoutes (on one Gateway) that
// claim the same host and path leave it to the controller which one gets
// the traffic: an exposure made beside someone else's claim could take
// their senders' events, or silently get none. The plugin refuses to make
// such a claim unless --force-conflicts. A path that only nests under
// another's (theirs "/", ours "/shop") is ordinary routing, not a clash.

// claim is one host and path an exposure routes, and where (an Ingress's
// class, "" for the default; an HTTPRoute's Gateway NS/NAME).
type claim struct {
	host, path, via string
}

// ingressClaims lists an Ingress's host and path pairs.
func ingressClaims(u *unstructured.Unstructured) []claim {
	via, _, _ := unstructured.NestedString(u.Object, "spec", "ingressClassName")
	if via == "" {
		via = u.GetAnnotations()["kubernetes.io/ingress.class"]
	}
	var out []claim
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		host, _ := rm["host"].(string)
		paths, _, _ := unstructured.NestedSlice(rm, "http", "paths")
		for _, p := range paths {
			pm, _ := p.(map[string]any)
			path, _ := pm["path"].(string)
			out = append(out, claim{host: host, path: cleanPath(path), via: via})
		}
	}
	return out
}

// routeClaims lists an HTTPRoute's hostname and path pairs, once per
// Gateway it is attached to.
func routeClaims(u *unstructured.Unstructured) []claim {
	hosts, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "hostnames")
	if len(hosts) == 0 {
		hosts = []string{""} // every host the listener takes
	}
	var paths []string
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		matches, _, _ := unstructured.NestedSlice(rm, "matches")
		if len(matches) == 0 {
			paths = append(paths, "/")
		}
		for _, m := range matches {
			v, found, _ := unstructured.NestedString(m.(map[string]any), "path", "value")
			if !found {
				v = "/"
			}
			paths = append(paths, cleanPath(v))
		}
	}
	var out []claim
	parents, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
	for _, p := range parents {
		pm, _ := p.(map[string]any)
		if k, _ := pm["kind"].(string); k != "" && k != "Gateway" {
			continue
		}
		ns, _ := pm["namespace"].(string)
		if ns == "" {
			ns = u.GetNamespace()
		}
		name, _ := pm["name"].(string)
		for _, h := range hosts {
			for _, path := range paths {
				out = append(out, claim{host: h, path: path, via: ns + "/" + name})
			}
		}
	}
	return out
}

// takesEndpoints says whether a route for path theirs, under ours, catches
// requests to an endpoint the adapter answers under ours (events, v1/events):
// a string prefix, as Traefik's Ingress PathPrefix matches by default (the
// Ingress and Gateway APIs' element-wise prefix is a subset of it).
func takesEndpoints(theirs, ours string) bool {
	base := strings.TrimSuffix(ours, "/")
	if !strings.HasPrefix(theirs, base+"/") {
		return false
	}
	for _, e := range []string{"/events", "/v1/events"} {
		if strings.HasPrefix(base+e, theirs) {
			return true
		}
	}
	return false
}

// sameHost says whether requests for host a may be routed by a claim for b.
func sameHost(a, b string, ingress bool) bool {
	switch {
	case a == b || a == "" || b == "":
		return true
	case !ingress:
		return false
	}
	covers := func(wild, host string) bool {
		rest, ok := strings.CutPrefix(wild, "*")
		first, _, _ := strings.Cut(host, ".")
		return ok && first != "" && host == first+rest
	}
	return covers(a, b) || covers(b, a)
}

func cleanPath(p string) string {
	if p = strings.TrimSuffix(p, "/"); p == "" {
		return "/"
	}
	return p
}

// clashes says whether their claim leaves ours short of its traffic: the
// same path, or one under ours that takes the adapter's endpoints (theirs
// /shop/events, more specific, wins over ours /shop and gets the senders'
// events and tokens), for the same host (an empty host is every host; for
// an Ingress a wildcard is too: the Ingress API leaves exact against
// wildcard to the controller, and Traefik ranks the longer wildcard rule
// first) through the same class or Gateway (an Ingress without a class gets
// the default, which may be any: taken as the same).
func clashes(ours, theirs claim, ingress bool) bool {
	if ours.path != theirs.path && !takesEndpoints(theirs.path, ours.path) {
		return false
	}
	if !sameHost(ours.host, theirs.host, ingress) {
		return false
	}
	if ingress {
		return ours.via == theirs.via || ours.via == "" || theirs.via == ""
	}
	return ours.via == theirs.via
}

// checkClaims refuses an exposure whose host and path another object of its
// kind already routes. It looks cluster-wide, or in the integration
// namespace when the user may not list further.
func checkClaims(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) error {
	list, err := listRoutes(ctx, dyn, gvr, obj.GetNamespace())
	if err != nil {
		return err
	}
	if c := clashWith(list, gvr, obj); c != "" {
		return fmt.Errorf("%s; nothing was changed (pass --force-conflicts to expose it anyway)", c)
	}
	return nil
}

// listRoutes lists the Ingresses or HTTPRoutes of the cluster, or of ns
// when the user may not list further.
func listRoutes(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns string) ([]unstructured.Unstructured, error) {
	list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		list, err = dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
	}
	if err != nil {
		return nil, APIError(err, "list", gvr.Resource, "", ns)
	}
	return list.Items, nil
}

// clashWith says which of items (of gvr) claims obj's host and path, and
// why that takes obj's traffic; "" when none does.
func clashWith(items []unstructured.Unstructured, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) string {
	ingress := gvr == IngressesGVR
	claimsOf := routeClaims
	if ingress {
		claimsOf = ingressClaims
	}
	ours := claimsOf(obj)
	for i := range items {
		o := &items[i]
		if o.GetNamespace() == obj.GetNamespace() && o.GetName() == obj.GetName() {
			continue // the exposure itself, or someone's object of its name (refused elsewhere)
		}
		for _, theirs := range claimsOf(o) {
			for _, c := range ours {
				if !clashes(c, theirs, ingress) {
					continue
				}
				what := fmt.Sprintf("%s %s/%s already routes %s%s (%s)", kindWord(ingress), o.GetNamespace(), o.GetName(), orAnyHost(theirs.host), theirs.path, viaWords(theirs.via, ingress))
				if theirs.path != c.path {
					return what + ", under this exposure's " + c.path + ": it would take the events, and the tokens, senders post there"
				}
				return what + ": two routes for one host and path leave it to the controller which gets the traffic"
			}
		}
	}
	return ""
}

func kindWord(ingress bool) string {
	if ingress {
		return "ingress"
	}
	return "httproute"
}

func orAnyHost(h string) string {
	if h == "" {
		return "every host, path "
	}
	return h
}

func viaWords(via string, ingress bool) string {
	switch {
	case ingress && via == "":
		return "the default IngressClass"
	case ingress:
		return "IngressClass " + via
	}
	return "Gateway " + via
}
