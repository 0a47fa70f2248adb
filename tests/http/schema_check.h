// SPDX-License-Identifier: Apache-2.0
// Checks JSON the server gives against the schemas of docs/openapi.json.
#ifndef TDV_TESTS_HTTP_SCHEMA_CHECK_H_
#define TDV_TESTS_HTTP_SCHEMA_CHECK_H_

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catch.h"

namespace tdv::http {

// A JSON Schema check of the subset docs/openapi.json uses: oneOf, $ref,
// type (one or a list), properties, required, additionalProperties: false, items,
// enum. Collects what does not match.
inline void Validate(const nlohmann::json& root, const nlohmann::json& schema,
                     const nlohmann::json& value, const std::string& where,
                     std::vector<std::string>& problems) {
  if (schema.contains("oneOf")) {
    int matched = 0;
    for (const auto& alternative : schema["oneOf"]) {
      std::vector<std::string> own;
      Validate(root, alternative, value, where, own);
      matched += own.empty() ? 1 : 0;
    }
    if (matched != 1)
      problems.push_back(where + ": matches " + std::to_string(matched) + " of oneOf, not 1");
    return;
  }
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    REQUIRE(ref.rfind("#/components/schemas/", 0) == 0);
    const nlohmann::json& target = root["components"]["schemas"][ref.substr(21)];
    REQUIRE_FALSE(target.is_null());
    Validate(root, target, value, where, problems);
    return;
  }
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_array()) {
      for (const auto& t : schema["type"]) types.push_back(t);
    } else {
      types.push_back(schema["type"]);
    }
    auto is = [&](const std::string& t) {
      return (t == "null" && value.is_null()) || (t == "string" && value.is_string()) ||
             (t == "boolean" && value.is_boolean()) ||
             (t == "integer" && value.is_number_integer()) ||
             (t == "number" && value.is_number()) || (t == "array" && value.is_array()) ||
             (t == "object" && value.is_object());
    };
    if (std::none_of(types.begin(), types.end(), is)) {
      problems.push_back(where + ": " + value.type_name() + " is not " + schema["type"].dump());
      return;
    }
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
    problems.push_back(where + ": " + value.dump() + " is not one of " + schema["enum"].dump());
  }
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& r : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(r.get<std::string>()))
        problems.push_back(where + ": missing " + r.get<std::string>());
    }
    for (const auto& [k, v] : value.items()) {
      if (schema["properties"].contains(k)) {
        Validate(root, schema["properties"][k], v, where + "." + k, problems);
      } else if (schema.value("additionalProperties", true) == false) {
        problems.push_back(where + ": " + k + " is not in the document");
      }
    }
  }
  if (value.is_object() && schema.contains("additionalProperties") &&
      schema["additionalProperties"].is_object()) {
    for (const auto& [k, v] : value.items())
      Validate(root, schema["additionalProperties"], v, where + "." + k, problems);
  }
  if (value.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i)
      Validate(root, schema["items"], value[i], where + "[" + std::to_string(i) + "]", problems);
  }
}

// Validate() against components.schemas.NAME of `doc`.
inline void ValidateAs(const nlohmann::json& doc, const std::string& name,
                       const nlohmann::json& value, std::vector<std::string>& problems) {
  const nlohmann::json& schema = doc["components"]["schemas"][name];
  REQUIRE(schema.is_object());
  Validate(doc, schema, value, name, problems);
}

}  // namespace tdv::http

#endif  // TDV_TESTS_HTTP_SCHEMA_CHECK_H_
