#!/bin/sh
# The compose broker with TLS, SASL/SCRAM-SHA-512 and ACLs (docker-compose.yml), in the apache/kafka image.
#   init  one-shot (as root): the first time, a CA and the broker's certificate it signs (keytool, PKCS12),
#         and a random password for the broker, the administrator and each service, in $SECRETS
#         (readable by uid 1000 only: the services' and the broker's user); afterwards, nothing.
#   run   the broker: writes its configuration, formats its storage the first time with the SCRAM
#         users (KRaft keeps them in the cluster metadata), then runs it.
# The topics and the services' ACLs are made by `kafka-provision` (tools/kafka-provision.ts) as admin.
set -eu
SECRETS="${AAP_KAFKA_SECRETS:-/run/aap-secrets/kafka}"
DATA="${AAP_KAFKA_DATA:-/var/lib/kafka/data}"
USERS="broker admin submission evaluation funding-award notification"

init() {
  if [ -f "$SECRETS/ready" ]; then echo "Kafka secrets already generated in $SECRETS"; return; fi
  umask 077
  new="$SECRETS/.new"
  rm -rf "$new" && mkdir -p "$new"
  for name in $USERS keystore; do head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$new/$name.password"; done
  pass="$(cat "$new/keystore.password")"
  store() { keytool -storetype PKCS12 -storepass "$pass" -keypass "$pass" "$@"; }
  store -genkeypair -alias ca -dname CN=aap-kafka-ca -ext bc:c -keyalg RSA -keysize 2048 -validity 825 -keystore "$new/ca.p12"
  keytool -exportcert -rfc -alias ca -keystore "$new/ca.p12" -storepass "$pass" > "$new/ca.pem"
  store -genkeypair -alias kafka -dname CN=kafka -keyalg RSA -keysize 2048 -validity 825 -keystore "$new/broker.p12"
  # The services reach it as kafka:9092, tools on the host as localhost:9092.
  keytool -certreq -alias kafka -keystore "$new/broker.p12" -storepass "$pass" \
    | keytool -gencert -rfc -alias ca -keystore "$new/ca.p12" -storepass "$pass" -validity 825 -ext SAN=dns:kafka,dns:localhost,ip:127.0.0.1 -ext EKU=serverAuth,clientAuth > "$new/broker.pem"
  keytool -importcert -noprompt -alias ca -file "$new/ca.pem" -keystore "$new/broker.p12" -storepass "$pass"
  keytool -importcert -alias kafka -file "$new/broker.pem" -keystore "$new/broker.p12" -storepass "$pass"
  # The CA's key signs nothing else: a new certificate is a new `init` (docker compose down -v).
  rm "$new/ca.p12" "$new/broker.pem"
  # For the administrator's command-line tools (kafka-acls.sh, kafka-topics.sh --command-config).
  cat > "$new/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$new/admin.password")";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
EOF
  chown -R 1000:1000 "$new" && chmod 0400 "$new"/*
  mv "$new"/* "$SECRETS"/ && rmdir "$new"
  touch "$SECRETS/ready"
  echo "Kafka secrets generated in $SECRETS"
}

run() {
  broker="$(cat "$SECRETS/broker.password")"
  pass="$(cat "$SECRETS/keystore.password")"
  config=/tmp/server.properties
  umask 077
  cat > "$config" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
log.dirs=$DATA
# INTERNAL: the services (kafka:9092); EXTERNAL: tools on the host (localhost:9092, published on loopback only).
listeners=INTERNAL://:9092,EXTERNAL://:19092,CONTROLLER://:9093
advertised.listeners=INTERNAL://kafka:9092,EXTERNAL://localhost:9092
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
listener.security.protocol.map=INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$broker";
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# The controller cannot use SCRAM (its credentials live in the metadata it serves): PLAIN, as the broker.
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$broker" user_broker="$broker";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECRETS/broker.p12
ssl.keystore.password=$pass
ssl.key.password=$pass
# The broker is a TLS client of itself (inter-broker listener): it trusts the CA that signed it.
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
# What no ACL allows is denied; the broker and the administrator are not bound by ACLs.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:broker;User:admin
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  if [ ! -f "$DATA/meta.properties" ]; then
    set --
    for name in $USERS; do set -- "$@" --add-scram "SCRAM-SHA-512=[name=$name,password=$(cat "$SECRETS/$name.password")]"; done
    /opt/kafka/bin/kafka-storage.sh format --cluster-id="$(/opt/kafka/bin/kafka-storage.sh random-uuid)" --config "$config" "$@"
  fi
  exec /opt/kafka/bin/kafka-server-start.sh "$config"
}

case "${1:-}" in
  init) init ;;
  run) run ;;
  *) echo "usage: $0 init|run" >&2; exit 2 ;;
esac
