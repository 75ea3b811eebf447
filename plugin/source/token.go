package source

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// DefaultGrace is how long rotate keeps the old tokens valid: longer than a
// kubelet takes to update the adapter's mounted Secret (about a minute), so
// that senders can switch to the new token once the adapter takes it.
const DefaultGrace = 5 * time.Minute

// newCmdToken is the "source token" group.
func newCmdToken(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage the bearer tokens an application's senders must present (its credentials)",
		Long: `An application's credentials are bearer tokens: what its senders present as
"Authorization: Bearer TOKEN", the word kubectl uses too (--token, kubectl
create token). Once an application has a token, its adapter answers every event
without a valid one with 401; an application without tokens takes events
without one, as before. Tokens are kept in the Secret APP-adapter-credentials in
the integration namespace, which the adapter mounts and re-reads (no restart; a
change counts once the kubelet updates the mounted Secret, about a minute at
most). A token is shown once, when it is made; list shows ids and dates only.
See docs/security.md for what a token does and does not protect.`,
		Aliases: []string{"tokens"},
	}
	cmd.AddCommand(newCmdTokenCreate(f, s, false), newCmdTokenCreate(f, s, true), newCmdTokenRevoke(f, s), newCmdTokenList(f, s))
	return cmd
}

// TokenCreateOptions are the inputs of "source token create" and "rotate".
type TokenCreateOptions struct {
	appRef
	Output *flags.Output
	Grace  time.Duration
	DryRun flags.DryRun

	rotate bool
	now    func() time.Time
	genericiooptions.IOStreams
}

func newCmdTokenCreate(f cmdutil.Factory, s genericiooptions.IOStreams, rotate bool) *cobra.Command {
	o := &TokenCreateOptions{IOStreams: s, rotate: rotate, Grace: DefaultGrace, DryRun: flags.NewDryRun(true), now: time.Now}
	cmd := &cobra.Command{
		Use:   "create APP",
		Short: "Make a new token for an application; from then on its adapter requires one",
		Long: `create makes a new random token (256 bits) for the application and prints it
once, on stdout (-o json for scripts); it cannot be shown again. The
application's other tokens stay valid: one token per sender lets each be
revoked alone.`,
		Example: `  TOKEN=$(kubectl kymamesh source token create shop)
  kubectl kymamesh source token create shop -o json`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: cmdutil.RunE(f, o),
	}
	if rotate {
		cmd.Use = "rotate APP"
		cmd.Short = "Make a new token and end the application's current ones after --grace"
		cmd.Long = `rotate makes a new token, prints it once, and gives each current token an
expiry --grace from now: senders switch to the new token meanwhile, then the
adapter refuses the old ones by itself. Switch once the adapter takes the new
token (the kubelet updates its Secret within about a minute).`
		cmd.Example = `  kubectl kymamesh source token rotate shop --grace 10m
  kubectl kymamesh source token rotate shop -o json | jq -r .token > shop.token`
		cmd.Flags().DurationVar(&o.Grace, "grace", o.Grace, "How long the current tokens stay valid (0 ends them at once).")
	}
	o.addAppFlags(f, cmd)
	o.Output = flags.DataOutput("name").WithHelp(`Output format: json or yaml (with the token), or name (the Secret's secret/NAME, without the token).`)
	o.Output.AddFlags(cmd)
	o.DryRun.AddFlag(cmd)
	return cmd
}

// Complete takes the application and the dry-run strategy.
func (o *TokenCreateOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	return o.DryRun.Complete()
}

// Validate checks the flags, the application's name and the namespace.
func (o *TokenCreateOptions) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	if o.rotate {
		if err := wiring.CheckGrace(o.Grace); err != nil {
			return err
		}
	}
	return o.validateApp()
}

// Run makes the token and prints it once.
func (o *TokenCreateOptions) Run(ctx context.Context) error {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	spec := wiring.CredentialsSpec{App: o.app, Namespace: o.Namespace}
	warn := func(msg string) { fmt.Fprintln(o.ErrOut, "Warning: "+msg) }
	var t wiring.NewToken
	if o.rotate {
		t, err = wiring.RotateToken(ctx, dyn, spec, o.Grace, o.now(), o.DryRun.Strategy, warn)
	} else {
		t, err = wiring.CreateToken(ctx, dyn, spec, o.now(), o.DryRun.Strategy, warn)
	}
	if err != nil {
		return err
	}
	if o.Output.Format == "name" {
		fmt.Fprintln(o.Out, "secret/"+t.Secret)
		if t.Token != "" {
			fmt.Fprintf(o.ErrOut, "token %s created for application %q; -o name prints no token and it cannot be shown again (revoke it when unused)\n", t.ID, o.app)
		}
		return nil
	}
	if suffix := o.DryRun.Strategy.Suffix(); suffix != "" {
		verb := "created"
		if o.rotate {
			verb = "rotated in"
		}
		fmt.Fprintf(o.ErrOut, "a token would be %s for application %q in namespace %q %s\n", verb, o.app, o.Namespace, suffix)
		return nil
	}
	if !o.Output.Human() {
		return o.Output.Data(o.Out, t)
	}
	fmt.Fprintln(o.Out, t.Token)
	fmt.Fprintf(o.ErrOut, "token %s created for application %q in namespace %q (secret/%s); it is shown only now\n", t.ID, o.app, o.Namespace, t.Secret)
	if len(t.Rotated) > 0 {
		ids := make([]string, len(t.Rotated))
		for i, r := range t.Rotated {
			ids[i] = r.ID
		}
		fmt.Fprintf(o.ErrOut, "token %s valid until %s (--grace %s), then refused\n", strings.Join(ids, ", "), t.Rotated[0].Expires.Format(time.RFC3339), o.Grace)
	}
	return nil
}

// TokenRevokeOptions are the inputs of "source token revoke".
type TokenRevokeOptions struct {
	appRef
	All    bool
	DryRun flags.DryRun
	Output *flags.Output

	ids []string
	genericiooptions.IOStreams
}

func newCmdTokenRevoke(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &TokenRevokeOptions{IOStreams: s, DryRun: flags.NewDryRun(true), Output: flags.NameOutput()}
	cmd := &cobra.Command{
		Use:   "revoke APP TOKEN-ID... | --all",
		Short: "End an application's tokens at once",
		Long: `revoke removes tokens from the application's Secret: its adapter refuses them
once the kubelet has updated the mounted Secret. With --all, every token goes
and the application refuses every event until a new token is made (revoking
never opens an application to senders without a token).`,
		Example: `  kubectl kymamesh source token revoke shop 3f9a2c1b
  kubectl kymamesh source token revoke shop --all`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return invalid.Errorf("", "APP is required (see '%s -h')", cmd.CommandPath())
			}
			return nil
		},
		RunE: cmdutil.RunE(f, o),
	}
	o.addAppFlags(f, cmd)
	cmd.Flags().BoolVar(&o.All, "all", false, "Revoke every token of the application.")
	o.DryRun.AddFlag(cmd)
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the application, the token ids and the dry-run strategy.
func (o *TokenRevokeOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	o.ids = args[1:]
	return o.DryRun.Complete()
}

// Validate checks the ids (or --all), -o, the application's name and the namespace.
func (o *TokenRevokeOptions) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	switch {
	case o.All && len(o.ids) > 0:
		return invalid.Errorf("--all", "revokes every token; give either token ids or --all")
	case !o.All && len(o.ids) == 0:
		return invalid.Errorf("TOKEN-ID", "give the ids of the tokens to revoke (kubectl kymamesh source token list %s), or --all", o.app)
	}
	for _, id := range o.ids {
		if err := wiring.CheckTokenID(id); err != nil {
			return err
		}
	}
	return o.validateApp()
}

// Run revokes the tokens and says which.
func (o *TokenRevokeOptions) Run(ctx context.Context) error {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	revoked, err := wiring.RevokeTokens(ctx, dyn, wiring.CredentialsSpec{App: o.app, Namespace: o.Namespace}, o.ids, o.All, time.Now(), o.DryRun.Strategy)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		fmt.Fprintln(o.Out, "secret/"+wiring.CredentialsSecretName(o.app))
		return nil
	}
	suffix := o.DryRun.Strategy.Suffix()
	if suffix != "" {
		suffix = " " + suffix
	}
	for _, t := range revoked {
		fmt.Fprintf(o.Out, "token %s revoked%s\n", t.ID, suffix)
	}
	if o.All {
		fmt.Fprintf(o.ErrOut, "application %q now refuses every event until a token is made (kubectl kymamesh source token create %s)%s\n", o.app, o.app, suffix)
	}
	return nil
}

// TokenListOptions are the inputs of "source token list".
type TokenListOptions struct {
	appRef
	Output    *flags.Output
	NoHeaders bool

	now func() time.Time
	genericiooptions.IOStreams
}

func newCmdTokenList(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &TokenListOptions{IOStreams: s, now: time.Now}
	cmd := &cobra.Command{
		Use:     "list APP",
		Aliases: []string{"ls"},
		Short:   "List an application's tokens: ids, creation and expiry, never their values",
		Example: "  kubectl kymamesh source token list shop\n  kubectl kymamesh source token list shop -o json",
		Args:    cmdutil.ExactArgs("APP"),
		RunE:    cmdutil.RunE(f, o),
	}
	o.addAppFlags(f, cmd)
	o.Output = flags.DataOutput().WithHelp("Output format: json or yaml.")
	o.Output.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "Do not print the header line.")
	return cmd
}

// Complete takes the application.
func (o *TokenListOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	return nil
}

// Validate checks -o, the application's name and the namespace.
func (o *TokenListOptions) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	return o.validateApp()
}

// tokenList is what -o json|yaml prints.
type tokenList struct {
	App       string             `json:"app"`
	Namespace string             `json:"namespace"`
	Required  bool               `json:"required"`
	Items     []wiring.TokenInfo `json:"items"`
}

// Run lists the tokens.
func (o *TokenListOptions) Run(ctx context.Context) error {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	spec := wiring.CredentialsSpec{App: o.app, Namespace: o.Namespace}
	tokens, required, err := wiring.ListTokens(ctx, dyn, spec)
	if err != nil {
		return err
	}
	if !required {
		if err := wiring.SourceExists(ctx, dyn, o.app, o.Namespace); err != nil {
			return err
		}
	}
	if !o.Output.Human() {
		return o.Output.Data(o.Out, tokenList{App: o.app, Namespace: o.Namespace, Required: required, Items: append([]wiring.TokenInfo{}, tokens...)})
	}
	switch {
	case !required:
		fmt.Fprintf(o.ErrOut, "No tokens: application %q takes events without a token.\n", o.app)
		return nil
	case len(tokens) == 0:
		fmt.Fprintf(o.ErrOut, "No tokens: application %q refuses every event until a token is made.\n", o.app)
		return nil
	}
	now := o.now()
	rows := make([][]string, 0, len(tokens))
	for _, t := range tokens {
		exp, valid := "<none>", "True"
		if t.Expires != nil {
			exp = t.Expires.UTC().Format(time.RFC3339)
		}
		if !t.Valid(now) {
			valid = "False"
		}
		rows = append(rows, []string{t.ID, t.Created.UTC().Format(time.RFC3339), exp, valid})
	}
	return output.Table(o.Out, []string{"id", "created", "expires", "valid"}, rows, o.NoHeaders)
}
