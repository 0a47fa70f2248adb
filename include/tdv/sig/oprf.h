// SPDX-License-Identifier: Apache-2.0
// An oblivious pseudorandom function: OPRF(P-256, SHA-256), RFC 9497, base
// mode (0x00), with hash-to-curve P256_XMD:SHA-256_SSWU_RO_ (RFC 9380) on
// OpenSSL's elliptic-curve primitives.
//
// What it is for (docs/exchange.md): agency B checks a document against
// agency A's list without A learning which document. B blinds its input
// (Blind), A multiplies the blinded element by its secret key
// (BlindEvaluate) and answers, B removes the blind (Finalize) and looks the
// 32-byte output up in A's published outputs (Evaluate over A's records).
// A sees only a random-looking point; B learns only whether its document's
// output is among A's.
//
// Byte forms are the RFC's: scalars 32 bytes big-endian, elements 33-byte
// compressed SEC1 points, outputs 32 bytes. Every function checks its
// inputs (sizes, scalars in [1, n-1], points on the curve and not the
// identity) and answers kInvalidInput otherwise; kInternal only for an
// OpenSSL failure. The arithmetic is OpenSSL's BIGNUM and EC_POINT code,
// not constant-time in the hash-to-curve step: the timing of Blind and
// Evaluate may depend on the input (a document number), which matters only
// to an attacker who can time them on the same machine.
//
// Thread safety: every function may be called from any thread.
#ifndef TDV_SIG_OPRF_H_
#define TDV_SIG_OPRF_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig::oprf {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kScalarBytes = 32;
inline constexpr std::size_t kElementBytes = 33;
inline constexpr std::size_t kOutputBytes = 32;
// Inputs and key infos are length-prefixed with two bytes (RFC 9497).
inline constexpr std::size_t kMaxInputBytes = 0xffff;

// RFC 9380 hash_to_curve with the suite P256_XMD:SHA-256_SSWU_RO_ and the
// domain separation tag `dst` (1-255 bytes): the point as uncompressed SEC1
// (65 bytes: 04 || x || y). Exposed for the RFC's own test vectors.
Result<Bytes> HashToCurve(std::span<const std::uint8_t> msg, std::string_view dst);

// The server's secret key from a 32-byte seed and a key info string
// (RFC 9497 DeriveKeyPair): the same seed and info give the same key.
Result<Bytes> DeriveKey(std::span<const std::uint8_t> seed, std::span<const std::uint8_t> info);
// A fresh secret key from OpenSSL's generator.
Result<Bytes> RandomKey();

struct Blinded {
  Bytes blind;    // the client's secret scalar; kept for Finalize, never sent
  Bytes element;  // the blinded element sent to the server
};
// Client, step 1. `blind` empty: a fresh random scalar (as in use); given:
// that scalar (the RFC's test vectors).
Result<Blinded> Blind(std::span<const std::uint8_t> input,
                      std::span<const std::uint8_t> blind = {});

// Server: the blinded element times the secret key. kInvalidInput for an
// element that is not a point of the curve (or is the identity).
Result<Bytes> BlindEvaluate(std::span<const std::uint8_t> key,
                            std::span<const std::uint8_t> blinded_element);

// Client, step 2: the output for `input` from the server's answer.
Result<Bytes> Finalize(std::span<const std::uint8_t> input, std::span<const std::uint8_t> blind,
                       std::span<const std::uint8_t> evaluated_element);

// Server, without a client: the output for `input` under `key`, equal to
// what a client gets from Blind, BlindEvaluate and Finalize (the set the
// server publishes).
Result<Bytes> Evaluate(std::span<const std::uint8_t> key, std::span<const std::uint8_t> input);

}  // namespace tdv::sig::oprf

#endif  // TDV_SIG_OPRF_H_
