//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tree

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// rawFile is a file opened with bare system calls. An os.File costs four
// fcntl and an epoll_ctl more per open (Go tries to make every file
// pollable and fails for regular ones): for the hundreds of files of a
// build, a fifth of the write's system calls.
type rawFile struct {
	fd   int
	name string
}

// createFile creates name, which must not exist (it is in a staging
// directory this build made: a link there is not ours to follow), and
// writes data. The caller syncs and closes it.
func createFile(name string, data []byte) (stagedFile, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "create", Path: name, Err: err}
	}
	f := &rawFile{fd: fd, name: name}
	for len(data) > 0 {
		var n int
		err := retry(func() (err error) {
			n, err = syscall.Write(fd, data)
			return err
		})
		if err == nil && n == 0 {
			err = io.ErrShortWrite
		}
		if err != nil {
			f.Close()
			return nil, &fs.PathError{Op: "write", Path: name, Err: err}
		}
		data = data[n:]
	}
	return f, nil
}

func (f *rawFile) Sync() error {
	if err := retry(func() error { return syscall.Fsync(f.fd) }); err != nil {
		return &fs.PathError{Op: "sync", Path: f.name, Err: err}
	}
	return nil
}

func (f *rawFile) Close() error {
	if err := syscall.Close(f.fd); err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// retry calls f again while a signal interrupts it.
func retry(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}

// rename is os.Rename without its Lstat of newpath (which refuses to
// replace a directory): the write puts files only where plan found no file
// or a regular one, and rename(2) refuses a directory there by itself.
func rename(oldpath, newpath string) error {
	if err := retry(func() error { return syscall.Rename(oldpath, newpath) }); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// readFile reads the regular file name, about size bytes long, as
// os.ReadFile does with three system calls fewer per file (see rawFile),
// and without following a link put there since it was found a file.
func readFile(name string, size int64) ([]byte, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	data := make([]byte, 0, size+1) // +1: the read that finds the end
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		var n int
		err := retry(func() (err error) {
			n, err = syscall.Read(fd, data[len(data):cap(data)])
			return err
		})
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return data, nil
		}
		data = data[:len(data)+n]
	}
}
