package receiver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// serviceAccountDir is where Kubernetes mounts a pod's ServiceAccount token,
// its cluster's CA and its namespace.
const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// RemoveOwner returns what deletes Deployment name, in the pod's own
// namespace, with everything it owns (Background propagation: the garbage
// collector removes the Trigger, Service and RBAC objects tail made), as the
// pod's ServiceAccount. A Deployment already gone counts as removed.
//
// It reads the in-cluster settings itself (host and port from the
// environment, token, CA and namespace from the mounted files) rather than
// through client-go's rest package: that package would add 4.2 MB to the
// adapter binary and 3.5 MB to the resident memory of every adapter at start,
// for one DELETE that only tail's receiver makes (docs/adapter.md).
func RemoveOwner(name string, log *slog.Logger) (func(context.Context) error, error) {
	return removeOwner(serviceAccountDir, name, log)
}

func removeOwner(serviceAccountDir, name string, log *slog.Logger) (func(context.Context) error, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, fmt.Errorf("the tail receiver removes itself through the API server: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not in a pod?)")
	}
	ns, err := os.ReadFile(filepath.Join(serviceAccountDir, "namespace"))
	if err != nil {
		return nil, fmt.Errorf("the tail receiver needs its ServiceAccount mounted: %w", err)
	}
	caPEM, err := os.ReadFile(filepath.Join(serviceAccountDir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("the tail receiver needs its ServiceAccount mounted: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("%s/ca.crt holds no certificate", serviceAccountDir)
	}
	// No redirect is followed: the request carries the ServiceAccount's
	// token, which must reach the API server and nothing it points to.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil,
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tokenFile := filepath.Join(serviceAccountDir, "token")
	var warned atomic.Bool
	target := "https://" + net.JoinHostPort(host, port) + "/apis/apps/v1/namespaces/" +
		url.PathEscape(strings.TrimSpace(string(ns))) + "/deployments/" + url.PathEscape(name)
	return func(ctx context.Context) error {
		// Read at each use: the kubelet rotates projected tokens.
		raw, err := os.ReadFile(tokenFile)
		if err != nil {
			return err
		}
		token := strings.Trim(string(raw), " \t\r\n") // line ends around it, as files are written
		if strings.ContainsAny(token, "\r\n") {
			// No header can hold it, and joining the lines could send a wrong
			// token: say why once, naming the file, never the token.
			if !warned.Swap(true) && log != nil {
				log.Warn("the ServiceAccount token file holds a line break inside the token: the tail receiver cannot remove itself", "file", tokenFile)
			}
			return fmt.Errorf("the token in %s holds a line break inside", tokenFile)
		}
		body := strings.NewReader(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, target, body)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		switch resp.StatusCode {
		case http.StatusOK, http.StatusAccepted, http.StatusNotFound:
			return nil
		default:
			return fmt.Errorf("deleting deployment %s: HTTP %d: %s", name, resp.StatusCode, strings.TrimSpace(string(msg)))
		}
	}, nil
}
