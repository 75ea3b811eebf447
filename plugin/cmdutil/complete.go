package cmdutil

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// completionTimeout bounds every look-up a completion makes: a slow or
// unreachable cluster gives no suggestions rather than a hung shell.
const completionTimeout = 2 * time.Second

// lookup runs list with the completion's deadline and offers the names it
// returns that start with what was typed and are not on the line already.
func lookup(cmd *cobra.Command, args []string, toComplete string, list func(ctx context.Context) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	names, err := list(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := names[:0]
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) && !slices.Contains(args, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteNames offers the names of kind's objects in the namespace, for
// NAME arguments (several where multiple is set, as delete takes).
func CompleteNames[T runtime.Object, L runtime.Object](f Factory, k Kind[T, L], multiple bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 && !multiple {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return lookup(cmd, args, toComplete, func(ctx context.Context) ([]string, error) {
			ns, err := f.Namespace()
			if err != nil {
				return nil, err
			}
			c, err := k.Client(f, ns)
			if err != nil {
				return nil, err
			}
			l, err := c.List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			var names []string
			for _, it := range k.Items(l) {
				names = append(names, objectMeta(it).GetName())
			}
			return names, nil
		})
	}
}

// CompleteNamespaces offers the cluster's namespaces (for NAME of enable ns,
// --to, --from, -n).
func CompleteNamespaces(f Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return lookup(cmd, args, toComplete, func(ctx context.Context) ([]string, error) {
			core, err := f.Core()
			if err != nil {
				return nil, err
			}
			l, err := core.Namespaces().List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			names := make([]string, 0, len(l.Items))
			for _, n := range l.Items {
				names = append(names, n.Name)
			}
			return names, nil
		})
	}
}

// CompleteBrokers offers the Brokers of the namespace (for --broker).
func CompleteBrokers(f Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return lookup(cmd, nil, toComplete, func(ctx context.Context) ([]string, error) {
			ns, err := f.Namespace()
			if err != nil {
				return nil, err
			}
			ev, err := f.Eventing()
			if err != nil {
				return nil, err
			}
			l, err := ev.Brokers(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			names := make([]string, 0, len(l.Items))
			for _, b := range l.Items {
				names = append(names, b.Name)
			}
			return names, nil
		})
	}
}

// CompleteApps offers the applications that have an adapter in the
// integration namespace (the --integration-namespace flag, else the default).
func CompleteApps(f Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return lookup(cmd, args, toComplete, func(ctx context.Context) ([]string, error) {
			return appNames(ctx, f, integrationNamespace(cmd))
		})
	}
}

func integrationNamespace(cmd *cobra.Command) string {
	if fl := cmd.Flags().Lookup("integration-namespace"); fl != nil {
		return fl.Value.String()
	}
	return wiring.DefaultIntegrationNamespace
}

func appNames(ctx context.Context, f Factory, ns string) ([]string, error) {
	dyn, err := f.Dynamic()
	if err != nil {
		return nil, err
	}
	l, err := dyn.Resource(wiring.DeploymentsGVR).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: wiring.ComponentLabel + "=" + wiring.AdapterComponent})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(l.Items))
	for _, d := range l.Items {
		if app := d.GetLabels()[wiring.AppLabel]; app != "" {
			names = append(names, app)
		}
	}
	return names, nil
}

// CompleteTargets offers send's --to: the target kinds, and after "app:" the
// applications.
func CompleteTargets(f Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if strings.HasPrefix(toComplete, "app:") {
			return lookup(cmd, nil, toComplete, func(ctx context.Context) ([]string, error) {
				apps, err := appNames(ctx, f, integrationNamespace(cmd))
				for i := range apps {
					apps[i] = "app:" + apps[i]
				}
				return apps, err
			})
		}
		return flags.Values("app:", "broker:", "channel:", "ksvc:", "svc:", "http://")(cmd, args, toComplete)
	}
}

// RegisterCompletions registers the completion function of every flag in the
// tree under root that declares one (flags.Complete). The root calls it only
// when the shell asks for completions.
func RegisterCompletions(root *cobra.Command, f Factory) {
	seen := map[*pflag.Flag]bool{}
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		register := func(fl *pflag.Flag) {
			spec := fl.Annotations[flags.CompletionAnnotation]
			if seen[fl] || len(spec) == 0 {
				return
			}
			seen[fl] = true
			var fn cobra.CompletionFunc
			switch spec[0] {
			case "values":
				fn = flags.Values(spec[1:]...)
			case "namespaces":
				fn = CompleteNamespaces(f)
			case "brokers":
				fn = CompleteBrokers(f)
			case "apps":
				fn = CompleteApps(f)
			case "targets":
				fn = CompleteTargets(f)
			default:
				return
			}
			_ = cmd.RegisterFlagCompletionFunc(fl.Name, fn)
		}
		cmd.LocalNonPersistentFlags().VisitAll(register)
		cmd.PersistentFlags().VisitAll(register)
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
}
