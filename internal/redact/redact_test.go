package redact

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestString(t *testing.T) {
	long := "Test-Only-Secret-42"
	b64 := base64.StdEncoding.EncodeToString([]byte(long))
	tests := []struct {
		name string
		add  func(*Set)
		in   string
		want string
	}{
		{"long value anywhere", func(s *Set) { s.Add(long) }, "got x" + long + "y", "got x[redacted]y"},
		{"base64 of the value", func(s *Set) { s.Add(long) }, `got "` + b64 + `"`, `got "[redacted]"`},
		{"data: encoded and decoded", func(s *Set) { s.AddEncoded(b64) }, long + " " + b64, "[redacted] [redacted]"},
		{"value read with its newline", func(s *Set) { s.Add(long + "\n") }, "got " + long, "got [redacted]"},
		// A short value must not turn every occurrence of its letters into
		// a mask, which would reveal it.
		{"short value as a token", func(s *Set) { s.Add("abcd") }, `got "abcd", abcde, xabcd`, `got "[redacted]", abcde, xabcd`},
		{"very short value only quoted", func(s *Set) { s.Add("e") }, `file:1:2: the "e" here`, `file:1:2: the "[redacted]" here`},
		{"digit value keeps positions", func(s *Set) { s.Add("1") }, `f.yaml:1:1: got "1"`, `f.yaml:1:1: got "[redacted]"`},
		{"blank value ignored", func(s *Set) { s.Add("  ") }, "a  b", "a  b"},
		{"longest first", func(s *Set) { s.Add("abcdefgh"); s.Add("abcdefghijkl") }, "abcdefghijkl", "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Set{}
			tt.add(s)
			if got := s.String(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddObjects(t *testing.T) {
	const docs = `apiVersion: v1
kind: Secret
metadata: {name: a}
data:
  k: VGVzdC1Pbmx5LURhdGEtVmFsdWU=
stringData:
  s: Test-Only-String-Value
---
apiVersion: v1
kind: ConfigMap
data:
  c: Not-A-Secret-Value
`
	dec := yaml.NewDecoder(bytes.NewReader([]byte(docs)))
	s := &Set{}
	for {
		var n yaml.Node
		if dec.Decode(&n) != nil {
			break
		}
		s.AddObjects(&n)
	}
	got := s.String("Test-Only-Data-Value Test-Only-String-Value Not-A-Secret-Value")
	if want := "[redacted] [redacted] Not-A-Secret-Value"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriter(t *testing.T) {
	s := &Set{}
	var buf bytes.Buffer
	w := Writer(&buf, s)
	s.Add("Test-Only-Secret-42") // added after the writer was made
	fmt.Fprintln(w, "error: got Test-Only-Secret-42")
	if got := buf.String(); got != "error: got [redacted]\n" {
		t.Errorf("got %q", got)
	}
}
