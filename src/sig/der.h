// SPDX-License-Identifier: Apache-2.0
// A bounds-checked reader of DER TLVs (single-byte tags, definite lengths),
// enough for EF.SOD's LDSSecurityObject, DG1 and master lists.
#ifndef TDV_SRC_SIG_DER_H_
#define TDV_SRC_SIG_DER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tdv::sig {

class DerReader {
 public:
  DerReader() = default;
  explicit DerReader(std::span<const std::uint8_t> data) : data_(data) {}

  bool done() const noexcept { return pos_ >= data_.size(); }
  std::size_t pos() const noexcept { return pos_; }

  // Reads the next TLV if its tag is `tag`: `value` gets the contents.
  bool Read(std::uint8_t tag, std::span<const std::uint8_t>* value) {
    std::size_t start = pos_;
    std::size_t len = 0;
    if (!Header(tag, &len)) {
      pos_ = start;
      return false;
    }
    *value = data_.subspan(pos_, len);
    pos_ += len;
    return true;
  }
  // The same, but `tlv` gets the whole TLV (tag and length included).
  bool ReadTlv(std::uint8_t tag, std::span<const std::uint8_t>* tlv) {
    std::size_t start = pos_;
    std::span<const std::uint8_t> value;
    if (!Read(tag, &value)) return false;
    *tlv = data_.subspan(start, pos_ - start);
    return true;
  }
  bool Enter(std::uint8_t tag, DerReader* inner) {
    std::span<const std::uint8_t> value;
    if (!Read(tag, &value)) return false;
    *inner = DerReader(value);
    return true;
  }
  bool Skip(std::uint8_t tag) {
    std::span<const std::uint8_t> value;
    return Read(tag, &value);
  }
  // The next tag without consuming it (0 at the end).
  std::uint8_t PeekTag() const noexcept { return done() ? 0 : data_[pos_]; }

  // A non-negative INTEGER that fits in an int.
  bool ReadSmallInt(int* out) {
    std::span<const std::uint8_t> v;
    if (!Read(0x02, &v) || v.empty() || v.size() > 3 || (v[0] & 0x80)) return false;
    int n = 0;
    for (auto b : v) n = (n << 8) | b;
    *out = n;
    return true;
  }

 private:
  bool Header(std::uint8_t tag, std::size_t* len) {
    if (pos_ + 2 > data_.size() || data_[pos_] != tag) return false;
    ++pos_;
    std::uint8_t first = data_[pos_++];
    if (first < 0x80) {
      *len = first;
    } else {
      std::size_t count = first & 0x7f;
      if (count == 0 || count > 4 || pos_ + count > data_.size()) return false;
      std::size_t v = 0;
      for (std::size_t i = 0; i < count; ++i) v = (v << 8) | data_[pos_++];
      *len = v;
    }
    return *len <= data_.size() - pos_;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

// Lower-case hex of `bytes` (feature values, trust store ids).
inline std::string Hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

}  // namespace tdv::sig

#endif  // TDV_SRC_SIG_DER_H_
