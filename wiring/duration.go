package wiring

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// isoDuration matches the ISO-8601 durations Knative's delivery fields accept
// (PnYnMnWnDTnHnMnS; only the seconds may have a fraction).
var isoDuration = regexp.MustCompile(`^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$`)

// ISODuration accepts an ISO-8601 duration ("PT0.5S") or a Go duration ("500ms")
// and returns the ISO-8601 form Knative stores.
func ISODuration(field, v string) (string, error) {
	if isoDuration.MatchString(v) && v != "P" && v[len(v)-1] != 'T' {
		return v, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return "", Invalidf(field, "%q is neither an ISO-8601 duration (PT2S) nor a Go duration (2s)", v)
	}
	if d <= 0 {
		return "", Invalidf(field, "%q must be positive", v)
	}
	return fmt.Sprintf("PT%sS", strconv.FormatFloat(d.Seconds(), 'f', -1, 64)), nil
}
