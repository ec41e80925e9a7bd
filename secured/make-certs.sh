#!/usr/bin/env bash
# Makes the certificates of the secured compose variant (docker-compose.secured.yml) under secured/certs: a CA, a
# certificate for the NATS server (nats), one for the Kafka broker (kafka), one for the service as a NATS client;
# keys unencrypted PKCS #8, as the service and Kafka's PEM key store read them. For trying the variant out: in
# production, use certificates of your own CA.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p certs && cd certs
days=365
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days "$days" -subj "/CN=alarm-digest CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
sign() { # name common-name extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%b' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out "$1.pem" -days "$days" \
    -extfile "$1.ext" 2>/dev/null
}
sign nats nats "subjectAltName=DNS:nats,DNS:localhost\nextendedKeyUsage=serverAuth\n"
sign kafka kafka "subjectAltName=DNS:kafka,DNS:localhost\nextendedKeyUsage=serverAuth\n"
sign client alarm-digest "extendedKeyUsage=clientAuth\n"
cat kafka-key.pem kafka.pem > kafka-keystore.pem
# The containers run as other users than the one who made the files.
chmod 644 ./*.pem
echo "certificates in $(pwd)"
