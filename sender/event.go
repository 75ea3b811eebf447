// Package sender builds CloudEvents from the user's input and sends them over
// HTTP, once or as a measured load. It knows nothing of Kubernetes: the caller
// resolves the target to a URL (and, for a port-forward, the Host to present).
package sender

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/uuid"

	inputerr "github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Modes of putting an event on the wire.
const (
	ModeBinary     = "binary"
	ModeStructured = "structured"
)

// EventSpec is what the user says about the event.
type EventSpec struct {
	Type, Source, ID, Subject, Time, DataSchema, ContentType string
	Extensions                                               []string // name=value
	Data                                                     []byte
	Mode                                                     string
}

// BuildEvent returns the CloudEvent for spec, validated; defaults: a UUID as id,
// now as time.
func BuildEvent(s EventSpec) (*event.Event, error) {
	if s.Type == "" {
		return nil, inputerr.Errorf("--type", "an event type is required")
	}
	if s.Mode != ModeBinary && s.Mode != ModeStructured {
		return nil, inputerr.Errorf("--mode", "%q: want binary or structured", s.Mode)
	}
	// The SDK drops a value it cannot parse and then calls it missing.
	if _, err := url.Parse(s.Source); err != nil || s.Source == "" {
		return nil, inputerr.Errorf("--source", "%q is not a URI reference", s.Source)
	}
	if d, err := url.Parse(s.DataSchema); s.DataSchema != "" && (err != nil || !d.IsAbs()) {
		return nil, inputerr.Errorf("--dataschema", "%q is not an absolute URI", s.DataSchema)
	}
	if s.ContentType != "" && format.Lookup(s.ContentType) != nil {
		return nil, inputerr.Errorf("--content-type", "%q is an event format, not the data's type: use --mode structured for a structured-mode event", s.ContentType)
	}
	ev := cloudevents.NewEvent(cloudevents.VersionV1)
	ev.SetType(s.Type)
	ev.SetSource(s.Source)
	if s.ID == "" {
		s.ID = uuid.NewString()
	}
	ev.SetID(s.ID)
	if s.Subject != "" {
		ev.SetSubject(s.Subject)
	}
	if s.Time == "" {
		ev.SetTime(time.Now().UTC())
	} else {
		t, err := time.Parse(time.RFC3339Nano, s.Time)
		if err != nil {
			return nil, inputerr.Errorf("--time", "%q is not an RFC 3339 time (2006-01-02T15:04:05Z)", s.Time)
		}
		ev.SetTime(t)
	}
	if s.DataSchema != "" {
		ev.SetDataSchema(s.DataSchema)
	}
	for _, kv := range s.Extensions {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, inputerr.Errorf("--ext", "%q: want NAME=VALUE", kv)
		}
		if err := validExtension(k); err != nil {
			return nil, err
		}
		ev.SetExtension(k, v)
	}
	if s.ContentType == "" {
		s.ContentType = cloudevents.ApplicationJSON
	}
	if len(s.Data) > 0 {
		if strings.Contains(s.ContentType, "json") && !json.Valid(s.Data) {
			return nil, inputerr.Errorf("--data", "not valid JSON for content type %s (set --content-type for other data)", s.ContentType)
		}
		var data any = s.Data
		if strings.Contains(s.ContentType, "json") {
			// As raw JSON, structured mode embeds it as "data" rather than base64.
			data = json.RawMessage(s.Data)
		}
		if err := ev.SetData(s.ContentType, data); err != nil {
			return nil, inputerr.Errorf("--data", "%v", err)
		}
	} else {
		ev.SetDataContentType(s.ContentType)
	}
	if err := ev.Validate(); err != nil {
		return nil, inputerr.Errorf("event", "%v", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return &ev, nil
}

// reserved are the context attribute names an extension may not take.
var reserved = map[string]bool{"id": true, "source": true, "specversion": true, "type": true, "datacontenttype": true,
	"dataschema": true, "subject": true, "time": true, "data": true, "data_base64": true}

// validExtension applies the CloudEvents naming rule: lower-case letters and digits.
func validExtension(k string) error {
	if k == "" || len(k) > 20 {
		return inputerr.Errorf("--ext", "extension name %q must have 1 to 20 characters", k)
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return inputerr.Errorf("--ext", "extension name %q: only lower-case letters and digits are allowed", k)
		}
	}
	if reserved[k] {
		return inputerr.Errorf("--ext", "%q is a context attribute, not an extension; use its own flag", k)
	}
	return nil
}

// Encode renders ev as the HTTP headers and body of the mode.
func Encode(ctx context.Context, ev *event.Event, mode string) (http.Header, []byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://encode.invalid/", nil)
	if mode == ModeStructured {
		ctx = binding.WithForceStructured(ctx)
	} else {
		ctx = binding.WithForceBinary(ctx)
	}
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(ev), req); err != nil {
		return nil, nil, err
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, nil, err
		}
		body = b
	}
	return req.Header, body, nil
}
