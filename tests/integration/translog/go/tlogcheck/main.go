// tlogcheck verifies a Signet tile-based log with Go's golang.org/x/mod/sumdb packages, a peer
// implementation that is not ours:
//   1. the checkpoint's Ed25519 signed-note signature (sumdb/note) with the log's verifier key;
//   2. the tree recomputed from the entry bundles (tlog.RecordHash, tlog.StoredHashes) has the
//      checkpoint's root (tlog.TreeHash);
//   3. every hash tile, full and partial, at every level equals tlog.ReadTileData over the
//      recomputed hashes (tlog.TileHashReader alone is not relied on: in this version it leaves
//      some tiles unauthenticated);
//   4. with -proofs FILE: every inclusion proof (tlog.CheckRecord) and consistency proof
//      (tlog.CheckTree) Signet produced verifies against the recomputed hashes.
// usage: tlogcheck -log DIR/log -vkey VKEY [-proofs proofs.json]
// Exit 0: all checks pass; 1: a check failed (printed); 2: usage.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// c2spPath maps sumdb's tile path (tile/8/L/NNN, tile/8/data/NNN) to C2SP tlog-tiles'.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	p = strings.Replace(p, "data/", "entries/", 1)
	return "tile/" + p
}

// tilesFor lists the tiles of a tree of size n at one level: full ones, then the partial one.
func tilesFor(n int64, level int) []tlog.Tile {
	count := n >> (uint(height) * uint(level))
	var out []tlog.Tile
	for i := int64(0); i < count>>height; i++ {
		out = append(out, tlog.Tile{H: height, L: level, N: i, W: 1 << height})
	}
	if w := int(count % (1 << height)); w > 0 {
		out = append(out, tlog.Tile{H: height, L: level, N: count >> height, W: w})
	}
	return out
}

type proofs struct {
	Size      int64 `json:"size"`
	Inclusion []struct {
		Index int64    `json:"index"`
		Proof []string `json:"proof"`
	} `json:"inclusion"`
	Consistency []struct {
		Old   int64    `json:"old"`
		Proof []string `json:"proof"`
	} `json:"consistency"`
}

func decodeHashes(in []string) []tlog.Hash {
	var out []tlog.Hash
	for _, s := range in {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			fail("proof hash %q is not base64 of 32 bytes", s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

func main() {
	logDir := flag.String("log", "", "the log directory")
	vkey := flag.String("vkey", "", "the log's note verifier key")
	proofsFile := flag.String("proofs", "", "a proofs JSON file written by tlog_tool proofs")
	flag.Parse()
	if *logDir == "" || *vkey == "" {
		flag.Usage()
		os.Exit(2)
	}

	// 1. The checkpoint signature (sumdb/note).
	msg, err := os.ReadFile(filepath.Join(*logDir, "checkpoint"))
	if err != nil {
		fail("reading the checkpoint: %v", err)
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint body is not origin/size/root")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root hash")
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	// 2. Recompute the tree from the entry bundles.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	var entries int64
	for _, t := range tilesFor(size, 0) {
		t.L = -1
		data, err := os.ReadFile(filepath.Join(*logDir, c2spPath(t)))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		for k := 0; k < t.W; k++ {
			if len(data) < 2 {
				fail("entry bundle %s is truncated", c2spPath(t))
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				fail("entry bundle %s is truncated", c2spPath(t))
			}
			hashes, err := tlog.StoredHashes(entries, data[2:2+l], reader)
			if err != nil {
				fail("stored hashes: %v", err)
			}
			stored = append(stored, hashes...)
			entries++
			data = data[2+l:]
		}
		if len(data) != 0 {
			fail("entry bundle %s has trailing bytes", c2spPath(t))
		}
	}
	if size > 0 {
		th, err := tlog.TreeHash(size, reader)
		if err != nil {
			fail("tree hash: %v", err)
		}
		if th != root {
			fail("the entries give root %v, the checkpoint says %v", th, root)
		}
	}

	// 3. Every hash tile, compared with the recomputed hashes.
	tiles := 0
	for level := 0; size>>(uint(height)*uint(level)) > 0; level++ {
		for _, t := range tilesFor(size, level) {
			want, err := tlog.ReadTileData(t, reader)
			if err != nil {
				fail("tile data %s: %v", c2spPath(t), err)
			}
			got, err := os.ReadFile(filepath.Join(*logDir, c2spPath(t)))
			if err != nil {
				fail("tile %s: %v", c2spPath(t), err)
			}
			if !bytes.Equal(got, want) {
				fail("tile %s differs from the recomputed tree", c2spPath(t))
			}
			tiles++
		}
	}

	// 4. Signet's proofs.
	checked := 0
	if *proofsFile != "" {
		raw, err := os.ReadFile(*proofsFile)
		if err != nil {
			fail("proofs: %v", err)
		}
		var p proofs
		if err := json.Unmarshal(raw, &p); err != nil {
			fail("proofs: %v", err)
		}
		if p.Size != size {
			fail("proofs are for size %d, the checkpoint is %d", p.Size, size)
		}
		for _, inc := range p.Inclusion {
			leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, inc.Index)})
			if err != nil {
				fail("leaf %d: %v", inc.Index, err)
			}
			if err := tlog.CheckRecord(decodeHashes(inc.Proof), size, root, inc.Index, leaf[0]); err != nil {
				fail("inclusion proof of %d: %v", inc.Index, err)
			}
			checked++
		}
		for _, c := range p.Consistency {
			oldRoot, err := tlog.TreeHash(c.Old, reader)
			if err != nil {
				fail("tree hash %d: %v", c.Old, err)
			}
			if err := tlog.CheckTree(decodeHashes(c.Proof), size, root, c.Old, oldRoot); err != nil {
				fail("consistency proof %d -> %d: %v", c.Old, size, err)
			}
			checked++
		}
	}
	fmt.Printf("tlogcheck: OK: %s size %d, %d entries, %d hash tiles, %d proofs\n", verifier.Name(), size, entries, tiles, checked)
}
