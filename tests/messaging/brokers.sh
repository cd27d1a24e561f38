#!/usr/bin/env bash
# Starts / stops the RabbitMQ and NATS servers of the messaging tests and example, on loopback,
# from the Debian packages `rabbitmq-server` and `nats-server`.
#
#   bash tests/messaging/brokers.sh start   # waits until both accept connections
#   export AMQP_URL=amqp://127.0.0.1:5672/%2f NATS_URL=nats://127.0.0.1:4222
#   bash tests/messaging/brokers.sh stop
#
# State (RabbitMQ's database and logs, pid files) lives in $BROKERS_DIR (default
# /tmp/traced-brokers). RabbitMQ's Erlang port mapper and distribution port are moved off their
# defaults (4369, 25672) to 6702 / 6703 and bound to loopback too.
set -euo pipefail

state=${BROKERS_DIR:-/tmp/traced-brokers}
amqp_port=${AMQP_PORT:-5672}
nats_port=${NATS_PORT:-4222}
export RABBITMQ_NODENAME=traced@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$amqp_port
export RABBITMQ_DIST_PORT=6703
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=6702
export RABBITMQ_MNESIA_BASE=$state/rabbitmq/mnesia
export RABBITMQ_LOG_BASE=$state/rabbitmq/log
export RABBITMQ_PID_FILE=$state/rabbitmq/pid
# Erlang distribution on loopback only.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
    local name=$1 port=$2 log=$3
    for _ in $(seq 300); do
        port_open "$port" && return 0
        sleep 0.2
    done
    echo "$name did not accept connections on 127.0.0.1:$port within 60 s; its log:" >&2
    tail -n 50 "$log" >&2 || true
    return 1
}

start() {
    mkdir -p "$state/rabbitmq/mnesia" "$state/rabbitmq/log"
    chmod 755 "$state"
    if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
        chown -R rabbitmq: "$state/rabbitmq"
    fi
    if port_open "$amqp_port"; then
        echo "something already listens on $amqp_port; not starting RabbitMQ" >&2
    else
        rabbitmq-server > "$state/rabbitmq.out" 2>&1 &
        echo $! > "$state/rabbitmq.wrapper.pid"
    fi
    if port_open "$nats_port"; then
        echo "something already listens on $nats_port; not starting nats-server" >&2
    else
        nats-server -a 127.0.0.1 -p "$nats_port" -P "$state/nats.pid" > "$state/nats.out" 2>&1 &
    fi
    wait_for nats-server "$nats_port" "$state/nats.out"
    wait_for RabbitMQ "$amqp_port" "$state/rabbitmq.out"
    echo "RabbitMQ on amqp://127.0.0.1:$amqp_port, NATS on nats://127.0.0.1:$nats_port"
}

stop() {
    if [ -f "$state/nats.pid" ]; then
        kill "$(cat "$state/nats.pid")" 2>/dev/null || true
        rm -f "$state/nats.pid"
    fi
    if [ -f "$state/rabbitmq/pid" ]; then
        pid=$(cat "$state/rabbitmq/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        rm -f "$state/rabbitmq/pid"
    fi
    rm -f "$state/rabbitmq.wrapper.pid"
    # The Erlang port mapper the node started outlives it.
    epmd=$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1 || true)
    if [ -n "$epmd" ]; then
        "$epmd" -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
    fi
}

versions() {
    dpkg-query -W -f='${Package} ${Version}\n' rabbitmq-server nats-server 2>/dev/null || true
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    versions) versions ;;
    *) echo "usage: $0 start|stop|versions" >&2; exit 2 ;;
esac
