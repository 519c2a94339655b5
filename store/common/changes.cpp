#include "store/changes.h"

#include <algorithm>

namespace mailsuite::store {

std::vector<MessageInfo> ApplyChanges(const std::vector<MessageInfo>& base,
                                      const MailboxChanges& changes) {
  const auto& gone = changes.expunged;    // ascending
  const auto& changed = changes.changed;  // ascending UID
  std::vector<MessageInfo> out;
  out.reserve(base.size() + changed.size());
  size_t c = 0;
  for (const MessageInfo& m : base) {
    if (std::binary_search(gone.begin(), gone.end(), m.uid)) continue;
    while (c < changed.size() && changed[c].uid < m.uid) ++c;  // none: new UIDs come last
    out.push_back(c < changed.size() && changed[c].uid == m.uid ? changed[c] : m);
  }
  const uint32_t max_uid = base.empty() ? 0 : base.back().uid;
  for (const MessageInfo& m : changed)
    if (m.uid > max_uid) out.push_back(m);
  return out;
}

}  // namespace mailsuite::store
