#include "message_data.h"

namespace mailsuite::imapd {

Result<LoadedMessage> LoadMessage(store::Store& store, const store::MessageInfo& info,
                                  bool need_content, bool need_tree) {
  LoadedMessage m;
  if (need_content) {
    auto c = store.ReadContent(info.mailbox_id, info.uid);
    if (!c) return c.status();
    m.content = std::move(c).value();
  }
  if (!need_tree) return m;
  auto meta = store.ReadMetadata(info.mailbox_id, info.uid);
  if (meta && !meta->empty()) {
    auto tree = mail::DeserializeMimeTree(*meta);
    // A cache that disagrees with the stored size is not trusted.
    if (tree && tree->root.size() + info.header_prefix_size == static_cast<uint64_t>(info.size)) {
      m.tree = std::move(tree).value();
      mail::AddHeaderPrefix(*m.tree, info.header_prefix_size);
      return m;
    }
  }
  if (!need_content) {
    auto c = store.ReadContent(info.mailbox_id, info.uid);
    if (!c) return c.status();
    m.tree = mail::ParseMime(*c);
    return m;
  }
  m.tree = mail::ParseMime(m.content);
  return m;
}

}  // namespace mailsuite::imapd
