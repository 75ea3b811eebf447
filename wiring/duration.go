package wiring

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// isoDuration matches the ISO-8601 durations Knative's delivery fields accept
// (PnYnMnWnDTnHnMnS; only the seconds may have a fraction).
var isoDuration = regexp.MustCompile(`^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$`)

// ISODuration accepts an ISO-8601 duration ("PT0.5S") or a Go duration ("500ms")
// and returns the ISO-8601 form Knative stores. A zero duration ("0s" or
// "PT0S" alike) is refused unless allowZero: Knative refuses a zero delivery
// timeout but takes a zero backoff delay.
func ISODuration(field, v string, allowZero bool) (string, error) {
	iso := v
	if !isoDuration.MatchString(v) || v == "P" || v[len(v)-1] == 'T' {
		d, err := time.ParseDuration(v)
		if err != nil {
			return "", invalid.Errorf(field, "%q is neither an ISO-8601 duration (PT2S) nor a Go duration (2s)", v)
		}
		if d < 0 {
			return "", invalid.Errorf(field, "%q must not be negative", v)
		}
		iso = fmt.Sprintf("PT%sS", strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
	}
	// Knative reads these with a period type that keeps tenths of a second:
	// a finer fraction is silently dropped (PT0.05S reads as zero).
	if _, frac, ok := strings.Cut(strings.TrimSuffix(iso, "S"), "."); ok && strings.TrimRight(frac, "0") != "" && len(strings.TrimRight(frac, "0")) > 1 {
		return "", invalid.Errorf(field, "%q: Knative keeps tenths of a second and would read the rest as lost; use a multiple of 100ms", v)
	}
	if !allowZero && strings.Trim(iso, "PTYMWDHS0.") == "" {
		return "", invalid.Errorf(field, "%q must be positive: Knative refuses a zero %s", v, strings.TrimPrefix(field, "--"))
	}
	return iso, nil
}
