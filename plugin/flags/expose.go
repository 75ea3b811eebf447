package flags

import (
	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Expose is the flag group that exposes an application outside the cluster:
// source expose's (--host) and wire's (--expose).
type Expose struct {
	Host, Path, TLSSecret, IngressClass, Gateway string
	AllowAnonymous, ForceConflicts               bool
	hostFlag                                     string
}

// AddFlags registers the group on cmd; hostFlag is the host's flag name
// (host or expose) and hostHelp its help.
func (e *Expose) AddFlags(cmd *cobra.Command, hostFlag, hostHelp string) {
	e.hostFlag = hostFlag
	fl := cmd.Flags()
	fl.StringVar(&e.Host, hostFlag, "", hostHelp)
	fl.StringVar(&e.Path, "path", "", "External path prefix (default /APP; another prefix needs --gateway, whose HTTPRoute rewrites it to /APP).")
	fl.StringVar(&e.TLSSecret, "tls-secret", "", "A kubernetes.io/tls Secret in the integration namespace: the Ingress serves HTTPS with it.")
	fl.StringVar(&e.IngressClass, "ingress-class", "", "IngressClass of the Ingress (default: the cluster's default class).")
	fl.StringVar(&e.Gateway, "gateway", "", "NAMESPACE/NAME of a Gateway: make a Gateway API HTTPRoute instead of an Ingress.")
	fl.BoolVar(&e.AllowAnonymous, "allow-anonymous", false, "Expose an application that has no token (anyone who reaches the host may send in its name).")
	if fl.Lookup("force-conflicts") == nil {
		fl.BoolVar(&e.ForceConflicts, "force-conflicts", false, "Take back fields of the route that another tool changed (server-side apply's force).")
	}
}

// Spec is the group as a wiring.ExposeSpec for the application.
func (e *Expose) Spec(app, namespace string) wiring.ExposeSpec {
	return wiring.ExposeSpec{App: app, Namespace: namespace, Host: e.Host, Path: e.Path, TLSSecret: e.TLSSecret,
		IngressClass: e.IngressClass, Gateway: e.Gateway, AllowAnonymous: e.AllowAnonymous, HostFlag: "--" + e.hostFlag,
		ForceConflicts: e.ForceConflicts}
}

// Set says whether any flag of the group other than the host was given.
func (e *Expose) Set() bool {
	return e.Path != "" || e.TLSSecret != "" || e.IngressClass != "" || e.Gateway != "" || e.AllowAnonymous
}
