#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates samples/signatures/: a small public subset of a test PKI (no
# private keys) that `scripts/dev.sh serve` imports into an empty trust store,
# and documents signed with it for trying the service by hand:
#
#   trust/          DE CSCA 1 (root of the master list), the link to DE CSCA 2,
#                   DE CSCA 2's CRL (valid ten years), seal signers DETS and
#                   NLAB, the document signer DE, the master list (NL, FR CSCAs)
#   visa-seal.jpg   the visa sample with its seal printed (NLAB)
#   visa-dets.vds   a seal as bytes, with the printed MRZ visa-dets.mrz
#   chip-de/        EF.SOD + DG1 + DG2 and the printed MRZ of a German passport
#
# Usage: tools/testpki/make_samples.sh BUILD_DIR   (needs BUILD_DIR/tools/testpki/tdv_seal_image)
set -euo pipefail
BUILD="$(cd "${1:?usage: make_samples.sh BUILD_DIR}" && pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
TDV_TESTPKI_CRL_DAYS=3650 bash "$ROOT/tools/testpki/make_test_pki.sh" "$TMP/pki" "$BUILD/tools/testpki/tdv_seal_image" >/dev/null
OUT="$ROOT/samples/signatures"
rm -rf "$OUT"
mkdir -p "$OUT/trust" "$OUT/chip-de"
cp "$TMP"/pki/csca/de-old.pem "$TMP"/pki/csca/de-link.pem "$OUT/trust/"
cp "$TMP/pki/crl/de-new.pem" "$OUT/trust/crl-de-new.pem"
cp "$TMP"/pki/signer/{seal-dets,seal-nlab,ds-de}.pem "$OUT/trust/"
cp "$TMP/pki/ml/masterlist.ml" "$OUT/trust/"
cp "$TMP/pki/images/visa-sample-seal.jpg" "$OUT/visa-seal.jpg"
cp "$TMP"/pki/seals/visa-dets.{vds,mrz} "$OUT/"
cp "$TMP"/pki/chips/de-valid/{sod.bin,dg1.bin,dg2.bin,printed.mrz} "$OUT/chip-de/"
echo "samples in $OUT"
