package wiring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// Knative's defaults ConfigMaps hold YAML written by people: comments,
// their own key order and quoting. Setting one namespace's entry edits that
// entry in the document's node tree and re-encodes the tree, so that what
// others wrote (their comments, their order) stays as they wrote it; only
// indentation is made uniform.

// setNamespaceEntry returns text with namespaceDefaults.<ns> set to entry,
// or removed for a nil entry (and namespaceDefaults with it, when it was the
// last). The caller has parsed text already: it is a mapping, or empty.
func setNamespaceEntry(text, ns string, entry map[string]any) (string, error) {
	var doc yaml3.Node
	dec := yaml3.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	// Knative reads the first document only; re-encoding would drop the
	// others, which are someone else's text.
	for {
		var more yaml3.Node
		err := dec.Decode(&more)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || !emptyDocument(&more) {
			return "", fmt.Errorf("it holds more than one YAML document")
		}
	}
	if doc.Kind == 0 { // empty text: a new document
		doc = yaml3.Node{Kind: yaml3.DocumentNode}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind == yaml3.ScalarNode && doc.Content[0].Tag == "!!null" {
		doc.Content = []*yaml3.Node{{Kind: yaml3.MappingNode, Tag: "!!map"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml3.MappingNode {
		return "", fmt.Errorf("the value is not a mapping")
	}
	if err := checkKeys(root, "namespaceDefaults"); err != nil {
		return "", err
	}
	nsd := mappingValue(root, "namespaceDefaults")
	if nsd != nil && nsd.Kind == yaml3.AliasNode {
		// Editing it would edit the anchored node, which others use too.
		return "", fmt.Errorf("its namespaceDefaults is an alias")
	}
	if nsd != nil && nsd.Kind == yaml3.MappingNode {
		if err := checkKeys(nsd, ns); err != nil {
			return "", err
		}
	}
	if nsd != nil && nsd.Kind == yaml3.ScalarNode && nsd.Tag == "!!null" {
		nsd.Kind, nsd.Tag, nsd.Value = yaml3.MappingNode, "!!map", ""
	}
	switch {
	case entry == nil && nsd == nil:
		return text, nil
	case entry == nil:
		removeKey(nsd, ns)
		if len(nsd.Content) == 0 {
			removeKey(root, "namespaceDefaults")
		}
	default:
		var value yaml3.Node
		if err := value.Encode(entry); err != nil {
			return "", err
		}
		if nsd == nil {
			nsd = &yaml3.Node{Kind: yaml3.MappingNode, Tag: "!!map"}
			root.Content = append(root.Content, scalarKey("namespaceDefaults"), nsd)
		}
		if cur := mappingValue(nsd, ns); cur != nil {
			// The entry's own comments (head, line, foot) stay with it.
			value.HeadComment, value.LineComment, value.FootComment = cur.HeadComment, cur.LineComment, cur.FootComment
			*cur = value
		} else {
			nsd.Content = append(nsd.Content, scalarKey(ns), &value)
		}
	}
	var b bytes.Buffer
	enc := yaml3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	out := b.String()
	if strings.TrimSpace(out) == "{}" {
		out = ""
	}
	return out, nil
}

// emptyDocument says whether d holds nothing, not even a comment (a
// trailing ---).
func emptyDocument(d *yaml3.Node) bool {
	if d.HeadComment != "" || d.LineComment != "" || d.FootComment != "" {
		return false
	}
	for _, c := range d.Content {
		if c.Kind != yaml3.ScalarNode || c.Tag != "!!null" || c.Value != "" || c.HeadComment != "" || c.LineComment != "" || c.FootComment != "" {
			return false
		}
	}
	return true
}

// mappingValue is the value node of key in mapping m, or nil.
func mappingValue(m *yaml3.Node, key string) *yaml3.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if keyMeans(m.Content[i], key) {
			return m.Content[i+1]
		}
	}
	return nil
}

// removeKey removes key and its value from mapping m.
func removeKey(m *yaml3.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if keyMeans(m.Content[i], key) {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// checkKeys refuses a mapping that holds key twice: Knative's parser keeps
// the last, so editing the first would change nothing Knative reads.
func checkKeys(m *yaml3.Node, key string) error {
	n := 0
	for i := 0; i+1 < len(m.Content); i += 2 {
		if keyMeans(m.Content[i], key) {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("it holds the key %s more than once", key)
	}
	return nil
}

// keyMeans says whether node k is the string key s as Knative reads it.
// Knative parses with sigs.k8s.io/yaml (YAML 1.1), where a bare yes, no,
// on, off, y or n is a boolean: a namespace of that name must be quoted.
func keyMeans(k *yaml3.Node, s string) bool {
	if k.Kind != yaml3.ScalarNode || k.Value != s {
		return false
	}
	return k.Style&(yaml3.DoubleQuotedStyle|yaml3.SingleQuotedStyle|yaml3.LiteralStyle|yaml3.FoldedStyle) != 0 || k.Tag == "!!str" && k.Style&yaml3.TaggedStyle != 0 || bareIsString(s)
}

// bareIsString says whether s, written unquoted, reads as the string s in
// YAML 1.1.
func bareIsString(s string) bool {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return false
	}
	got, ok := v.(string)
	return ok && got == s
}

func scalarKey(s string) *yaml3.Node {
	k := &yaml3.Node{Kind: yaml3.ScalarNode, Tag: "!!str", Value: s}
	if !bareIsString(s) {
		k.Style = yaml3.DoubleQuotedStyle
	}
	return k
}
