package testbed

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// traefikEnv is set by run.sh to the folder traefik/build.sh made (the
// binary and the Gateway API CRDs), when it is built.
const traefikEnv = "TESTBED_TRAEFIK"

// IngressRequired (KYMAMESH_TESTBED_INGRESS=1, which makes run.sh build
// Traefik) turns a missing ingress controller into a failure, not a skip.
const ingressRequiredEnv = "KYMAMESH_TESTBED_INGRESS"

// Traefik is the test bed's ingress controller, a host process in the test
// bed's network namespace (as Knative's are), outside the pod network: it
// reaches the adapters' pods by their addresses on the node's bridge, as an
// ingress controller reaches pods through the CNI.
type Traefik struct {
	// HTTP and HTTPS are its entry points' 127.0.0.1:PORT.
	HTTP, HTTPS string
	// HTTPPort is HTTP's port: a Gateway listener's port must be it.
	HTTPPort int
	// Class is its IngressClass, GatewayClass its GatewayClass.
	Class, GatewayClass string
}

// StartTraefik installs the Gateway API CRDs, an IngressClass and a
// GatewayClass for Traefik, and starts Traefik with its Kubernetes Ingress
// and Gateway providers pointed at the test bed's API server; it is stopped
// when the test ends. Without a built Traefik the test is skipped (run.sh
// builds it with KYMAMESH_TESTBED_INGRESS=1, and then its absence fails).
func StartTraefik(t *testing.T) *Traefik {
	t.Helper()
	dir := os.Getenv(traefikEnv)
	if dir == "" {
		if os.Getenv(ingressRequiredEnv) == "1" {
			t.Fatal("KYMAMESH_TESTBED_INGRESS=1 and no Traefik: run.sh did not build it")
		}
		t.Skip("no ingress controller on this test bed: KYMAMESH_TESTBED_INGRESS=1 builds Traefik (test/testbed/traefik/build.sh, about 350 CPU-seconds, once)")
	}
	cfg, err := clientcmd.LoadFromFile(Kubeconfig())
	if err != nil {
		t.Fatalf("reading the admin kubeconfig: %v", err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	cluster, user := cfg.Clusters[ctx.Cluster], cfg.AuthInfos[ctx.AuthInfo]
	MustKubectl(t, "apply", "--server-side", "-f", filepath.Join(dir, "gateway-api-crds.yaml"))
	MustKubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/gateways.gateway.networking.k8s.io", "crd/httproutes.gateway.networking.k8s.io", "crd/gatewayclasses.gateway.networking.k8s.io")
	tr := &Traefik{Class: "traefik", GatewayClass: "traefik"}
	manifest := `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: traefik}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: traefik}
spec: {controllerName: traefik.io/gateway-controller}
`
	f := filepath.Join(t.TempDir(), "classes.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	MustKubectl(t, "apply", "-f", f)
	ports := freePorts(t, 2)
	tr.HTTPPort = ports[0]
	tr.HTTP, tr.HTTPS = "127.0.0.1:"+strconv.Itoa(ports[0]), "127.0.0.1:"+strconv.Itoa(ports[1])
	args := []string{
		"--log.level=DEBUG",
		"--entryPoints.web.address=" + tr.HTTP,
		"--entryPoints.websecure.address=" + tr.HTTPS,
		// As Traefik's Helm chart deploys it: every router on websecure
		// serves TLS (an Ingress's spec.tls only adds its certificate).
		"--entryPoints.websecure.http.tls=true",
		"--ping=true", "--ping.entryPoint=web",
	}
	for _, p := range []string{"kubernetesingress", "kubernetesgateway"} {
		args = append(args, "--providers."+p+"=true",
			"--providers."+p+".endpoint="+cluster.Server,
			"--providers."+p+".token="+user.Token,
			"--providers."+p+".certAuthFilePath="+cluster.CertificateAuthority)
	}
	log, err := os.Create(filepath.Join(State(), "traefik.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "traefik"), args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting traefik: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
		if t.Failed() {
			if b, err := os.ReadFile(log.Name()); err == nil {
				t.Logf("traefik's log:\n%s", tail(string(b), 60))
			}
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + tr.HTTP + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return tr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("traefik did not answer /ping on %s within 60s (log: %s)", tr.HTTP, log.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

func tail(s string, lines int) string {
	n := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			if n++; n > lines {
				return s[i+1:]
			}
		}
	}
	return s
}

// String says where it listens.
func (tr *Traefik) String() string {
	return fmt.Sprintf("traefik on %s (http), %s (https)", tr.HTTP, tr.HTTPS)
}
