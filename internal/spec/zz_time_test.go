package spec_test
import ("os"; "path/filepath"; "strconv"; "strings"; "testing"; "time"; "github.com/authstack/authstack/internal/spec")
func TestSeedTimes(t *testing.T) {
	schema, _ := spec.Load()
	files, _ := filepath.Glob("testdata/fuzz/FuzzStacks/*")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		s := strings.TrimSuffix(strings.SplitN(string(b), "\n", 2)[1], "\n")
		s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
		data, err := strconv.Unquote(s)
		if err != nil { t.Fatal(f, err) }
		st := time.Now()
		_, err = schema.Stacks("fuzz.yaml", []byte(data))
		if d := time.Since(st); d > 50*time.Millisecond { t.Logf("%s %v %v", f, d, err) }
	}
}
