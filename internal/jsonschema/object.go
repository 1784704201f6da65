package jsonschema

import (
	"bytes"
	"encoding/json"
	"slices"
)

// object is a JSON object that keeps its keys in insertion order, so the
// schema lists properties in the CUE schema's order.
type object struct {
	kvs []kv
}

type kv struct {
	k string
	v any
}

func (o *object) set(k string, v any) *object {
	for i := range o.kvs {
		if o.kvs[i].k == k {
			o.kvs[i].v = v
			return o
		}
	}
	o.kvs = append(o.kvs, kv{k, v})
	return o
}

func (o *object) get(k string) (any, bool) {
	for _, kv := range o.kvs {
		if kv.k == k {
			return kv.v, true
		}
	}
	return nil, false
}

func (o *object) del(k string) {
	o.kvs = slices.DeleteFunc(o.kvs, func(kv kv) bool { return kv.k == k })
}

// keyOrder is the order of keywords in the output: what a value is, then
// its bounds, then what it holds, then its default and description.
var keyOrder = []string{"type", "const", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "not", "prefixItems", "items", "uniqueItems", "minItems", "maxItems",
	"properties", "required", "propertyNames", "additionalProperties", "minProperties", "maxProperties",
	"anyOf", "allOf", "default", "description"}

// sort puts the keywords of o and of every schema in it in keyOrder; the
// names of properties keep the CUE schema's order.
func (o *object) sort() {
	rank := func(k string) int {
		if i := slices.Index(keyOrder, k); i >= 0 {
			return i
		}
		return len(keyOrder)
	}
	slices.SortStableFunc(o.kvs, func(a, b kv) int { return rank(a.k) - rank(b.k) })
	for _, kv := range o.kvs {
		switch v := kv.v.(type) {
		case *object:
			if kv.k == "properties" {
				for _, p := range v.kvs {
					p.v.(*object).sort()
				}
			} else {
				v.sort()
			}
		case []*object:
			for _, x := range v {
				x.sort()
			}
		}
	}
}

func (o *object) isEmpty() bool { return len(o.kvs) == 0 }

// MarshalJSON writes the keys in order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o.kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.k)
		b.Write(k)
		b.WriteByte(':')
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kv.v); err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(buf.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
