#!/usr/bin/env bash
# Mutation testing of the model with cargo-mutants (`cargo install cargo-mutants --locked`).
# Not part of CI: each mutant rebuilds the test binaries (tens of seconds on 2 cores), so a
# run over the whole model takes hours. Pass files to narrow it, e.g.
#   scripts/mutants.sh model/src/invariants.rs model/src/kernel.rs
# The fast test selection below is the semantic and golden tests: the ones a bless would
# accept are the goldens themselves, so a mutant that only moves a state count is caught
# there, and one that moves nothing at all is reported as surviving.
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
for f in "$@"; do files+=(--file "$f"); done
tests=(--test=old --test=new --test=invariants --test=errors --test=history --test=traces
  --test=matrix --test=profiles --test=guards)
# cargo-mutants 27 runs its baseline against the mutated package's own tests only, which are
# not where this workspace's tests live; so the baseline runs here, and cargo-mutants skips it.
cargo test --release -p checks "${tests[@]}" -q
args=()
for t in "${tests[@]}"; do args+=("--cargo-test-arg=$t"); done
exec cargo mutants -p mkwrite-model --test-package checks --profile release --baseline skip \
  --timeout 300 --build-timeout 600 -o target/mutants "${files[@]}" "${args[@]}"
