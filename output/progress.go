package output

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal says whether w is a terminal: progress is shown there and never
// on a pipe or file, where only the results belong.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Progress is a progress bar or spinner on a terminal; a nil *Progress (not
// a terminal) does nothing, so callers need not ask.
type Progress struct {
	bar    *progressbar.ProgressBar
	what   string
	failed atomic.Int64
}

func newProgress(w io.Writer, total int, what string) *Progress {
	if !IsTerminal(w) {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what), progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30),
	}
	if total > 0 {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"))
	} else {
		opts = append(opts, progressbar.OptionSpinnerType(14), progressbar.OptionShowElapsedTimeOnFinish())
	}
	return &Progress{bar: progressbar.NewOptions(total, opts...), what: what}
}

// NewLoadProgress shows a load of total events: done, rate, failures so far.
func NewLoadProgress(w io.Writer, total int) *Progress { return newProgress(w, total, "sending") }

// NewSpinner shows that something is being waited for, and for how long.
func NewSpinner(w io.Writer, what string) *Progress {
	p := newProgress(w, -1, what)
	if p != nil {
		go p.spin()
	}
	return p
}

// spin moves the spinner while nothing else does.
func (p *Progress) spin() {
	for !p.bar.IsFinished() {
		_ = p.bar.Add(1)
		time.Sleep(100 * time.Millisecond)
	}
}

// Event counts one event, acknowledged or not (from any goroutine).
func (p *Progress) Event(ok bool) {
	if p == nil {
		return
	}
	if !ok {
		p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.what, p.failed.Add(1)))
	}
	_ = p.bar.Add(1)
}

// Done clears the bar: the summary (on stderr) or the result takes its place.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	_ = p.bar.Finish()
	_ = p.bar.Clear()
}
