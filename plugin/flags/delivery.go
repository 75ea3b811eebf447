package flags

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Delivery are the delivery options of brokers, triggers and subscriptions.
type Delivery struct {
	wiring.DeliveryOptions
	retry int32
}

// AddFlags registers the delivery flags on cmd.
func (d *Delivery) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&d.DeadLetterSink, "dl-sink", "", "Dead-letter sink for events that could not be delivered (sink syntax, as --sink).")
	f.Int32Var(&d.retry, "retry", 0, "How many times to retry a failed delivery.")
	f.StringVar(&d.BackoffPolicy, "backoff-policy", "", "Backoff between retries: linear or exponential.")
	complete(cmd, "backoff-policy", "linear", "exponential")
	f.StringVar(&d.BackoffDelay, "backoff-delay", "", "Base delay between retries, ISO-8601 (PT0.2S) or Go duration (200ms).")
	f.StringVar(&d.Timeout, "delivery-timeout", "", "Timeout of each delivery attempt, ISO-8601 or Go duration.")
	f.StringVar(&d.RetryAfterMax, "retry-after-max", "", "Upper bound for honouring a Retry-After header, ISO-8601 or Go duration.")
}

// Options returns the options the user set; --retry counts only when given.
func (d *Delivery) Options(cmd *cobra.Command) wiring.DeliveryOptions {
	o := d.DeliveryOptions
	if cmd.Flags().Changed("retry") {
		r := d.retry
		o.Retry = &r
	}
	return o
}

// knNames are kn's names for flags that have other names here, so that a kn
// user's command line works as typed.
var knNames = map[string]string{"sink-dead-letter": "dl-sink", "sink-reply": "reply", "broker-config": "config"}

// KnNames is the root's flag-name normalization: kn's names to ours.
func KnNames(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if ours, ok := knNames[name]; ok {
		return pflag.NormalizedName(ours)
	}
	return pflag.NormalizedName(name)
}
