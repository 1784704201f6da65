package krm

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// FuzzProcessor: whatever ResourceList comes in, the function ends in
// results or one clean error line, never a crash (recovered or not), the
// same output twice; and with a Secret added to the items, no result and
// no log line shows its value or base64, even when the fuzzed items carry
// them. Seeds are in testdata/fuzz/FuzzProcessor.
func FuzzProcessor(f *testing.F) {
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	secretObj := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\nstringData:\n  better-auth-secret: " + secret + "\n"
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Run("", &bytes.Buffer{}, data)
		again, err2 := Run("", &bytes.Buffer{}, data)
		if !bytes.Equal(out, again) || errText(err) != errText(err2) {
			t.Fatalf("not deterministic")
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "internal error")) {
			t.Fatalf("error: %q", err)
		}
		if bytes.Contains(out, []byte("internal error")) {
			t.Fatalf("recovered crash:\n%s", out)
		}
		rl, perr := fn.ParseResourceList(data)
		if perr != nil {
			return
		}
		s, perr := fn.ParseKubeObject([]byte(secretObj))
		if perr != nil {
			t.Fatal(perr)
		}
		rl.Items = append(rl.Items, s)
		var log bytes.Buffer
		_, _ = Processor("", &log).Process(rl)
		for _, r := range rl.Results {
			if strings.Contains(r.Message, "internal error") {
				t.Fatalf("recovered crash: %s", r.Message)
			}
			if strings.Contains(r.Message, secret) || strings.Contains(r.Message, b64) {
				t.Fatalf("result shows the secret: %s", r.Message)
			}
		}
		if strings.Contains(log.String(), secret) || strings.Contains(log.String(), b64) {
			t.Fatalf("log shows the secret:\n%s", log.String())
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
