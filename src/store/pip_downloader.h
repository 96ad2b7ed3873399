// Fetches wheels from the Python package index by running pip as a child
// process: `python3 -m pip download --no-deps ... -d DIR REQ...`. Nothing is
// installed into any Python environment; pip only saves the .whl files. pip
// honours its usual configuration (PIP_INDEX_URL, pip.conf, proxies) and draws
// its own progress bar.
//
// ENTROPIX_PIP overrides the command prefix (split on spaces), e.g.
// "python3.12 -m pip" or, in tests, a script that copies fixture wheels.
#pragma once

#include <string>
#include <vector>

namespace entropix {

// The pip command prefix: $ENTROPIX_PIP split on spaces, else python3 -m pip.
std::vector<std::string> PipCommand();

// Downloads the wheels for `requirements` (pip requirement strings such as
// "pkg==1.0") into dest_dir with one pip invocation, without dependencies and
// without pip's cache (the wheels are only read once, so caching them would
// double the disk use). Only binary wheels are accepted: pip never builds or
// runs a package's code. pip's stdout is sent to our stderr so that stdout
// stays clean for callers that capture it.
// Throws Error(kIo) when pip cannot be run (with the apt package to install)
// or exits with an error (with its exit status and what to check).
void PipDownload(const std::vector<std::string>& requirements, const std::string& dest_dir);

}  // namespace entropix
