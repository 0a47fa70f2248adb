#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Signed test documents for the test PKI made by make_test_pki.sh (stdlib +
the openssl CLI; every holder is fictitious).

  make_docs.py masterlist-content CERT.pem...  > content.der
      the DER CscaMasterList { version 0, SET OF Certificate }
  make_docs.py all PKIDIR
      seals/NAME.vds (+ NAME.mrz, the MRZ printed on the document) and
      chips/NAME/{sod.bin,dgN.bin,printed.mrz}, chips/de-card/card_security.bin;
      see the lists below.
  make_docs.py ldif OUT.ldif ATTRIBUTE=FILE...
      an LDIF file as the ICAO PKD publishes its downloads: one entry per
      FILE (PEM or DER), its value base64 under ATTRIBUTE
      (userCertificate;binary, certificateRevocationList;binary,
      pkdMasterListContent), folded at 76 columns
"""
import json
import os
import subprocess
import sys

# --------------------------------------------------------------------------- DER


def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    return tag_bytes + der_len(len(content)) + content


def der_int(n):
    body = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")
    return tlv(0x02, body)


def der_oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def read_tlv(b, i):
    """(tag, content_start, end) of the TLV at b[i] (single-byte tags)."""
    n = b[i + 1]
    if n < 0x80:
        return b[i], i + 2, i + 2 + n
    k = n & 0x7F
    length = int.from_bytes(b[i + 2 : i + 2 + k], "big")
    return b[i], i + 2 + k, i + 2 + k + length


def children(b, start, end):
    out = []
    i = start
    while i < end:
        _, s, e = read_tlv(b, i)
        out.append((i, s, e))
        i = e
    return out


def pem_to_der(path):
    return subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], check=True,
                          capture_output=True).stdout


def issuer_name_der(cert_der):
    _, s, e = read_tlv(cert_der, 0)  # Certificate
    _, ts, te = read_tlv(cert_der, s)  # TBSCertificate
    fields = children(cert_der, ts, te)
    idx = 3 if cert_der[fields[0][0]] == 0xA0 else 2  # [0] version, serial, sigalg, issuer
    i, _, end = fields[idx]
    return cert_der[i:end]


# --------------------------------------------------------------------------- MRZ

def check_digit(s):
    weights = (7, 3, 1)
    total = 0
    for i, c in enumerate(s):
        if c.isdigit():
            v = int(c)
        elif c.isalpha():
            v = ord(c) - 55
        else:
            v = 0
        total += v * weights[i % 3]
    return str(total % 10)


def field(s, n):
    return (s + "<" * n)[:n]


def names(surname, given, n):
    return field(surname.replace(" ", "<") + "<<" + given.replace(" ", "<"), n)


def td3(state, surname, given, number, nat, dob, sex, exp, optional=""):
    l1 = field("P<" + field(state, 3) + names(surname, given, 39), 44)
    num, opt = field(number, 9), field(optional, 14)
    parts = [num + check_digit(num), dob + check_digit(dob), exp + check_digit(exp), opt + check_digit(opt)]
    l2 = parts[0] + field(nat, 3) + parts[1] + sex + parts[2] + parts[3]
    l2 += check_digit(parts[0] + parts[1] + parts[2] + parts[3])
    return l1, l2


def td2(code, state, surname, given, number, nat, dob, sex, exp, optional=""):
    l1 = field(code + field(state, 3) + names(surname, given, 31), 36)
    num, opt = field(number, 9), field(optional, 7)
    l2 = num + check_digit(num) + field(nat, 3) + dob + check_digit(dob) + sex + exp + check_digit(exp) + opt
    l2 += check_digit(num + check_digit(num) + dob + check_digit(dob) + exp + check_digit(exp) + opt)
    return l1, l2


def mrva(state, surname, given, number, nat, dob, sex, exp, optional=""):
    l1 = field("V<" + field(state, 3) + names(surname, given, 39), 44)
    num = field(number, 9)
    l2 = num + check_digit(num) + field(nat, 3) + dob + check_digit(dob) + sex + exp + check_digit(exp)
    return l1, field(l2 + optional, 44)


# --------------------------------------------------------------------------- VDS

def c40(text):
    def v(c):
        if c in " <":
            return 3
        if c.isdigit():
            return 4 + int(c)
        return 14 + ord(c) - ord("A")
    out = bytearray()
    vals = [v(c) for c in text]
    i = 0
    while i + 3 <= len(vals):
        n = 1600 * vals[i] + 40 * vals[i + 1] + vals[i + 2] + 1
        out += n.to_bytes(2, "big")
        i += 3
    if len(vals) - i == 2:
        n = 1600 * vals[i] + 40 * vals[i + 1] + 1
        out += n.to_bytes(2, "big")
    elif len(vals) - i == 1:
        c = " " if text[i] == "<" else text[i]
        out += bytes([0xFE, ord(c) + 1])
    return bytes(out)


def vds_date(y, m, d):
    return (m * 1000000 + d * 10000 + y).to_bytes(3, "big")


def vds_header(version, state, signer, cert_ref, feature_ref, category):
    head = bytes([0xDC, 0x02 if version == 3 else 0x03]) + c40(field(state, 3))
    if version == 3:
        head += c40(signer + field(cert_ref, 5))
    else:
        head += c40(signer + "%02X" % len(cert_ref)) + c40(cert_ref)
    return head + vds_date(2026, 1, 15) + vds_date(2026, 1, 16) + bytes([feature_ref, category])


def feature(tag, value):
    return bytes([tag]) + der_len(len(value)) + value


HASH_BY_BITS = [(224, "sha224"), (256, "sha256"), (384, "sha384"), (521, "sha512")]


def sign_raw(key, data, bits):
    md = next(h for b, h in HASH_BY_BITS if bits <= b)
    der = subprocess.run(["openssl", "dgst", "-" + md, "-sign", key], input=data, check=True,
                         capture_output=True).stdout
    _, s, e = read_tlv(der, 0)
    (ri, rs, re_), (si, ss, se) = children(der, s, e)
    size = (bits + 7) // 8
    r = int.from_bytes(der[rs:re_], "big").to_bytes(size, "big")
    s_ = int.from_bytes(der[ss:se], "big").to_bytes(size, "big")
    return r + s_


def signed(body, key, bits):
    sig = sign_raw(key, body, bits)
    return body + b"\xff" + der_len(len(sig)) + sig


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_seals(pki):
    out = os.path.join(pki, "seals")
    key = lambda n: os.path.join(pki, "keys", n + ".key")

    # A Schengen-style visa (MRV-A) for a fictitious holder.
    l1, l2 = mrva("D", "TESTFALL", "ANNA MARIA", "VX1234567", "CAN", "900101", "F", "310630")
    visa_mrz = l1 + "\n" + l2 + "\n"
    visa_body = vds_header(4, "D", "DETS", "27", 0x5D, 0x01)
    visa_body += feature(1, c40(l1 + l2[:28]))
    visa_body += feature(3, bytes([2]))
    visa_body += feature(4, bytes([90, 0, 0]))
    visa_body += feature(5, c40("UP1234567"))
    visa = signed(visa_body, key("seal-dets"), 256)
    write(f"{out}/visa-dets.vds", visa)
    write(f"{out}/visa-dets.mrz", visa_mrz.encode())

    # The same visa with one message byte changed after signing.
    tampered = bytearray(visa)
    pos = len(visa_body) - 3  # inside the passport number
    tampered[pos] ^= 0x01
    write(f"{out}/visa-tampered.vds", bytes(tampered))
    bad = bytearray(visa)
    bad[-5] ^= 0x40
    write(f"{out}/visa-badsig.vds", bytes(bad))
    write(f"{out}/visa-truncated.vds", visa[:-20])
    write(f"{out}/visa-unsigned.vds", visa_body)
    write(f"{out}/visa-unknown-signer.vds",
          signed(vds_header(4, "D", "DEXX", "27", 0x5D, 0x01) + visa_body[18:], key("seal-dets"), 256))
    write(f"{out}/visa-revoked.vds",
          signed(vds_header(4, "D", "DERV", "1A", 0x5D, 0x01) + visa_body[18:], key("seal-derv"), 256))
    write(f"{out}/visa-unknown-tag.vds", signed(visa_body + feature(0x30, b"\x01\x02\x03"), key("seal-dets"), 256))

    # A seal for the committed visa sample image (samples/images), whose
    # printed MRZ it carries; make_test_pki.sh prints it onto that image.
    sample = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "images", "mrva-clean-003.expected.json")
    s1, s2 = json.load(open(sample))["mrz"]
    body = vds_header(4, "NLD", "NLAB", "5", 0x5D, 0x01) + feature(1, c40(s1 + s2[:28])) + feature(5, c40("UP2468024"))
    write(f"{out}/visa-sample.vds", signed(body, key("seal-nlab"), 384))
    write(f"{out}/visa-sample.mrz", (s1 + "\n" + s2 + "\n").encode())

    # Residence permit, header v3, brainpoolP224r1 (SHA-224).
    r1, r2 = td2("AR", "D", "BEISPIEL", "JONAS", "RP0000421", "TUR", "851224", "M", "300101")
    rp_body = vds_header(3, "D", "DETT", "00032", 0xFB, 0x06)
    rp_body += feature(2, c40(r1 + r2)) + feature(3, c40("UP7654321"))
    write(f"{out}/rp-dett-v3.vds", signed(rp_body, key("seal-dett"), 224))
    write(f"{out}/rp-dett-v3.mrz", (r1 + "\n" + r2 + "\n").encode())

    # A social insurance card (TR-03137 section 7): a seal with no MRZ, whose
    # signature is the document's whole proof.
    sic = vds_header(4, "D", "DETS", "27", 0xFC, 0x04) + feature(1, c40("65170839J003"))
    sic += feature(2, "BEISPIEL".encode()) + feature(3, "JÖRG".encode())
    write(f"{out}/sic-dets.vds", signed(sic, key("seal-dets"), 256))

    # An emergency travel document's seal whose MRZ is no MRZ (50 characters):
    # judged by its signature, its MRZ check saying why it did not run.
    odd = vds_header(4, "D", "DETS", "27", 0x5E, 0x03) + feature(2, c40("XYZ" * 16 + "XY"))
    write(f"{out}/etd-oddmrz-dets.vds", signed(odd, key("seal-dets"), 256))

    # Arrival attestation, P-384 (SHA-384); emergency travel document, P-521 (SHA-512).
    a1, a2 = td2("AU", "NLD", "VOORBEELD", "SAM", "AA0000123", "SYR", "020202", "X", "270101")
    aad = vds_header(4, "NLD", "NLAB", "5", 0xFD, 0x02) + feature(2, c40(a1 + a2)) + feature(3, c40("123456789012"))
    write(f"{out}/aad-nlab.vds", signed(aad, key("seal-nlab"), 384))
    e1, e2 = td2("PE", "NLD", "VOORBEELD", "SAM", "ET0000777", "SYR", "020202", "X", "261231")
    etd = vds_header(4, "NLD", "NLAC", "6", 0x5E, 0x03) + feature(2, c40(e1 + e2))
    write(f"{out}/etd-nlac.vds", signed(etd, key("seal-nlac"), 521))


# --------------------------------------------------------------------------- chip

HASH_OIDS = {"sha1": "1.3.14.3.2.26", "sha224": "2.16.840.1.101.3.4.2.4", "sha256": "2.16.840.1.101.3.4.2.1",
             "sha384": "2.16.840.1.101.3.4.2.2", "sha512": "2.16.840.1.101.3.4.2.3"}


def dg1(l1, l2):
    return tlv(0x61, tlv(0x5F1F, (l1 + l2).encode()))


def lds_security_object(md, dgs):
    import hashlib
    items = b"".join(tlv(0x30, der_int(n) + tlv(0x04, hashlib.new(md, dgs[n]).digest())) for n in sorted(dgs))
    alg = tlv(0x30, der_oid(HASH_OIDS[md]) + b"\x05\x00")
    return tlv(0x30, der_int(0) + alg + tlv(0x30, items))


def make_chip(pki, name, signer, md, dgs, printed, pss=False, nocerts=False):
    out = os.path.join(pki, "chips", name)
    os.makedirs(out, exist_ok=True)
    lds = os.path.join(out, "lds.der")
    write(lds, lds_security_object(md, dgs))
    cmd = ["openssl", "cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-outform", "DER",
           "-md", md, "-econtent_type", "2.23.136.1.1.1",
           "-signer", os.path.join(pki, "signer", signer + ".pem"),
           "-inkey", os.path.join(pki, "keys", signer + ".key"), "-in", lds]
    if pss:
        cmd += ["-keyopt", "rsa_padding_mode:pss"]
    if nocerts:
        cmd += ["-nocerts"]
    cms = subprocess.run(cmd, check=True, capture_output=True).stdout
    os.remove(lds)
    write(os.path.join(out, "sod.bin"), tlv(0x77, cms))
    for n, data in dgs.items():
        write(os.path.join(out, f"dg{n}.bin"), data)
    write(os.path.join(out, "printed.mrz"), ("\n".join(printed) + "\n").encode())
    return os.path.join(out, "sod.bin")


def make_chips(pki):
    face = tlv(0x75, tlv(0x7F61, b"\x02\x01\x01" + bytes(range(256)) * 4))  # a stand-in for DG2
    de = td3("D", "MUSTERFRAU", "ERIKA", "C01X00T47", "D", "640812", "F", "310101")
    nl = td3("NLD", "DE TESTER", "JAN", "NT0000001", "NLD", "750505", "M", "320202")
    fr = td3("FRA", "ESSAI", "CLAIRE", "12AB34567", "FRA", "881111", "F", "330303")
    gb = td3("GBR", "SPECIMEN", "ANGELA", "925665416", "GBR", "820301", "F", "340404")
    std = lambda mrz: {1: dg1(*mrz), 2: face}

    make_chip(pki, "de-valid", "ds-de", "sha256", std(de), de)
    make_chip(pki, "nl-valid", "ds-nl", "sha512", std(nl), nl)
    make_chip(pki, "fr-rsa", "ds-fr", "sha256", std(fr), fr)
    make_chip(pki, "fr-pss", "ds-fr-pss", "sha384", std(fr), fr, pss=True)
    make_chip(pki, "fr-sha1", "ds-fr", "sha1", std(fr), fr)
    make_chip(pki, "nl-sha224", "ds-nl", "sha224", std(nl), nl)
    # Signer and CSCA write C=gb (lower case).
    make_chip(pki, "gb-lowercase", "ds-gb", "sha256", std(gb), gb)
    make_chip(pki, "de-nocerts", "ds-de", "sha256", std(de), de, nocerts=True)

    # DG2 changed after signing.
    make_chip(pki, "de-dg2-tampered", "ds-de", "sha256", std(de), de)
    write(os.path.join(pki, "chips", "de-dg2-tampered", "dg2.bin"), face[:-1] + b"\x00")
    # A DG3 read from the chip that the SOD does not list.
    make_chip(pki, "de-dg3-injected", "ds-de", "sha256", std(de), de)
    write(os.path.join(pki, "chips", "de-dg3-injected", "dg3.bin"), tlv(0x63, b"\x01" * 40))
    # A byte of the signature flipped.
    sod = make_chip(pki, "de-badsig", "ds-de", "sha256", std(de), de)
    data = bytearray(open(sod, "rb").read())
    data[-3] ^= 0x01
    write(sod, bytes(data))
    # DG1 names the Netherlands, signed by the German document signer.
    make_chip(pki, "de-country", "ds-de", "sha256", std(nl), nl)
    make_chip(pki, "de-revoked", "ds-de-revoked", "sha256", std(de), de)
    make_chip(pki, "xx-unknown-csca", "ds-xx", "sha256", std(de), de)
    # The SignerInfo's issuer lists its RDNs in reverse order (some states
    # do): same length, so only those bytes change; they are not signed.
    sod = make_chip(pki, "de-rdn-order", "ds-de", "sha256", std(de), de)
    data = bytearray(open(sod, "rb").read())
    issuer = issuer_name_der(pem_to_der(os.path.join(pki, "signer", "ds-de.pem")))
    _, s, e = read_tlv(issuer, 0)
    rdns = [issuer[i:end] for i, _, end in children(issuer, s, e)]
    reordered = issuer[:s] + b"".join(reversed(rdns))
    at = bytes(data).rfind(issuer)
    data[at:at + len(issuer)] = reordered
    write(sod, bytes(data))
    make_card_security(pki)


def make_card_security(pki):
    """EF.CardSecurity of a German ID card (BSI TR-03110): CMS SignedData over
    SecurityInfos (here one PACEInfo), content type id-SecurityObject, signed
    by the German document signer; and a copy with a signature byte flipped."""
    out = os.path.join(pki, "chips", "de-card")
    os.makedirs(out, exist_ok=True)
    pace = tlv(0x30, der_oid("0.4.0.127.0.7.2.2.4.2.2") + der_int(2) + der_int(13))
    infos = os.path.join(out, "infos.der")
    write(infos, tlv(0x31, pace))
    cms = subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-outform", "DER",
         "-md", "sha256", "-econtent_type", "0.4.0.127.0.7.3.2.1",
         "-signer", os.path.join(pki, "signer", "ds-de.pem"),
         "-inkey", os.path.join(pki, "keys", "ds-de.key"), "-in", infos],
        check=True, capture_output=True).stdout
    os.remove(infos)
    write(os.path.join(out, "card_security.bin"), cms)
    bad = bytearray(cms)
    bad[-3] ^= 0x01
    write(os.path.join(out, "card_security-badsig.bin"), bytes(bad))


def write_ldif(out, pairs):
    """One LDIF entry per (attribute, file), as the PKD's download files."""
    import base64
    lines = ["version: 1", ""]
    for n, (attribute, path) in enumerate(pairs):
        data = open(path, "rb").read()
        if data.startswith(b"-----BEGIN"):
            body = b"".join(l for l in data.splitlines() if l and not l.startswith(b"-----"))
            data = base64.b64decode(body)
        lines += ["dn: cn=entry%d,o=test,c=UT,dc=data,dc=download,dc=pkd,dc=icao,dc=int" % n,
                  "objectClass: top", "cn: entry%d" % n]
        value = "%s:: %s" % (attribute, base64.b64encode(data).decode())
        lines.append(value[:76])
        lines += [" " + value[i:i + 75] for i in range(76, len(value), 75)]
        lines.append("")
    write(out, "\n".join(lines).encode())


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "ldif":
        write_ldif(sys.argv[2], [a.split("=", 1) for a in sys.argv[3:]])
    elif len(sys.argv) >= 2 and sys.argv[1] == "masterlist-content":
        certs = b"".join(pem_to_der(p) for p in sys.argv[2:])
        sys.stdout.buffer.write(tlv(0x30, der_int(0) + tlv(0x31, certs)))
    elif len(sys.argv) == 3 and sys.argv[1] == "all":
        make_seals(sys.argv[2])
        make_chips(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
