#!/usr/bin/env bash
# Runs Apache Kafka (a KRaft single node) behind fjord's start contract, so the interop suites can be
# checked against the broker they imitate:
#
#   KAFKA_LIB_DIR=<dir with kafka_2.13 4.1 and its runtime jars> \
#   FJORD_INTEROP_BROKER_COMMAND='["bash","test/interop/reference-kafka.sh"]' npm run test:interop
#
# Accepts `start --override key=value ...` as src/main.ts does (listeners, advertised.listeners,
# log.dirs and any broker setting), formats the data directory on first use, prints `started` once
# Metadata answers (kcat -L), and exits 0 after Kafka's graceful shutdown on SIGTERM/SIGINT.
# Kafka's jars are fetched by the caller (mvn dependency:copy-dependencies of
# org.apache.kafka:kafka_2.13:4.1.x) and never committed.
set -euo pipefail
: "${KAFKA_LIB_DIR:?set KAFKA_LIB_DIR to a directory holding Kafka 4.1 and its runtime jars}"
[ "${1:-}" = start ] || { echo "usage: $0 start --override key=value ..." >&2; exit 2; }
shift

declare -A settings=()
while [ $# -gt 0 ]; do
  case "$1" in
    --override) settings["${2%%=*}"]="${2#*=}"; shift 2 ;;
    *) echo "reference-kafka: unsupported argument $1" >&2; exit 2 ;;
  esac
done
listener="${settings[listeners]:?listeners override required}"
data_dir="${settings[log.dirs]:?log.dirs override required}"
port="${listener##*:}"
unset 'settings[listeners]'

# The controller listener gets its own port, remembered in the data directory across restarts.
mkdir -p "$data_dir"
if [ ! -f "$data_dir/.controller-port" ]; then
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$data_dir/.controller-port"
fi
controller_port="$(cat "$data_dir/.controller-port")"
properties="$data_dir/.server.properties"
{
  echo "process.roles=broker,controller"
  echo "node.id=1"
  echo "controller.quorum.voters=1@127.0.0.1:$controller_port"
  echo "listeners=$listener,CONTROLLER://127.0.0.1:$controller_port"
  echo "controller.listener.names=CONTROLLER"
  echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  echo "inter.broker.listener.name=PLAINTEXT"
  echo "offsets.topic.replication.factor=1"
  echo "transaction.state.log.replication.factor=1"
  echo "transaction.state.log.min.isr=1"
  echo "share.coordinator.state.topic.replication.factor=1"
  echo "share.coordinator.state.topic.min.isr=1"
  for key in "${!settings[@]}"; do echo "$key=${settings[$key]}"; done
} >"$properties"

java_options=(-Xmx1g -XX:+UseSerialGC -cp "$KAFKA_LIB_DIR/*")
if [ ! -f "$data_dir/meta.properties" ]; then
  java "${java_options[@]}" kafka.tools.StorageTool format -t "$(java "${java_options[@]}" kafka.tools.StorageTool random-uuid)" \
    -c "$properties" >"$data_dir/.format.log" 2>&1 || { cat "$data_dir/.format.log" >&2; exit 1; }
fi

java "${java_options[@]}" kafka.Kafka "$properties" &
kafka_pid=$!
stop() { kill -TERM "$kafka_pid" 2>/dev/null || true; }
trap stop TERM INT
# Serving means Metadata answers with this broker (after a kill -9 Kafka accepts connections well
# before it serves), asked with kcat when it is installed, else an accepting port.
serving() {
  if command -v kcat >/dev/null 2>&1; then
    kcat -L -b "127.0.0.1:$port" -m 2 2>/dev/null | grep -q '^ 1 brokers:'
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}
until serving; do
  kill -0 "$kafka_pid" 2>/dev/null || { wait "$kafka_pid"; exit $?; }
  sleep 0.2
done
echo "reference Kafka started on 127.0.0.1:$port"
status=0
wait "$kafka_pid" || status=$?
# A signal interrupts the first wait; wait again for Kafka's shutdown to finish.
if kill -0 "$kafka_pid" 2>/dev/null; then wait "$kafka_pid" || status=$?; fi
# Kafka's JVM exits 143 after a graceful shutdown on SIGTERM (130 on SIGINT); report that as 0.
if [ "$status" -eq 143 ] || [ "$status" -eq 130 ]; then status=0; fi
exit "$status"
