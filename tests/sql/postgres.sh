#!/bin/bash
# A private PostgreSQL for the SQL differential test (tests/tests/sql_differential.rs):
# client-certificate (mTLS) logins only, on 127.0.0.1, in a directory of its own.
#
#   postgres.sh install          # apt-get install postgresql (once per machine; root)
#   postgres.sh start DIR PORT   # certificates + a cluster in DIR, started on PORT
#   postgres.sh stop DIR         # stops that cluster
#
# Login: role `bench`, database `bench`, over TLS with DIR/certs/client.{crt,key}
# (CA DIR/certs/ca.crt). As root the server runs as the `postgres` user; otherwise
# as the caller. The test starts and stops its own cluster when the binaries are
# installed; CI runs `install` first (see the SQL section of docs/sql.md).
set -euo pipefail
cmd=${1:?install|start|stop}
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }
case $cmd in
install)
  if [ -z "$(bin)" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  echo "postgresql binaries in $(bin)"
  ;;
stop)
  D=$(realpath -m "${2:?DIR}")
  as_owner "$(bin)/pg_ctl -D $D/data -m fast stop" >/dev/null
  ;;
start)
  D=$(realpath -m "${2:?DIR}"); PORT=${3:?PORT}; B=$(bin)
  if [ -z "$B" ]; then
    echo "no PostgreSQL binaries under /usr/lib/postgresql (run: $0 install)" >&2
    exit 3
  fi
  rm -rf "$D"; mkdir -p "$D/certs"; cd "$D/certs"
  ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  openssl req -x509 $ec -days 2 -subj "/CN=kalavar-test-ca" -keyout ca.key -out ca.crt 2>/dev/null
  openssl req $ec -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
  printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > san.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out server.crt 2>/dev/null
  openssl req $ec -subj "/CN=bench" -keyout client.key -out client.csr 2>/dev/null
  printf "extendedKeyUsage=clientAuth\n" > cli.ext
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile cli.ext -out client.crt 2>/dev/null
  chmod 600 ./*.key
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$D"; chown root:root client.key client.crt
  fi
  chmod 755 "$D"
  as_owner "$B/initdb -D $D/data -A trust -U postgres >/dev/null"
  cat >> "$D/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$D'
ssl = on
ssl_min_protocol_version = 'TLSv1.3'
ssl_cert_file = '$D/certs/server.crt'
ssl_key_file = '$D/certs/server.key'
ssl_ca_file = '$D/certs/ca.crt'
fsync = off
CONF
  cat > "$D/data/pg_hba.conf" <<HBA
local     all postgres              trust
hostssl   all bench    127.0.0.1/32 cert
HBA
  as_owner "$B/pg_ctl -D $D/data -l $D/server.log -w start >/dev/null"
  as_owner "$B/psql -h $D -p $PORT -U postgres -d postgres -qc 'CREATE ROLE bench LOGIN' -c 'CREATE DATABASE bench OWNER bench'"
  echo "PostgreSQL with client-certificate logins on 127.0.0.1:$PORT (DIR $D)"
  ;;
*) echo "usage: $0 install | start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
