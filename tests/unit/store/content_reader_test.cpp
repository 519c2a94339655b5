// Message text by range: ReadContentRange and ContentReader over header_prefix + shared body,
// across the prefix/body edge, past the end, in chunks over a multi-megabyte body, and what a
// reader does when the message is expunged while it is open.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

// Mail-like text of about `size` octets whose bytes differ from place to place, so a read at
// the wrong offset cannot compare equal by accident.
std::string Body(size_t size) {
  std::string out = "Subject: big\r\n\r\n";
  for (size_t line = 0; out.size() < size; ++line)
    out += std::to_string(line * 7919 % 100003) + " the quick brown fox " + std::to_string(line) +
           "\r\n";
  return out;
}

class ContentReaderTest : public StoreTest {
 protected:
  // Delivers `body` to alice's INBOX with `prefix` in front; returns the UID.
  uint32_t Deliver(const std::string& body, const std::string& prefix = "") {
    auto uids = store_->Deliver({DeliveryTarget(Box(alice_, "INBOX"), prefix)}, body, 1);
    EXPECT_TRUE(uids.ok()) << uids.error();
    return uids.ok() ? uids->front() : 0;
  }
  std::string Range(uint32_t uid, uint64_t offset, uint64_t length) {
    auto r = store_->ReadContentRange(Box(alice_, "INBOX"), uid, offset, length);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : "<error>";
  }
};

TEST_F(ContentReaderTest, RangesAcrossPrefixAndBody) {
  const std::string prefix = "Return-Path: <s@x.test>\r\nDelivered-To: alice@example.test\r\n";
  const std::string body = "Subject: hi\r\n\r\nbody\r\n";
  const std::string whole = prefix + body;
  uint32_t uid = Deliver(body, prefix);
  for (uint64_t offset :
       {uint64_t{0}, uint64_t{5}, uint64_t{prefix.size() - 1}, uint64_t{prefix.size()},
        uint64_t{prefix.size() + 3}, uint64_t{whole.size() - 1}}) {
    for (uint64_t length : {uint64_t{1}, uint64_t{2}, uint64_t{10}, uint64_t{1000}}) {
      EXPECT_EQ(Range(uid, offset, length), whole.substr(offset, length))
          << offset << "+" << length;
    }
  }
  EXPECT_EQ(Range(uid, 0, whole.size()), whole);
  EXPECT_EQ(Range(uid, 0, UINT64_MAX), whole);
  EXPECT_EQ(Range(uid, whole.size(), 10), "");
  EXPECT_EQ(Range(uid, UINT64_MAX, UINT64_MAX), "");
  EXPECT_EQ(Range(uid, 3, 0), "");
  EXPECT_FALSE(store_->ReadContentRange(Box(alice_, "INBOX"), uid + 1, 0, 10).ok());
  EXPECT_FALSE(store_->OpenContent(Box(alice_, "INBOX"), uid + 1).ok());
}

TEST_F(ContentReaderTest, EmptyBodyAndEmptyPrefix) {
  uint32_t uid = Deliver("", "X-Trace: 1\r\n");
  EXPECT_EQ(Range(uid, 0, 100), "X-Trace: 1\r\n");
  uint32_t plain = Deliver("just a body");
  EXPECT_EQ(Range(plain, 5, 100), "a body");
  auto reader = store_->OpenContent(Box(alice_, "INBOX"), uid);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ((*reader)->size(), 12u);
  std::string out;
  ASSERT_TRUE((*reader)->Read(0, 100, out).ok());
  EXPECT_EQ(out, "X-Trace: 1\r\n");
}

TEST_F(ContentReaderTest, ReaderStreamsABigBodyInChunks) {
  const std::string prefix = "Delivered-To: alice@example.test\r\n";
  const std::string body = Body(5 << 20);
  const std::string whole = prefix + body;
  uint32_t uid = Deliver(body, prefix);
  auto info = store_->GetMessage(Box(alice_, "INBOX"), uid).value();
  auto reader = store_->OpenContent(Box(alice_, "INBOX"), uid);
  ASSERT_TRUE(reader.ok()) << reader.error();
  ASSERT_EQ((*reader)->size(), static_cast<uint64_t>(info->size));
  ASSERT_EQ((*reader)->size(), whole.size());
  // Chunks that do not divide the size, so the last one is short; appended, not replaced.
  std::string streamed = "x";
  const uint64_t chunk = 256 * 1024 + 17;
  for (uint64_t offset = 0; offset < whole.size(); offset += chunk)
    ASSERT_TRUE((*reader)->Read(offset, chunk, streamed).ok());
  EXPECT_TRUE(streamed == "x" + whole);
  // Random access, backwards too, on the same reader.
  for (uint64_t offset : {uint64_t{4 << 20}, uint64_t{17}, uint64_t{whole.size() - 3},
                          uint64_t{prefix.size() - 2}, uint64_t{1 << 20}}) {
    std::string part;
    ASSERT_TRUE((*reader)->Read(offset, 1024, part).ok());
    EXPECT_EQ(part, whole.substr(offset, 1024)) << offset;
  }
  EXPECT_EQ(Range(uid, 3 << 20, 4096), whole.substr(3 << 20, 4096));
}

TEST_F(ContentReaderTest, OpenReaderKeepsItsSnapshotThroughAnExpunge) {
  const std::string body = Body(1 << 20);
  uint32_t uid = Deliver(body);
  MailboxId inbox = Box(alice_, "INBOX");
  auto reader = store_->OpenContent(inbox, uid);
  ASSERT_TRUE(reader.ok()) << reader.error();
  std::string first;
  ASSERT_TRUE((*reader)->Read(0, 1000, first).ok());
  // Another session expunges it: the body's last reference goes and the row is deleted.
  ASSERT_EQ(store_->Expunge(inbox, {uid}).value(), std::vector<uint32_t>{uid});
  EXPECT_EQ(store_->Stats().value().contents, 0);
  std::string rest;
  if (TestingPostgres()) {
    // A PostgreSQL reader holds no snapshot between reads (content_reader.h): the body is gone,
    // and the read says so instead of returning anything else.
    Status gone = (*reader)->Read(1000, body.size(), rest);
    EXPECT_FALSE(gone.ok());
    EXPECT_NE(gone.message().find("gone"), std::string::npos) << gone.message();
    EXPECT_TRUE(rest.empty());
    return;
  }
  // Within its snapshot the reader still reads the text it opened.
  ASSERT_TRUE((*reader)->Read(1000, body.size(), rest).ok());
  EXPECT_TRUE(first + rest == body);
}

TEST_F(ContentReaderTest, SmallBodyComesWithTheRowAndOutlivesAnExpunge) {
  const std::string prefix = "Delivered-To: alice@example.test\r\n";
  const std::string body = Body(20 * 1024);
  uint32_t uid = Deliver(body, prefix);
  MailboxId inbox = Box(alice_, "INBOX");
  auto reader = store_->OpenContent(inbox, uid);
  ASSERT_TRUE(reader.ok()) << reader.error();
  ASSERT_TRUE(store_->Expunge(inbox, {uid}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past any snapshot's age
  std::string out;
  ASSERT_TRUE((*reader)->Read(prefix.size() - 5, 5000, out).ok());
  EXPECT_EQ(out, (prefix + body).substr(prefix.size() - 5, 5000));
}

TEST_F(ContentReaderTest, ReaderFailsOnceItsContentIsGoneAndTheRowidReused) {
  const std::string body = Body(300 * 1024);
  uint32_t uid = Deliver(body);
  MailboxId inbox = Box(alice_, "INBOX");
  auto reader = store_->OpenContent(inbox, uid);
  ASSERT_TRUE(reader.ok()) << reader.error();
  std::string out;
  ASSERT_TRUE((*reader)->Read(0, 100, out).ok());
  ASSERT_TRUE(store_->Expunge(inbox, {uid}).ok());
  // A new body of the same size takes the freed rowid (INTEGER PRIMARY KEY reuses the largest).
  std::string other = body;
  other[200] = '#';
  uint32_t again = Deliver(other);
  ASSERT_EQ(store_->GetMessage(inbox, again).value()->size, static_cast<int64_t>(body.size()));
  // Past the snapshot's lifetime the reader must notice instead of reading the new body.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::string late = "keep";
  Status s = (*reader)->Read(100, 1000, late);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(late, "keep");  // nothing appended on error
  EXPECT_NE(s.message().find("gone"), std::string::npos) << s.message();
}

TEST_F(ContentReaderTest, ManyReadersAtOnceDoNotBlockWriters) {
  const std::string body = Body(64 * 1024);
  uint32_t uid = Deliver(body);
  MailboxId inbox = Box(alice_, "INBOX");
  std::vector<std::unique_ptr<ContentReader>> readers;
  for (int i = 0; i < 8; ++i) {
    auto r = store_->OpenContent(inbox, uid);
    ASSERT_TRUE(r.ok()) << r.error();
    std::string out;
    ASSERT_TRUE((*r)->Read(0, 10, out).ok());
    readers.push_back(std::move(r).value());
  }
  // Writers still commit while the readers hold their snapshots (WAL).
  for (int i = 0; i < 5; ++i) ASSERT_NE(Deliver("m" + std::to_string(i)), 0u);
  Flags seen;
  seen.system = kFlagSeen;
  ASSERT_TRUE(store_->UpdateFlags(inbox, {uid}, FlagOperation::kAdd, seen).ok());
  for (auto& r : readers) {
    std::string out;
    ASSERT_TRUE(r->Read(60000, 100, out).ok());
    EXPECT_EQ(out, body.substr(60000, 100));
  }
}

}  // namespace
}  // namespace mailsuite::store::test
