#!/usr/bin/env bash
# Builds the two release artifacts for meeting machines (信创: Kylin V10 and UOS 20, on x86-64 and
# on Kunpeng or Phytium aarch64, all with glibc 2.28), then prints each one's size, SHA-256 and the
# highest glibc symbol it needs, and fails if one needs more than glibc 2.28.
#
#   tools/release.sh            build both into dist/, print, check
#   tools/release.sh --check    only print and check what dist/ holds
#   tools/release.sh --smoke    check, then run each artifact (aarch64 under qemu-aarch64):
#                               --version, the demo meeting, an export and its verify
#   tools/release.sh --measure  time import and the queue with the x86-64 artifact against
#                               the native glibc build (target/release), on one generated meeting
#
# Both artifacts are static musl binaries: no libc at all on the meeting machine, so no glibc
# version to match. The C in them (SQLite, mimalloc) is compiled by zig, which cargo-zigbuild
# drives for both targets. Needs, once:
#   rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl
#   python3 -m pip install ziglang==0.17.1   (zig, from PyPI)
#   cargo install cargo-zigbuild@0.24.1 --locked
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
GLIBC_LIMIT=2.28
DIST=dist
mode=${1:-build}

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
artifact() { # target -> file name in dist/
  echo "$DIST/reviewdesk-$version-${1%%-*}-linux"
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "release.sh: $1 is missing: $2" >&2; exit 2; }
}

build() {
  need cargo-zigbuild "cargo install cargo-zigbuild --locked"
  python3 -m ziglang version >/dev/null 2>&1 || command -v zig >/dev/null 2>&1 \
    || { echo "release.sh: zig is missing: python3 -m pip install ziglang" >&2; exit 2; }
  mkdir -p "$DIST"
  for t in "${TARGETS[@]}"; do
    # mimalloc commits its arenas as it uses them rather than up front: eager commit held import
    # at 120 MB where the glibc build holds 45 MB; lazy commit, 54 MB and no slower.
    export "CFLAGS_${t//-/_}=-DMI_DEFAULT_ARENA_EAGER_COMMIT=0"
    rustup target list --installed 2>/dev/null | grep -qx "$t" \
      || { echo "release.sh: the Rust target $t is missing: rustup target add $t" >&2; exit 2; }
    cargo zigbuild --release --locked --target "$t"
    cp "target/$t/release/reviewdesk" "$(artifact "$t")"
  done
}

# The highest GLIBC_x.y a binary's dynamic symbols name, "none" for a binary without any.
highest_glibc() {
  { readelf --dyn-syms -W "$1" 2>/dev/null || true; } | { grep -o 'GLIBC_[0-9.]*' || true; } | sed 's/GLIBC_//' | sort -V | tail -1
}

# "static" when the binary asks for no program interpreter and no shared library.
linkage() {
  if readelf -l -W "$1" | grep -q 'INTERP' || readelf -d -W "$1" 2>/dev/null | grep -q '(NEEDED)'; then
    echo dynamic
  else
    echo static
  fi
}

check() {
  local failed=0
  (cd "$DIST" && : >SHA256SUMS)
  printf '%-40s %10s  %-8s %-7s %s\n' "artifact" "bytes" "linkage" "glibc" "SHA-256"
  for t in "${TARGETS[@]}"; do
    local f
    f=$(artifact "$t")
    [ -f "$f" ] || { echo "release.sh: $f is not built: run tools/release.sh" >&2; exit 2; }
    local size sum link glibc
    size=$(stat -c %s "$f")
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    link=$(linkage "$f")
    glibc=$(highest_glibc "$f")
    glibc=${glibc:-none}
    printf '%-40s %10s  %-8s %-7s %s\n' "$(basename "$f")" "$size" "$link" "$glibc" "$sum"
    (cd "$DIST" && sha256sum "$(basename "$f")" >>SHA256SUMS)
    if [ "$glibc" != none ] && [ "$(printf '%s\n%s\n' "$glibc" "$GLIBC_LIMIT" | sort -V | tail -1)" != "$GLIBC_LIMIT" ]; then
      echo "  ✗ needs glibc $glibc, above the meeting machines' $GLIBC_LIMIT" >&2
      failed=1
    fi
    if [ "$link" = dynamic ] && [ "$glibc" = none ]; then
      echo "  ✗ dynamic, but names no glibc version: check what it links" >&2
      failed=1
    fi
  done
  echo "checksums: $DIST/SHA256SUMS; limit glibc $GLIBC_LIMIT: $([ $failed = 0 ] && echo held || echo NOT held)"
  return $failed
}

# Median of three wall times, in seconds, of "$@" (its output dropped), each after running $PREPARE.
median3() {
  local times=()
  for _ in 1 2 3; do
    eval "$PREPARE"
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null
    e=$(date +%s%N)
    times+=($(((e - s) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p | awk '{ printf "%.3f", $1 / 1000 }'
}

measure() {
  cargo build --release --locked
  local native=target/release/reviewdesk static work
  static=$(artifact x86_64-unknown-linux-musl)
  [ -f "$static" ] || { echo "release.sh: $static is not built: run tools/release.sh" >&2; exit 2; }
  work=$(mktemp -d)
  export REVIEWDESK_NOW=2026-12-08T09:00:00Z
  echo "generating a meeting of 2,000 applications and 15 experts, and one of 10,000 applications"
  "$native" --home "$work/src" generate --applications 2000 --experts 15 --revisions 3 >/dev/null
  "$native" --home "$work/src" --as 秘书处 export --out "$work/m.rdbundle" >/dev/null
  "$native" --home "$work/src" --as 秘书处 key export --out "$work/sec.pub" >/dev/null
  "$native" --home "$work/dst0" init --name 收件人 </dev/null >/dev/null
  "$native" --home "$work/dst0" trust add "$work/sec.pub" >/dev/null
  "$native" --home "$work/big" generate --applications 10000 --experts 5 --revisions 1 >/dev/null
  "$native" --home "$work/big" queue --as 组长 >/dev/null
  local imp_n imp_s q_n q_s
  PREPARE="rm -rf '$work/dst' && cp -r '$work/dst0' '$work/dst'"
  imp_n=$(median3 "$native" --home "$work/dst" import "$work/m.rdbundle")
  imp_s=$(median3 "$static" --home "$work/dst" import "$work/m.rdbundle")
  PREPARE=true
  q_n=$(median3 "$native" --home "$work/big" queue --as 组长)
  q_s=$(median3 "$static" --home "$work/big" queue --as 组长)
  rm -rf "$work"
  printf '%-36s %8s %12s %7s\n' "wall time, median of 3" "glibc" "static musl" "ratio"
  printf '%-36s %7.2fs %11.2fs %7.2f\n' "import, 94,001 events" "$imp_n" "$imp_s" "$(awk "BEGIN { print $imp_s / $imp_n }")"
  printf '%-36s %7.2fs %11.2fs %7.2f\n' "queue, 10,000 applications" "$q_n" "$q_s" "$(awk "BEGIN { print $q_s / $q_n }")"
}

# Runs one artifact, under qemu-aarch64 when it is not for this machine: --version, the demo
# meeting without the screens, and an export that the same binary then verifies.
smoke() {
  local t=$1 f run=()
  f=$(artifact "$t")
  if [ "${t%%-*}" != "$(uname -m)" ]; then
    need "qemu-${t%%-*}" "apt-get install qemu-user"
    run=("qemu-${t%%-*}")
  fi
  local home
  home=$(mktemp -d)
  echo "== $(basename "$f")${run:+ under ${run[0]}}"
  "${run[@]}" "$f" --version
  "${run[@]}" "$f" --home "$home" demo --no-tui >/dev/null
  "${run[@]}" "$f" --home "$home" --as 王建国 export --out "$home/round.rdbundle" >/dev/null
  "${run[@]}" "$f" verify "$home/round.rdbundle" | sed -n 1p
  rm -rf "$home"
}

case "$mode" in
  build) build; check ;;
  --check) check ;;
  --measure) measure ;;
  --smoke) check; for t in "${TARGETS[@]}"; do smoke "$t"; done ;;
  *) echo "usage: tools/release.sh [--check | --smoke | --measure]" >&2; exit 2 ;;
esac
