#include "base/canonical_json.h"

#include <algorithm>
#include <array>
#include <vector>

#include "base/json_writer.h"

namespace twoline {

void AppendCanonicalJson(simdjson::dom::element value, std::string* out) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      // Members are sorted by key. Objects of commands and decisions have a few members: they are
      // sorted on the stack, and only a larger object takes a vector (perf of `verify`: the vector
      // per object was about half of the allocations under ParseCommand).
      using Member = std::pair<std::string_view, simdjson::dom::element>;
      constexpr size_t kInline = 24;
      simdjson::dom::object object(value);
      std::array<Member, kInline> inline_members;
      std::vector<Member> heap_members;
      Member* members = inline_members.data();
      size_t n = 0;
      if (object.size() <= kInline) {  // the tape's count (it saturates, never undercounts)
        for (auto member : object) members[n++] = Member(member.key, member.value);
      } else {
        for (auto member : object) heap_members.emplace_back(member.key, member.value);
        members = heap_members.data();
        n = heap_members.size();
      }
      std::sort(members, members + n, [](const Member& a, const Member& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < n; ++i) {
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
