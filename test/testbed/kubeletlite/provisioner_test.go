//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

func pendingClaim(name, size string) *corev1.PersistentVolumeClaim {
	class := storageClassName
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", UID: "uid-" + types.UID(name),
			Annotations: map[string]string{annStorageProvisioner: provisionerName}},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
}

// A claim handed to the provisioner gets a directory and a volume of its
// size bound to it by claimRef; a claim larger than the free space gets
// neither, and a warning event saying why; a released volume loses both.
func TestProvisionerMakesAndDeletesADirectoryPerClaim(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "volumes")
	big := pendingClaim("big", "2Gi")
	big.UID = "uid-big"
	small := pendingClaim("small", "100Mi")
	small.UID = "uid-small"
	other := pendingClaim("other", "1Mi") // another provisioner's
	other.UID, other.Annotations = "uid-other", map[string]string{annStorageProvisioner: "example.com/nfs"}
	client := fake.NewSimpleClientset(big, small, other)
	p := newProvisioner(client, "testbed", root)
	p.free = func(string) (int64, error) { return 1 << 30, nil }
	if err := p.ensureClass(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.ensureClass(ctx); err != nil {
		t.Fatalf("a second start: %v", err)
	}
	if err := p.sync(ctx); err != nil {
		t.Fatal(err)
	}
	pvs, _ := client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if len(pvs.Items) != 1 {
		t.Fatalf("want one volume (small's), got %d", len(pvs.Items))
	}
	pv := pvs.Items[0]
	if pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.Name != "small" || pv.Spec.ClaimRef.UID != "uid-small" ||
		pv.Spec.Capacity.Storage().String() != "100Mi" || pv.Spec.StorageClassName != storageClassName || pv.Spec.Local == nil {
		t.Fatalf("volume: %+v", pv.Spec)
	}
	if st, err := os.Stat(pv.Spec.Local.Path); err != nil || !st.IsDir() || filepath.Dir(pv.Spec.Local.Path) != root {
		t.Fatalf("directory %s: %v", pv.Spec.Local.Path, err)
	}
	events, _ := client.CoreV1().Events("shop").List(ctx, metav1.ListOptions{})
	var warned int
	for _, e := range events.Items {
		if e.InvolvedObject.Name == "big" && e.Reason == "ProvisioningFailed" && strings.Contains(e.Message, "2Gi requested, 1Gi free") {
			warned++
		}
	}
	if warned != 1 {
		t.Fatalf("want one warning on claim big, got %+v", events.Items)
	}
	if err := p.sync(ctx); err != nil { // nothing new: no second volume, no second warning
		t.Fatal(err)
	}
	if events, _ = client.CoreV1().Events("shop").List(ctx, metav1.ListOptions{}); len(events.Items) != 2 {
		t.Fatalf("want the two events of the first sync only, got %d", len(events.Items))
	}

	pv.Status.Phase = corev1.VolumeReleased
	if _, err := client.CoreV1().PersistentVolumes().Update(ctx, &pv, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pv.Spec.Local.Path); !os.IsNotExist(err) {
		t.Fatalf("the released volume's directory is still there: %v", err)
	}
	if pvs, _ = client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{}); len(pvs.Items) != 0 {
		t.Fatalf("the released volume is still there: %+v", pvs.Items)
	}
}

// A released volume whose directory is not the provisioner's is left alone.
func TestProvisionerKeepsAVolumeOutsideItsRoot(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-x", Annotations: map[string]string{annProvisionedBy: provisionerName}},
		Spec: corev1.PersistentVolumeSpec{PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			PersistentVolumeSource: corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: outside}}},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased}}
	client := fake.NewSimpleClientset(pv)
	p := newProvisioner(client, "testbed", filepath.Join(t.TempDir(), "volumes"))
	if err := p.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("%s was removed: %v", outside, err)
	}
	if _, err := client.CoreV1().PersistentVolumes().Get(ctx, "pv-x", metav1.GetOptions{}); err != nil {
		t.Fatalf("pv-x was deleted: %v", err)
	}
}
