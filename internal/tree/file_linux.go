package tree

import "syscall"

// startWriteback starts writing the file's data to the disk without
// waiting. By the time its fsync comes, the data is on its way and the
// blocks are allocated: the fsyncs of a build's files then mostly wait for
// one journal commit together instead of each forcing its own.
// (sync_file_range(2) alone guarantees nothing: the fsync still does.)
func startWriteback(fd int) {
	_ = syscall.SyncFileRange(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */)
}
