package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/fedgraph/fedgraph/gateway/transport"
)

// schemaCache keeps each subgraph's last good SDL (one that merged into a served graph)
// in a directory, one file per subgraph named NAME.graphql, so that a gateway started
// while a subgraph is down serves that subgraph's fields from its last schema (each
// answering SUBGRAPH_UNAVAILABLE until it returns) instead of leaving them out.
//
// A file is replaced whole or not at all: the SDL goes to a temporary file in the same
// directory, synced, then renamed over the old one. Its first line is a comment that
// names the subgraph and carries the SHA-256 of the SDL after it, so that a file cut
// short or changed by anything but the gateway (which may still parse, with types
// missing) is told from a good one. A file that cannot be read, does not check or does
// not parse is logged and ignored: the cache only ever adds to what answers.
//
// A nil *schemaCache is no cache. Only one goroutine uses a cache at a time: New, then
// the poller.
type schemaCache struct {
	dir    string
	logger *slog.Logger
	// saved is what each subgraph's file holds, as last read or written, so that an
	// SDL is written only when it changed.
	saved map[string]string
}

// openSchemaCache returns the cache in dir, creating dir if need be; nil when dir is
// empty. A directory it cannot create is logged: every write to it will fail, and be
// logged, but the gateway runs.
func openSchemaCache(dir string, logger *slog.Logger) *schemaCache {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		logger.Warn("gateway: schema cache directory unusable", "dir", dir, "err", err)
	}
	return &schemaCache{dir: dir, logger: logger, saved: map[string]string{}}
}

// cacheFile is the file of the subgraph called name. ParseSubgraph, and Config.init
// when the cache is on, allow only letters, digits, '-' and '_' in a name: it cannot
// leave dir.
func (c *schemaCache) cacheFile(name string) string { return filepath.Join(c.dir, name+".graphql") }

// cacheHeader is the first line of the cache file of the SDL whose SHA-256 is sum.
func cacheHeader(name string, sum [sha256.Size]byte) string {
	return fmt.Sprintf("# fedgraph gateway schema cache: subgraph %s, sha256 %s\n", name, hex.EncodeToString(sum[:]))
}

// load returns the SDL saved for the subgraph called name, "" when there is none or its
// file is unusable (logged).
func (c *schemaCache) load(name string) string {
	if c == nil {
		return ""
	}
	sdl, err := c.read(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ""
	case err != nil:
		c.logger.Warn("gateway: cached schema ignored", "subgraph", name, "file", c.cacheFile(name), "err", err)
		return ""
	}
	c.saved[name] = sdl
	return sdl
}

func (c *schemaCache) read(name string) (string, error) {
	f, err := os.Open(c.cacheFile(name))
	if err != nil {
		return "", err
	}
	defer f.Close()
	limit := int64(transport.MaxSDLBytes + len(cacheHeader(name, [sha256.Size]byte{})))
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(b)) > limit {
		return "", fmt.Errorf("larger than %d bytes", limit)
	}
	header, sdl, ok := strings.Cut(string(b), "\n")
	if !ok || header+"\n" != cacheHeader(name, sha256.Sum256([]byte(sdl))) {
		return "", errors.New("its header does not match its content: cut short, or not written by the gateway")
	}
	if _, err := loadSubgraphSchema(name, sdl); err != nil {
		return "", fmt.Errorf("parse SDL: %w", err)
	}
	return sdl, nil
}

// save writes sdl as the subgraph's last good SDL, unless it is what the file holds
// already. A failure is logged; the gateway runs on.
func (c *schemaCache) save(name, sdl string) {
	if c == nil || sdl == "" || c.saved[name] == sdl {
		return
	}
	data := cacheHeader(name, sha256.Sum256([]byte(sdl))) + sdl
	if err := writeFileAtomic(c.cacheFile(name), []byte(data)); err != nil {
		c.logger.Warn("gateway: schema not cached", "subgraph", name, "err", err)
		return
	}
	c.saved[name] = sdl
	c.logger.Debug("gateway: schema cached", "subgraph", name, "file", c.cacheFile(name))
}

// writeFileAtomic replaces path with data: readers see the old file or the new one,
// never a part of either, even if the process dies while it writes.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// Synced before the rename, or a crash could leave the new name on empty blocks.
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
