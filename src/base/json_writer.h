// JsonWriter: appends compact JSON to a string, for decisions, journal lines and API responses.
//
// Output is canonical for what we write: no whitespace, keys in the order the caller writes them
// (callers write them sorted where a hash depends on it), strings escaped minimally and the same way
// every time (", \, and control characters; everything else as UTF-8 bytes).
// Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace twoline {

void AppendJsonString(std::string* out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject() { Separate(); out_->push_back('{'); first_ = true; return *this; }
  JsonWriter& EndObject() { out_->push_back('}'); first_ = false; return *this; }
  JsonWriter& BeginArray() { Separate(); out_->push_back('['); first_ = true; return *this; }
  JsonWriter& EndArray() { out_->push_back(']'); first_ = false; return *this; }
  JsonWriter& Key(std::string_view key) {
    Separate();
    AppendJsonString(out_, key);
    out_->push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& String(std::string_view value) { Separate(); AppendJsonString(out_, value); return *this; }
  JsonWriter& Int(int64_t value) { Separate(); *out_ += std::to_string(value); return *this; }
  JsonWriter& Bool(bool value) { Separate(); *out_ += value ? "true" : "false"; return *this; }
  JsonWriter& Null() { Separate(); *out_ += "null"; return *this; }
  // Already-encoded JSON, appended as one value.
  JsonWriter& Raw(std::string_view json) { Separate(); out_->append(json); return *this; }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      first_ = false;
      return;
    }
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace twoline
