#!/usr/bin/env bash
# Instructions per operation of the sync_disabled, async_poll and traceparent hot paths under
# callgrind (a noise-free second figure next to the criterion medians).
# Usage: bash benches/callgrind.sh [N]   (from the workspace root; needs valgrind)
set -euo pipefail
n=${1:-100000}
target=${CARGO_TARGET_DIR:-target}
cargo build --quiet --profile bench -p benches --bin callgrind
bin="$target/release/callgrind"
out=$(mktemp -d)
printf '%-24s %12s\n' path 'Ir/op'
for path in plain floor_cell_span traced_span_in_trace traced_span_new_trace traced_in_trace traced_new_trace \
    bare_future traced_async_fn in_context logged_traced logged_method logged_manual line_text line_json traceparent_parse traceparent_encode; do
    valgrind --tool=callgrind --callgrind-out-file="$out/$path.out" \
        --toggle-collect='callgrind::measured*' "$bin" "$path" "$n" 2>/dev/null
    ir=$(grep -E '^(summary|totals):' "$out/$path.out" | head -1 | awk '{print $2}')
    printf '%-24s %12.1f\n' "$path" "$(echo "$ir / $n" | bc -l)"
done
rm -rf "$out"
