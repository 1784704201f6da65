// Package spectest helps tests break an AuthStack spec one field at a time.
package spectest

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// Mutate returns the spec in file with the value at a dotted path set (nil
// deletes it); missing maps on the way are created.
func Mutate(t testing.TB, file, path string, value any) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	m := doc
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if value == nil {
		delete(m, keys[len(keys)-1])
	} else {
		m[keys[len(keys)-1]] = value
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
