package tree

// SetStep replaces the hook called before each change a write makes to the
// disk, and returns a function that restores it.
func SetStep(f func(string) error) (restore func()) {
	old := step
	step = f
	return func() { step = old }
}
