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

// Extension attributes, in either mode: at most maxExtensions of them, with
// at most maxExtensionBytes of names and values together. CloudEvents sets no
// limit, but binary mode, which is how every event reaches the sink and how
// the Broker delivers it, carries each extension as a header, and Envoy (in
// front of subscribers in an Istio mesh such as Kyma's) refuses more than
// 100 header fields or 60 KiB of headers by default. 64 extensions and
// 32 KiB leave room beside them for the event's other attributes, the trace
// context, an OIDC token and what Knative and proxies add on the way.
const (
	maxExtensions     = 64
	maxExtensionBytes = 32 << 10
)

// extensionCopies is how many copies of a structured event's extensions the
// adapter holds besides its body (the inspection's map, the SDK's event, the
// headers of the request to the sink), paid for from the budget.
const extensionCopies = 3

// extensionProblem is the answer to an event past those limits.
var extensionProblem = "the event has more extension attributes than the adapter accepts: at most " +
	strconv.Itoa(maxExtensions) + ", with " + strconv.Itoa(maxExtensionBytes>>10) + " KiB of names and values together"

// extensionsIn counts the members of the JSON object in body that are not
// context attributes, and the bytes of their names and values, without
// decoding it: json.Unmarshal into a map would first build all of them (a
// 1 MiB body of short members is about 20 MiB of map). It stops counting
// past maxExtensions. What is not a JSON object gives (0, 0); the decoding
// then refuses it. A name written with escapes counts as an extension.
func extensionsIn(body []byte) (n, size int) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return 0, 0
	}
	for i++; n <= maxExtensions; i++ {
		i = skipSpace(body, i)
		if i >= len(body) || body[i] != '"' {
			return n, size // the end, or not JSON
		}
		end := jsonValueEnd(body, i)
		if end < 0 {
			return n, size
		}
		name := body[i+1 : end-1]
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return n, size
		}
		v := skipSpace(body, i+1)
		ve := jsonValueEnd(body, v)
		if ve < 0 {
			return n, size
		}
		if !contextAttributes[string(name)] {
			n++
			size += len(name) + ve - v
		}
		i = skipSpace(body, ve)
		if i >= len(body) || body[i] != ',' {
			return n, size
		}
	}
	return n, size
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// jsonValueEnd returns the index just after the JSON value starting at i, or
// -1 if it does not end.
func jsonValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := jsonValueEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && strings.IndexByte(",}] \t\r\n", b[j]) < 0 {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

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
