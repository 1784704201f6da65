// Package redact removes known secret values from messages: the last line of
// defence behind messages that are written never to quote a secret. The
// values are those of the Secret objects among the inputs (data, decoded,
// and stringData) in every encoding a message could show them in.
package redact

import (
	"encoding/base64"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Mask replaces a secret value in a message.
const Mask = "[redacted]"

// minAnywhere is the length from which a value is masked wherever it occurs.
// A shorter value is masked only as a whole token (between quotes, spaces,
// punctuation): masking every "e" of a message would reveal a secret "e".
// Below minToken, only a quoted occurrence ("1") is masked, as messages
// quote the values they found: a line number is not a secret "1".
const (
	minAnywhere = 8
	minToken    = 4
)

// Set is a set of secret values. The zero value is empty and ready to use;
// a Set is safe for concurrent use.
type Set struct {
	mu     sync.RWMutex
	values map[string]bool
	sorted []string // longest first, so that a value masks before its parts
}

// Process holds the secrets every input read by this process carried; the
// CLI masks what it prints with it.
var Process = &Set{}

// Add adds a secret value and its base64 encodings.
func (s *Set) Add(value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	b := []byte(value)
	s.add(value,
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
	// A value read from a file often carries its final newline.
	if t := strings.TrimRight(value, "\r\n"); t != value {
		s.Add(t)
	}
}

// AddEncoded adds a base64 value as it stands (a Secret's data) and
// decoded.
func (s *Set) AddEncoded(encoded string) {
	if strings.TrimSpace(encoded) == "" {
		return
	}
	s.add(encoded)
	compact := strings.Join(strings.Fields(encoded), "")
	if dec, err := base64.StdEncoding.DecodeString(compact); err == nil {
		s.Add(string(dec))
	}
}

// Merge adds every value of o.
func (s *Set) Merge(o *Set) {
	o.mu.RLock()
	values := make([]string, 0, len(o.values))
	for v := range o.values {
		values = append(values, v)
	}
	o.mu.RUnlock()
	s.add(values...)
}

func (s *Set) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]bool{}
	}
	changed := false
	for _, v := range values {
		if v != "" && !s.values[v] {
			s.values[v] = true
			changed = true
		}
	}
	if !changed {
		return
	}
	s.sorted = s.sorted[:0]
	for v := range s.values {
		s.sorted = append(s.sorted, v)
	}
	sort.Slice(s.sorted, func(i, j int) bool {
		if len(s.sorted[i]) != len(s.sorted[j]) {
			return len(s.sorted[i]) > len(s.sorted[j])
		}
		return s.sorted[i] < s.sorted[j]
	})
}

// Len is the number of values (with their encodings) in the set.
func (s *Set) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.values)
}

// String returns msg with every secret value masked.
func (s *Set) String(msg string) string {
	if s == nil {
		return msg
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.sorted {
		if !strings.Contains(msg, v) {
			continue
		}
		switch {
		case len(v) >= minAnywhere:
			msg = strings.ReplaceAll(msg, v, Mask)
		case len(v) >= minToken:
			msg = replaceTokens(msg, v)
		default:
			msg = strings.ReplaceAll(msg, strconv.Quote(v), strconv.Quote(Mask))
		}
	}
	return msg
}

// replaceTokens masks the occurrences of v that stand alone: not inside a
// longer word.
func replaceTokens(msg, v string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, v)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		end := i + len(v)
		if (i == 0 || !isWordByte(msg[i-1])) && (end == len(msg) || !isWordByte(msg[end])) {
			b.WriteString(msg[:i])
			b.WriteString(Mask)
		} else {
			b.WriteString(msg[:end])
		}
		msg = msg[end:]
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// AddObjects adds the values of every Secret among the YAML documents (or
// objects): its data and stringData. Anything else is ignored.
func (s *Set) AddObjects(nodes ...*yaml.Node) {
	for _, n := range nodes {
		if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			n = n.Content[0]
		}
		if n == nil || n.Kind != yaml.MappingNode || scalar(n, "kind") != "Secret" {
			continue
		}
		for _, field := range []string{"data", "stringData"} {
			m := lookup(n, field)
			if m == nil || m.Kind != yaml.MappingNode {
				continue
			}
			for i := 1; i < len(m.Content); i += 2 {
				v := m.Content[i]
				if v.Kind != yaml.ScalarNode {
					continue
				}
				if field == "data" {
					s.AddEncoded(v.Value)
				} else {
					s.Add(v.Value)
				}
			}
		}
	}
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(m *yaml.Node, key string) string {
	if v := lookup(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// Writer masks the secrets of s in everything written to w. Each Write is
// masked on its own: callers write whole lines.
func Writer(w io.Writer, s *Set) io.Writer { return &writer{w: w, s: s} }

type writer struct {
	w io.Writer
	s *Set
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.s.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
