// Loads what FETCH and SEARCH need of one message: its bytes and its MIME tree. The tree comes
// from the metadata cached at delivery (which describes the shared body, without the
// per-recipient header prefix) and is parsed on the fly when that cache is missing or broken.
#pragma once

#include <optional>
#include <string>

#include "shared/mail/mime.h"
#include "store/store.h"

namespace mailsuite::imapd {

struct LoadedMessage {
  std::string content;  // empty unless asked for
  std::optional<mail::MimeTree> tree;
};

Result<LoadedMessage> LoadMessage(store::Store& store, const store::MessageInfo& info,
                                  bool need_content, bool need_tree);

}  // namespace mailsuite::imapd
