// Package policy holds "kubectl kymamesh policy": Knative EventPolicies that
// say which applications may send to a namespace's Broker.
package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Kind describes EventPolicies for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*knapi.EventPolicy, *knapi.EventPolicyList] {
	return cmdutil.Kind[*knapi.EventPolicy, *knapi.EventPolicyList]{
		Singular: "policy", Plural: "policies", Resource: "eventpolicy.eventing.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (wiring.Client[*knapi.EventPolicy, *knapi.EventPolicyList], error) {
			c, err := f.Policies()
			if err != nil {
				return nil, err
			}
			return c.EventPolicies(ns), nil
		},
		Items: func(l *knapi.EventPolicyList) []*knapi.EventPolicy {
			return cmdutil.Pointers(l.Items)
		},
		Columns: []string{"to", "from"},
		Row:     func(p *knapi.EventPolicy, _ bool) []string { return []string{to(p), from(p)} },
		Fields: func(p *knapi.EventPolicy) []output.Field {
			return []output.Field{{Name: "To", Value: to(p)}, {Name: "From", Value: from(p)}}
		},
	}
}

func to(p *knapi.EventPolicy) string {
	var out []string
	for _, t := range p.Spec.To {
		if t.Ref != nil {
			out = append(out, strings.ToLower(t.Ref.Kind)+":"+t.Ref.Name)
		}
	}
	if len(out) == 0 {
		return "everything in the namespace"
	}
	return strings.Join(out, ",")
}

func from(p *knapi.EventPolicy) string {
	var out []string
	for _, f := range p.Spec.From {
		switch {
		case f.Ref != nil:
			out = append(out, strings.ToLower(f.Ref.Kind)+":"+f.Ref.Namespace+"/"+f.Ref.Name)
		case f.Sub != nil:
			out = append(out, *f.Sub)
		}
	}
	return strings.Join(out, ",")
}

// NewCmd returns the "policy" group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Say which applications may send to a namespace's Broker (Knative EventPolicies)"}
	cmd.AddCommand(newCmdAllow(f, s), cmdutil.NewCmdList(f, s, Kind()), cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()))
	return cmd
}

// AllowOptions are the inputs of "policy allow".
type AllowOptions struct {
	Spec     wiring.PolicySpec
	Mutation *flags.Mutation

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdAllow(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &AllowOptions{Mutation: flags.NewMutation(wiring.OpCreated, false), IOStreams: s, Spec: wiring.PolicySpec{Broker: "default"}}
	cmd := &cobra.Command{
		Use:   "allow APP --to NAMESPACE",
		Short: "Let an application send to a namespace's Broker (an EventPolicy in that namespace)",
		Long: `allow creates an EventPolicy APP-to-BROKER in the namespace: the Broker takes
events from the application's Subscription (APP-to-NAMESPACE in the integration
namespace), which is what posts the application's events to it. Knative enforces
EventPolicies only with its authentication-oidc feature on; 'kubectl kymamesh
doctor' says whether it is.`,
		Example: "  kubectl kymamesh policy allow commerce --to shop\n  kubectl kymamesh policy list -n shop",
		Args:    cmdutil.ExactArgs("APP"),
		RunE:    cmdutil.RunE(f, o),
	}
	cmdutil.NamespaceFrom(cmd, "the namespace is --to")
	cmd.Flags().StringVar(&o.Spec.Namespace, "to", "", "Namespace whose Broker the application may send to (required).")
	cmd.Flags().StringVar(&o.Spec.Broker, "broker", o.Spec.Broker, "The namespace's Broker.")
	flags.AddIntegrationNamespace(cmd, &o.Spec.IntegrationNamespace)
	o.Mutation.AddFlags(cmd)
	cmd.ValidArgsFunction = cmdutil.CompleteApps(f)
	flags.Complete(cmd, "to", "namespaces")
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *AllowOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.Spec.App, o.factory = args[0], f
	return o.Mutation.Complete()
}

// Validate checks the flags.
func (o *AllowOptions) Validate() error {
	if o.Spec.Namespace == "" {
		return invalid.Errorf("--to", "the namespace is required")
	}
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	// Every input, as Run builds it (pure): checked before any request.
	_, err := wiring.BuildPolicy(o.Spec)
	return err
}

// Run builds the EventPolicy and creates it (or leaves an existing one).
func (o *AllowOptions) Run(ctx context.Context) error {
	p, err := wiring.BuildPolicy(o.Spec)
	if err != nil {
		return err
	}
	if o.Mutation.Strategy == wiring.DryRunClient {
		return o.Mutation.Print(p, o.Out)
	}
	c, err := Kind().Client(o.factory, o.Spec.Namespace)
	if err != nil {
		return err
	}
	made, err := wiring.Create(ctx, c, p, o.Mutation.Strategy)
	if err != nil && strings.Contains(err.Error(), "oidc-authentication feature not enabled") {
		return fmt.Errorf("EventPolicies are refused by Knative while its OIDC authentication is off; turn it on with: "+
			"kubectl -n knative-eventing patch configmap config-features -p '{\"data\":{\"authentication-oidc\":\"enabled\"}}' (%w)", err)
	}
	if err != nil {
		return wiring.APIError(err, "create", "eventpolicy", p.Name, p.Namespace)
	}
	return o.Mutation.Print(made, o.Out)
}
