//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tree

import (
	"errors"
	"os"
	"syscall"
)

// lockDir takes an exclusive flock on the directory itself, waiting for
// another build to finish; no lock file is left behind. The lock goes with
// the process, so a killed build never leaves the directory locked.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
