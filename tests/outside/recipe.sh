#!/usr/bin/env bash
# The README's "test program outside the checkout" recipe, step by step, in
# a temporary directory outside this repository: install zxvm, copy the
# template, point `zx` at this checkout (by path, then by git), build, run.
# Fails if any step a user would follow fails.
set -euo pipefail
checkout=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/zxvm-outside.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work" in "$checkout"/*) echo "recipe: $work is inside the checkout"; exit 1 ;; esac

# 1. zxvm on PATH: `cargo install --path vmm` (into a private root here, and
#    reusing this checkout's build so CI does not compile zxvm twice).
CARGO_TARGET_DIR="$checkout/target" cargo install --quiet --locked --path "$checkout/vmm" --root "$work/cargo"
export PATH="$work/cargo/bin:$PATH"
command -v zxvm >/dev/null

# 2. Copy the template, dot-files included (`.cargo/config.toml` selects the
#    guest target and the flags user programs need).
cp -r "$checkout/images/template/." "$work/my-test"
cd "$work/my-test"
test -f .cargo/config.toml
sed -i 's/^name = "guest-template"/name = "my-test"/' Cargo.toml
rm -f Cargo.lock

run_recipe() {
    local how=$1 dep=$2
    sed -i "s|^zx = .*|zx = $dep|" Cargo.toml
    # 3. Build with plain cargo (no zxvm variables leak in from CI's shell).
    env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo build --quiet --release
    # 4. Run it.
    local out
    out=$(zxvm test --timeout 60 --format tap --junit "$work/$how.xml" target/x86_64-unknown-none/release/my-test)
    echo "$out" | sed "s/^/recipe ($how): /"
    grep -q '^ok [0-9]* - my-test::default_job_is_the_root_job$' <<<"$out"
    grep -q '^ok [0-9]* - my-test::rejects_bad_pointer$' <<<"$out"
    grep -q '<testsuite name="my-test"' "$work/$how.xml"
    cargo clean --quiet
}

run_recipe path "{ path = \"$checkout/images/zx\" }"
# A git dependency resolves the same crates from a clone of the repository.
if git -C "$checkout" rev-parse --verify -q HEAD >/dev/null; then
    run_recipe git "{ git = \"file://$checkout\", rev = \"$(git -C "$checkout" rev-parse HEAD)\" }"
fi
echo "recipe: outside-the-checkout build and run work (path and git dependencies)"
