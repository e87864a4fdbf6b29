#!/usr/bin/env bash
# Quick start, command 2: install what is needed, build, and run every test (lit + GoogleTest).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
ctest --test-dir "$root/build" --output-on-failure
