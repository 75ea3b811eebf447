package sender

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The histogram's percentiles are those of a sort of the latencies, within
// its precision (0.4%), from nanoseconds to hours.
func TestHistogramPercentiles(t *testing.T) {
	var h histogram
	var all []time.Duration
	for range 100_000 {
		d := time.Duration(rand.ExpFloat64() * float64(3*time.Millisecond))
		if rand.IntN(100) == 0 {
			d = time.Duration(rand.Int64N(int64(2 * time.Hour)))
		}
		h.add(d)
		all = append(all, d)
	}
	h.add(0)
	all = append(all, 0)
	slices.Sort(all)
	for _, p := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := all[min(len(all)-1, int(p*float64(len(all))))]
		got := h.percentile(p)
		if diff := float64(got - exact); diff > 0.004*float64(exact)+1 || -diff > 0.004*float64(exact)+1 {
			t.Errorf("p%g: got %s, exact %s", p*100, got, exact)
		}
	}
	for _, d := range []time.Duration{0, 1, 127, 128, 255, 256, 1 << 40, 1<<63 - 1} {
		if i := histIndex(d); i < 0 || i >= histBuckets || (d < 128 && histValue(i) != d) {
			t.Errorf("%d: bucket %d of %d, value %d", d, i, histBuckets, histValue(i))
		}
	}
}
