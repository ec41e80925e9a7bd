#!/usr/bin/env bash
# Makes the certificates of the secured compose variant (docker-compose.secured.yml) under secured/certs, one
# directory per container, each with the CA certificate and its own key only: nats/ (the NATS server's), kafka/ (the
# broker's PKCS #12 key store, its password file and JAAS file, as the apache/kafka image reads them from
# /etc/kafka/secrets), client/ (the service's NATS client certificate). The CA's key stays in secured/ca, mounted
# nowhere. Keys are unencrypted PKCS #8, as the service reads them. For trying the variant out: in production, use
# certificates of your own CA and give each key to its service's user alone.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p ca certs/nats certs/kafka certs/client
days=365
(cd ca && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days "$days" \
  -subj "/CN=alarm-digest CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null && chmod 600 ca-key.pem)
sign() { # directory name common-name extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1/$2-key.pem" -out "ca/$2.csr" -subj "/CN=$3" 2>/dev/null
  printf '%b' "$4" > "ca/$2.ext"
  openssl x509 -req -in "ca/$2.csr" -CA ca/ca.pem -CAkey ca/ca-key.pem -CAcreateserial -out "$1/$2.pem" \
    -days "$days" -extfile "ca/$2.ext" 2>/dev/null
  cp ca/ca.pem "$1/ca.pem"
}
sign certs/nats nats nats "subjectAltName=DNS:nats,DNS:localhost\nextendedKeyUsage=serverAuth\n"
sign certs/kafka kafka kafka "subjectAltName=DNS:kafka,DNS:localhost\nextendedKeyUsage=serverAuth\n"
sign certs/client client alarm-digest "extendedKeyUsage=clientAuth\n"
# The broker's key store: the image wants PKCS #12 (or JKS) with its password in a file.
password="$(openssl rand -hex 16)"
printf '%s' "$password" > certs/kafka/keystore-password
openssl pkcs12 -export -in certs/kafka/kafka.pem -inkey certs/kafka/kafka-key.pem -name kafka \
  -out certs/kafka/kafka.keystore.p12 -passout "file:certs/kafka/keystore-password"
rm certs/kafka/kafka-key.pem
printf 'KafkaServer {\n  org.apache.kafka.common.security.scram.ScramLoginModule required;\n};\n' \
  > certs/kafka/kafka_server_jaas.conf
# Readable by the containers' users, whose ids differ from the one who made the files.
chmod 644 certs/*/*
echo "certificates in $(pwd)/certs; the CA's key in $(pwd)/ca"
