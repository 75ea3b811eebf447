// Command kubeletlite stands in for the kubelet in the test bed, for the one kind
// of workload the plugin deploys: for every HTTP source adapter Deployment it
// runs the project-built adapter binary on this host with the Deployment's
// environment (including the K_SINK that the real SinkBinding webhook injected)
// and its container port, reports the Deployment Available once the adapter is
// ready, restarts it when the pod template changes and stops it when the
// Deployment goes away.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1client "k8s.io/client-go/kubernetes/typed/apps/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// process is one running adapter.
type process struct {
	cmd  *exec.Cmd
	hash string
	port int
	done chan struct{}
}

type kubelet struct {
	client   appsv1client.AppsV1Interface
	bin      string
	proxy    string
	logDir   string
	selector string
	running  map[string]*process
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig")
	bin := flag.String("adapter-bin", os.Getenv("KYMAMESH_ADAPTER_BIN"), "the adapter binary to run")
	proxy := flag.String("http-proxy", "http://127.0.0.1:18888", "HTTP proxy that reaches *.svc.cluster.local")
	logDir := flag.String("log-dir", ".", "where adapter logs go")
	selector := flag.String("selector", "app.kubernetes.io/name=kymamesh-adapter", "Deployments to run")
	flag.Parse()
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	client, err := appsv1client.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	k := &kubelet{client: client, bin: *bin, proxy: *proxy, logDir: *logDir, selector: *selector, running: map[string]*process{}}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	for ctx.Err() == nil {
		if err := k.sync(ctx); err != nil && ctx.Err() == nil {
			log.Printf("sync: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	for key := range k.running {
		k.stop(key)
	}
}

// sync makes the running processes match the Deployments.
func (k *kubelet) sync(ctx context.Context) error {
	deps, err := k.client.Deployments("").List(ctx, metav1.ListOptions{LabelSelector: k.selector})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range deps.Items {
		d := &deps.Items[i]
		if d.DeletionTimestamp != nil {
			continue
		}
		key := d.Namespace + "/" + d.Name
		seen[key] = true
		hash := templateHash(d)
		p := k.running[key]
		if p != nil && p.hash != hash {
			log.Printf("%s: pod template changed, restarting", key)
			k.stop(key)
			p = nil
		}
		if p == nil {
			if p, err = k.start(d, hash); err != nil {
				log.Printf("%s: %v", key, err)
				continue
			}
			k.running[key] = p
		}
		if err := k.report(ctx, d, p); err != nil {
			log.Printf("%s: status: %v", key, err)
		}
	}
	for key := range k.running {
		if !seen[key] {
			log.Printf("%s: deployment gone, stopping", key)
			k.stop(key)
		}
	}
	return nil
}

func templateHash(d *appsv1.Deployment) string {
	b, _ := json.Marshal(d.Spec.Template.Spec)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// start runs the adapter with the first container's environment on its port.
func (k *kubelet) start(d *appsv1.Deployment, hash string) (*process, error) {
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return nil, fmt.Errorf("no containers")
	}
	c := d.Spec.Template.Spec.Containers[0]
	env := []string{"PATH=" + os.Getenv("PATH"), "HTTP_PROXY=" + k.proxy, "http_proxy=" + k.proxy,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"}
	port := 0
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.ResourceFieldRef != nil {
			v = resourceFieldValue(c, e.ValueFrom.ResourceFieldRef)
		}
		env = append(env, e.Name+"="+v)
		if e.Name == "PORT" {
			port, _ = strconv.Atoi(e.Value)
		}
	}
	if port == 0 && len(c.Ports) > 0 {
		port = int(c.Ports[0].ContainerPort)
	}
	// Several adapters share this host: their metrics listeners take any free
	// port. No Service endpoints lag behind here, so there is nothing to drain.
	env = append(env, "METRICS_PORT=0", "DRAIN_PERIOD=0")
	logf, err := os.OpenFile(filepath.Join(k.logDir, "adapter-"+d.Namespace+"-"+d.Name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(k.bin)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &process{cmd: cmd, hash: hash, port: port, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	log.Printf("%s/%s: started adapter pid %d on port %d", d.Namespace, d.Name, cmd.Process.Pid, port)
	return p, nil
}

// resourceFieldValue resolves a CPU or memory resourceFieldRef as the kubelet
// does: the container's request or limit in units of the divisor (1 core, or
// 1 byte, by default), rounded up. Other resources resolve to "".
func resourceFieldValue(c corev1.Container, ref *corev1.ResourceFieldSelector) string {
	var q resource.Quantity
	switch ref.Resource {
	case "limits.cpu":
		q = c.Resources.Limits[corev1.ResourceCPU]
	case "requests.cpu":
		q = c.Resources.Requests[corev1.ResourceCPU]
	case "limits.memory", "requests.memory":
		q = c.Resources.Limits[corev1.ResourceMemory]
		if ref.Resource == "requests.memory" {
			q = c.Resources.Requests[corev1.ResourceMemory]
		}
		d := ref.Divisor.Value()
		if d == 0 {
			d = 1
		}
		return strconv.FormatInt((q.Value()+d-1)/d, 10)
	default:
		return ""
	}
	divisor := ref.Divisor.MilliValue()
	if divisor == 0 {
		divisor = 1000
	}
	return strconv.FormatInt((q.MilliValue()+divisor-1)/divisor, 10)
}

// stop ends a process as the kubelet would: SIGTERM, then SIGKILL after a grace period.
func (k *kubelet) stop(key string) {
	p := k.running[key]
	delete(k.running, key)
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// report sets the Deployment's status from the adapter's readiness probe.
func (k *kubelet) report(ctx context.Context, d *appsv1.Deployment, p *process) error {
	ready := false
	select {
	case <-p.done:
	default:
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", p.port))
		if err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
	}
	status, reason := corev1.ConditionFalse, "AdapterNotReady"
	var n int32
	if ready {
		status, reason, n = corev1.ConditionTrue, "LocalProcess", 1
	}
	cur := d.Status
	if cur.ObservedGeneration == d.Generation && cur.AvailableReplicas == n && len(cur.Conditions) == 1 && cur.Conditions[0].Status == status {
		return nil
	}
	now := metav1.Now()
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: n, AvailableReplicas: n,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: status, Reason: reason, LastUpdateTime: now, LastTransitionTime: now}}}
	_, err := k.client.Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	return err
}
