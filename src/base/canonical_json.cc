#include "base/canonical_json.h"

#include <algorithm>
#include <vector>

#include "base/json_writer.h"

namespace twoline {

void AppendCanonicalJson(simdjson::dom::element value, std::string* out) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
      for (auto member : simdjson::dom::object(value)) members.emplace_back(member.key, member.value);
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, members[i].first);
        out->push_back(':');
        AppendCanonicalJson(members[i].second, out);
      }
      out->push_back('}');
      return;
    }
    case element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (simdjson::dom::element item : simdjson::dom::array(value)) {
        if (!first) out->push_back(',');
        first = false;
        AppendCanonicalJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case element_type::STRING:
      AppendJsonString(out, std::string_view(value));
      return;
    case element_type::INT64:
      *out += std::to_string(int64_t(value));
      return;
    case element_type::UINT64:
      *out += std::to_string(uint64_t(value));
      return;
    case element_type::BOOL:
      *out += bool(value) ? "true" : "false";
      return;
    case element_type::NULL_VALUE:
      *out += "null";
      return;
    case element_type::DOUBLE: {
      // Commands and decisions carry no floating-point fields (amounts are strings); a double is
      // printed with round-trip precision so the function is total.
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", double(value));
      *out += buffer;
      return;
    }
  }
}

}  // namespace twoline
