//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package tree

import "os"

// createFile creates name, which must not exist, and writes data. The
// caller syncs and closes it.
func createFile(name string, data []byte) (stagedFile, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

func readFile(name string, _ int64) ([]byte, error) { return os.ReadFile(name) }
