package wiring

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// An application's credentials are bearer tokens in one Secret in the
// integration namespace, APP-adapter-credentials, which the adapter
// Deployment mounts (optional, so an application without it starts and takes
// events without a token). Its keys are adapter/credfile's: one per token
// id, and credfile.RequiredKey, so that an application whose tokens were all
// revoked still refuses events without one.

// CredentialsLabel marks an application's credentials Secret (with
// ManagedByLabel and AppLabel).
const CredentialsLabel = "kymamesh.kyma-project.io/credentials"

// secretsGVR is the core Secrets resource.
var secretsGVR = corev1.SchemeGroupVersion.WithResource("secrets")

// CredentialsSecretName is the name of an application's credentials Secret.
func CredentialsSecretName(app string) string { return AdapterName(app) + "-credentials" }

func secrets(dyn dynamic.Interface, ns string) *typed.Client[*corev1.Secret, *corev1.SecretList] {
	return typed.New[*corev1.Secret, *corev1.SecretList](dyn, secretsGVR, "Secret", ns)
}

// TokenInfo is one token as `source token list` shows it: never its value.
type TokenInfo struct {
	ID      string     `json:"id"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"` // set for a token rotated out, in its grace
}

// Valid says whether the token is valid at now.
func (t TokenInfo) Valid(now time.Time) bool { return t.Expires == nil || now.Before(*t.Expires) }

// NewToken is what `token create` and `token rotate` made: the one time a
// token's value is shown.
type NewToken struct {
	App       string      `json:"app"`
	Namespace string      `json:"namespace"`
	ID        string      `json:"id"`
	Token     string      `json:"token,omitempty"` // empty in a dry run: no token was made
	Created   time.Time   `json:"created"`
	Rotated   []TokenInfo `json:"rotated,omitempty"` // the tokens rotate gave an expiry
	Secret    string      `json:"secret"`
}

// ErrNoCredentials is what rotate and revoke return for an application
// without credentials.
var ErrNoCredentials = errors.New("no credentials")

// CredentialsSpec names an application's credentials.
type CredentialsSpec struct {
	App, Namespace string
}

// Validate checks the application's name and the namespace.
func (s CredentialsSpec) Validate() error {
	if err := ValidateName("APP", s.App); err != nil {
		return err
	}
	return ValidateNamespaceName("--integration-namespace", s.Namespace)
}

// CheckGrace checks rotate's --grace.
func CheckGrace(d time.Duration) error {
	if d < 0 {
		return invalid.Errorf("--grace", "%s: must not be negative (0 ends the old tokens at once)", d)
	}
	if d > 30*24*time.Hour {
		return invalid.Errorf("--grace", "%s: at most 720h; a rotated-out token should not outlive a month", d)
	}
	return nil
}

// CheckTokenID checks a token id given on the command line.
func CheckTokenID(id string) error {
	if !credfile.ValidID(id) {
		return invalid.Errorf("TOKEN-ID", "%q is not a token id (such as 3f9a2c1b, as `source token list` shows them)", id)
	}
	return nil
}

// ownSource checks that the application's adapter exists and is the
// plugin's, so that credentials are made only for a source the plugin runs.
// It says whether the adapter mounts its credentials (one made by an older
// plugin does not, until `source create http` runs again).
func ownSource(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec) (mounts bool, err error) {
	dep, err := dyn.Resource(DeploymentsGVR).Namespace(s.Namespace).Get(ctx, AdapterName(s.App), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, fmt.Errorf("APP: source %q not found in namespace %q (kubectl kymamesh source list)", s.App, s.Namespace)
	}
	if err != nil {
		return false, APIError(err, "get", "deployments", AdapterName(s.App), s.Namespace)
	}
	if dep.GetLabels()[ManagedByLabel] != ManagedByValue || dep.GetLabels()[AppLabel] != s.App {
		return false, fmt.Errorf("APP: deployment %q in namespace %q was not made by kubectl-kymamesh for application %q", dep.GetName(), s.Namespace, s.App)
	}
	vols, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "volumes")
	for _, v := range vols {
		m, _ := v.(map[string]any)
		sec, _ := m["secret"].(map[string]any)
		if name, _ := sec["secretName"].(string); name == CredentialsSecretName(s.App) {
			return true, nil
		}
	}
	return false, nil
}

// SourceExists checks that the application's adapter exists and is the plugin's.
func SourceExists(ctx context.Context, dyn dynamic.Interface, app, namespace string) error {
	_, err := ownSource(ctx, dyn, CredentialsSpec{App: app, Namespace: namespace})
	return err
}

// credentialsSecret reads the application's Secret: nil when there is none;
// an error when one of its name is not the plugin's for this application.
func credentialsSecret(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec) (*corev1.Secret, error) {
	name := CredentialsSecretName(s.App)
	sec, err := secrets(dyn, s.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", "secrets", name, s.Namespace)
	}
	if !ownsCredentials(sec, s.App) {
		return nil, fmt.Errorf("secret %q in namespace %q exists and was not made by kubectl-kymamesh for application %q: nothing was changed", name, s.Namespace, s.App)
	}
	return sec, nil
}

func ownsCredentials(sec *corev1.Secret, app string) bool {
	l := sec.GetLabels()
	return l[ManagedByLabel] == ManagedByValue && l[AppLabel] == app && l[CredentialsLabel] == "true"
}

// tokensOf reads the tokens of a Secret, oldest first; with values when
// withValues. A key that is not a credential is skipped.
func tokensOf(sec *corev1.Secret) (infos []TokenInfo, values map[string]string) {
	values = map[string]string{}
	if sec == nil {
		return nil, values
	}
	for k, v := range sec.Data {
		if k == credfile.RequiredKey {
			continue
		}
		c, err := credfile.Parse(v)
		if err != nil {
			continue
		}
		infos = append(infos, TokenInfo{ID: k, Created: c.Created, Expires: c.Expires})
		values[k] = c.Token
	}
	slices.SortFunc(infos, func(a, b TokenInfo) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return infos, values
}

// CreateToken adds a token to the application's credentials, making its
// Secret if it has none (from then on its adapter requires a token). Other
// tokens stay as they are. warn receives what the caller should know (an
// adapter that does not mount its credentials yet).
func CreateToken(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, now time.Time, dry DryRun, warn func(string)) (NewToken, error) {
	return addToken(ctx, dyn, s, now, dry, warn, nil)
}

// RotateToken adds a token and gives every token valid without an expiry
// one grace from now: those keep working for grace, then the adapter drops
// them by itself. An application without credentials is ErrNoCredentials.
func RotateToken(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, grace time.Duration, now time.Time, dry DryRun, warn func(string)) (NewToken, error) {
	return addToken(ctx, dyn, s, now, dry, warn, &grace)
}

func addToken(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, now time.Time, dry DryRun, warn func(string), grace *time.Duration) (NewToken, error) {
	now = now.UTC().Truncate(time.Second)
	out := NewToken{App: s.App, Namespace: s.Namespace, Created: now, Secret: CredentialsSecretName(s.App)}
	mounts, err := ownSource(ctx, dyn, s)
	if err != nil {
		return out, err
	}
	sec, err := credentialsSecret(ctx, dyn, s)
	if err != nil {
		return out, err
	}
	infos, values := tokensOf(sec)
	if grace != nil && len(infos) == 0 {
		return out, fmt.Errorf("%w: application %q in namespace %q has no token to rotate; make one with: kubectl kymamesh source token create %s", ErrNoCredentials, s.App, s.Namespace, s.App)
	}
	if out.ID, err = credfile.NewID(); err != nil {
		return out, err
	}
	token, err := credfile.NewToken()
	if err != nil {
		return out, err
	}
	data := map[string][]byte{credfile.RequiredKey: []byte("true\n")}
	for _, t := range infos {
		if !t.Valid(now) {
			continue // expired ones are dropped from the Secret
		}
		if grace != nil && (t.Expires == nil || t.Expires.After(now.Add(*grace))) {
			exp := now.Add(*grace)
			t.Expires = &exp
			out.Rotated = append(out.Rotated, t)
		}
		data[t.ID] = credfile.Credential{Token: values[t.ID], Created: t.Created, Expires: t.Expires}.Marshal()
	}
	data[out.ID] = credfile.Credential{Token: token, Created: now}.Marshal()
	if !mounts && warn != nil {
		warn(fmt.Sprintf("the adapter deployment %q does not mount its credentials (made by an older kubectl-kymamesh): it takes events without a token until you run: kubectl kymamesh source create http %s", AdapterName(s.App), s.App))
	}
	if dry == DryRunClient {
		return out, nil
	}
	if err := writeCredentials(ctx, dyn, s, sec, data, dry); err != nil {
		return out, err
	}
	if dry == DryRunNone {
		out.Token = token
	}
	return out, nil
}

// writeCredentials creates the Secret with data, or replaces its data.
func writeCredentials(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, cur *corev1.Secret, data map[string][]byte, dry DryRun) error {
	c := secrets(dyn, s.Namespace)
	name := CredentialsSecretName(s.App)
	if cur == nil {
		sec := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace,
				Labels: managedLabels(map[string]string{AppLabel: s.App, CredentialsLabel: "true"})},
			Type: corev1.SecretTypeOpaque, Data: data,
		}
		if _, err := c.Create(ctx, sec, metav1.CreateOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue}); err != nil {
			return APIError(err, "create", "secrets", name, s.Namespace)
		}
		return nil
	}
	// Replaced whole, on the version read: a token added or revoked
	// meanwhile by someone else makes this a conflict, not a lost write.
	cur.Data, cur.StringData = data, nil
	if _, err := c.Update(ctx, cur, metav1.UpdateOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue}); err != nil {
		if apierrors.IsConflict(err) {
			return fmt.Errorf("secret %q in namespace %q changed while this ran; nothing was changed, run the command again", name, s.Namespace)
		}
		return APIError(err, "update", "secrets", name, s.Namespace)
	}
	return nil
}

// RevokeTokens removes the tokens ids (all of them when all) at once. The
// Secret stays, with no token: the application then refuses every event
// until a token is made. An application without credentials is
// ErrNoCredentials; an id it has not is an error naming TOKEN-ID.
func RevokeTokens(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, ids []string, all bool, now time.Time, dry DryRun) ([]TokenInfo, error) {
	sec, err := credentialsSecret(ctx, dyn, s)
	if err != nil {
		return nil, err
	}
	infos, values := tokensOf(sec)
	if sec == nil {
		return nil, fmt.Errorf("%w: application %q in namespace %q has no credentials; it takes events without a token", ErrNoCredentials, s.App, s.Namespace)
	}
	for _, id := range ids {
		if !slices.ContainsFunc(infos, func(t TokenInfo) bool { return t.ID == id }) {
			return nil, fmt.Errorf("TOKEN-ID: application %q has no token %q (kubectl kymamesh source token list %s)", s.App, id, s.App)
		}
	}
	var revoked []TokenInfo
	data := map[string][]byte{credfile.RequiredKey: []byte("true\n")}
	for _, t := range infos {
		if all || slices.Contains(ids, t.ID) {
			revoked = append(revoked, t)
			continue
		}
		if t.Valid(now) {
			data[t.ID] = credfile.Credential{Token: values[t.ID], Created: t.Created, Expires: t.Expires}.Marshal()
		}
	}
	if dry == DryRunClient {
		return revoked, nil
	}
	return revoked, writeCredentials(ctx, dyn, s, sec, data, dry)
}

// ListTokens returns the application's tokens (never their values), and
// whether it has credentials at all.
func ListTokens(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec) ([]TokenInfo, bool, error) {
	sec, err := credentialsSecret(ctx, dyn, s)
	if err != nil || sec == nil {
		return nil, false, err
	}
	infos, _ := tokensOf(sec)
	return infos, true, nil
}

// ErrCannotReadCredentials is what NewestToken returns when the user may not
// read the application's Secret.
var ErrCannotReadCredentials = errors.New("may not read the credentials")

// NewestToken returns the application's newest valid token, preferring one
// without an expiry (the rotation's new one): "" when it has no
// credentials; ErrCannotReadCredentials when the user may not read them.
func NewestToken(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, now time.Time) (string, error) {
	tok, _, err := NewestTokenInfo(ctx, dyn, s, now)
	return tok, err
}

// NewestTokenInfo is NewestToken with the token's id and dates (a token
// made moments ago may not be in the adapter's mounted Secret yet).
func NewestTokenInfo(ctx context.Context, dyn dynamic.Interface, s CredentialsSpec, now time.Time) (string, TokenInfo, error) {
	sec, err := secrets(dyn, s.Namespace).Get(ctx, CredentialsSecretName(s.App), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return "", TokenInfo{}, nil
	case apierrors.IsForbidden(err):
		return "", TokenInfo{}, ErrCannotReadCredentials
	case err != nil:
		return "", TokenInfo{}, APIError(err, "get", "secrets", CredentialsSecretName(s.App), s.Namespace)
	}
	if !ownsCredentials(sec, s.App) {
		return "", TokenInfo{}, nil
	}
	infos, values := tokensOf(sec)
	// A token without an expiry (the rotation's new one) before one in its
	// grace; then the newest.
	better := func(a, b TokenInfo) bool {
		if (a.Expires == nil) != (b.Expires == nil) {
			return a.Expires == nil
		}
		return !a.Created.Before(b.Created)
	}
	best := -1
	for i, t := range infos {
		if t.Valid(now) && (best < 0 || better(t, infos[best])) {
			best = i
		}
	}
	if best < 0 {
		return "", TokenInfo{}, fmt.Errorf("application %q requires a token and has no valid one: kubectl kymamesh source token create %s", s.App, s.App)
	}
	return values[infos[best].ID], infos[best], nil
}

// CredentialsState is what status, doctor and source describe say of an
// application's credentials.
type CredentialsState struct {
	// Required: "True" (its adapter needs a token), "False" (none: it
	// takes events without one), "Unknown" (the user may not read Secrets).
	Required string `json:"required"`
	Valid    int    `json:"validTokens"`
}

func (c CredentialsState) String() string {
	switch c.Required {
	case "True":
		return fmt.Sprintf("required (%d valid)", c.Valid)
	case "False":
		return "none (takes events without a token)"
	}
	return "unknown (may not read secrets)"
}

// ListCredentialsStates reads the credentials of every application in
// namespace ("" for all) with one list; by namespace/app. Forbidden: every
// application's state is Unknown (absent from the map).
func ListCredentialsStates(ctx context.Context, dyn dynamic.Interface, namespace string, now time.Time) (map[string]CredentialsState, bool, error) {
	l, err := secrets(dyn, namespace).List(ctx, metav1.ListOptions{LabelSelector: ManagedByLabel + "=" + ManagedByValue + "," + CredentialsLabel + "=true"})
	if apierrors.IsForbidden(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, APIError(err, "list", "secrets", "", namespace)
	}
	out := map[string]CredentialsState{}
	for i := range l.Items {
		sec := &l.Items[i]
		app := sec.Labels[AppLabel]
		if sec.Name != CredentialsSecretName(app) {
			continue
		}
		infos, _ := tokensOf(sec)
		st := CredentialsState{Required: "True"}
		for _, t := range infos {
			if t.Valid(now) {
				st.Valid++
			}
		}
		out[sec.Namespace+"/"+app] = st
	}
	return out, true, nil
}

// StateOf is an application's state from ListCredentialsStates' result.
func StateOf(states map[string]CredentialsState, readable bool, namespace, app string) CredentialsState {
	if !readable {
		return CredentialsState{Required: "Unknown"}
	}
	if st, ok := states[namespace+"/"+app]; ok {
		return st
	}
	return CredentialsState{Required: "False"}
}

// deleteCredentials deletes the application's credentials Secret when it is
// the plugin's (with the rest of its source).
func deleteCredentials(ctx context.Context, dyn dynamic.Interface, app, namespace string, dry DryRun) (*Change, error) {
	sec, err := secrets(dyn, namespace).Get(ctx, CredentialsSecretName(app), metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && !ownsCredentials(sec, app) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", "secrets", CredentialsSecretName(app), namespace)
	}
	if dry != DryRunClient {
		err := secrets(dyn, namespace).Delete(ctx, sec.Name, metav1.DeleteOptions{DryRun: dry.serverFlag()})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, APIError(err, "delete", "secrets", sec.Name, namespace)
		}
	}
	sec.Data = nil // what a removal prints holds no token
	return &Change{Object: sec, Op: OpDeleted}, nil
}

// addCredentials says of each application whether it requires a token (one
// list of the credentials Secrets), and reports one whose every token is
// revoked or expired: it refuses every event.
func addCredentials(ctx context.Context, m Mesh, namespace string, st *MeshStatus) error {
	if len(st.Apps) == 0 || m.Dynamic == nil {
		return nil
	}
	now := time.Now()
	states, readable, err := ListCredentialsStates(ctx, m.Dynamic, namespace, now)
	if err != nil {
		return err
	}
	for i := range st.Apps {
		a := &st.Apps[i]
		c := StateOf(states, readable, a.Namespace, a.Name)
		a.Credentials = &c
		if c.Required == "True" && c.Valid == 0 {
			st.Problems = append(st.Problems, Problem{fmt.Sprintf("application %s/%s", a.Namespace, a.Name),
				"requires a token and has no valid one: its adapter refuses every event",
				fmt.Sprintf("kubectl kymamesh source token create %s --integration-namespace %s", a.Name, a.Namespace)})
		}
	}
	return nil
}

// credentialsCheck is doctor's line on the applications' tokens: which
// require one, which take events without one, and a warning for one that
// requires a token and has none valid. No applications: no line.
func credentialsCheck(ctx context.Context, m Mesh, namespace string) (Check, bool) {
	const name = "application tokens"
	deps, err := m.Dynamic.Resource(DeploymentsGVR).Namespace(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: ManagedByLabel + "=" + ManagedByValue + "," + ComponentLabel + "=" + AdapterComponent})
	if err != nil {
		return Check{name, Warn, "cannot list the adapters: " + APIError(err, "list", "deployments", "", namespace).Error(), ""}, true
	}
	if len(deps.Items) == 0 {
		return Check{}, false
	}
	states, readable, err := ListCredentialsStates(ctx, m.Dynamic, namespace, time.Now())
	if err != nil {
		return Check{name, Warn, err.Error(), ""}, true
	}
	if !readable {
		return Check{name, Warn, "cannot tell which applications require a token: you may not list secrets in " + namespace, ""}, true
	}
	var required, open, locked []string
	for _, d := range deps.Items {
		app := d.GetLabels()[AppLabel]
		switch st := StateOf(states, true, namespace, app); {
		case st.Required != "True":
			open = append(open, app)
		case st.Valid == 0:
			locked = append(locked, app)
		default:
			required = append(required, fmt.Sprintf("%s (%d valid)", app, st.Valid))
		}
	}
	var parts []string
	if len(required) > 0 {
		parts = append(parts, "require a token: "+strings.Join(required, ", "))
	}
	if len(open) > 0 {
		parts = append(parts, "take events without a token (anyone who reaches the adapter in the cluster may send): "+strings.Join(open, ", "))
	}
	if len(locked) > 0 {
		parts = append(parts, "require a token and have none valid (every event refused): "+strings.Join(locked, ", "))
		return Check{name, Warn, strings.Join(parts, "; "), "kubectl kymamesh source token create APP --integration-namespace " + namespace}, true
	}
	return Check{name, Pass, strings.Join(parts, "; "), ""}, true
}

// GetCredentialsState reads one application's credentials state.
func GetCredentialsState(ctx context.Context, dyn dynamic.Interface, app, namespace string) (CredentialsState, error) {
	sec, err := secrets(dyn, namespace).Get(ctx, CredentialsSecretName(app), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return CredentialsState{Required: "False"}, nil
	case apierrors.IsForbidden(err):
		return CredentialsState{Required: "Unknown"}, nil
	case err != nil:
		return CredentialsState{}, APIError(err, "get", "secrets", CredentialsSecretName(app), namespace)
	}
	if !ownsCredentials(sec, app) {
		return CredentialsState{Required: "False"}, nil
	}
	infos, _ := tokensOf(sec)
	st := CredentialsState{Required: "True"}
	now := time.Now()
	for _, t := range infos {
		if t.Valid(now) {
			st.Valid++
		}
	}
	return st, nil
}
