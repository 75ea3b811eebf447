//go:build linux

// Command kubeletlite stands in for the kubelet (and the scheduler, and the
// Deployment and ReplicaSet controllers) in the test bed, for the workloads the
// plugin deploys: the HTTP source adapters and tail's receivers. For each such
// Deployment it runs the project-built adapter binary with the pod template's
// arguments and environment (including the K_SINK that the real SinkBinding
// webhook injected) in a network namespace of its own with its own address, as
// a kubelet with a CNI plugin does. It registers its Node, creates the Pod on
// it and keeps the Pod's status (IP, readiness) current, so the real
// EndpointSlice controller fills the Service and the real API server
// port-forwards to it (kubeletlite serves the kubelet's port-forward
// endpoint). It reports the Deployment Available once the pod is ready,
// replaces the pod when the template changes and stops it when the Deployment
// goes away.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// process is one running pod.
type process struct {
	cmd        *exec.Cmd
	hash       string
	port       int
	ip         string
	done       chan struct{}
	pod        *corev1.Pod // as last written; nil until the API server took it
	podName    string
	namespace  string
	ready      bool
	volumesAt  time.Time   // when its Secrets' files were last written
	refreshing atomic.Bool // a refresh of its Secrets' files is running
	deploy     string      // namespace/name of its Deployment
	// terminating: its Pod is deleted (with a grace period: the EndpointSlice
	// says terminating) and its process has SIGTERM, draining.
	terminating bool
}

// hasSecretVolumes says whether the pod mounts a Secret (a kubelet keeps
// those files current).
func hasSecretVolumes(d *appsv1.Deployment) bool {
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			return true
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					return true
				}
			}
		}
	}
	return false
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

type kubelet struct {
	client   kubernetes.Interface
	node     string
	net      *podNetwork
	bin      string
	proxy    string
	logDir   string
	selector string
	apiHost  string // the API server's address and port as pods reach it
	apiPort  string
	caPEM    []byte     // the cluster's CA, mounted into pods with their token
	mu       sync.Mutex // guards running: the port-forward handler reads it
	running  map[string]*process
	probe    *http.Client
	storage  *provisioner // the test bed's PersistentVolumes
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig")
	bin := flag.String("adapter-bin", os.Getenv("KYMAMESH_ADAPTER_BIN"), "the adapter binary to run")
	proxyPort := flag.Int("proxy-port", 18888, "port of the HTTP proxy (on the node's address) that reaches *.svc.cluster.local")
	logDir := flag.String("log-dir", ".", "where pod logs go")
	selector := flag.String("selector", "app.kubernetes.io/name in (kymamesh-adapter,kymamesh-tail,kymamesh-deadletter)", "Deployments to run")
	node := flag.String("node-name", "testbed", "the Node to register")
	cidr := flag.String("pod-cidr", "10.244.0.0/24", "addresses for pods")
	kubeletPort := flag.Int("kubelet-port", 10250, "port of the kubelet API (port-forward) on the node's address")
	flag.Parse()
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	pods, err := newPodNetwork(*cidr)
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	caPEM, err := os.ReadFile(cfg.TLSClientConfig.CAFile)
	if err != nil {
		log.Fatalf("kubeletlite: the cluster CA: %v", err)
	}
	apiURL, err := url.Parse(cfg.Host)
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	k := &kubelet{client: client, node: *node, net: pods, bin: *bin, logDir: *logDir, selector: *selector,
		apiHost: pods.gateway, apiPort: apiURL.Port(), caPEM: caPEM,
		proxy: fmt.Sprintf("http://%s:%d", pods.gateway, *proxyPort), running: map[string]*process{},
		probe:   &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
		storage: newProvisioner(client, *node, filepath.Join(*logDir, "volumes"))}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	// The kubelet API: the API server dials the Node's address and port and
	// does not check the certificate unless given a CA for kubelets.
	ln, err := net.Listen("tcp", net.JoinHostPort(pods.gateway, strconv.Itoa(*kubeletPort)))
	if err != nil {
		log.Fatalf("kubeletlite: %v", err)
	}
	api := httptest.NewUnstartedServer(portForwardHandler(k.podPid))
	api.Listener.Close()
	api.Listener = ln
	api.StartTLS()
	defer api.Close()
	if err := k.registerNode(ctx, *kubeletPort); err != nil {
		log.Fatalf("kubeletlite: node %s: %v", *node, err)
	}
	if err := k.storage.ensureClass(ctx); err != nil {
		log.Fatalf("kubeletlite: storage class %s: %v", storageClassName, err)
	}
	for ctx.Err() == nil {
		if err := k.storage.sync(ctx); err != nil && ctx.Err() == nil {
			log.Printf("volumes: %v", err)
		}
		if err := k.sync(ctx); err != nil && ctx.Err() == nil {
			log.Printf("sync: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	// The API server is stopping too: its Pods are not waited for, only the
	// processes (within the test bed's stop grace).
	done, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, p := range k.running {
		k.remove(done, p)
	}
}

// registerNode creates (or takes over) the Node and reports it Ready, with
// the address and port of the kubelet API.
func (k *kubelet) registerNode(ctx context.Context, port int) error {
	nodes := k.client.CoreV1().Nodes()
	n, err := nodes.Get(ctx, k.node, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		n, err = nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.node,
			Labels: map[string]string{corev1.LabelHostname: k.node, corev1.LabelOSStable: "linux"}}}, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	now := metav1.Now()
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: k.net.gateway}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	n.Status.Capacity = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("250"),
		corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}
	n.Status.Allocatable = n.Status.Capacity
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		Message: "kubeletlite is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now}}
	_, err = nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err
}

// podPid names the process of a pod of this node: its network namespace
// is the pod's.
func (k *kubelet) podPid(namespace, pod string) (int, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.running {
		if p.namespace == namespace && p.podName == pod && !p.exited() {
			return p.cmd.Process.Pid, true
		}
	}
	return 0, false
}

// sync makes the running pods match the Deployments: spec.replicas pods of
// the current template each (one when unset); a changed template gets all
// its new pods first and the old ones are stopped once the new ones are all
// ready (a surge rollout: nothing is unavailable); extra pods (a scale-down)
// and the pods of a Deployment that is gone stop gracefully; a pod whose
// process exited is removed and replaced.
func (k *kubelet) sync(ctx context.Context) error {
	deps, err := k.client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: k.selector})
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
		want := 1
		if d.Spec.Replicas != nil {
			want = int(*d.Spec.Replicas)
		}
		hash := templateHash(d)
		var cur, old []*process
		for _, p := range k.pods(key) {
			if p.exited() {
				log.Printf("%s: pod %s exited, replacing it", key, p.podName)
				k.remove(ctx, p)
				continue
			}
			if p.hash == hash {
				cur = append(cur, p)
			} else {
				old = append(old, p)
			}
		}
		for _, p := range cur {
			if time.Since(p.volumesAt) > time.Second && hasSecretVolumes(d) && p.refreshing.CompareAndSwap(false, true) {
				// A kubelet updates mounted Secrets when they change (within
				// about a minute); this one, every second, beside the sync
				// loop so that it does not slow it down.
				p.volumesAt = time.Now()
				go func(p *process, d *appsv1.Deployment) {
					defer p.refreshing.Store(false)
					if _, err := k.volumes(ctx, d, d.Spec.Template.Spec.Containers[0], false); err != nil {
						log.Printf("%s: volumes: %v", key, err)
					}
				}(p, d.DeepCopy())
			}
		}
		// Recreate (one writer of a volume): the old pods stop, and the
		// new ones start only once the old processes are gone.
		recreate := d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType
		if recreate && len(old) > 0 {
			log.Printf("%s: pod template changed (Recreate): stopping %d old pods first", key, len(old))
			for _, p := range old {
				k.stopGracefully(d, p)
			}
			old = nil
		}
		for len(cur) < want && !(recreate && k.stopping(key)) {
			p, err := k.start(ctx, d, hash)
			if err != nil {
				log.Printf("%s: %v", key, err)
				break
			}
			p.deploy = key
			k.mu.Lock()
			k.running[key+"/"+p.podName] = p
			k.mu.Unlock()
			cur = append(cur, p)
		}
		for len(cur) > want {
			k.stopGracefully(d, cur[len(cur)-1])
			cur = cur[:len(cur)-1]
		}
		ready := 0
		for _, p := range append(append([]*process{}, cur...), old...) {
			if err := k.report(ctx, d, p); err != nil {
				log.Printf("%s: status: %v", key, err)
			}
			if p.ready && p.hash == hash {
				ready++
			}
		}
		if len(old) > 0 && ready >= want {
			log.Printf("%s: pod template changed and the new pods are ready, stopping %d old ones", key, len(old))
			for _, p := range old {
				k.stopGracefully(d, p)
			}
			old = nil
		}
		if err := k.reportDeployment(ctx, d, want, cur, old); err != nil {
			log.Printf("%s: status: %v", key, err)
		}
	}
	k.mu.Lock()
	var gone []*process
	for _, p := range k.running {
		if !seen[p.deploy] && !p.terminating {
			gone = append(gone, p)
		}
	}
	k.mu.Unlock()
	for _, p := range gone {
		log.Printf("%s: deployment gone, stopping pod %s", p.deploy, p.podName)
		k.stopNow(ctx, p)
	}
	return nil
}

// stopping says whether a pod of the Deployment is still terminating.
func (k *kubelet) stopping(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.running {
		if p.deploy == key && p.terminating {
			return true
		}
	}
	return false
}

// pods are the pods of a Deployment that are not terminating.
func (k *kubelet) pods(key string) []*process {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*process
	for _, p := range k.running {
		if p.deploy == key && !p.terminating {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *process) int { return strings.Compare(a.podName, b.podName) })
	return out
}

func templateHash(d *appsv1.Deployment) string {
	b, _ := json.Marshal(d.Spec.Template)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:5])
}

// start runs the first container's process, with its arguments and
// environment, in a network namespace of its own.
func (k *kubelet) start(ctx context.Context, d *appsv1.Deployment, hash string) (*process, error) {
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return nil, fmt.Errorf("no containers")
	}
	c := d.Spec.Template.Spec.Containers[0]
	// The volumes first: the ServiceAccount token needs the ServiceAccount,
	// a Secret the Secret, either of which may come a moment after the
	// Deployment.
	mounts, err := k.volumes(ctx, d, c, true)
	if err != nil {
		return nil, err
	}
	ip, err := k.net.allocate()
	if err != nil {
		return nil, err
	}
	p := &process{hash: hash, ip: ip, namespace: d.Namespace, podName: d.Name + "-" + hash + "-" + utilrand.String(5), done: make(chan struct{})}
	env := []string{"PATH=" + os.Getenv("PATH"), "HTTP_PROXY=" + k.proxy, "http_proxy=" + k.proxy,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"KUBERNETES_SERVICE_HOST=" + k.apiHost, "KUBERNETES_SERVICE_PORT=" + k.apiPort}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			v = k.valueFrom(c, p, e.ValueFrom)
		}
		env = append(env, e.Name+"="+v)
		if e.Name == "PORT" {
			p.port, _ = strconv.Atoi(v)
		}
	}
	if p.port == 0 && len(c.Ports) > 0 {
		p.port = int(c.Ports[0].ContainerPort)
	}
	// Pods stop as in a cluster: deleted with a grace period, SIGTERM, the
	// adapter's drain, in the background of the sync (stopGracefully). The
	// drain is 2 s here unless the pod sets DRAIN_PERIOD: endpoints move in
	// well under a second on this one machine, and the test bed's many
	// removals should not each wait the 5 s a cluster needs.
	drain := true
	for _, e := range c.Env {
		drain = drain && e.Name != "DRAIN_PERIOD"
	}
	if drain {
		env = append(env, "DRAIN_PERIOD=2s")
	}
	logf, err := os.OpenFile(filepath.Join(k.logDir, "pod-"+d.Namespace+"-"+d.Name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		k.net.release(ip)
		return nil, err
	}
	cmd := exec.Command(k.bin, c.Args...)
	if len(mounts) > 0 {
		// A private mount namespace binds the pod's files where its
		// containers expect them. The pod has no root filesystem of its own
		// here, so an empty mount point is made on the host's if missing.
		script := ""
		for _, m := range mounts {
			script += "mkdir -p '" + m.target + "' && mount --bind '" + m.source + "' '" + m.target + "' && "
		}
		cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "--", "sh", "-c", script + `exec "$@"`, "sh", k.bin}, c.Args...)...)
	}
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := cmd.Start(); err != nil {
		logf.Close()
		k.net.release(ip)
		return nil, err
	}
	p.cmd = cmd
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	if err := k.net.attach(cmd.Process.Pid, ip); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		k.net.release(ip)
		return nil, err
	}
	log.Printf("%s/%s: pod %s: pid %d at %s:%d", d.Namespace, d.Name, p.podName, cmd.Process.Pid, ip, p.port)
	return p, nil
}

// mount is a folder of the pod's files bound where the container sees them.
type mount struct{ source, target string }

// volumes writes the files of the pod's ServiceAccount token (unless
// automounting is off) and of the Secrets the container mounts (as secret
// volumes or projected from Secrets, as a SinkBinding mounts its OIDC token),
// and says where each goes; when the pod starts, also its claims' volumes
// (bound claims only: the pod waits for the others). Other volumes are not
// supported here.
func (k *kubelet) volumes(ctx context.Context, d *appsv1.Deployment, c corev1.Container, starting bool) ([]mount, error) {
	var out []mount
	spec := d.Spec.Template.Spec
	if t := spec.AutomountServiceAccountToken; starting && (t == nil || *t) {
		dir, err := k.serviceAccountFiles(ctx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, mount{dir, serviceAccountDir})
	}
	for _, vm := range c.VolumeMounts {
		if strings.Contains(vm.MountPath, "'") {
			continue
		}
		if claim := claimOf(spec.Volumes, vm.Name); starting && claim != "" {
			dir, err := claimPath(ctx, k.client, d.Namespace, claim)
			if err != nil {
				return nil, fmt.Errorf("volume %s: %w", vm.Name, err)
			}
			if vm.SubPath != "" {
				dir = filepath.Join(dir, filepath.Clean("/"+vm.SubPath))
				if err := os.MkdirAll(dir, 0o777); err != nil {
					return nil, err
				}
			}
			out = append(out, mount{dir, vm.MountPath})
			continue
		}
		var secrets []string
		optional := map[string]bool{}
		for _, v := range spec.Volumes {
			if v.Name != vm.Name {
				continue
			}
			if v.Secret != nil {
				secrets = append(secrets, v.Secret.SecretName)
				optional[v.Secret.SecretName] = v.Secret.Optional != nil && *v.Secret.Optional
			}
			if v.Projected != nil {
				for _, src := range v.Projected.Sources {
					if src.Secret != nil {
						secrets = append(secrets, src.Secret.Name)
						optional[src.Secret.Name] = src.Secret.Optional != nil && *src.Secret.Optional
					}
				}
			}
		}
		if len(secrets) == 0 || strings.Contains(vm.MountPath, "'") {
			continue
		}
		dir := filepath.Join(k.logDir, "volume-"+d.Namespace+"-"+d.Name+"-"+vm.Name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		files := map[string][]byte{}
		for _, name := range secrets {
			sec, err := k.client.CoreV1().Secrets(d.Namespace).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional[name] {
				continue // an optional Secret that does not exist: no files
			}
			if err != nil {
				return nil, fmt.Errorf("volume %s: secret %s: %w", vm.Name, name, err)
			}
			for key, data := range sec.Data {
				files[key] = data
			}
		}
		// Each file replaced whole (as a kubelet's atomic writer does), and
		// the keys no longer in the Secret removed.
		for key, data := range files {
			if old, err := os.ReadFile(filepath.Join(dir, key)); err == nil && bytes.Equal(old, data) {
				continue
			}
			tmp := filepath.Join(dir, ".tmp-"+key)
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				return nil, err
			}
			if err := os.Rename(tmp, filepath.Join(dir, key)); err != nil {
				return nil, err
			}
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if _, keep := files[e.Name()]; !keep {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
		out = append(out, mount{dir, vm.MountPath})
	}
	return out, nil
}

// claimOf is the claim a pod's volume name stands for, "" if it is not one.
func claimOf(volumes []corev1.Volume, name string) string {
	for _, v := range volumes {
		if v.Name == name && v.PersistentVolumeClaim != nil {
			return v.PersistentVolumeClaim.ClaimName
		}
	}
	return ""
}

// serviceAccountDir is where a kubelet mounts a pod's token, CA and namespace.
const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// serviceAccountFiles writes what a kubelet projects into serviceAccountDir:
// a token of the pod's ServiceAccount (from the TokenRequest API), the
// cluster's CA and the namespace. It returns their folder.
func (k *kubelet) serviceAccountFiles(ctx context.Context, d *appsv1.Deployment) (string, error) {
	sa := d.Spec.Template.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	expiry := int64(3600)
	tr, err := k.client.CoreV1().ServiceAccounts(d.Namespace).CreateToken(ctx, sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token of serviceaccount %s: %w", sa, err)
	}
	dir := filepath.Join(k.logDir, "serviceaccount-"+d.Namespace+"-"+d.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	for name, content := range map[string][]byte{"token": []byte(tr.Status.Token), "ca.crt": k.caPEM, "namespace": []byte(d.Namespace)} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// valueFrom resolves the downward API references a kubelet resolves before
// the container starts (the pod's IP is already allocated here).
func (k *kubelet) valueFrom(c corev1.Container, p *process, src *corev1.EnvVarSource) string {
	switch {
	case src.ResourceFieldRef != nil:
		return resourceFieldValue(c, src.ResourceFieldRef)
	case src.FieldRef != nil:
		switch src.FieldRef.FieldPath {
		case "metadata.name":
			return p.podName
		case "metadata.namespace":
			return p.namespace
		case "spec.nodeName":
			return k.node
		case "status.podIP":
			return p.ip
		}
	}
	return ""
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

// stopGracefully ends a pod as the kubelet would, in the background: its
// Pod is deleted with the pod's grace period (the EndpointSlice controller
// marks its endpoint terminating, not ready: proxies stop sending new
// connections to it), the process gets SIGTERM and drains, SIGKILL after the
// grace period; then the Pod is removed.
func (k *kubelet) stopGracefully(d *appsv1.Deployment, p *process) {
	k.mu.Lock()
	p.terminating = true
	k.mu.Unlock()
	grace := int64(30)
	if d != nil && d.Spec.Template.Spec.TerminationGracePeriodSeconds != nil {
		grace = *d.Spec.Template.Spec.TerminationGracePeriodSeconds
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(grace+10)*time.Second)
		defer cancel()
		if p.pod != nil {
			err := k.client.CoreV1().Pods(p.namespace).Delete(ctx, p.podName, metav1.DeleteOptions{GracePeriodSeconds: &grace})
			if err != nil && !apierrors.IsNotFound(err) {
				log.Printf("%s: deleting pod %s: %v", p.deploy, p.podName, err)
			}
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(time.Duration(grace) * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		k.remove(ctx, p)
	}()
}

// stopNow ends the pod of a Deployment that is gone: its Pod is removed at
// once (the test bed's removals, tail's and unwire's, wait for it), its
// process gets SIGTERM and, in the background, SIGKILL after 5 s.
func (k *kubelet) stopNow(ctx context.Context, p *process) {
	k.mu.Lock()
	p.terminating = true
	k.mu.Unlock()
	if p.pod != nil {
		zero := int64(0)
		err := k.client.CoreV1().Pods(p.namespace).Delete(ctx, p.podName, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		if err != nil && !apierrors.IsNotFound(err) {
			log.Printf("%s: deleting pod %s: %v", p.deploy, p.podName, err)
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	go func() {
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
		k.remove(context.Background(), p)
	}()
}

// remove forgets a pod whose process has ended (or kills it), removes its
// Pod at once and frees its address.
func (k *kubelet) remove(ctx context.Context, p *process) {
	k.mu.Lock()
	delete(k.running, p.deploy+"/"+p.podName)
	k.mu.Unlock()
	if !p.exited() {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if p.pod != nil {
		zero := int64(0)
		err := k.client.CoreV1().Pods(p.namespace).Delete(ctx, p.podName, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		if err != nil && !apierrors.IsNotFound(err) {
			log.Printf("%s: deleting pod %s: %v", p.deploy, p.podName, err)
		}
	}
	k.net.release(p.ip)
}

// report creates the Pod once the API server takes it, keeps its status
// current with the readiness probe, and sets the Deployment's status from it.
func (k *kubelet) report(ctx context.Context, d *appsv1.Deployment, p *process) error {
	ready := false
	select {
	case <-p.done:
	default:
		resp, err := k.probe.Get(fmt.Sprintf("http://%s:%d/readyz", p.ip, p.port))
		if err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
	}
	if p.pod == nil {
		pod, err := k.client.CoreV1().Pods(d.Namespace).Create(ctx, podFor(d, p, k.node), metav1.CreateOptions{})
		if err != nil {
			// A namespace's default ServiceAccount comes a moment after the namespace.
			return fmt.Errorf("creating pod %s: %w", p.podName, err)
		}
		p.pod = pod
		p.ready = !ready // so that the status below is written
	}
	if p.ready != ready {
		pod := p.pod.DeepCopy()
		pod.Status = podStatus(p, k.net.gateway, ready)
		updated, err := k.client.CoreV1().Pods(d.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err != nil {
			if apierrors.IsConflict(err) {
				if cur, gerr := k.client.CoreV1().Pods(d.Namespace).Get(ctx, p.podName, metav1.GetOptions{}); gerr == nil {
					p.pod = cur
				}
			}
			return fmt.Errorf("pod %s status: %w", p.podName, err)
		}
		p.pod, p.ready = updated, ready
	}
	return nil
}

// reportDeployment sets the Deployment's status from its pods, as the
// Deployment controller would: replicas, updated (current template), ready
// and available; Available once a pod is ready (or none is wanted).
func (k *kubelet) reportDeployment(ctx context.Context, d *appsv1.Deployment, want int, cur, old []*process) error {
	var ready int32
	for _, p := range append(append([]*process{}, cur...), old...) {
		if p.ready {
			ready++
		}
	}
	status, reason := corev1.ConditionFalse, "MinimumReplicasUnavailable"
	if ready > 0 || want == 0 {
		status, reason = corev1.ConditionTrue, "MinimumReplicasAvailable"
	}
	total := int32(len(cur) + len(old))
	c := d.Status
	if c.ObservedGeneration == d.Generation && c.Replicas == total && c.UpdatedReplicas == int32(len(cur)) && c.ReadyReplicas == ready &&
		c.AvailableReplicas == ready && len(c.Conditions) == 1 && c.Conditions[0].Status == status {
		return nil
	}
	now := metav1.Now()
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: total, UpdatedReplicas: int32(len(cur)), ReadyReplicas: ready,
		AvailableReplicas: ready, UnavailableReplicas: max(int32(want)-ready, 0),
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: status, Reason: reason, LastUpdateTime: now, LastTransitionTime: now}}}
	_, err := k.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	return err
}

// podFor is the Pod of Deployment d on this node. The Deployment owns it
// directly (there is no ReplicaSet here), so deleting the Deployment
// deletes it through the real garbage collector too.
func podFor(d *appsv1.Deployment, p *process, node string) *corev1.Pod {
	t := d.Spec.Template.DeepCopy()
	labels := map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: p.hash}
	for k, v := range t.Labels {
		labels[k] = v
	}
	yes := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.podName, Namespace: d.Namespace, Labels: labels, Annotations: t.Annotations,
		// blockOwnerDeletion, as a ReplicaSet's pods have: a foreground
		// deletion of the Deployment (tail's) ends only once the pods are gone.
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &yes, BlockOwnerDeletion: &yes}}},
		Spec: t.Spec}
	pod.Spec.NodeName = node
	return pod
}

func podStatus(p *process, hostIP string, ready bool) corev1.PodStatus {
	started := metav1.NewTime(p.pod.CreationTimestamp.Time)
	now := metav1.Now()
	r := corev1.ConditionFalse
	if ready {
		r = corev1.ConditionTrue
	}
	yes := true
	st := corev1.PodStatus{Phase: corev1.PodRunning, HostIP: hostIP, HostIPs: []corev1.HostIP{{IP: hostIP}},
		PodIP: p.ip, PodIPs: []corev1.PodIP{{IP: p.ip}}, StartTime: &started, QOSClass: p.pod.Status.QOSClass,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: r, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: r, LastTransitionTime: now},
		}}
	for i, c := range p.pod.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image, Started: &yes}
		if i == 0 {
			cs.Ready = ready
			cs.ContainerID = "kubeletlite://" + strconv.Itoa(p.cmd.Process.Pid)
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
		} else {
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "NotRunByKubeletlite"}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}
