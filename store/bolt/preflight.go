package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// preflight checks a database file before bbolt maps it. bbolt maps the
// whole file and trusts its meta pages: a truncated file makes it read past
// the end of the mapping, which is a fatal SIGBUS that recover cannot catch.
// So the file's meta pages are checked here, and the file must be at least
// as long as the newest valid meta page says.
func preflight(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return nil // bbolt initialises an empty file
	}
	var best *meta
	for _, off := range []int64{0, 4096, 8192, 16384, 65536} {
		if m := readMeta(f, off); m != nil && (off == 0 || off == int64(m.pageSize)) {
			if best == nil || m.txid > best.txid {
				best = m
			}
		}
	}
	if best == nil {
		return fmt.Errorf("%w: no valid meta page", ErrCorrupt)
	}
	if need := int64(best.pgid) * int64(best.pageSize); fi.Size() < need {
		return fmt.Errorf("%w: file is %d bytes, its meta page says %d (truncated)", ErrCorrupt, fi.Size(), need)
	}
	return nil
}

type meta struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

// readMeta reads a bbolt meta page at off; nil when it is not a valid one.
// Layout (little-endian): 16-byte page header, then magic, version,
// pageSize, flags (uint32 each), root bucket (16), freelist (8), pgid (8),
// txid (8), checksum (8: FNV-64a of the 56 bytes before it).
func readMeta(r io.ReaderAt, off int64) *meta {
	buf := make([]byte, 16+64)
	if _, err := r.ReadAt(buf, off); err != nil {
		return nil
	}
	b := buf[16:]
	le := binary.LittleEndian
	if le.Uint32(b[0:]) != 0xED0CDAED || le.Uint32(b[4:]) != 2 {
		return nil
	}
	h := fnv.New64a()
	h.Write(b[:56])
	if h.Sum64() != le.Uint64(b[56:]) {
		return nil
	}
	m := &meta{pageSize: le.Uint32(b[8:]), pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	if m.pageSize < 512 || m.pageSize > 1<<20 {
		return nil
	}
	return m
}
