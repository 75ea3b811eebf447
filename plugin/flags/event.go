package flags

import (
	"io"
	"os"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/sender"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Event is one CloudEvent given attribute by attribute (--type, --source,
// --ext, --data, ...): send and explain register the same flags here, so
// that they mean the same and are refused with the same words.
type Event struct {
	Spec sender.EventSpec
	// Data is --data as given: JSON text, @FILE or, where the command
	// allows it, - for stdin.
	Data  string
	stdin bool
	cmd   *cobra.Command
}

// EventHelp is what a command says of its own about some event flags; an
// empty field keeps the default text.
type EventHelp struct {
	Type, Source, ID string
}

// eventFlags are the group's flags, in the order a conflict names them.
var eventFlags = []string{"type", "source", "id", "subject", "time", "dataschema", "ext", "data", "content-type"}

// NewEvent is the group with source as --source's default; stdin says
// whether --data - reads stdin (not where stdin is taken by another flag).
func NewEvent(source string, stdin bool) *Event {
	return &Event{Spec: sender.EventSpec{Source: source, Mode: sender.ModeBinary}, stdin: stdin}
}

// AddFlags registers the event flags on cmd.
func (f *Event) AddFlags(cmd *cobra.Command, help EventHelp) {
	f.cmd = cmd
	fl := cmd.Flags()
	fl.StringVar(&f.Spec.Type, "type", "", or(help.Type, "Event type."))
	fl.StringVar(&f.Spec.Source, "source", f.Spec.Source, or(help.Source, "Event source."))
	fl.StringVar(&f.Spec.ID, "id", "", or(help.ID, "Event id; a UUID if empty."))
	fl.StringVar(&f.Spec.Subject, "subject", "", "Event subject.")
	fl.StringVar(&f.Spec.Time, "time", "", "Event time, RFC 3339; now if empty.")
	fl.StringVar(&f.Spec.DataSchema, "dataschema", "", "Event dataschema URI.")
	fl.StringArrayVar(&f.Spec.Extensions, "ext", nil, "Extension attribute NAME=VALUE, repeatable.")
	dataHelp := "Event data: JSON text or @FILE."
	if f.stdin {
		dataHelp = "Event data: JSON text, @FILE, or - for stdin."
	}
	fl.StringVar(&f.Data, "data", "", dataHelp)
	fl.StringVar(&f.Spec.ContentType, "content-type", "application/json", "Content type of the data.")
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Given is the first event flag given on the command line, "" if none: for
// a command that takes the event another way too and refuses both.
func (f *Event) Given() string {
	if f.cmd == nil {
		return ""
	}
	for _, n := range eventFlags {
		if f.cmd.Flags().Changed(n) {
			return n
		}
	}
	return ""
}

// Build reads --data (the text, a file, or stdin from in) and returns the
// event, validated.
func (f *Event) Build(in io.Reader) (*event.Event, error) {
	var err error
	if f.Spec.Data, err = f.readData(in); err != nil {
		return nil, err
	}
	return sender.BuildEvent(f.Spec)
}

func (f *Event) readData(in io.Reader) ([]byte, error) {
	switch {
	case f.Data == "-" && f.stdin:
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, invalid.Errorf("--data", "reading stdin: %v", err)
		}
		return b, nil
	case strings.HasPrefix(f.Data, "@"):
		b, err := os.ReadFile(f.Data[1:])
		if err != nil {
			return nil, invalid.Errorf("--data", "%s: %v", f.Data[1:], unwrapPath(err))
		}
		return b, nil
	}
	return []byte(f.Data), nil
}

// unwrapPath drops the "open FILE:" a path error repeats.
func unwrapPath(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}
