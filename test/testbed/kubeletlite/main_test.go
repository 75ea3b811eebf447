//go:build linux

package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestResourceFieldValueRoundsUpLikeTheKubelet(t *testing.T) {
	c := corev1.Container{Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
	}}
	for _, tc := range []struct {
		ref  corev1.ResourceFieldSelector
		want string
	}{
		{corev1.ResourceFieldSelector{Resource: "limits.cpu"}, "2"},
		{corev1.ResourceFieldSelector{Resource: "requests.cpu"}, "1"},
		{corev1.ResourceFieldSelector{Resource: "limits.cpu", Divisor: resource.MustParse("1m")}, "1500"},
		{corev1.ResourceFieldSelector{Resource: "limits.memory"}, "134217728"},
		{corev1.ResourceFieldSelector{Resource: "requests.memory", Divisor: resource.MustParse("1Mi")}, "32"},
		{corev1.ResourceFieldSelector{Resource: "limits.ephemeral-storage"}, ""},
	} {
		if got := resourceFieldValue(c, &tc.ref); got != tc.want {
			t.Errorf("%s / %s: got %q, want %q", tc.ref.Resource, tc.ref.Divisor.String(), got, tc.want)
		}
	}
}

// Addresses go round the network before one is used again.
func TestAllocateDoesNotReuseAnAddressAtOnce(t *testing.T) {
	n := &podNetwork{prefix: "10.244.0.", used: map[int]bool{}, last: 1}
	a, _ := n.allocate()
	b, _ := n.allocate()
	delete(n.used, 2) // released (without the ip command: only the bookkeeping matters here)
	c, _ := n.allocate()
	if a != "10.244.0.2" || b != "10.244.0.3" || c != "10.244.0.4" {
		t.Fatalf("got %s %s %s", a, b, c)
	}
	for i := 0; i < 251; i++ { // the other 250, then the one released
		if _, err := n.allocate(); err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
	}
	if _, err := n.allocate(); err == nil {
		t.Fatal("a full network handed out an address")
	}
}
