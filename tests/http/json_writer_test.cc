// SPDX-License-Identifier: Apache-2.0
// The report's JSON writer: structure, escaping, bytes that are not UTF-8,
// numbers; every output read back by nlohmann's parser.
#include "json_writer.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "catch.h"

namespace tdv::http::internal {
namespace {

TEST_CASE("json writer: members in order, commas and nesting", "[http][json]") {
  JsonWriter w;
  w.BeginObject()
      .Member("b", 1)
      .Member("a", "x")
      .Key("list")
      .BeginArray()
      .Value(true)
      .Null()
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray()
      .Member("opt", std::optional<int>())
      .Member("nums", std::vector<int>{1, 2, 3})
      .EndObject();
  const std::string out = w.Take();
  CHECK(out == R"({"b":1,"a":"x","list":[true,null,{},[]],"opt":null,"nums":[1,2,3]})");
  CHECK(nlohmann::json::parse(out)["nums"][2] == 3);
}

TEST_CASE("json writer: strings are escaped; bytes that are not UTF-8 become U+FFFD",
          "[http][json]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain <<<", "\"plain <<<\""},
      {"q\"b\\s/", R"("q\"b\\s/")"},
      {"\n\r\t\b\f", R"("\n\r\t\b\f")"},
      {std::string("\x01\x1f", 2), R"("\u0001\u001f")"},
      {std::string("nul\0x", 5), R"("nul\u0000x")"},
      {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\""},
      {"\xFF", "\"\xEF\xBF\xBD\""},                                  // never a UTF-8 byte
      {"\xC3", "\"\xEF\xBF\xBD\""},                                  // truncated sequence
      {"\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},                  // overlong '/'
      {"\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // a surrogate
      {"\xF4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // > U+10FFFF
  };
  for (const auto& [in, want] : cases) {
    JsonWriter w;
    w.Value(in);
    const std::string out = w.Take();
    INFO(in);
    CHECK(out == want);
    CHECK_NOTHROW(nlohmann::json::parse(out));
  }
}

TEST_CASE("json writer: numbers read back as written; no NaN or infinity", "[http][json]") {
  JsonWriter w;
  w.BeginArray()
      .Value(0.9f)
      .Value(0.1)
      .Value(-3)
      .Value(std::int64_t{9007199254740993})
      .Value(std::numeric_limits<double>::quiet_NaN())
      .Value(std::numeric_limits<float>::infinity())
      .Value(std::size_t{7})
      .EndArray();
  const std::string out = w.Take();
  CHECK(out == "[0.9,0.1,-3,9007199254740993,null,null,7]");
  const auto j = nlohmann::json::parse(out);
  CHECK(j[0].get<float>() == 0.9f);
  CHECK(j[3].get<std::int64_t>() == 9007199254740993);
}

}  // namespace
}  // namespace tdv::http::internal
