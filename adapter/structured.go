package adapter

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// contextAttributes are the CloudEvents 1.0 attributes a structured event may
// carry besides its extensions.
var contextAttributes = map[string]bool{"specversion": true, "id": true, "source": true, "type": true, "datacontenttype": true,
	"dataschema": true, "subject": true, "time": true, "data": true, "data_base64": true}

// structuredEvent is what the adapter learns from a structured-mode body
// before the SDK decodes it: the body the SDK should read and whether the
// event carries JSON data without saying so in datacontenttype.
type structuredEvent struct {
	body        []byte
	impliedJSON bool // "data" present, no "datacontenttype": JSON, as the JSON format says
}

// inspectStructured refuses what the SDK would silently change (an extension
// 1.5 read as 1, an empty subject dropped, data and data_base64 together with
// one of them dropped) and accepts what it would wrongly refuse (RFC 3339
// allows a lower-case "t" and "z" in times). It returns a problem, or "".
func inspectStructured(body []byte) (structuredEvent, string) {
	out := structuredEvent{body: body}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(body, &attrs); err != nil {
		return out, "the body is not a JSON object: " + err.Error()
	}
	isNull := func(k string) bool { v, ok := attrs[k]; return !ok || string(v) == "null" }
	if !isNull("data") && !isNull("data_base64") {
		return out, "data and data_base64: an event carries one or the other"
	}
	if v, ok := attrs["subject"]; ok && string(v) == `""` {
		return out, "subject: if present, MUST be a non-empty string"
	}
	for k, v := range attrs {
		if contextAttributes[k] || len(v) == 0 || v[0] != '-' && (v[0] < '0' || v[0] > '9') {
			continue
		}
		// A JSON number is a CloudEvents Integer: a whole number in 32 bits.
		if _, err := strconv.ParseInt(string(v), 10, 32); err != nil {
			return out, "extension " + k + ": " + string(v) + " is not a 32-bit integer, the only number CloudEvents has"
		}
	}
	out.impliedJSON = !isNull("data") && isNull("datacontenttype")
	if t, ok := attrs["time"]; ok && bytes.ContainsAny(t, "tz") {
		attrs["time"] = json.RawMessage(strings.ToUpper(string(t)))
		b, err := json.Marshal(attrs)
		if err != nil {
			return out, "the body could not be read: " + err.Error()
		}
		out.body = b
	}
	return out, ""
}
