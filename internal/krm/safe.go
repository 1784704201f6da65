package krm

import (
	"errors"
	"fmt"
	"io"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/authstack/authstack/internal/redact"
	"github.com/authstack/authstack/internal/spec"
)

// safeProcess runs process, turning a panic into an error result: a bad
// input must end in a result, never in a crash of the orchestrator's step.
func safeProcess(rl *fn.ResourceList, schema *spec.Schema, target string) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			rl.Results = append(rl.Results, fn.GeneralResult(
				"authstack failed on this input (an internal error: please report it with the ResourceList)", fn.Error))
			ok = false
		}
	}()
	return process(rl, schema, target)
}

// maskResults masks, in every result, the values of the Secrets among the
// items and the functionConfig: the last line of defence behind messages
// that never quote a secret on purpose.
func maskResults(rl *fn.ResourceList) {
	secrets := &redact.Set{}
	objs := rl.Items
	if rl.FunctionConfig != nil {
		objs = append(objs[:len(objs):len(objs)], rl.FunctionConfig)
	}
	for _, o := range objs {
		if o.GetKind() == "Secret" {
			secrets.AddObjects(o.CopyToResourceNode().YNode())
		}
	}
	if secrets.Len() == 0 {
		return
	}
	for _, r := range rl.Results {
		r.Message = secrets.String(r.Message)
		if r.Field != nil {
			r.Field.Path = secrets.String(r.Field.Path)
			r.Field.CurrentValue, r.Field.ProposedValue = nil, nil
		}
	}
}

// Run is the function over a serialized ResourceList: it returns the
// ResourceList to write out, and an error when the function failed. A
// stream that is no ResourceList is one clean error, quoting none of it.
func Run(target string, log io.Writer, in []byte) ([]byte, error) {
	return RunWith(nil, target, log, in)
}

// RunWith is Run with schema, as ProcessorWith.
func RunWith(schema *spec.Schema, target string, log io.Writer, in []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errors.New("authstack failed on this input (an internal error: please report it with the ResourceList)")
		}
	}()
	if out, ok, err := runStream(target, log, in); ok {
		return out, err
	}
	rl, err := fn.ParseResourceList(in)
	if err != nil {
		return nil, fmt.Errorf("standard input: found no ResourceList, allowed: a %s (%s) whose items are Kubernetes objects", kio.ResourceListKind, kio.ResourceListAPIVersion)
	}
	ok, _ := ProcessorWith(schema, target, log).Process(rl)
	if out, err = rl.ToYAML(); err != nil {
		return nil, fmt.Errorf("write ResourceList: %w", err)
	}
	if !ok {
		return out, errFunctionFailure
	}
	return out, nil
}
