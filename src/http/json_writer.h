// SPDX-License-Identifier: Apache-2.0
// Writes compact JSON straight into a string, members in the order written.
//
// The report is written on every verification: built as an nlohmann::json
// tree (a std::map node per member) and then dumped, it took about 30 % of
// a text verification's time under load; written directly it costs a few
// percent. Strings are escaped as RFC 8259 asks, and bytes that are not
// UTF-8 become U+FFFD (as nlohmann's error_handler_t::replace does), so the
// output is always valid JSON whatever an OCR reading or a list held.
#ifndef TDV_SRC_HTTP_JSON_WRITER_H_
#define TDV_SRC_HTTP_JSON_WRITER_H_

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tdv::http::internal {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(4096); }

  JsonWriter& BeginObject() {
    Separate();
    out_ += '{';
    comma_ = false;
    return *this;
  }
  JsonWriter& EndObject() {
    out_ += '}';
    comma_ = true;
    return *this;
  }
  JsonWriter& BeginArray() {
    Separate();
    out_ += '[';
    comma_ = false;
    return *this;
  }
  JsonWriter& EndArray() {
    out_ += ']';
    comma_ = true;
    return *this;
  }
  // A member's name; its value follows.
  JsonWriter& Key(std::string_view name) {
    Separate();
    Quoted(name);
    out_ += ':';
    comma_ = false;
    return *this;
  }

  JsonWriter& Null() { return Raw("null"); }
  JsonWriter& Value(std::string_view s) {
    Separate();
    Quoted(s);
    comma_ = true;
    return *this;
  }
  JsonWriter& Value(const char* s) { return Value(std::string_view(s)); }
  JsonWriter& Value(const std::string& s) { return Value(std::string_view(s)); }
  JsonWriter& Value(bool b) { return Raw(b ? "true" : "false"); }
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  JsonWriter& Value(T n) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof(buf), n).ptr;
    return Raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }
  // The shortest text that reads back as the same float or double; null
  // for NaN and infinities (JSON has neither).
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  JsonWriter& Value(T x) {
    if (!std::isfinite(x)) return Null();
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof(buf), x).ptr;
    return Raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }
  template <class T>
  JsonWriter& Value(const std::optional<T>& v) {
    return v ? Value(*v) : Null();
  }
  template <class T>
  JsonWriter& Value(const std::vector<T>& items) {
    BeginArray();
    for (const auto& item : items) Value(item);
    return EndArray();
  }

  // Key(name).Value(v) in one call.
  template <class T>
  JsonWriter& Member(std::string_view name, const T& v) {
    Key(name);
    return Value(v);
  }

  std::string Take() { return std::move(out_); }

 private:
  void Separate() {
    if (comma_) out_ += ',';
  }
  JsonWriter& Raw(std::string_view text) {
    Separate();
    out_ += text;
    comma_ = true;
    return *this;
  }
  // Length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629: no
  // overlong forms, no surrogates, nothing above U+10FFFF).
  static std::size_t Utf8Length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    if (i + n > s.size()) return 0;
    if (b(1) < lo || b(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
      if (b(k) < 0x80 || b(k) > 0xBF) return 0;
    }
    return n;
  }
  // Whether byte `c` goes into a JSON string as it is (printable ASCII but
  // the quote and the backslash).
  static bool Plain(unsigned char c) {
    static const auto kPlain = [] {
      std::array<bool, 256> t{};
      for (int b = 0x20; b < 0x80; ++b) t[static_cast<std::size_t>(b)] = b != '"' && b != '\\';
      return t;
    }();
    return kPlain[c];
  }

  void Quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    for (std::size_t i = 0; i < s.size();) {
      // Runs of plain characters in one append (MRZ text is all plain).
      std::size_t run = i;
      while (run < s.size() && Plain(static_cast<unsigned char>(s[run]))) ++run;
      if (run > i) {
        out_.append(s.data() + i, run - i);
        i = run;
        continue;
      }
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        const std::size_t n = Utf8Length(s, i);
        if (n == 0) {
          out_ += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
          ++i;
        } else {
          out_.append(s.data() + i, n);
          i += n;
        }
        continue;
      }
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        default:
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 15];
      }
      ++i;
    }
    out_ += '"';
  }

  std::string out_;
  bool comma_ = false;
};

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_JSON_WRITER_H_
