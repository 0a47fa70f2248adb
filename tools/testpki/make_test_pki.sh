#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds a complete, synthetic test PKI with the openssl CLI and signs test
# documents with it (fictitious holders only):
#
#   csca/       CSCAs: DE (brainpoolP256r1 with explicit EC parameters, "old"),
#               DE "new" (brainpoolP256r1) + a link certificate old -> new,
#               NL (NIST P-256), FR (RSA 2048), XX (P-256, never imported:
#               the unknown CSCA)
#   signer/     document signers (DE, NL, FR, FR-PSS, XX, DE revoked) and seal
#               signers (DETS serial 27 brainpoolP256r1, DETT serial 32
#               brainpoolP224r1, NLAB serial 5 P-384, NLAC serial 6 P-521,
#               DERV serial 1A revoked)
#   ml/         a CSCA master list (CMS, signed by a DE master-list signer)
#               carrying the NL and FR CSCAs
#   crl/        CRLs: DE new (revokes DE-revoked and DERV), NL (valid one day)
#   crl-expired/ NL's CRL with its next update in 2020
#   seals/      *.vds seal bytes (tools/testpki/make_docs.py)
#   ldif/       the PKD's LDIF download format: pkd-dsccrl.ldif, pkd-ml.ldif
#   chips/      NAME/sod.bin + NAME/dgN.bin (tools/testpki/make_docs.py)
#
# The trust store a verifier should use: csca/de-old.pem, csca/de-link.pem,
# crl/*.pem, signer/seal-*.pem, then ml/masterlist.ml verified against
# csca/de-old.pem. (csca/de-new.pem is left out on purpose: the link
# certificate must be enough.)
#
#   tls/        for `tdv serve` over TLS: ca.pem (a test TLS CA), server.pem +
#               server.key (CN localhost, SAN 127.0.0.1), client.pem +
#               client.key (an integrator's client certificate), other-ca.pem
#               + stranger.pem/.key (a client certificate from another CA)
#
#   images/     seals printed as DataMatrix symbols (when SEAL_IMAGE, the
#               tdv_seal_image tool, is given): on the committed visa sample,
#               and on 2 MP pages rotated, inverted, noisy, off-centre
#
# Usage: tools/testpki/make_test_pki.sh OUTDIR [SEAL_IMAGE]   (about 3 s; needs openssl, python3)
set -euo pipefail

OUT="${1:?usage: make_test_pki.sh OUTDIR [SEAL_IMAGE]}"
SEAL_IMAGE="${2:-}"
[[ -z "$SEAL_IMAGE" || "$SEAL_IMAGE" = /* ]] || SEAL_IMAGE="$PWD/$SEAL_IMAGE"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$OUT"
mkdir -p "$OUT"/{csca,signer,ml,crl,keys,ca,seals,chips}
cd "$OUT"

ec_key() { openssl ecparam -name "$2" ${3:+-param_enc explicit} -genkey -noout -out "keys/$1.key"; }
rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "keys/$1.key" 2>/dev/null; }

cat >ca/ext.cnf <<'EOF'
[csca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[link]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[signer]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[mlsigner]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = 2.23.136.1.1.9
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# A self-signed CSCA: name, subject.
csca() {
  openssl req -x509 -new -key "keys/$1.key" -subj "$2" -days 5475 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "csca/$1.pem"
}
# A certificate issued by a CA: name, subject, issuer, extension section, serial, days.
issue() {
  local name="$1" subj="$2" issuer="$3" ext="$4" serial="$5" days="${6:-3650}"
  local base
  base="$(basename "$name")"
  openssl req -new -key "keys/$base.key" -subj "$subj" -out "ca/$base.csr"
  openssl x509 -req -in "ca/$base.csr" -CA "$issuer.pem" -CAkey "keys/$(basename "$issuer").key" \
    -set_serial "$serial" -days "$days" -sha256 -extfile ca/ext.cnf -extensions "$ext" \
    -out "$name.pem" 2>/dev/null
}

# --- CSCAs
ec_key de-old brainpoolP256r1 explicit
ec_key de-new brainpoolP256r1
ec_key nl prime256v1
rsa_key fr
ec_key xx prime256v1
ec_key gb prime256v1
csca de-old "/C=DE/O=TDV Test PKI/CN=TDV Test CSCA DE 1"
csca de-new "/C=DE/O=TDV Test PKI/CN=TDV Test CSCA DE 2"
csca nl "/C=NL/O=TDV Test PKI/CN=TDV Test CSCA NL"
csca fr "/C=FR/O=TDV Test PKI/CN=TDV Test CSCA FR"
csca xx "/C=DE/O=TDV Test PKI/CN=TDV Unknown CSCA"
# The country in lower case, as British certificates of 2011 write it.
csca gb "/C=gb/O=TDV Test PKI/CN=TDV Test CSCA GB"
# Link certificate: DE 2's subject and key, signed by DE 1.
openssl req -new -key keys/de-new.key -subj "/C=DE/O=TDV Test PKI/CN=TDV Test CSCA DE 2" -out ca/de-link.csr
openssl x509 -req -in ca/de-link.csr -CA csca/de-old.pem -CAkey keys/de-old.key -set_serial 0x100 \
  -days 5000 -sha256 -extfile ca/ext.cnf -extensions link -out csca/de-link.pem 2>/dev/null
cp keys/de-new.key keys/de-link.key

# --- Document signers
ec_key ds-de brainpoolP256r1
ec_key ds-nl prime256v1
rsa_key ds-fr
rsa_key ds-fr-pss
ec_key ds-xx prime256v1
ec_key ds-de-revoked brainpoolP256r1
ec_key ds-gb prime256v1
issue signer/ds-gb "/C=gb/O=TDV Test PKI/CN=TDV Document Signer GB" csca/gb signer 0x6001
issue signer/ds-de "/C=DE/O=TDV Test PKI/CN=TDV Document Signer DE" csca/de-new signer 0x2001
issue signer/ds-nl "/C=NL/O=TDV Test PKI/CN=TDV Document Signer NL" csca/nl signer 0x3001
issue signer/ds-fr "/C=FR/O=TDV Test PKI/CN=TDV Document Signer FR" csca/fr signer 0x4001
issue signer/ds-fr-pss "/C=FR/O=TDV Test PKI/CN=TDV Document Signer FR PSS" csca/fr signer 0x4002
issue signer/ds-xx "/C=DE/O=TDV Test PKI/CN=TDV Document Signer XX" csca/xx signer 0x5001
issue signer/ds-de-revoked "/C=DE/O=TDV Test PKI/CN=TDV Document Signer DE revoked" csca/de-new signer 0x2002

# --- Seal signers: subject C + CN (the 2-letter signer name), serial = the
# header's certificate reference read as hex (TR-03137 table 1).
ec_key seal-dets brainpoolP256r1
ec_key seal-dett brainpoolP224r1
ec_key seal-nlab secp384r1
ec_key seal-nlac secp521r1
ec_key seal-derv brainpoolP256r1
issue signer/seal-dets "/C=DE/CN=TS" csca/de-new signer 0x27
issue signer/seal-dett "/C=DE/CN=TT" csca/de-old signer 0x32
issue signer/seal-nlab "/C=NL/CN=AB" csca/nl signer 0x5
issue signer/seal-nlac "/C=NL/CN=AC" csca/nl signer 0x6
issue signer/seal-derv "/C=DE/CN=RV" csca/de-new signer 0x1A

# --- CSCA master list, published by DE: CscaMasterList { 0, {NL, FR} } in CMS.
ec_key ml-de brainpoolP256r1
issue signer/ml-de "/C=DE/O=TDV Test PKI/CN=TDV Master List Signer DE" csca/de-old mlsigner 0x2100
python3 "$HERE/make_docs.py" masterlist-content csca/nl.pem csca/fr.pem >ca/ml-content.der
openssl cms -sign -binary -nodetach -nosmimecap -outform DER -md sha256 \
  -econtent_type 2.23.136.1.1.2 -signer signer/ml-de.pem -inkey keys/ml-de.key \
  -in ca/ml-content.der -out ml/masterlist.ml
# The same list signed by a signer that does not chain to the DE root.
openssl cms -sign -binary -nodetach -nosmimecap -outform DER -md sha256 \
  -econtent_type 2.23.136.1.1.2 -signer signer/ds-xx.pem -inkey keys/ds-xx.key \
  -in ca/ml-content.der -out ml/masterlist-untrusted.ml

# --- CRLs (openssl ca needs a small database per CA)
crl() {
  local ca="$1" days="$2"
  shift 2
  local db="ca/db-$ca"
  mkdir -p "$db"
  : >"$db/index.txt"
  echo 1000 >"$db/crlnumber"
  cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
database = $db/index.txt
crlnumber = $db/crlnumber
default_md = sha256
default_crl_days = $days
EOF
  for revoked in "$@"; do
    openssl ca -config "$db/ca.cnf" -cert "csca/$ca.pem" -keyfile "keys/$ca.key" -revoke "$revoked" 2>/dev/null
  done
  openssl ca -config "$db/ca.cnf" -cert "csca/$ca.pem" -keyfile "keys/$ca.key" -gencrl -crldays "$days" \
    -out "crl/$ca.pem" 2>/dev/null
}
crl de-new "${TDV_TESTPKI_CRL_DAYS:-30}" signer/ds-de-revoked.pem signer/seal-derv.pem
crl nl 1
# NL's CRL as it was in 2020: past its next update whatever the clock says
# (what a state that stopped publishing leaves in a trust store).
mkdir -p crl-expired
openssl ca -config ca/db-nl/ca.cnf -cert csca/nl.pem -keyfile keys/nl.key -gencrl \
  -crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z -out crl-expired/nl.pem 2>/dev/null

# --- TLS for `tdv serve`: a CA, the server's certificate, client certificates
mkdir -p tls
tls_ca() {
  openssl ecparam -name prime256v1 -genkey -noout -out "tls/$1.key"
  openssl req -x509 -new -key "tls/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -out "tls/$1.pem"
}
tls_leaf() {  # name, subject CN, CA, extensions
  openssl ecparam -name prime256v1 -genkey -noout -out "tls/$1.key"
  openssl req -new -key "tls/$1.key" -subj "/CN=$2" -out "tls/$1.csr"
  printf '%s\n' "$4" >"tls/$1.ext"
  openssl x509 -req -in "tls/$1.csr" -CA "tls/$3.pem" -CAkey "tls/$3.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 3650 -sha256 -extfile "tls/$1.ext" -out "tls/$1.pem" 2>/dev/null
}
tls_ca ca "TDV test TLS CA"
tls_ca other-ca "Another TLS CA"
tls_leaf server localhost ca "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
tls_leaf client "border-system-1" ca "extendedKeyUsage=clientAuth"
tls_leaf stranger "stranger" other-ca "extendedKeyUsage=clientAuth"
# Agency A's signer of its feeds (docs/exchange.md, mode 2), and one that
# only claims to be.
tls_leaf feed-a "Agency A feed signer" ca "keyUsage=critical,digitalSignature"
tls_leaf feed-impostor "Agency A feed signer" other-ca "keyUsage=critical,digitalSignature"

# --- Seals and chip data
python3 "$HERE/make_docs.py" all .

# --- The same material as the ICAO PKD's LDIF downloads: document signers
# and a CRL (the "dsccrl" file), and the master list (the "ml" file).
mkdir -p ldif
python3 "$HERE/make_docs.py" ldif ldif/pkd-dsccrl.ldif userCertificate\;binary=signer/ds-nl.pem \
  userCertificate\;binary=signer/ds-fr.pem certificateRevocationList\;binary=crl/nl.pem
python3 "$HERE/make_docs.py" ldif ldif/pkd-ml.ldif pkdMasterListContent=ml/masterlist.ml

if [[ -n "$SEAL_IMAGE" ]]; then
  mkdir -p images
  "$SEAL_IMAGE" seals/visa-sample.vds images/visa-sample-seal.jpg \
    --background "$ROOT/samples/images/mrva-clean-003.jpg" --at 1020,330 --module 4
  "$SEAL_IMAGE" seals/visa-dets.vds images/seal-rotated.png --rotate 17 --at 1150,300
  "$SEAL_IMAGE" seals/visa-dets.vds images/seal-inverted.png --invert --at 200,900 --noise 6
  "$SEAL_IMAGE" seals/visa-dets.vds images/seal-noisy.jpg --rotate -8 --at 300,700 --noise 8 --module 4
  "$SEAL_IMAGE" seals/etd-nlac.vds images/seal-p521.png --at 100,80 --module 6
fi
echo "test PKI in $OUT"
