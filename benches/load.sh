#!/usr/bin/env bash
# A service under load (issue 23, item 4): the axum "hello" service of benches/load
# (`load_service`, one tokio thread) in five configurations, each driven by wrk on loopback with
# the same `traceparent` on every request, side by side in one table.
#
# Usage (from anywhere; needs wrk, installed from Debian's packages when missing):
#   bash benches/load.sh            # full: 3 rounds of 8 s each, RSS at 10,000 and 1,000,000 requests
#   bash benches/load.sh --quick    # CI: 1 round of 1 s, RSS at 10,000 and 20,000; same checks
# Environment: LOAD_SECONDS (one wrk run), LOAD_ROUNDS, LOAD_REQUESTS (requests at the late RSS
# reading), LOAD_EARLY (at the early one, 10000), LOAD_CONNECTIONS (64), LOAD_CONFIGS ("none
# traced traced-nonblocking tower-http otel"), LOAD_KEEP=1 keeps the logs (their directory is
# printed), LOAD_PIN=1 pins wrk to CPU 0 and the services (with their helper threads) to CPU 1
# (taskset; off by default, as the issue measured).
#
# The service is built once (`cargo build --release -p load-service`); one process per
# configuration, all started at once, each on its own free loopback port, its stderr (the log
# lines) redirected to a file:
#   1. per configuration, wrk until the service has answered LOAD_EARLY requests, then until it
#      has answered LOAD_REQUESTS: the service itself reads its VmRSS (/proc/self/status) as it
#      answers the request of each count (LOAD_RSS_AT, see load_service.rs) and prints it; the
#      script stops wrk when the line appears (wrk has no request-count option);
#   2. LOAD_ROUNDS rounds in which the configurations take turns: `wrk -t1 -c64 -dLOAD_SECONDS
#      --latency -H 'traceparent: ...'`; requests/s, p50 and p99 are the medians of the
#      rounds (the turns spread a change in the machine's load over all of them);
#   3. SIGTERM: each service prints how many requests its handler answered (`requests=N`);
#      lines (bytes) per request = lines (bytes) in its log file / N.
# The check: every access line of `traced` and `traced-nonblocking`
# (`... INFO traced_runtime::layer: GET / 200 ...`) carries the trace-id of the `traceparent`
# sent (the check first proves on three made-up lines that it sees one of another trace); the
# script fails on any mismatch, on zero access lines, on a non-2xx response, on a
# service that does not reach a request count within LOAD_DRIVE_LIMIT seconds (600; quick: 120),
# and for `otel` on zero exported spans or any span of another trace (its exporter counts them,
# see load_service.rs).
# Targets (traced >= 1.3x tower-http in req/s, >= 0.8x none, p99 <= tower-http's, RSS flat)
# are reported as met or missed, never failed on: timings depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
    case $arg in
    --quick) quick=1 ;;
    *)
        echo "usage: bash benches/load.sh [--quick]" >&2
        exit 2
        ;;
    esac
done
if [ "$quick" = 1 ]; then
    seconds=${LOAD_SECONDS:-1}
    requests=${LOAD_REQUESTS:-20000}
    rounds=${LOAD_ROUNDS:-1}
    drive_limit=${LOAD_DRIVE_LIMIT:-120}
else
    seconds=${LOAD_SECONDS:-8}
    requests=${LOAD_REQUESTS:-1000000}
    rounds=${LOAD_ROUNDS:-3}
    drive_limit=${LOAD_DRIVE_LIMIT:-600}
fi
early=${LOAD_EARLY:-10000}
connections=${LOAD_CONNECTIONS:-64}
configs=${LOAD_CONFIGS:-none traced traced-nonblocking tower-http otel}
pin_wrk= pin_service=
if [ "${LOAD_PIN:-0}" = 1 ]; then
    pin_wrk="taskset -c 0" pin_service="taskset -c 1"
fi
trace_id=4bf92f3577b34da6a3ce929d0e0e4736
traceparent="00-$trace_id-00f067aa0ba902b7-01"
export LC_ALL=C

started=$SECONDS
step_started=$SECONDS
step() {
    printf '(%ds; %ds in all)\n==> %s\n' "$((SECONDS - step_started))" "$((SECONDS - started))" "$*"
    step_started=$SECONDS
}

work=$(mktemp -d)
declare -A pid
cleanup() {
    for p in "${pid[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [ "${LOAD_KEEP:-0}" = 1 ]; then
        echo "logs kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

step "wrk"
if ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk
fi
wrk --version 2>&1 | head -1 || true

step "build the service (release)"
cargo build --quiet --release -p load-service --bin load_service
bin=${CARGO_TARGET_DIR:-target}/release/load_service

# Drives configuration $1's service with wrk until its handler has answered $2 requests in all
# (wrk has no request-count option): the service, started with LOAD_RSS_AT, prints
# `rss_after=N kb=K` as it answers the Nth request; wrk gets SIGINT then, its way to stop early.
# A background job of a script starts with SIGINT ignored, which wrk undoes only once its
# threads run; `env --default-signal=INT` makes an earlier SIGINT end wrk too.
drive() {
    local wrk_pid _
    if ! grep -q "^rss_after=$2 " "$work/$1.out"; then
        env --default-signal=INT $pin_wrk wrk -t1 -c"$connections" -d"${drive_limit}s" -H "traceparent: $traceparent" \
            "http://${addr[$1]}/" >"$work/drive.txt" &
        wrk_pid=$!
        for _ in $(seq "$((drive_limit * 10))"); do
            grep -q "^rss_after=$2 " "$work/$1.out" && break
            kill -0 "$wrk_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -INT "$wrk_pid" 2>/dev/null || true
        wait "$wrk_pid" || true
        check_wrk "$work/drive.txt"
    fi
    rss=$(sed -n "s/^rss_after=$2 kb=//p" "$work/$1.out")
    if [ -z "$rss" ]; then
        cat "$work/drive.txt" >&2
        echo "FAIL: $1 did not answer $2 requests within ${drive_limit} s" >&2
        exit 1
    fi
}

# Prints how many access lines file $1 has (traced's text format: `TIMESTAMP [trace_id]
# [span_id] INFO traced_runtime::layer: GET / 200 0.012 ms ...`) and how many of them do not
# carry `[$trace_id]` as field 2.
access_lines() {
    awk -v want="[$trace_id]" '
        / INFO traced_runtime::layer: GET \/ [0-9][0-9][0-9] [0-9.]+ ms / { n++; if ($2 != want) bad++ }
        END { print n + 0, bad + 0 }' "$1"
}

# The median of column $1 of file $2 (the lower middle one for an even count).
median() {
    sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# Fails on a non-2xx response; says so on socket errors.
check_wrk() {
    if grep -q 'Non-2xx or 3xx responses' "$1"; then
        cat "$1" >&2
        echo "FAIL: non-2xx responses" >&2
        exit 1
    fi
    grep 'Socket errors' "$1" >&2 || true
}

# wrk's latency (`344.00us`, `1.20ms`, `1.01s`) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n
    }'
}

# The check must be able to fail: two access lines, one of another trace, and a start line.
cat >"$work/selftest.log" <<EOF
2026-12-06T10:06:44.676416Z [$trace_id] [e8e2ee74c4030011] INFO traced_runtime::layer: GET /
2026-12-06T10:06:44.676454Z [$trace_id] [e8e2ee74c4030011] INFO traced_runtime::layer: GET / 200 0.040 ms method=GET path=/ status=200 latency_ms=0.04
2026-12-06T10:06:44.676460Z [0af7651916cd43dd8448eb211c80319c] [b7ad6b7169203331] INFO traced_runtime::layer: GET / 200 0.038 ms method=GET path=/ status=200 latency_ms=0.038
EOF
if [ "$(access_lines "$work/selftest.log")" != "2 1" ]; then
    echo "FAIL: the trace-id check does not see a line of another trace" >&2
    exit 1
fi

printf 'machine: %s cores, load average %s (at the start)\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

declare -A addr rps p50 p99 runs lines_per bytes_per rss_early rss_late answered check
failed=0

step "start the services: $configs"
for config in $configs; do
    LOAD_RSS_AT=$early,$requests LOAD_EXPECT_TRACE_ID=$trace_id RUST_LOG=info TRACED_LOG_FORMAT=text TRACED_LOG_TIMESTAMP=on \
        $pin_service "$bin" "$config" >"$work/$config.out" 2>"$work/$config.log" &
    pid[$config]=$!
done
for config in $configs; do
    for _ in $(seq 100); do
        addr[$config]=$(sed -n 's/^listening on //p' "$work/$config.out")
        [ -n "${addr[$config]}" ] && break
        sleep 0.1
    done
    if [ -z "${addr[$config]}" ]; then
        cat "$work/$config.log" >&2
        echo "FAIL: $config did not start" >&2
        exit 1
    fi
done

step "$early requests each (the early RSS reading), then up to $requests (the late one)"
for config in $configs; do
    drive "$config" "$early"
    rss_early[$config]=$rss
    drive "$config" "$requests"
    rss_late[$config]=$rss
done

# The configurations take turns, round after round, so that a change in the machine's load
# (other builds) falls on all of them alike; each figure is the median of its rounds.
for round in $(seq "$rounds"); do
    step "round $round of $rounds: $seconds s of wrk per configuration"
    for config in $configs; do
        out=$work/$config.wrk.$round
        $pin_wrk wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "traceparent: $traceparent" \
            "http://${addr[$config]}/" >"$out"
        check_wrk "$out"
        printf '%s %s %s\n' "$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$out")" \
            "$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")" \
            "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")" >>"$work/$config.rounds"
        printf '  %-18s %s\n' "$config" "$(tail -1 "$work/$config.rounds" | awk '{ printf "%s req/s, p50 %s ms, p99 %s ms", $1, $2, $3 }')"
    done
done
for config in $configs; do
    rps[$config]=$(median 1 "$work/$config.rounds")
    p50[$config]=$(median 2 "$work/$config.rounds")
    p99[$config]=$(median 3 "$work/$config.rounds")
    runs[$config]=$(sort -n "$work/$config.rounds" | awk '{ r = r sep $1; sep = ", " } END { print r }')
done

step "stop the services; lines per request; the trace-id check"
for config in $configs; do
    kill -TERM "${pid[$config]}"
    wait "${pid[$config]}"
    unset "pid[$config]"
    log=$work/$config.log
    # The service's own count: wrk's, plus the responses in flight when a counted phase stopped.
    answered[$config]=$(sed -n 's/^requests=//p' "$work/$config.out")
    lines=$(wc -l <"$log")
    bytes_per[$config]=$(awk -v b="$(wc -c <"$log")" -v n="${answered[$config]}" 'BEGIN { printf "%.0f", n ? b / n : 0 }')
    lines_per[$config]=$(awk -v l="$lines" -v n="${answered[$config]}" 'BEGIN { printf "%.2f", n ? l / n : 0 }')

    case $config in
    traced | traced-nonblocking)
        read -r access wrong < <(access_lines "$log")
        check[$config]="$wrong of $access access lines"
        if [ "$access" -eq 0 ] || [ "$wrong" -ne 0 ]; then
            echo "FAIL: $config: $access access lines, $wrong without the traceparent's trace-id" >&2
            grep -v " INFO traced_runtime::layer: " "$log" | head -5 >&2 || true
            failed=1
        fi
        if [ "$access" -ne "${answered[$config]}" ]; then
            echo "WARNING: $config: $access access lines for ${answered[$config]} requests answered" >&2
        fi
        ;;
    otel)
        read -r spans wrong < <(sed -n 's/^otel_spans=\([0-9]*\) otel_trace_id_mismatches=\([0-9]*\)$/\1 \2/p' "$work/$config.out")
        check[$config]="$wrong of $spans spans"
        if [ "${spans:-0}" -eq 0 ] || [ "${wrong:-1}" -ne 0 ]; then
            echo "FAIL: otel: ${spans:-no} spans exported, ${wrong:-?} of another trace" >&2
            failed=1
        fi
        ;;
    *) check[$config]="-" ;;
    esac
    printf '  %-18s %s requests, %s lines/request, RSS %s -> %s kB, check: %s\n' "$config" "${answered[$config]}" \
        "${lines_per[$config]}" "${rss_early[$config]}" "${rss_late[$config]}" "${check[$config]}"
    [ "${LOAD_KEEP:-0}" = 1 ] || rm -f "$log"
done

step "table"
printf '\ncommand: LOAD_SECONDS=%s LOAD_ROUNDS=%s LOAD_REQUESTS=%s LOAD_CONNECTIONS=%s LOAD_PIN=%s bash benches/load.sh%s\n' \
    "$seconds" "$rounds" "$requests" "$connections" "${LOAD_PIN:-0}" "$([ "$quick" = 1 ] && echo ' --quick')"
printf 'commit %s; wrk -t1 -c%s -d%ss --latency, loopback, one tokio thread; median of %s rounds; %s cores, load average %s (at the end)\n\n' \
    "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "$connections" "$seconds" "$rounds" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| configuration | requests/s | p50 ms | p99 ms | lines/request | bytes/request | RSS after %s (kB) | RSS after %s (kB) | requests in all | trace-id mismatches | requests/s of each round |\n' "$early" "$requests"
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n'
for config in $configs; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$config" "${rps[$config]}" "${p50[$config]}" \
        "${p99[$config]}" "${lines_per[$config]}" "${bytes_per[$config]}" "${rss_early[$config]}" "${rss_late[$config]}" \
        "${answered[$config]}" "${check[$config]}" "${runs[$config]}"
done

# met / missed, with the margin (only for the configurations that ran).
target() { # name, measured, goal, "ge" (measured >= goal) or "le"
    awk -v name="$1" -v m="$2" -v g="$3" -v dir="$4" 'BEGIN {
        met = (dir == "ge") ? (m >= g) : (m <= g)
        printf "- %s: %s, target %s %s: %s by %.0f%%\n", name, m, (dir == "ge") ? ">=" : "<=", g, met ? "met" : "MISSED", (m > g ? m / g - 1 : 1 - m / g) * 100
    }'
}
printf '\n'
if [ -n "${rps[traced]:-}" ]; then
    if [ -n "${rps[tower-http]:-}" ]; then
        target "traced / tower-http requests/s" "$(awk -v a="${rps[traced]}" -v b="${rps[tower-http]}" 'BEGIN { printf "%.2f", a / b }')" 1.3 ge
        target "traced p99 / tower-http p99" "$(awk -v a="${p99[traced]}" -v b="${p99[tower-http]}" 'BEGIN { printf "%.2f", a / b }')" 1.0 le
    fi
    if [ -n "${rps[none]:-}" ]; then
        target "traced / none requests/s" "$(awk -v a="${rps[traced]}" -v b="${rps[none]}" 'BEGIN { printf "%.2f", a / b }')" 0.8 ge
    fi
fi
# Flat: the late reading no more than 1 MiB above the early one (allocator caches and the
# buffers of 64 connections settle within the first requests).
for config in $configs; do
    growth=$((rss_late[$config] - rss_early[$config]))
    if [ "$growth" -le 1024 ]; then verdict=met; else verdict=MISSED; fi
    printf -- '- RSS flat, %s: %s, %+d kB from request %s to request %s (target <= +1024 kB)\n' \
        "$config" "$verdict" "$growth" "$early" "$requests"
done

step "done"
if [ "$failed" != 0 ]; then
    echo "FAIL: the trace-id check failed (see above)" >&2
    exit 1
fi
