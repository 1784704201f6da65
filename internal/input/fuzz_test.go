package input_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/input"
)

// readLine is one line of Read's error: a mistake at a position, or about a
// whole file or the set of files.
var readLine = regexp.MustCompile(`^(-|/\S*/secret\.yaml)(:[0-9]+:[0-9]+)?: [^\n]+$|^no AuthStack \(apiVersion [^)]*\) in -, /\S*/secret\.yaml$`)

// FuzzRead: whatever standard input holds, next to a Secret file, Read
// ends in stacks or in a clean error: no crash (recovered or not), the
// same twice, one line per mistake, no internals, and neither the Secret's
// value nor its base64 in any message, even when the fuzzed spec carries
// them in a field. Seeds are in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	secretFile := filepath.Join(dir, "secret.yaml")
	if err := os.WriteFile(secretFile, []byte(stringSecret), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := input.Read([]string{"-", secretFile}, bytes.NewReader(data))
		_, again := input.Read([]string{"-", secretFile}, bytes.NewReader(data))
		if errString(err) != errString(again) {
			t.Fatalf("not deterministic:\n%v\n---\n%v", err, again)
		}
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || strings.Contains(msg, secretB64) {
			t.Fatalf("error shows the secret:\n%s", msg)
		}
		if strings.Contains(msg, "internal error") || internals.MatchString(msg) {
			t.Fatalf("crash or internals:\n%s", msg)
		}
		for _, l := range strings.Split(msg, "\n") {
			if !readLine.MatchString(l) {
				t.Fatalf("not a line of the error format: %q", l)
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
