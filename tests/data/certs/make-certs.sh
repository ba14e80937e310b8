#!/bin/sh
# Makes the certificates tests/test_certificate.c reads.  Run it from this
# directory; it needs only the openssl command (1.1 or 3.x).
#
#   ca.pem / ca.der          "tlsview test root CA", RSA 2048, self-signed,
#                            valid 2019-01-01 .. 2040-01-01
#   inter.der                "tlsview test intermediate CA", EC P-384,
#                            signed by the root, same window
#   leaf.pem / leaf.der      tlsview.test: EC P-256, signed by the root with
#                            SHA-256, SANs tlsview.test, *.tlsview.test,
#                            192.0.2.1, 2001:db8::1, valid 2020-01-01 .. 2021-01-01
#   chain-leaf.der           chain.tlsview.test: RSA 3072, signed by the
#                            intermediate, valid 2020-01-01 .. 2021-01-01
#   self.der                 self.tlsview.test: RSA 2048, self-signed, not a CA,
#                            valid 2020-01-01 .. 2030-01-01
#   odd.der                  awkward names for the text conversions: a T61String
#                            (Latin-1) O, a multi-valued RDN with a BMPString,
#                            a CN full of RFC 4514 specials; email, URI and IP
#                            SANs; serial 00:A1:B2.  Self-signed, 10 years
#                            from the day it was made (its dates are not tested).
#
# Keys are fresh on every run, so the fingerprints change: the script prints
# the new ones (and writes fingerprints.txt); copy them into the test.
# The private keys are thrown away.
set -eu

here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > ca.cnf <<'CNF'
[ ca ]
default_ca = testca

[ testca ]
dir              = .
database         = index.txt
serial           = serial
new_certs_dir    = .
default_md       = sha256
policy           = anything
unique_subject   = no
copy_extensions  = none

[ anything ]
commonName             = supplied
organizationName       = optional
countryName            = optional

[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = placeholder

[ root_ext ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ inter_ext ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ leaf_ext ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectAltName         = DNS:tlsview.test, DNS:*.tlsview.test, IP:192.0.2.1, IP:2001:db8::1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ chain_ext ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:chain.tlsview.test
authorityKeyIdentifier = keyid

[ self_ext ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:self.tlsview.test
CNF
: > index.txt
echo 1000 > serial

ca() { openssl ca -config ca.cnf -batch -notext -preserveDN "$@" 2>/dev/null; }

# The root: openssl ca -selfsign is the one way to give a past start date.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key 2>/dev/null
openssl req -config ca.cnf -new -key ca.key -subj "/C=XX/O=tlsview tests/CN=tlsview test root CA" -out ca.csr
ca -selfsign -keyfile ca.key -extensions root_ext -startdate 20190101000000Z -enddate 20400101000000Z \
   -in ca.csr -out ca.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out inter.key
openssl req -config ca.cnf -new -key inter.key -subj "/O=tlsview tests/CN=tlsview test intermediate CA" -out inter.csr
ca -cert ca.pem -keyfile ca.key -extensions inter_ext -startdate 20190101000000Z -enddate 20400101000000Z \
   -in inter.csr -out inter.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
openssl req -config ca.cnf -new -key leaf.key -subj "/C=XX/O=tlsview tests/CN=tlsview.test" -out leaf.csr
ca -cert ca.pem -keyfile ca.key -extensions leaf_ext -startdate 20200101000000Z -enddate 20210101000000Z \
   -in leaf.csr -out leaf.pem

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out chain.key 2>/dev/null
openssl req -config ca.cnf -new -key chain.key -subj "/CN=chain.tlsview.test" -out chain.csr
ca -cert inter.pem -keyfile inter.key -extensions chain_ext -startdate 20200101000000Z -enddate 20210101000000Z \
   -in chain.csr -out chain-leaf.pem

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out self.key 2>/dev/null
openssl req -config ca.cnf -new -key self.key -subj "/CN=self.tlsview.test" -out self.csr
ca -selfsign -keyfile self.key -extensions self_ext -startdate 20200101000000Z -enddate 20300101000000Z \
   -in self.csr -out self.pem

for c in ca inter leaf chain-leaf self; do
    openssl x509 -in $c.pem -outform DER -out $c.der
done

# string_mask = default lets openssl pick T61String and BMPString.
cat > odd.cnf <<'CNF'
[ req ]
distinguished_name = dn
string_mask        = default
prompt             = no
[ dn ]
[ odd_ext ]
basicConstraints = CA:false
subjectAltName   = DNS:odd.tlsview.test, email:odd@tlsview.test, URI:https://odd.tlsview.test/, IP:198.51.100.7
CNF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out odd.key
openssl req -config odd.cnf -new -x509 -days 3650 -key odd.key -utf8 -multivalue-rdn \
    -set_serial 0x00a1b2 -extensions odd_ext \
    -subj '/C=XX/O=Ünïcødé tests/OU=a+OU=b€/CN=odd, "quoted" name;x ' -out odd.pem
openssl x509 -in odd.pem -outform DER -out odd.der

cp ca.pem ca.der leaf.pem leaf.der inter.der chain-leaf.der self.der odd.der "$here/"
: > "$here/fingerprints.txt"
for c in ca inter leaf chain-leaf self odd; do
    printf '%s.der %s\n' "$c" "$(openssl x509 -in $c.pem -noout -fingerprint -sha256 | sed 's/^.*=//')" \
        >> "$here/fingerprints.txt"
done
cat "$here/fingerprints.txt"
