package wiring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// broker migrate (docs/usage.md, "broker migrate") changes a Broker's class
// or config, which Knative does not let change, in two hops that each move
// everything from one Broker to another: NAME → NAME-migrating (the new
// configuration), then NAME-migrating → NAME (re-created with the new
// configuration), so that the Broker and the user's Triggers keep their
// names. A hop: make the target Broker, copy the Triggers to it and wait
// until they are Ready, repoint every sender (the reference scan of
// ownership.go), drain the source Broker, remove it and its Triggers. The
// progress is kept in annotations on the Brokers, so that a re-run continues
// and --rollback knows whether the old Broker is still whole.

const (
	// MigrateStepAnnotation names the step a Broker of a migration is at.
	MigrateStepAnnotation = "kymamesh.kyma-project.io/migrate-step"
	// MigrateForAnnotation, on the temporary Broker, names the Broker it stands in for.
	MigrateForAnnotation = "kymamesh.kyma-project.io/migrate-for"
	// MigrateFromAnnotation, on the temporary Broker, holds the old
	// configuration (JSON of BrokerConfig), for the plan and for a rollback's words.
	MigrateFromAnnotation = "kymamesh.kyma-project.io/migrate-from"
	// MigrateTriggerAnnotation, on a Trigger copied to the temporary Broker,
	// names the user's Trigger it copies.
	MigrateTriggerAnnotation = "kymamesh.kyma-project.io/migrate-trigger"
	// MigrateDrainAnnotation, on the Broker being drained, is when its
	// senders were seen moved (RFC 3339): the drain's clock, kept across runs.
	MigrateDrainAnnotation = "kymamesh.kyma-project.io/migrate-drain-since"

	// The steps, as MigrateStepAnnotation holds them.
	stepRemoving    = "removing"  // on a source Broker: past the point a rollback can return to it
	stepRecreated   = "recreated" // on NAME made again by the second hop
	stepTemporary   = "temporary" // on NAME-migrating
	migratingSuffix = "-migrating"
)

// minDrain is the least a drain waits after the senders moved (a variable
// for the tests).
var minDrain = 2 * time.Second

// BrokerConfig is a Broker's class and config (KIND:NAME[:NAMESPACE]).
type BrokerConfig struct {
	Class  string `json:"class"`
	Config string `json:"config,omitempty"`
}

func (c BrokerConfig) String() string {
	if c.Config == "" {
		return "class " + c.Class + ", no config"
	}
	return "class " + c.Class + ", config " + c.Config
}

// MigrateSpec is what "broker migrate" is asked.
type MigrateSpec struct {
	Name, Namespace string
	Class           string // empty: keep the class
	Channel         string // imc, kafka or GROUP/VERSION/KIND: a channel-template ConfigMap the plugin makes
	Config          string // KIND:NAME[:NAMESPACE]
	Rollback        bool
	// Timeout bounds each wait (a Broker or Trigger Ready, a drain, a probe).
	Timeout time.Duration
	// Probe is when the drain probes the old Broker (ProbeModes; empty: auto).
	Probe string
	// Prober makes the probe's receiver and sends its events (nil: no
	// probe, and no dead-letter count).
	Prober DrainProbe
}

// Validate checks the spec before any request.
func (s MigrateSpec) Validate() error {
	if err := ValidateName("NAME", s.Name); err != nil {
		return err
	}
	if errs := validation.IsDNS1035Label(TemporaryBroker(s.Name) + "-kne-trigger" + channelServiceSuffix); len(errs) > 0 {
		return invalid.Errorf("NAME", "%q is too long to migrate: the temporary broker %q's channel Service would be refused (%s)", s.Name, TemporaryBroker(s.Name), shortReason(errs))
	}
	changes := 0
	if s.Class != "" {
		changes++
	}
	if s.Channel != "" && s.Config != "" {
		return invalid.Errorf("--config", "give either --channel (a channel template the plugin keeps) or --config (a config of your own), not both")
	}
	if s.Channel != "" {
		if _, err := ParseChannelType("--channel", s.Channel); err != nil {
			return err
		}
		changes++
	}
	if s.Config != "" {
		if _, err := ParseConfigRef("--config", s.Config, s.Namespace); err != nil {
			return err
		}
		changes++
	}
	switch {
	case s.Rollback && changes > 0:
		return invalid.Errorf("--rollback", "takes no --class, --channel or --config: it returns to the Broker's old configuration")
	case !s.Rollback && changes == 0:
		return invalid.Errorf("", "nothing to migrate to: give --class, --channel or --config (or --rollback)")
	case s.Timeout <= 0:
		return invalid.Errorf("--timeout", "%s: must be positive", s.Timeout)
	}
	return ValidateProbeMode(s.Probe)
}

// TemporaryBroker is the Broker the first hop moves NAME to.
func TemporaryBroker(name string) string { return name + migratingSuffix }

// MigrateConfigMapName is the channel-template ConfigMap --channel makes for the migrated Broker.
func MigrateConfigMapName(broker string, tm metav1.TypeMeta) string {
	return broker + "-kymamesh-" + strings.ToLower(tm.Kind)
}

// Migration phases, as the plan names them.
const (
	PhaseStart    = "start"     // NAME as it was: both hops to go
	PhaseFirstHop = "first-hop" // NAME → NAME-migrating under way
	PhaseBackHop  = "back-hop"  // NAME-migrating → NAME under way
	PhaseFinish   = "finish"    // both hops done: NAME's progress mark to clear
	PhaseRollback = "rollback"  // NAME-migrating → NAME, NAME keeping its old configuration
)

// MigrationPlan is what broker migrate will do, printed before it does it.
type MigrationPlan struct {
	Broker    string       `json:"broker"`
	Namespace string       `json:"namespace"`
	Temporary string       `json:"temporary"`
	Phase     string       `json:"phase"`
	From      BrokerConfig `json:"from"`
	To        BrokerConfig `json:"to"`
	// ConfigMap is the channel-template ConfigMap --channel makes.
	ConfigMap string   `json:"configMap,omitempty"`
	Triggers  []string `json:"triggers"`
	Senders   []string `json:"senders"`
	Steps     []string `json:"steps"`

	configMap *corev1.ConfigMap
	to        *knapi.Broker // the target Broker as built
}

// PlanMigration reads the cluster and says what broker migrate would do; it
// refuses, writing nothing, what it cannot do.
func PlanMigration(ctx context.Context, m Mesh, s MigrateSpec) (*MigrationPlan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	brokers := m.Eventing.Brokers(s.Namespace)
	tmpName := TemporaryBroker(s.Name)
	cur, err := getOptional(ctx, brokers, "broker", s.Name, s.Namespace)
	if err != nil {
		return nil, err
	}
	tmp, err := getOptional(ctx, brokers, "broker", tmpName, s.Namespace)
	if err != nil {
		return nil, err
	}
	p := &MigrationPlan{Broker: s.Name, Namespace: s.Namespace, Temporary: tmpName}
	switch {
	case tmp != nil && tmp.Annotations[MigrateForAnnotation] != s.Name:
		return nil, fmt.Errorf("broker %q in namespace %q exists and is not a migration of broker %q: broker migrate needs that name for its temporary Broker", tmpName, s.Namespace, s.Name)
	case tmp == nil && cur == nil:
		return nil, fmt.Errorf("broker %q does not exist in namespace %q", s.Name, s.Namespace)
	case tmp == nil && cur.Annotations[MigrateStepAnnotation] == stepRecreated:
		p.Phase = PhaseFinish
	case tmp == nil:
		p.Phase = PhaseStart
	case cur == nil || cur.Annotations[MigrateStepAnnotation] == stepRecreated:
		p.Phase = PhaseBackHop
	default:
		p.Phase = PhaseFirstHop
	}
	if s.Rollback {
		switch p.Phase {
		case PhaseStart, PhaseFinish:
			return nil, fmt.Errorf("no migration of broker %q in namespace %q is in progress: nothing to roll back", s.Name, s.Namespace)
		case PhaseBackHop:
			return nil, fmt.Errorf("broker %q in namespace %q cannot be rolled back: its old Broker is gone (the migration is in its second hop); run 'kubectl kymamesh broker migrate %s -n %s' with the same flags to finish it, then migrate back to %s",
				s.Name, s.Namespace, s.Name, s.Namespace, tmp.Annotations[MigrateFromAnnotation])
		}
		if cur.Annotations[MigrateStepAnnotation] == stepRemoving {
			return nil, fmt.Errorf("broker %q in namespace %q cannot be rolled back: its removal has begun; run 'kubectl kymamesh broker migrate %s -n %s' with the same flags to finish the migration",
				s.Name, s.Namespace, s.Name, s.Namespace)
		}
		p.Phase = PhaseRollback
	}

	// The configurations: from NAME's (or, once it is gone, the one the
	// temporary Broker keeps), to the one asked for (or, under way, the
	// temporary Broker's).
	switch {
	case p.Phase == PhaseStart || p.Phase == PhaseFinish:
		p.From = configOf(cur)
	case tmp.Annotations[MigrateFromAnnotation] != "":
		_ = json.Unmarshal([]byte(tmp.Annotations[MigrateFromAnnotation]), &p.From)
	}
	if p.Phase == PhaseStart || p.Phase == PhaseFinish {
		want, cm, err := targetBroker(s, cur)
		if err != nil {
			return nil, err
		}
		p.To, p.configMap, p.to = configOf(want), cm, want
		if cm != nil {
			p.ConfigMap = cm.Name
		}
		if sameConfig(p.From, p.To) {
			if p.Phase == PhaseFinish {
				p.Steps = []string{fmt.Sprintf("clear broker %s's migration mark", s.Name)}
				return p, nil
			}
			return nil, fmt.Errorf("nothing to change: broker %q in namespace %q already has %s", s.Name, s.Namespace, p.From)
		}
		if p.Phase == PhaseFinish {
			return nil, fmt.Errorf("broker %q in namespace %q was just migrated to %s; run without flags changed to finish, then migrate again", s.Name, s.Namespace, p.From)
		}
		if err := checkServed(ctx, m, s.Namespace, p.To, cm); err != nil {
			return nil, err
		}
	} else {
		p.To = configOf(tmp)
		if p.Phase == PhaseRollback {
			p.To = configOf(cur)
		} else if !s.Rollback && (s.Class != "" || s.Channel != "" || s.Config != "") {
			// A re-run names the same target as the run it continues.
			want, _, err := targetBroker(s, tmp)
			if err != nil {
				return nil, err
			}
			if !sameConfig(configOf(want), p.To) {
				return nil, fmt.Errorf("a migration of broker %q in namespace %q to %s is in progress: re-run it with the flags that started it, or give --rollback", s.Name, s.Namespace, p.To)
			}
		}
	}

	// What moves: the Triggers on the Broker senders leave, and the senders.
	source := cur
	if p.Phase == PhaseBackHop || p.Phase == PhaseRollback {
		source = tmp
	}
	if source != nil {
		triggers, err := brokerTriggers(ctx, m, source)
		if err != nil {
			return nil, err
		}
		for _, t := range triggers {
			p.Triggers = append(p.Triggers, "trigger/"+t.Name)
		}
		senders, err := brokerSenders(ctx, m, source)
		if err != nil {
			return nil, err
		}
		for _, r := range senders {
			p.Senders = append(p.Senders, r.who(s.Namespace))
		}
	}
	// Under way, what the first run moved already sends to the target.
	target := tmp
	if p.Phase == PhaseBackHop || p.Phase == PhaseRollback {
		target = cur
	}
	if p.Phase != PhaseStart && p.Phase != PhaseFinish && target != nil {
		moved, err := brokerSenders(ctx, m, target)
		if err != nil {
			return nil, err
		}
		for _, r := range moved {
			p.Senders = append(p.Senders, r.who(s.Namespace)+" (moved)")
		}
	}
	p.Steps = planSteps(p)
	return p, nil
}

func planSteps(p *MigrationPlan) []string {
	hop := func(from, to string, create bool, how string) []string {
		var st []string
		if create {
			st = append(st, fmt.Sprintf("create broker %s (%s)%s and wait until it is Ready", to, p.To, how))
			st = append(st, fmt.Sprintf("copy broker %s's Triggers to broker %s and wait until each is Ready", from, to))
		}
		return append(st,
			fmt.Sprintf("repoint every sender from broker %s to broker %s and wait until each has taken it", from, to),
			fmt.Sprintf("drain broker %s: wait out its senders' retries (at least %s)", from, minDrain),
			fmt.Sprintf("delete broker %s's Triggers, then broker %s", from, from))
	}
	var st []string
	switch p.Phase {
	case PhaseStart, PhaseFirstHop:
		if p.ConfigMap != "" {
			st = append(st, fmt.Sprintf("create configmap %s holding the channel template", p.ConfigMap))
		}
		st = append(st, hop(p.Broker, p.Temporary, true, "")...)
		st = append(st, hop(p.Temporary, p.Broker, true, ", the Triggers under their own names")...)
	case PhaseBackHop:
		st = append(st, hop(p.Temporary, p.Broker, true, ", the Triggers under their own names")...)
	case PhaseRollback:
		st = append(st, hop(p.Temporary, p.Broker, false, "")...)
	}
	return append(st, fmt.Sprintf("clear broker %s's migration mark", p.Broker))
}

// targetBroker builds the Broker the spec asks for, from cur (class,
// config and delivery it keeps unless asked), and the ConfigMap --channel makes.
func targetBroker(s MigrateSpec, cur *knapi.Broker) (*knapi.Broker, *corev1.ConfigMap, error) {
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: maps.Clone(cur.Labels),
		Annotations: channelAnnotations(cur, map[string]string{BrokerClassAnnotation: cur.Annotations[BrokerClassAnnotation]})}}
	if cur.Spec.Config != nil {
		b.Spec.Config = cur.Spec.Config.DeepCopy()
	}
	if cur.Spec.Delivery != nil {
		b.Spec.Delivery = cur.Spec.Delivery.DeepCopy()
	}
	if s.Class != "" {
		b.Annotations[BrokerClassAnnotation] = s.Class
	}
	var cm *corev1.ConfigMap
	switch {
	case s.Config != "":
		ref, err := ParseConfigRef("--config", s.Config, s.Namespace)
		if err != nil {
			return nil, nil, err
		}
		b.Spec.Config = ref
	case s.Channel != "":
		tm, err := ParseChannelType("--channel", s.Channel)
		if err != nil {
			return nil, nil, err
		}
		tmpl, _ := json.Marshal(map[string]string{"apiVersion": tm.APIVersion, "kind": tm.Kind})
		cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: MigrateConfigMapName(s.Name, tm), Namespace: s.Namespace, Labels: managedLabels(nil)},
			Data: map[string]string{ChannelTemplateKey: string(tmpl)}}
		b.Spec.Config = &duckv1.KReference{APIVersion: "v1", Kind: "ConfigMap", Name: cm.Name, Namespace: s.Namespace}
	}
	return b, cm, nil
}

// channelAnnotations adds to ann b's messaging.knative.dev/ annotations,
// which Knative copies to the Broker's channel (the async handler among
// them): the migrated Broker's channel behaves as the old one's did.
func channelAnnotations(b *knapi.Broker, ann map[string]string) map[string]string {
	for k, v := range b.Annotations {
		if strings.HasPrefix(k, "messaging.knative.dev/") {
			ann[k] = v
		}
	}
	return ann
}

func configOf(b *knapi.Broker) BrokerConfig {
	c := BrokerConfig{Class: b.Annotations[BrokerClassAnnotation]}
	if r := b.Spec.Config; r != nil {
		c.Config = r.Kind + ":" + r.Name + ":" + orNS(r.Namespace, b.Namespace)
	}
	return c
}

func sameConfig(a, b BrokerConfig) bool { return a == b }

// checkServed refuses a class or channel kind the cluster does not serve: a
// class is served when it is the channel-based Broker's, or a Ready Broker
// of that class exists; a channel kind when the API server serves it.
func checkServed(ctx context.Context, m Mesh, ns string, to BrokerConfig, cm *corev1.ConfigMap) error {
	if to.Class != "" && to.Class != "MTChannelBasedBroker" {
		l, err := m.Eventing.Brokers(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil && !apierrors.IsForbidden(err) {
			return APIError(err, "list", "brokers", "", "")
		}
		served := false
		if l != nil {
			for i := range l.Items {
				if l.Items[i].Annotations[BrokerClassAnnotation] == to.Class && IsReady(&l.Items[i]) {
					served = true
				}
			}
		}
		if !served {
			return invalid.Errorf("--class", "%q: the cluster does not serve this broker class (no Ready Broker of it; the channel-based Broker's is MTChannelBasedBroker)", to.Class)
		}
	}
	if cm == nil || m.Discovery == nil {
		return nil
	}
	var tmpl map[string]string
	_ = json.Unmarshal([]byte(cm.Data[ChannelTemplateKey]), &tmpl)
	rl, err := m.Discovery.ServerResourcesForGroupVersion(tmpl["apiVersion"])
	if err == nil {
		for _, r := range rl.APIResources {
			if r.Kind == tmpl["kind"] {
				return nil
			}
		}
	}
	return invalid.Errorf("--channel", "the cluster does not serve channel kind %s (%s) in namespace %q's API", tmpl["kind"], tmpl["apiVersion"], ns)
}

// getOptional gets the named Broker, nil when there is none.
func getOptional(ctx context.Context, c Client[*knapi.Broker, *knapi.BrokerList], resource, name, ns string) (*knapi.Broker, error) {
	b, err := c.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", resource, name, ns)
	}
	return b, nil
}

// brokerTriggers are the Triggers on b that move with it: tail's temporary
// ones stay (and end with the Broker they watch).
func brokerTriggers(ctx context.Context, m Mesh, b *knapi.Broker) ([]knapi.Trigger, error) {
	l, err := m.Eventing.Triggers(b.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, APIError(err, "list", "triggers", "", b.Namespace)
	}
	var out []knapi.Trigger
	for _, t := range l.Items {
		if t.Spec.Broker == b.Name && t.Labels[TailLabel] == "" && t.DeletionTimestamp == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// senderResources are what may send to a Broker: referringResources, and
// EventPolicies (whose "to" lets senders in).
var senderResources = append(slices.Clone(referringResources), knapi.EventPolicies)

// brokerSenders are the objects that refer to b, but for its own Triggers
// (which move by copy) and the Brokers of this migration.
func brokerSenders(ctx context.Context, m Mesh, b *knapi.Broker) ([]referrer, error) {
	refs, err := referringObjects(ctx, m, senderResources, "Broker", b, nil, b.Namespace)
	if err != nil {
		return nil, err
	}
	out := refs[:0]
	for _, r := range refs {
		o := r.Object
		if o.GetKind() == "Trigger" && o.GetNamespace() == b.Namespace {
			if broker, _, _ := unstructured.NestedString(o.Object, "spec", "broker"); broker == b.Name {
				continue
			}
		}
		if o.GetKind() == "Broker" && o.GetAnnotations()[MigrateForAnnotation] != "" {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// Migrate carries out the plan: report is called with each change as it is
// made, step with each step's line. A server dry run sends the first hop's
// writes as dry runs and waits for nothing.
func Migrate(ctx context.Context, m Mesh, s MigrateSpec, p *MigrationPlan, dry DryRun, report func(Change), step func(string)) error {
	mg := &migration{m: m, s: s, p: p, dry: dry, report: report, step: step}
	tmpName := p.Temporary
	switch p.Phase {
	case PhaseStart, PhaseFirstHop:
		if p.Phase == PhaseStart && p.configMap != nil {
			c, err := ensureObject(ctx, m.Core.ConfigMaps(s.Namespace), p.configMap, "configmap", dry, nil)
			if err != nil {
				return err
			}
			report(c)
		}
		if err := mg.hop(ctx, s.Name, tmpName, mg.temporary); err != nil {
			return err
		}
		if dry != DryRunNone {
			step(fmt.Sprintf("a dry run stops after the first hop's writes: broker %s does not exist to move back from", tmpName))
			return nil
		}
		fallthrough
	case PhaseBackHop:
		if err := mg.hop(ctx, tmpName, s.Name, mg.recreated); err != nil {
			return err
		}
	case PhaseRollback:
		if err := mg.hop(ctx, tmpName, s.Name, nil); err != nil {
			return err
		}
	}
	return mg.clearMark(ctx)
}

type migration struct {
	m      Mesh
	s      MigrateSpec
	p      *MigrationPlan
	dry    DryRun
	report func(Change)
	step   func(string)
}

// temporary builds NAME-migrating from the target.
func (mg *migration) temporary(_ *knapi.Broker) *knapi.Broker {
	b := mg.p.to.DeepCopy()
	b.Name = mg.p.Temporary
	from, _ := json.Marshal(mg.p.From)
	b.Annotations[MigrateForAnnotation] = mg.s.Name
	b.Annotations[MigrateFromAnnotation] = string(from)
	b.Annotations[MigrateStepAnnotation] = stepTemporary
	if IsManaged(b) {
		b.Annotations[migrateManagedAnnotation] = "true"
	}
	b.Labels = managedLabels(b.Labels)
	return b
}

// recreated builds NAME again from the temporary Broker's configuration.
func (mg *migration) recreated(src *knapi.Broker) *knapi.Broker {
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: mg.s.Name, Namespace: mg.s.Namespace, Labels: maps.Clone(src.Labels),
		Annotations: channelAnnotations(src, map[string]string{BrokerClassAnnotation: src.Annotations[BrokerClassAnnotation], MigrateStepAnnotation: stepRecreated})}}
	b.Spec = *src.Spec.DeepCopy()
	// NAME keeps the labels it had: the temporary Broker added the plugin's
	// mark, which NAME carries only if it carried it before.
	if src.Annotations[migrateManagedAnnotation] == "" {
		delete(b.Labels, ManagedByLabel)
	}
	return b
}

// hop moves everything from Broker from to Broker to. build makes the
// target Broker from the source (nil: to exists already, a rollback's).
func (mg *migration) hop(ctx context.Context, from, to string, build func(*knapi.Broker) *knapi.Broker) error {
	ns := mg.s.Namespace
	brokers := mg.m.Eventing.Brokers(ns)
	src, err := getOptional(ctx, brokers, "broker", from, ns)
	if err != nil {
		return err
	}
	if src == nil {
		return nil // removed by an earlier run
	}
	target, err := getOptional(ctx, brokers, "broker", to, ns)
	if err != nil {
		return err
	}
	if target == nil {
		if build == nil {
			return fmt.Errorf("broker %q in namespace %q is gone: nothing to roll back to", to, ns)
		}
		want := build(src)
		mg.step(fmt.Sprintf("creating broker %s (%s)", to, configOf(want)))
		made, err := Create(ctx, brokers, want, mg.dry)
		if err != nil {
			return APIError(err, "create", "broker", to, ns)
		}
		mg.report(Change{Object: made, Op: OpCreated})
		target = made
	}
	if mg.dry == DryRunNone {
		if _, err := WaitReady(ctx, brokers, "broker", target, mg.s.Timeout); err != nil {
			return err
		}
	}

	// The Triggers, each Ready before any sender moves: an event the target
	// Broker takes before a Trigger is Ready would match nothing and be dropped.
	triggers, err := brokerTriggers(ctx, mg.m, src)
	if err != nil {
		return err
	}
	tc := mg.m.Eventing.Triggers(ns)
	if src.Annotations[MigrateStepAnnotation] != stepRemoving {
		for i := range triggers {
			cp := copyTrigger(&triggers[i], from, to, build == nil)
			if cp == nil {
				continue
			}
			cur, err := tc.Get(ctx, cp.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				cur, err = Create(ctx, tc, cp, mg.dry)
				if err != nil {
					return APIError(err, "create", "trigger", cp.Name, ns)
				}
				mg.report(Change{Object: cur, Op: OpCreated, Reason: "copy of trigger " + triggers[i].Name + " on broker " + from})
			case err != nil:
				return APIError(err, "get", "trigger", cp.Name, ns)
			case cur.Spec.Broker != to:
				return fmt.Errorf("trigger %q in namespace %q exists on broker %q: broker migrate needs that name for the copy of trigger %q on broker %q",
					cp.Name, ns, cur.Spec.Broker, triggers[i].Name, to)
			}
			if mg.dry == DryRunNone {
				if _, err := WaitReady(ctx, tc, "trigger", cur, mg.s.Timeout); err != nil {
					return err
				}
			}
		}

		// The senders.
		senders, err := brokerSenders(ctx, mg.m, src)
		if err != nil {
			return err
		}
		mg.step(fmt.Sprintf("repointing %d sender(s) from broker %s to broker %s", len(senders), from, to))
		for _, r := range senders {
			u, changed, err := mg.repoint(ctx, r, from, to)
			if err != nil {
				return err
			}
			if changed {
				mg.report(Change{Object: u, Op: OpConfigured, Reason: "now sends to broker " + to})
			}
		}
		if mg.dry != DryRunNone {
			return mg.removeSource(ctx, src, triggers)
		}
		// What sends to the target now, this run's and an interrupted run's
		// moves alike: the drain waits for each.
		moved, err := brokerSenders(ctx, mg.m, target)
		if err != nil {
			return err
		}
		if err := mg.drain(ctx, src, moved, triggers); err != nil {
			return err
		}
	}
	return mg.removeSource(ctx, src, triggers)
}

// copyTrigger returns t's copy for Broker to: under a name of its own on
// the temporary Broker, under the user's name on NAME (nil for a rollback,
// whose Triggers on NAME were never removed).
func copyTrigger(t *knapi.Trigger, from, to string, rollback bool) *knapi.Trigger {
	if rollback {
		return nil
	}
	var name string
	ann := map[string]string{}
	for k, v := range t.Annotations {
		if strings.HasPrefix(k, "eventing.knative.dev/") || k == corev1.LastAppliedConfigAnnotation || k == MigrateTriggerAnnotation {
			continue
		}
		ann[k] = v
	}
	labels := maps.Clone(t.Labels)
	if orig := t.Annotations[MigrateTriggerAnnotation]; orig != "" {
		name = orig // back under the user's name
		if labels[ManagedByLabel] == ManagedByValue && t.Annotations[migrateManagedAnnotation] == "" {
			delete(labels, ManagedByLabel)
		}
		delete(ann, migrateManagedAnnotation)
	} else {
		name = t.Name + migratingSuffix
		ann[MigrateTriggerAnnotation] = t.Name
		if t.Labels[ManagedByLabel] == ManagedByValue {
			ann[migrateManagedAnnotation] = "true"
		}
		labels = managedLabels(labels)
	}
	cp := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: t.Namespace, Labels: labels, Annotations: nilIfNone(ann)}}
	cp.Spec = *t.Spec.DeepCopy()
	cp.Spec.Broker = to
	// A Trigger whose subscriber or dead letter sink is its own Broker follows it.
	var spec map[string]any
	if raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&cp.Spec); err == nil {
		spec = raw
		if rewriteRefs(spec, from, to, t.Namespace, t.Namespace) {
			_ = runtime.DefaultUnstructuredConverter.FromUnstructured(spec, &cp.Spec)
		}
	}
	return cp
}

// migrateManagedAnnotation, on a copy, says the user's Trigger carried the plugin's mark.
const migrateManagedAnnotation = "kymamesh.kyma-project.io/migrate-managed"

func nilIfNone(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// rewriteRefs points every reference to Broker from (in ns) at Broker to.
func rewriteRefs(v any, from, to, ns, ownNS string) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		if k, _ := x["kind"].(string); k == "Broker" {
			if n, _ := x["name"].(string); n == from {
				refNS, _ := x["namespace"].(string)
				if orNS(refNS, ownNS) == ns {
					x["name"] = to
					changed = true
				}
			}
		}
		for _, e := range x {
			if rewriteRefs(e, from, to, ns, ownNS) {
				changed = true
			}
		}
	case []any:
		for _, e := range x {
			if rewriteRefs(e, from, to, ns, ownNS) {
				changed = true
			}
		}
	}
	return changed
}

// policyEntries adds, beside each entry of an EventPolicy's to and from
// that names Broker from, the same entry naming Broker to: the old Broker
// stays allowed while it drains. With to empty it removes from's entries.
func policyEntries(spec map[string]any, from, to, ns, ownNS string) bool {
	changed := false
	for _, key := range []string{"to", "from"} {
		list, _ := spec[key].([]any)
		var out []any
		names := map[string]bool{}
		for _, e := range list {
			em, _ := e.(map[string]any)
			ref, _ := em["ref"].(map[string]any)
			if k, _ := ref["kind"].(string); k == "Broker" {
				n, _ := ref["name"].(string)
				refNS, _ := ref["namespace"].(string)
				if orNS(refNS, ownNS) == ns {
					names[n] = true
					if n == from && to == "" {
						changed = true
						continue
					}
				}
			}
			out = append(out, e)
		}
		if to != "" && names[from] && !names[to] {
			for _, e := range list {
				em, _ := e.(map[string]any)
				ref, _ := em["ref"].(map[string]any)
				if n, _ := ref["name"].(string); n == from && ref["kind"] == "Broker" {
					cp := runtime.DeepCopyJSONValue(em).(map[string]any)
					cp["ref"].(map[string]any)["name"] = to
					out = append(out, cp)
					changed = true
				}
			}
		}
		if changed {
			spec[key] = out
		}
	}
	return changed
}

// repoint rewrites r's references from Broker from to Broker to (an
// EventPolicy gains entries for to) and returns the object as written.
func (mg *migration) repoint(ctx context.Context, r referrer, from, to string) (*unstructured.Unstructured, bool, error) {
	c := mg.m.Dynamic.Resource(r.GVR).Namespace(r.Object.GetNamespace())
	var out *unstructured.Unstructured
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := c.Get(ctx, r.Object.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		spec, _ := cur.Object["spec"].(map[string]any)
		if cur.GetKind() == "EventPolicy" {
			changed = policyEntries(spec, from, to, mg.s.Namespace, cur.GetNamespace())
		} else {
			changed = rewriteRefs(spec, from, to, mg.s.Namespace, cur.GetNamespace())
		}
		out = cur
		if !changed {
			return nil
		}
		out, err = c.Update(ctx, cur, metav1.UpdateOptions{DryRun: mg.dry.serverFlag(), FieldManager: ManagedByValue})
		return err
	})
	if err != nil {
		return nil, false, APIError(err, "update", strings.ToLower(r.Object.GetKind()), r.Object.GetName(), r.Object.GetNamespace())
	}
	return out, changed, nil
}

// drain waits until Broker src can hold nothing more (docs/usage.md, "broker
// migrate", says why this is enough and what it cannot see): every moved
// sender has taken the new address (Ready for its current generation; for a
// Subscription that is its Channel's dispatcher reporting the new
// generation; for a source, its sink URI no longer the old Broker's), then
// the longest retry window of those senders, counted from the moment they
// were seen moved (kept on the Broker, so that a re-run does not start over).
// A channel that may answer before it delivers is probed (migrateprobe.go)
// and then given its Triggers' retry window from the probe's arrival.
func (mg *migration) drain(ctx context.Context, src *knapi.Broker, moved []referrer, triggers []knapi.Trigger) error {
	oldURL := ""
	if src.Status.Address != nil && src.Status.Address.URL != nil {
		oldURL = src.Status.Address.URL.String()
	}
	since := time.Time{}
	if v := src.Annotations[MigrateDrainAnnotation]; v != "" {
		since, _ = time.Parse(time.RFC3339Nano, v)
	}
	if since.IsZero() {
		mg.step(fmt.Sprintf("waiting until the %d sender(s) of broker %s have taken the new address", len(moved), src.Name))
		for _, r := range moved {
			if r.Object.GetKind() == "EventPolicy" {
				continue // it sends nothing; the old Broker stays allowed
			}
			if err := waitTaken(ctx, mg.m, r, oldURL, mg.s.Timeout); err != nil {
				return err
			}
		}
		since = time.Now().UTC()
		// Nanoseconds: a time cut to the second would shorten the drain.
		if err := mg.mark(ctx, src.Name, MigrateDrainAnnotation, since.Format(time.RFC3339Nano)); err != nil {
			return err
		}
	}
	window := minDrain
	for _, r := range moved {
		if w := senderWindow(ctx, mg.m, r); w > window {
			window = w
		}
	}
	until := since.Add(window)
	why := asyncChannel(ctx, mg.m, src)
	mode := mg.s.Probe
	if mode == "" {
		mode = ProbeAuto
	}
	probing := mg.s.Prober != nil && (mode == ProbeAlways || mode == ProbeAuto && why != "")
	if why != "" && !probing {
		mg.step(fmt.Sprintf("warning: broker %s's channel %s: its acknowledgement may come before delivery, and this drain does not probe it (--probe=%s)", src.Name, why, mode))
	}
	probed := time.Time{}
	if probing {
		if v := src.Annotations[MigrateProbedAnnotation]; v != "" {
			probed, _ = time.Parse(time.RFC3339Nano, v)
		}
		if probed.IsZero() {
			at, err := mg.probe(ctx, src)
			var no errNoProbe
			switch {
			case errors.As(err, &no):
				mg.step(fmt.Sprintf("warning: not probing broker %s: %s; draining by the retry windows alone", src.Name, no))
			case err != nil:
				return err
			default:
				probed = at
				if err := mg.mark(ctx, src.Name, MigrateProbedAnnotation, probed.Format(time.RFC3339Nano)); err != nil {
					return err
				}
			}
		}
	}
	if why != "" {
		// What the channel took before the probe (or, unprobed, before the
		// senders moved) may still be in its Triggers' retries.
		until = latest(until, latest(since, probed).Add(triggersWindow(src, triggers)))
	}
	left := time.Until(until)
	if left > 0 {
		mg.step(fmt.Sprintf("draining broker %s: its senders moved at %s; waiting %s for retries to and from the old broker", src.Name, since.Format(time.RFC3339), left.Round(100*time.Millisecond)))
		if left > mg.s.Timeout {
			return fmt.Errorf("draining broker %q needs %s more (the retry windows, from %s), longer than --timeout %s; re-run later to continue", src.Name, left.Round(time.Second), since.Format(time.RFC3339), mg.s.Timeout)
		}
		select {
		case <-time.After(left):
		case <-ctx.Done():
			return fmt.Errorf("stopped while draining broker %q; re-run to continue: %w", src.Name, context.Cause(ctx))
		}
	}
	if mg.s.Prober != nil && storeSinked(src, triggers) {
		items, err := mg.s.Prober.DeadLetters(ctx, src.Namespace, since)
		switch {
		case err != nil:
			mg.step(fmt.Sprintf("warning: could not read the dead-letter store of namespace %s: %v", src.Namespace, err))
		case len(items) == 0:
			mg.step(fmt.Sprintf("dead letters during the drain of broker %s: none in the store since %s", src.Name, since.Format(time.RFC3339)))
		default:
			mg.step(fmt.Sprintf("warning: dead letters during the drain of broker %s: %d in the store since %s (from either broker): %s; 'kubectl kymamesh deadletter list -n %s --since %s' lists them",
				src.Name, len(items), since.Format(time.RFC3339), deadLetterCounts(items), src.Namespace, since.Format(time.RFC3339)))
		}
	}
	return nil
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// asyncChannel says why b's channel may acknowledge an event before it
// delivered it (empty when it does not): a Broker class other than the
// channel-based one (a Kafka Broker answers once Kafka has the event), a
// channel kind other than the in-memory channel, or an in-memory channel
// with Knative's async handler.
func asyncChannel(ctx context.Context, m Mesh, b *knapi.Broker) string {
	a := b.Status.Annotations
	kind, name := a["knative.dev/channelKind"], a["knative.dev/channelName"]
	switch class := b.Annotations[BrokerClassAnnotation]; {
	case class != "" && class != "MTChannelBasedBroker":
		return "is of class " + class + ", not the channel-based Broker"
	case kind == "":
		return ""
	case kind != "InMemoryChannel":
		return "is a " + kind
	}
	imc, err := m.Dynamic.Resource(schema.GroupVersionResource{Group: "messaging.knative.dev", Version: "v1", Resource: "inmemorychannels"}).
		Namespace(orNS(a["knative.dev/channelNamespace"], b.Namespace)).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	if async, _ := strconv.ParseBool(imc.GetAnnotations()[asyncHandlerAnnotation]); async {
		return name + " has " + asyncHandlerAnnotation + ": true"
	}
	return ""
}

// asyncHandlerAnnotation makes an in-memory channel answer before it delivers.
const asyncHandlerAnnotation = "messaging.knative.dev/async-handler"

// waitTaken waits until a moved sender reports Ready for its current
// generation and, where it reports one, a sink URI that is not the old address.
func waitTaken(ctx context.Context, m Mesh, r referrer, oldURL string, timeout time.Duration) error {
	c := m.Dynamic.Resource(r.GVR).Namespace(r.Object.GetNamespace())
	deadline := time.Now().Add(timeout)
	for {
		u, err := c.Get(ctx, r.Object.GetName(), metav1.GetOptions{})
		if err != nil {
			return APIError(err, "get", strings.ToLower(r.Object.GetKind()), r.Object.GetName(), r.Object.GetNamespace())
		}
		if taken(u, oldURL) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %q in namespace %q has not taken its new sink after %s; re-run to continue", strings.ToLower(u.GetKind()), u.GetName(), u.GetNamespace(), timeout)
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// taken says whether u's status is of its current generation, Ready, and
// holds no sink URI that is oldURL.
func taken(u *unstructured.Unstructured, oldURL string) bool {
	gen, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if gen != u.GetGeneration() {
		return false
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	ready := false
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == string(apis.ConditionReady) && cm["status"] == string(corev1.ConditionTrue) {
			ready = true
		}
	}
	if !ready {
		return false
	}
	if oldURL == "" {
		return true
	}
	for _, path := range [][]string{{"status", "sinkUri"}, {"status", "physicalSubscription", "subscriberUri"}} {
		if v, _, _ := unstructured.NestedString(u.Object, path...); v == oldURL {
			return false
		}
	}
	return true
}

// senderWindow is r's retry window; a Subscription without a delivery of
// its own retries as its Channel's delivery says (Knative's default), read
// from the Channel.
func senderWindow(ctx context.Context, m Mesh, r referrer) time.Duration {
	u := r.Object
	if _, ok, _ := unstructured.NestedMap(u.Object, "spec", "delivery"); ok || u.GetKind() != "Subscription" {
		return retryWindow(u)
	}
	apiVersion, _, _ := unstructured.NestedString(u.Object, "spec", "channel", "apiVersion")
	kind, _, _ := unstructured.NestedString(u.Object, "spec", "channel", "kind")
	name, _, _ := unstructured.NestedString(u.Object, "spec", "channel", "name")
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || kind == "" || name == "" {
		return 0
	}
	gvr := gv.WithResource(strings.ToLower(kind) + "s")
	ch, err := m.Dynamic.Resource(gvr).Namespace(u.GetNamespace()).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return 0
	}
	return retryWindow(ch)
}

// retryWindow is how long after its last dispatch a sender may still retry
// one event: the sum of its delivery's backoffs, plus a timeout per attempt
// where it sets one. A sender without delivery retries nothing of its own.
func retryWindow(u *unstructured.Unstructured) time.Duration {
	d, ok, _ := unstructured.NestedMap(u.Object, "spec", "delivery")
	if !ok {
		return 0
	}
	var retries int64
	switch n := d["retry"].(type) { // int64 as the API server's JSON decodes, float64 as encoding/json's
	case int64:
		retries = n
	case float64:
		retries = int64(n)
	}
	delay := isoSeconds(fmt.Sprint(d["backoffDelay"]))
	timeout := isoSeconds(fmt.Sprint(d["timeout"]))
	policy, _ := d["backoffPolicy"].(string)
	total := timeout
	for i := int64(1); i <= retries; i++ {
		b := delay * float64(i) // linear
		if policy == "" || policy == "exponential" {
			b = delay * float64(int64(1)<<min(i, 30))
		}
		total += b + timeout
	}
	return time.Duration(total * float64(time.Second))
}

var isoParts = regexp.MustCompile(`(\d+(?:\.\d+)?)([YMWDHS])`)

// isoSeconds reads an ISO-8601 duration as seconds (0 for none).
func isoSeconds(v string) float64 {
	date, clock, _ := strings.Cut(strings.TrimPrefix(v, "P"), "T")
	secs := 0.0
	for i, part := range []string{date, clock} {
		for _, m := range isoParts.FindAllStringSubmatch(part, -1) {
			n, _ := strconv.ParseFloat(m[1], 64)
			unit := map[string]float64{"Y": 365 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "S": 1}[m[2]]
			if m[2] == "M" {
				unit = 60
				if i == 0 {
					unit = 30 * 86400
				}
			}
			secs += n * unit
		}
	}
	return secs
}

// mark sets an annotation on the named Broker.
func (mg *migration) mark(ctx context.Context, name, key, value string) error {
	_, err := Update(ctx, mg.m.Eventing.Brokers(mg.s.Namespace), name, mg.dry, func(b *knapi.Broker) error {
		if value == "" {
			delete(b.Annotations, key)
			return nil
		}
		if b.Annotations == nil {
			b.Annotations = map[string]string{}
		}
		b.Annotations[key] = value
		return nil
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return APIError(err, "update", "broker", name, mg.s.Namespace)
}

// removeSource marks src as being removed (a rollback can no longer return
// to it), removes the EventPolicies' entries for it, then its Triggers and it.
func (mg *migration) removeSource(ctx context.Context, src *knapi.Broker, triggers []knapi.Trigger) error {
	ns := mg.s.Namespace
	if err := mg.mark(ctx, src.Name, MigrateStepAnnotation, stepRemoving); err != nil {
		return err
	}
	refs, err := referringObjects(ctx, mg.m, []schema.GroupVersionResource{knapi.EventPolicies}, "Broker", src, nil, ns)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if u, changed, err := mg.repoint(ctx, r, src.Name, ""); err != nil {
			return err
		} else if changed {
			mg.report(Change{Object: u, Op: OpConfigured, Reason: "no longer names broker " + src.Name})
		}
	}
	tc := mg.m.Eventing.Triggers(ns)
	for i := range triggers {
		t := &triggers[i]
		if err := Delete(ctx, tc, t.Name, mg.dry); err != nil && !apierrors.IsNotFound(err) {
			return APIError(err, "delete", "trigger", t.Name, ns)
		}
		mg.report(Change{Object: t, Op: OpDeleted})
	}
	brokers := mg.m.Eventing.Brokers(ns)
	if err := Delete(ctx, brokers, src.Name, mg.dry); err != nil && !apierrors.IsNotFound(err) {
		return APIError(err, "delete", "broker", src.Name, ns)
	}
	mg.report(Change{Object: src, Op: OpDeleted})
	if mg.dry != DryRunNone {
		return nil
	}
	// NAME is made again under the same name: the old one must be gone first.
	if err := WaitDeleted(ctx, brokers, "broker", src.Name, mg.s.Timeout); err != nil {
		return err
	}
	return nil
}

// clearMark removes NAME's progress mark: the migration is done.
func (mg *migration) clearMark(ctx context.Context) error {
	if mg.dry != DryRunNone {
		return nil
	}
	b, err := getOptional(ctx, mg.m.Eventing.Brokers(mg.s.Namespace), "broker", mg.s.Name, mg.s.Namespace)
	if err != nil || b == nil {
		return err
	}
	for _, k := range []string{MigrateStepAnnotation, MigrateDrainAnnotation, MigrateProbedAnnotation} {
		if b.Annotations[k] != "" {
			if err := mg.mark(ctx, mg.s.Name, k, ""); err != nil {
				return err
			}
		}
	}
	return nil
}
