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

func cleanPath(p string) string {
	if p = strings.TrimSuffix(p, "/"); p == "" {
		return "/"
	}
	return p
}

// clashes says whether two claims leave the winner to the controller: the
// same path for the same host (an empty host is every host) through the
// same class or Gateway (an Ingress without a class gets the default, which
// may be any: taken as the same).
func clashes(a, b claim, ingress bool) bool {
	if a.path != b.path {
		return false
	}
	if a.host != b.host && a.host != "" && b.host != "" {
		return false
	}
	if ingress {
		return a.via == b.via || a.via == "" || b.via == ""
	}
	return a.via == b.via
}

// checkClaims refuses an exposure whose host and path another object of its
// kind already routes. It looks cluster-wide, or in the integration
// namespace when the user may not list further.
func checkClaims(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) error {
	ingress := gvr == IngressesGVR
	claimsOf := routeClaims
	if ingress {
		claimsOf = ingressClaims
	}
	ours := claimsOf(obj)
	list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		list, err = dyn.Resource(gvr).Namespace(obj.GetNamespace()).List(ctx, metav1.ListOptions{})
	}
	if err != nil {
		return APIError(err, "list", gvr.Resource, "", obj.GetNamespace())
	}
	for i := range list.Items {
		o := &list.Items[i]
		if o.GetNamespace() == obj.GetNamespace() && o.GetName() == obj.GetName() {
			continue // the exposure itself, or someone's object of its name (refused elsewhere)
		}
		for _, theirs := range claimsOf(o) {
			for _, c := range ours {
				if clashes(c, theirs, ingress) {
					return fmt.Errorf("%s %s/%s already routes %s%s (%s): two routes for one host and path leave it to the controller which gets the traffic; nothing was changed (pass --force-conflicts to expose it anyway)",
						kindWord(ingress), o.GetNamespace(), o.GetName(), orAnyHost(theirs.host), theirs.path, viaWords(theirs.via, ingress))
				}
			}
		}
	}
	return nil
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
