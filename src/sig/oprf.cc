// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/oprf.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include <array>
#include <initializer_list>
#include <memory>
#include <string>

#include "ossl.h"

namespace tdv::sig::oprf {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX, BN_CTX_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_clear_free>>;
using Span = std::span<const std::uint8_t>;

// RFC 9497 section 3.1: contextString = "OPRFV1-" || I2OSP(mode, 1) || "-"
// || identifier, mode 0x00 (OPRF), identifier "P256-SHA256".
const std::string& ContextString() {
  static const std::string s = std::string("OPRFV1-") + '\0' + "-P256-SHA256";
  return s;
}

// The curve and its constants, made once and only read afterwards.
struct Curve {
  EC_GROUP* group = nullptr;
  BIGNUM* p = BN_new();
  BIGNUM* a = BN_new();
  BIGNUM* b = BN_new();
  BIGNUM* n = BN_new();
  BIGNUM* z = BN_new();         // the SSWU constant Z = -10 (RFC 9380 section 8.2)
  BIGNUM* sqrt_exp = BN_new();  // (p + 1) / 4: p = 3 mod 4
  bool ok = false;
};

const Curve& P256() {
  static const Curve curve = [] {
    Curve c;
    c.group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BnCtxPtr ctx(BN_CTX_new());
    c.ok = c.group && ctx && c.p && c.a && c.b && c.n && c.z && c.sqrt_exp &&
           EC_GROUP_get_curve(c.group, c.p, c.a, c.b, ctx.get()) &&
           BN_copy(c.n, EC_GROUP_get0_order(c.group)) && BN_set_word(c.z, 10) &&
           BN_sub(c.z, c.p, c.z) && BN_copy(c.sqrt_exp, c.p) && BN_add_word(c.sqrt_exp, 1) &&
           BN_rshift(c.sqrt_exp, c.sqrt_exp, 2);
    return c;
  }();
  return curve;
}

Error Internal(const std::string& what) {
  return Error{ErrorCode::kInternal, "oprf: " + what + ": " + OpensslError()};
}
Error Invalid(const std::string& what) { return Error{ErrorCode::kInvalidInput, "oprf: " + what}; }

Bytes Sha256(std::initializer_list<Span> parts) {
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  Bytes out(32);
  unsigned int len = 0;
  bool ok = md && EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  for (Span part : parts) ok = ok && EVP_DigestUpdate(md.get(), part.data(), part.size());
  ok = ok && EVP_DigestFinal_ex(md.get(), out.data(), &len) && len == 32;
  if (!ok) out.clear();
  return out;
}

Span AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::array<std::uint8_t, 2> I2osp2(std::size_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xff)};
}

// RFC 9380 section 5.3.1, expand_message_xmd with SHA-256 (b = 32, s = 64
// bytes). Empty on a digest failure.
Bytes ExpandXmd(Span msg, std::string_view dst, std::size_t len) {
  const std::size_t ell = (len + 31) / 32;
  std::string dst_prime(dst);
  dst_prime.push_back(static_cast<char>(dst.size()));
  const std::array<std::uint8_t, 64> z_pad{};
  const auto l_i_b = I2osp2(len);
  const std::uint8_t zero = 0;
  Bytes b0 = Sha256({z_pad, msg, l_i_b, Span(&zero, 1), AsBytes(dst_prime)});
  if (b0.empty()) return {};
  Bytes out;
  Bytes prev;
  for (std::size_t i = 1; i <= ell; ++i) {
    Bytes x = b0;
    if (i > 1)
      for (std::size_t k = 0; k < x.size(); ++k) x[k] ^= prev[k];
    const auto idx = static_cast<std::uint8_t>(i);
    prev = Sha256({x, Span(&idx, 1), AsBytes(dst_prime)});
    if (prev.empty()) return {};
    out.insert(out.end(), prev.begin(), prev.end());
  }
  out.resize(len);
  return out;
}

// RFC 9380 section 5.2, hash_to_field: `count` elements modulo `modulus`,
// L = 48 bytes each (P-256's security level 128).
bool HashToField(Span msg, std::string_view dst, const BIGNUM* modulus, BIGNUM** out,
                 std::size_t count, BN_CTX* ctx) {
  constexpr std::size_t kL = 48;
  Bytes uniform = ExpandXmd(msg, dst, kL * count);
  if (uniform.empty()) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (!BN_bin2bn(uniform.data() + i * kL, kL, out[i]) || !BN_nnmod(out[i], out[i], modulus, ctx))
      return false;
  }
  return true;
}

// x^3 + a x + b mod p.
bool CurveRhs(const Curve& c, const BIGNUM* x, BIGNUM* out, BN_CTX* ctx) {
  BnPtr t(BN_new());
  return t && BN_mod_sqr(t.get(), x, c.p, ctx) && BN_mod_mul(t.get(), t.get(), x, c.p, ctx) &&
         BN_mod_mul(out, c.a, x, c.p, ctx) && BN_mod_add(out, out, t.get(), c.p, ctx) &&
         BN_mod_add(out, out, c.b, c.p, ctx);
}

// A square root of `v` mod p into `root`; false in `*square` when there is
// none. p = 3 mod 4, so v^((p+1)/4) is the root when one exists.
bool Sqrt(const Curve& c, const BIGNUM* v, BIGNUM* root, bool* square, BN_CTX* ctx) {
  BnPtr check(BN_new());
  if (!check || !BN_mod_exp(root, v, c.sqrt_exp, c.p, ctx) ||
      !BN_mod_sqr(check.get(), root, c.p, ctx))
    return false;
  *square = BN_cmp(check.get(), v) == 0;
  return true;
}

// RFC 9380 section 6.6.2, the simplified SWU map for P-256 (A != 0, B != 0).
PointPtr MapToCurve(const Curve& c, const BIGNUM* u, BN_CTX* ctx) {
  BnPtr u2(BN_new()), tv1(BN_new()), t(BN_new()), x1(BN_new()), gx1(BN_new()), x2(BN_new()),
      gx2(BN_new()), y(BN_new()), one(BN_new());
  if (!u2 || !tv1 || !t || !x1 || !gx1 || !x2 || !gx2 || !y || !one || !BN_one(one.get()))
    return nullptr;
  // tv1 = Z^2 u^4 + Z u^2 = (Z u^2)^2 + Z u^2
  if (!BN_mod_sqr(u2.get(), u, c.p, ctx) || !BN_mod_mul(t.get(), c.z, u2.get(), c.p, ctx) ||
      !BN_mod_sqr(tv1.get(), t.get(), c.p, ctx) ||
      !BN_mod_add(tv1.get(), tv1.get(), t.get(), c.p, ctx))
    return nullptr;
  if (BN_is_zero(tv1.get())) {
    // x1 = B / (Z A)
    if (!BN_mod_mul(t.get(), c.z, c.a, c.p, ctx) || !BN_mod_inverse(t.get(), t.get(), c.p, ctx) ||
        !BN_mod_mul(x1.get(), c.b, t.get(), c.p, ctx))
      return nullptr;
  } else {
    // x1 = (-B / A) (1 + 1/tv1)
    BnPtr inv_a(BN_new());
    if (!inv_a || !BN_mod_inverse(tv1.get(), tv1.get(), c.p, ctx) ||
        !BN_mod_add(tv1.get(), tv1.get(), one.get(), c.p, ctx) ||
        !BN_mod_inverse(inv_a.get(), c.a, c.p, ctx) ||
        !BN_mod_mul(t.get(), c.b, inv_a.get(), c.p, ctx) ||
        !BN_mod_sub(t.get(), c.p, t.get(), c.p, ctx) ||
        !BN_mod_mul(x1.get(), t.get(), tv1.get(), c.p, ctx))
      return nullptr;
  }
  bool square = false;
  const BIGNUM* x = x1.get();
  if (!CurveRhs(c, x1.get(), gx1.get(), ctx) || !Sqrt(c, gx1.get(), y.get(), &square, ctx))
    return nullptr;
  if (!square) {
    // x2 = Z u^2 x1, and g(x2) is then a square.
    if (!BN_mod_mul(x2.get(), c.z, u2.get(), c.p, ctx) ||
        !BN_mod_mul(x2.get(), x2.get(), x1.get(), c.p, ctx) ||
        !CurveRhs(c, x2.get(), gx2.get(), ctx) || !Sqrt(c, gx2.get(), y.get(), &square, ctx) ||
        !square)
      return nullptr;
    x = x2.get();
  }
  // sgn0(y) = sgn0(u): the parity of the canonical values.
  if (BN_is_odd(u) != BN_is_odd(y.get()) && !BN_is_zero(y.get()) && !BN_sub(y.get(), c.p, y.get()))
    return nullptr;
  PointPtr q(EC_POINT_new(c.group));
  if (!q || !EC_POINT_set_affine_coordinates(c.group, q.get(), x, y.get(), ctx)) return nullptr;
  return q;
}

// hash_to_curve, random-oracle variant: two field elements, two maps, their
// sum (the cofactor of P-256 is 1).
Result<PointPtr> HashToPoint(Span msg, std::string_view dst, BN_CTX* ctx) {
  const Curve& c = P256();
  if (!c.ok) return Internal("P-256 unavailable");
  if (dst.empty() || dst.size() > 255)
    return Invalid("the domain separation tag must be 1-255 bytes");
  BnPtr u0(BN_new()), u1(BN_new());
  BIGNUM* u[2] = {u0.get(), u1.get()};
  if (!u0 || !u1 || !HashToField(msg, dst, c.p, u, 2, ctx)) return Internal("hash to field");
  PointPtr q0 = MapToCurve(c, u0.get(), ctx);
  PointPtr q1 = MapToCurve(c, u1.get(), ctx);
  if (!q0 || !q1 || !EC_POINT_add(c.group, q0.get(), q0.get(), q1.get(), ctx))
    return Internal("map to curve");
  if (EC_POINT_is_at_infinity(c.group, q0.get()))
    return Invalid("the input hashes to the identity");
  return q0;
}

Result<PointPtr> HashToGroup(Span input, BN_CTX* ctx) {
  return HashToPoint(input, "HashToGroup-" + ContextString(), ctx);
}

// A scalar in [1, n-1] from its 32 bytes.
Result<BnPtr> ParseScalar(Span bytes, const char* what) {
  const Curve& c = P256();
  if (bytes.size() != kScalarBytes) return Invalid(std::string(what) + " must be 32 bytes");
  BnPtr s(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!s) return Internal("scalar");
  if (BN_is_zero(s.get()) || BN_cmp(s.get(), c.n) >= 0)
    return Invalid(std::string(what) + " is not a scalar in [1, n-1]");
  return s;
}

Result<Bytes> ScalarBytes(const BIGNUM* s) {
  Bytes out(kScalarBytes);
  if (BN_bn2binpad(s, out.data(), static_cast<int>(out.size())) != static_cast<int>(kScalarBytes))
    return Internal("scalar encoding");
  return out;
}

// A point from its 33-byte compressed form: on the curve, not the identity.
Result<PointPtr> ParseElement(Span bytes, BN_CTX* ctx) {
  const Curve& c = P256();
  if (bytes.size() != kElementBytes || (bytes[0] != 0x02 && bytes[0] != 0x03))
    return Invalid("an element must be a 33-byte compressed point");
  PointPtr p(EC_POINT_new(c.group));
  if (!p) return Internal("point");
  if (!EC_POINT_oct2point(c.group, p.get(), bytes.data(), bytes.size(), ctx)) {
    OpensslError();  // clears the queue
    return Invalid("the element is not a point of P-256");
  }
  if (EC_POINT_is_at_infinity(c.group, p.get())) return Invalid("the element is the identity");
  return p;
}

Result<Bytes> SerializeElement(const EC_POINT* p, BN_CTX* ctx) {
  const Curve& c = P256();
  if (EC_POINT_is_at_infinity(c.group, p)) return Invalid("the result is the identity");
  Bytes out(kElementBytes);
  if (EC_POINT_point2oct(c.group, p, POINT_CONVERSION_COMPRESSED, out.data(), out.size(), ctx) !=
      kElementBytes)
    return Internal("point encoding");
  return out;
}

// k * p as a new point.
Result<PointPtr> Multiply(const EC_POINT* p, const BIGNUM* k, BN_CTX* ctx) {
  const Curve& c = P256();
  PointPtr r(EC_POINT_new(c.group));
  if (!r || !EC_POINT_mul(c.group, r.get(), nullptr, p, k, ctx)) return Internal("point multiply");
  return r;
}

// RFC 9497 Finalize's and Evaluate's hash: I2OSP(len(input), 2) || input ||
// I2OSP(len(element), 2) || element || "Finalize".
Result<Bytes> OutputHash(Span input, const Bytes& element) {
  const auto len_in = I2osp2(input.size());
  const auto len_el = I2osp2(element.size());
  Bytes out = Sha256({len_in, input, len_el, element, AsBytes("Finalize")});
  if (out.empty()) return Internal("SHA-256");
  return out;
}

Result<BnCtxPtr> NewCtx() {
  if (!P256().ok) return Internal("P-256 unavailable");
  BnCtxPtr ctx(BN_CTX_new());
  if (!ctx) return Internal("BN_CTX");
  return ctx;
}

Status CheckInput(Span input) {
  if (input.size() > kMaxInputBytes) return Invalid("the input is longer than 65535 bytes");
  return {};
}

}  // namespace

Result<Bytes> HashToCurve(Span msg, std::string_view dst) {
  auto ctx = NewCtx();
  if (!ctx) return ctx.error();
  auto p = HashToPoint(msg, dst, ctx->get());
  if (!p) return p.error();
  Bytes out(65);
  if (EC_POINT_point2oct(P256().group, p->get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), ctx->get()) != out.size())
    return Internal("point encoding");
  return out;
}

Result<Bytes> DeriveKey(Span seed, Span info) {
  if (seed.size() != 32) return Invalid("the seed must be 32 bytes");
  if (info.size() > kMaxInputBytes) return Invalid("the key info is longer than 65535 bytes");
  auto ctx = NewCtx();
  if (!ctx) return ctx.error();
  Bytes input(seed.begin(), seed.end());
  const auto len = I2osp2(info.size());
  input.insert(input.end(), len.begin(), len.end());
  input.insert(input.end(), info.begin(), info.end());
  input.push_back(0);  // the counter
  const std::string dst = "DeriveKeyPair" + ContextString();
  BnPtr sk(BN_new());
  BIGNUM* out[1] = {sk.get()};
  for (int counter = 0; counter <= 255; ++counter) {
    input.back() = static_cast<std::uint8_t>(counter);
    if (!sk || !HashToField(input, dst, P256().n, out, 1, ctx->get()))
      return Internal("hash to scalar");
    if (!BN_is_zero(sk.get())) return ScalarBytes(sk.get());
  }
  return Invalid("no key could be derived from this seed");
}

Result<Bytes> RandomKey() {
  const Curve& c = P256();
  if (!c.ok) return Internal("P-256 unavailable");
  BnPtr k(BN_new());
  do {
    if (!k || !BN_priv_rand_range(k.get(), c.n)) return Internal("random scalar");
  } while (BN_is_zero(k.get()));
  return ScalarBytes(k.get());
}

Result<Blinded> Blind(Span input, Span blind) {
  if (auto ok = CheckInput(input); !ok) return ok.error();
  auto ctx = NewCtx();
  if (!ctx) return ctx.error();
  Bytes blind_bytes;
  if (blind.empty()) {
    auto fresh = RandomKey();
    if (!fresh) return fresh.error();
    blind_bytes = std::move(*fresh);
  } else {
    blind_bytes.assign(blind.begin(), blind.end());
  }
  auto r = ParseScalar(blind_bytes, "the blind");
  if (!r) return r.error();
  auto p = HashToGroup(input, ctx->get());
  if (!p) return p.error();
  auto q = Multiply(p->get(), r->get(), ctx->get());
  if (!q) return q.error();
  auto element = SerializeElement(q->get(), ctx->get());
  if (!element) return element.error();
  return Blinded{std::move(blind_bytes), std::move(*element)};
}

Result<Bytes> BlindEvaluate(Span key, Span blinded_element) {
  auto ctx = NewCtx();
  if (!ctx) return ctx.error();
  auto k = ParseScalar(key, "the key");
  if (!k) return k.error();
  auto p = ParseElement(blinded_element, ctx->get());
  if (!p) return p.error();
  auto z = Multiply(p->get(), k->get(), ctx->get());
  if (!z) return z.error();
  return SerializeElement(z->get(), ctx->get());
}

Result<Bytes> Finalize(Span input, Span blind, Span evaluated_element) {
  if (auto ok = CheckInput(input); !ok) return ok.error();
  auto ctx = NewCtx();
  if (!ctx) return ctx.error();
  auto r = ParseScalar(blind, "the blind");
  if (!r) return r.error();
  auto z = ParseElement(evaluated_element, ctx->get());
  if (!z) return z.error();
  BnPtr inv(BN_new());
  if (!inv || !BN_mod_inverse(inv.get(), r->get(), P256().n, ctx->get()))
    return Internal("inverse");
  auto n = Multiply(z->get(), inv.get(), ctx->get());
  if (!n) return n.error();
  auto unblinded = SerializeElement(n->get(), ctx->get());
  if (!unblinded) return unblinded.error();
  return OutputHash(input, *unblinded);
}

Result<Bytes> Evaluate(Span key, Span input) {
  if (auto ok = CheckInput(input); !ok) return ok.error();
  auto ctx = NewCtx();
  if (!ctx) return ctx.error();
  auto k = ParseScalar(key, "the key");
  if (!k) return k.error();
  auto p = HashToGroup(input, ctx->get());
  if (!p) return p.error();
  auto e = Multiply(p->get(), k->get(), ctx->get());
  if (!e) return e.error();
  auto issued = SerializeElement(e->get(), ctx->get());
  if (!issued) return issued.error();
  return OutputHash(input, *issued);
}

}  // namespace tdv::sig::oprf
