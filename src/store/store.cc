#include "store/store.h"

namespace twoline::store {

void RenderLines(AppendBatch& batch) {
  for (EntryRecord& record : batch.entries) {
    if (!record.unrendered) continue;
    record.line = journal::EntryToJsonLine(*record.unrendered);
    record.line.pop_back();  // the store keeps lines without their '\n'
    record.unrendered.reset();
  }
}

}  // namespace twoline::store
