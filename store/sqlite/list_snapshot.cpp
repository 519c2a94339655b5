#include "list_snapshot.h"

#include <algorithm>
#include <map>

#include "sqlite_store.h"
#include "store/changes.h"

namespace mailsuite::store {
namespace {

constexpr char kVersion = 1;

void Varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  // A count of items of at least one byte each: more than the bytes left is garbage.
  uint64_t Count() {
    uint64_t n = Varint();
    return n > in_.size() - pos_ ? Fail() : n;
  }
  // A count of messages, each of at least 8 bytes (eight varints).
  uint64_t MessageCount() {
    uint64_t n = Varint();
    return n > (in_.size() - pos_) / 8 ? Fail() : n;
  }
  std::string String() {
    uint64_t n = Count();
    if (!ok_) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string EncodeListSnapshot(const std::vector<MessageInfo>& messages) {
  std::map<std::string, uint64_t> index;
  for (const MessageInfo& m : messages)
    for (const std::string& k : m.flags.keywords) index.emplace(k, 0);
  std::string out(1, kVersion);
  Varint(out, index.size());
  uint64_t n = 0;
  for (auto& [keyword, i] : index) {
    i = n++;
    Varint(out, keyword.size());
    out += keyword;
  }
  Varint(out, messages.size());
  uint32_t last_uid = 0;
  for (const MessageInfo& m : messages) {
    Varint(out, m.uid - last_uid);
    last_uid = m.uid;
    Varint(out, static_cast<uint64_t>(m.content_id));
    Varint(out, static_cast<uint64_t>(m.size));
    Varint(out, m.header_prefix_size);
    Varint(out, ZigZag(m.internal_date));
    Varint(out, m.modseq);
    Varint(out, m.flags.system);
    Varint(out, m.flags.keywords.size());
    for (const std::string& k : m.flags.keywords) Varint(out, index[k]);
  }
  return out;
}

std::optional<std::vector<MessageInfo>> DecodeListSnapshot(std::string_view data,
                                                           MailboxId mailbox) {
  if (data.empty() || data[0] != kVersion) return std::nullopt;
  Reader r(data.substr(1));
  std::vector<std::string> keywords(r.Count());
  for (std::string& k : keywords) k = r.String();
  // Each message takes at least 8 bytes: a larger count is garbage, not an allocation.
  std::vector<MessageInfo> out(r.MessageCount());
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
    m.flags.keywords.resize(r.Count());
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
  Stmt gone(conn,
            "SELECT uid FROM expunged INDEXED BY expunged_modseq WHERE mailbox_id = ? AND "
            "modseq > ? ORDER BY uid",
            box.id, static_cast<int64_t>(modseq));
  while (gone.Step()) changes.expunged.push_back(static_cast<uint32_t>(gone.Int(0)));
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
