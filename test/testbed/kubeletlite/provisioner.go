//go:build linux

package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The test bed's storage, as a local provisioner gives a one-node cluster:
// a default StorageClass whose claims each get a directory under the state
// folder and a PersistentVolume of the claim's size, pre-bound to it; the
// real PersistentVolume controller (kube-controller-manager) binds the two
// and sets them Bound. A Released volume of reclaim policy Delete loses its
// directory and its PersistentVolume.
//
// A directory cannot hold a claim to its size: a volume is only made when the
// filesystem has the claim's size free, but nothing stops a pod writing more
// (no quota), and the free space is shared by every claim.
const (
	storageClassName = "kymamesh-testbed-local"
	provisionerName  = "kubeletlite.kymamesh.test/local"
	// The PersistentVolume controller's annotations: on a claim, the
	// provisioner it waits for; on a volume, who made it.
	annStorageProvisioner     = "volume.kubernetes.io/storage-provisioner"
	annBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
	annProvisionedBy          = "pv.kubernetes.io/provisioned-by"
)

type provisioner struct {
	client kubernetes.Interface
	node   string
	root   string // a directory per claim under it
	// free is the space left where the volumes go (statfs, a variable for tests).
	free func(dir string) (int64, error)
	// failed remembers the claims already told why they got no volume.
	failed map[string]string
}

func newProvisioner(client kubernetes.Interface, node, root string) *provisioner {
	return &provisioner{client: client, node: node, root: root, free: freeBytes, failed: map[string]string{}}
}

func freeBytes(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// ensureClass makes the default StorageClass, as a provisioner's manifests do.
func (p *provisioner) ensureClass(ctx context.Context) error {
	if err := os.MkdirAll(p.root, 0o755); err != nil {
		return err
	}
	immediate, del := storagev1.VolumeBindingImmediate, corev1.PersistentVolumeReclaimDelete
	_, err := p.client.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: storageClassName,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: provisionerName, VolumeBindingMode: &immediate, ReclaimPolicy: &del,
	}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// sync provisions a volume for each claim the PersistentVolume controller
// handed to this provisioner, and deletes the released ones of policy Delete.
func (p *provisioner) sync(ctx context.Context) error {
	claims, err := p.client.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range claims.Items {
		c := &claims.Items[i]
		if c.Spec.VolumeName != "" || c.DeletionTimestamp != nil || c.Status.Phase != corev1.ClaimPending ||
			(c.Annotations[annStorageProvisioner] != provisionerName && c.Annotations[annBetaStorageProvisioner] != provisionerName) {
			continue
		}
		if err := p.provision(ctx, c); err != nil {
			key := c.Namespace + "/" + c.Name
			if p.failed[key] != err.Error() {
				p.failed[key] = err.Error()
				log.Printf("claim %s: %v", key, err)
				p.event(ctx, c, "ProvisioningFailed", err.Error())
			}
		}
	}
	vols, err := p.client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range vols.Items {
		v := &vols.Items[i]
		if v.Annotations[annProvisionedBy] != provisionerName || v.Status.Phase != corev1.VolumeReleased ||
			v.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || v.Spec.Local == nil {
			continue
		}
		dir := v.Spec.Local.Path
		if filepath.Dir(dir) != p.root {
			log.Printf("volume %s: %s is not under %s, not deleting it", v.Name, dir, p.root)
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			log.Printf("volume %s: %v", v.Name, err)
			continue
		}
		if err := p.client.CoreV1().PersistentVolumes().Delete(ctx, v.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			log.Printf("volume %s: %v", v.Name, err)
			continue
		}
		log.Printf("volume %s of claim %s/%s released: deleted with %s", v.Name, claimNS(v), claimName(v), dir)
	}
	return nil
}

// provision makes the claim's directory and its PersistentVolume, bound to
// the claim by claimRef (the controller then binds the claim to it).
func (p *provisioner) provision(ctx context.Context, c *corev1.PersistentVolumeClaim) error {
	name := "pvc-" + string(c.UID)
	if _, err := p.client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{}); err == nil {
		return nil // made already; the controller binds it
	}
	if c.Spec.VolumeMode != nil && *c.Spec.VolumeMode == corev1.PersistentVolumeBlock {
		return fmt.Errorf("volumeMode Block: this provisioner makes directories only")
	}
	if c.Spec.DataSource != nil || c.Spec.DataSourceRef != nil {
		return fmt.Errorf("a data source: this provisioner makes empty directories only")
	}
	size, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok || size.Sign() <= 0 {
		return fmt.Errorf("no storage request")
	}
	free, err := p.free(p.root)
	if err != nil {
		return err
	}
	if free < size.Value() {
		return fmt.Errorf("%s requested, %s free under %s", size.String(), resource.NewQuantity(free, resource.BinarySI).String(), p.root)
	}
	dir := filepath.Join(p.root, c.Namespace+"_"+c.Name+"_"+string(c.UID))
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	class := storageClassName
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	mode := corev1.PersistentVolumeFilesystem
	access := c.Spec.AccessModes
	if len(access) == 0 {
		access = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{annProvisionedBy: provisionerName}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   access,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              class,
			VolumeMode:                    &mode,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: c.Namespace, Name: c.Name, UID: c.UID},
			PersistentVolumeSource: corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: dir}},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{p.node}}},
			}}}},
		},
	}
	if _, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		_ = os.Remove(dir)
		return err
	}
	delete(p.failed, c.Namespace+"/"+c.Name)
	log.Printf("claim %s/%s: volume %s of %s at %s", c.Namespace, c.Name, name, size.String(), dir)
	p.event(ctx, c, "ProvisioningSucceeded", "Successfully provisioned volume "+name)
	return nil
}

// event records what happened to a claim, as provisioners do (kubectl
// describe shows it).
func (p *provisioner) event(ctx context.Context, c *corev1.PersistentVolumeClaim, reason, msg string) {
	typ := corev1.EventTypeNormal
	if strings.HasSuffix(reason, "Failed") {
		typ = corev1.EventTypeWarning
	}
	now := metav1.Now()
	_, _ = p.client.CoreV1().Events(c.Namespace).Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", c.Name, now.UnixNano()), Namespace: c.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: c.Namespace,
			Name: c.Name, UID: c.UID, ResourceVersion: c.ResourceVersion},
		Reason: reason, Message: msg, Type: typ, FirstTimestamp: now, LastTimestamp: now, Count: 1,
		Source: corev1.EventSource{Component: provisionerName},
	}, metav1.CreateOptions{})
}

func claimNS(v *corev1.PersistentVolume) string {
	if v.Spec.ClaimRef == nil {
		return ""
	}
	return v.Spec.ClaimRef.Namespace
}

func claimName(v *corev1.PersistentVolume) string {
	if v.Spec.ClaimRef == nil {
		return ""
	}
	return v.Spec.ClaimRef.Name
}

// claimPath is where a pod's claim is mounted from: its bound volume's
// directory. A claim not bound yet is an error (the pod waits, as a
// kubelet's volume manager does).
func claimPath(ctx context.Context, client kubernetes.Interface, ns, claim string) (string, error) {
	c, err := client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolumeclaim %s: %w", claim, err)
	}
	if c.Status.Phase != corev1.ClaimBound || c.Spec.VolumeName == "" {
		return "", fmt.Errorf("persistentvolumeclaim %s is %s, not bound yet", claim, c.Status.Phase)
	}
	v, err := client.CoreV1().PersistentVolumes().Get(ctx, c.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolume %s of claim %s: %w", c.Spec.VolumeName, claim, err)
	}
	switch {
	case v.Spec.Local != nil:
		return v.Spec.Local.Path, nil
	case v.Spec.HostPath != nil:
		return v.Spec.HostPath.Path, nil
	}
	return "", fmt.Errorf("persistentvolume %s of claim %s is neither local nor hostPath", v.Name, claim)
}
