#!/bin/sh
# Lint throughput side by side with DIVD's sectxt 0.9.8 (issue 4 target: >= 50x its files/s).
# Usage: crates/securitytxt/benches/compare.sh   (from the repository root)
set -eu
crate=crates/securitytxt
target=${CARGO_TARGET_DIR:-target/securitytxt}
venv=$target/sectxt-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "sectxt==0.9.8"
fi
SECTXT_PYTHON="$venv/bin/python" CARGO_TARGET_DIR=$target \
    cargo bench -p securitytxt --bench lint
