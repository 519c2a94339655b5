#include "list_snapshot.h"

#include <algorithm>
#include <map>

#include "shared/varint.h"
#include "sqlite_store.h"
#include "store/changes.h"

namespace mailsuite::store {
namespace {

constexpr char kVersion = 1;

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

std::string EncodeListSnapshot(const std::vector<MessageInfo>& messages) {
  std::map<std::string, uint64_t> index;
  for (const MessageInfo& m : messages)
    for (const std::string& k : m.flags.keywords) index.emplace(k, 0);
  std::string out(1, kVersion);
  AppendVarint(out, index.size());
  uint64_t n = 0;
  for (auto& [keyword, i] : index) {
    i = n++;
    AppendVarint(out, keyword.size());
    out += keyword;
  }
  AppendVarint(out, messages.size());
  uint32_t last_uid = 0;
  for (const MessageInfo& m : messages) {
    AppendVarint(out, m.uid - last_uid);
    last_uid = m.uid;
    AppendVarint(out, static_cast<uint64_t>(m.content_id));
    AppendVarint(out, static_cast<uint64_t>(m.size));
    AppendVarint(out, m.header_prefix_size);
    AppendVarint(out, ZigZag(m.internal_date));
    AppendVarint(out, m.modseq);
    AppendVarint(out, m.flags.system);
    AppendVarint(out, m.flags.keywords.size());
    for (const std::string& k : m.flags.keywords) AppendVarint(out, index[k]);
  }
  return out;
}

std::optional<std::vector<MessageInfo>> DecodeListSnapshot(std::string_view data,
                                                           MailboxId mailbox) {
  if (data.empty() || data[0] != kVersion) return std::nullopt;
  VarintReader r(data.substr(1));
  std::vector<std::string> keywords(r.Count(1));
  for (std::string& k : keywords) k = r.String();
  // Each message takes at least 8 bytes: a larger count is garbage, not an allocation.
  std::vector<MessageInfo> out(r.Count(8));
  uint64_t uid = 0;
  for (MessageInfo& m : out) {
    if (!r.ok()) break;
    uint64_t delta = r.Varint();
    if (delta == 0 || delta > UINT32_MAX - uid) return std::nullopt;  // UIDs ascend strictly
    uid += delta;
    m.mailbox_id = mailbox;
    m.uid = static_cast<uint32_t>(uid);
    m.content_id = static_cast<int64_t>(r.Varint());
    m.size = static_cast<int64_t>(r.Varint());
    m.header_prefix_size = static_cast<uint32_t>(r.Varint());
    m.internal_date = UnZigZag(r.Varint());
    m.modseq = r.Varint();
    m.flags.system = static_cast<uint32_t>(r.Varint());
    m.flags.keywords.resize(r.Count(1));
    for (std::string& k : m.flags.keywords) {
      uint64_t i = r.Varint();
      if (i >= keywords.size()) return std::nullopt;
      k = keywords[i];
    }
  }
  if (!r.ok() || !r.AtEnd()) return std::nullopt;
  return out;
}

std::optional<std::vector<MessageInfo>> ListFromSnapshot(Connection& conn, const Mailbox& box,
                                                         size_t* catch_up) {
  Stmt stmt(conn,
            "SELECT modseq, data FROM mailbox_snapshots WHERE mailbox_id = ? AND uid_validity = ?",
            box.id, static_cast<int64_t>(box.uid_validity));
  if (!stmt.Step()) return std::nullopt;
  const auto modseq = static_cast<uint64_t>(stmt.Int(0));
  // The expunge log must still reach back to the snapshot (RFC 7162 3.2.5.2's rule for clients
  // holds for this copy too).
  if (modseq < box.expunge_floor || modseq > box.highest_modseq) return std::nullopt;
  auto base = DecodeListSnapshot(stmt.BlobValue(1), box.id);
  if (!base) return std::nullopt;
  MailboxChanges changes;
  ListChangedMessages(conn, box.id, modseq, changes.changed);
  ListExpungedSince(conn, box.id, modseq, changes.expunged);
  *catch_up = changes.changed.size() + changes.expunged.size();
  std::vector<MessageInfo> now = ApplyChanges(*base, changes);
  if (now.size() != box.messages) return std::nullopt;  // not the rows: read them instead
  return now;
}

void SaveListSnapshot(Connection& conn, const Mailbox& box, const std::string& data) {
  // Only while the mailbox the list was read from still exists (not deleted, its id not
  // reused) and has not gone back: a delete between the read and this write leaves nothing.
  Execute(conn,
          "INSERT OR REPLACE INTO mailbox_snapshots (mailbox_id, uid_validity, modseq, data) "
          "SELECT id, uid_validity, ?, ? FROM mailboxes WHERE id = ? AND uid_validity = ? AND "
          "highest_modseq >= ?",
          static_cast<int64_t>(box.highest_modseq), Blob{data}, box.id,
          static_cast<int64_t>(box.uid_validity), static_cast<int64_t>(box.highest_modseq));
}

}  // namespace mailsuite::store
