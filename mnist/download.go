package mnist

// This file downloads the four .gz files, verified and written atomically.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxDownload bounds one downloaded file; the largest is 9.9 MB.
const maxDownload = 64 << 20

// Download fetches into dir (created if needed) each of the four .gz files
// that is missing there or fails its SHA-256, trying opt.Mirrors (or
// DefaultMirrors) in order with opt.Client and logging to opt.Logger; other
// fields of opt are ignored. Each file is written to a temporary name and
// renamed only once its hash is right, so an interrupted or corrupt
// download never leaves a bad file under the real name.
func Download(ctx context.Context, dir string, opt Options) error {
	log := opt.logger()
	mirrors := opt.Mirrors
	if mirrors == nil {
		mirrors = DefaultMirrors
	}
	if len(mirrors) == 0 {
		return errors.New("mnist: download: no mirrors")
	}
	client := opt.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	for _, f := range canonical {
		dst := filepath.Join(dir, f.name+".gz")
		removeStale(dst + ".tmp-*")
		if sum, err := fileSum(dst); err == nil {
			if sum == f.gzSum {
				continue
			}
			log.Warn("mnist: replacing bad file", "file", dst, "sha256", sum)
		}
		var errs []string
		ok := false
		for _, m := range mirrors {
			url := strings.TrimSuffix(m, "/") + "/" + f.name + ".gz"
			err := fetch(ctx, client, log, url, dst, f.gzSum)
			if err == nil {
				ok = true
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("mnist: download: %w", ctx.Err())
			}
			log.Warn("mnist: download failed", "url", url, "err", err)
			errs = append(errs, strings.TrimPrefix(err.Error(), "mnist: "))
		}
		if !ok {
			return fmt.Errorf("mnist: %s.gz failed from every mirror:\n    %s", f.name, strings.Join(errs, "\n    "))
		}
	}
	return nil
}

// fetch downloads url to dst if its SHA-256 is sum.
func fetch(ctx context.Context, client *http.Client, log *slog.Logger, url, dst, sum string) (err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	start := time.Now()
	log.Info("mnist: downloading", "url", url)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mnist: %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp-*")
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return fmt.Errorf("mnist: %s: %w", url, err)
	}
	if n > maxDownload {
		return fmt.Errorf("mnist: %s: larger than %d bytes", url, maxDownload)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return &ChecksumError{File: url, Got: got, Want: sum}
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	log.Info("mnist: downloaded", "file", dst, "bytes", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// fileSum returns the hex SHA-256 of a file.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// removeStale deletes temporary files left by a download that was killed.
// Young ones may belong to a download running in another process.
func removeStale(pattern string) {
	matches, _ := filepath.Glob(pattern)
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.Remove(m)
		}
	}
}
