// libFuzzer target: the engine snapshot decoder (Engine::LoadSnapshot) on arbitrary bytes. The state
// hash is the hash of the bytes a load accepts (engine/state_hash.cc), which is sound only if the
// decoder accepts one encoding of each state: a body it accepts must be written back byte for byte.
// The declarations a load keeps as their bytes (engine/goods_state.h) must all decode: the check
// made at load accepts exactly what the decoder accepts (DecodeSavedDeclaration stops otherwise).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/binary.h"
#include "engine/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  twoline::engine::Engine engine;
  twoline::BinaryReader in(body);
  if (!engine.LoadSnapshot(in).ok()) return 0;
  size_t decoded = 0;
  engine.state().goods.declarations.ForEach(
      [&](const std::string& key, const twoline::engine::DeclarationRecord& record) {
        if (record.id != key) std::abort();
        ++decoded;
      });
  if (decoded != engine.state().goods.declarations.size()) std::abort();
  std::string written;
  twoline::BinaryWriter out(&written);
  engine.SaveSnapshot(out);
  if (written != body) std::abort();
  return 0;
}
