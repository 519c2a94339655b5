// ContentReader: one message's text (its header_prefix, then the shared body) opened for reading
// by range (Store::OpenContent). A FETCH of a header, a part or a 1 KB partial reads only those
// octets, and a whole message goes to the client in chunks instead of being held in memory.
//
// The text of a message never changes, but it can go away: when the message is expunged and no
// other message or queue entry shares its body. Reads see the text as it was when the reader
// was opened for as long as the backend can hold that view cheaply (SQLite: a read snapshot,
// renewed about once a second so that a slow client cannot keep the write-ahead log from being
// checkpointed; PostgreSQL: only a body of up to 64 KB, which comes whole with the reader,
// while a larger one is read by range and can be gone at the next Read). A Read after the
// content is gone fails; the caller has usually promised the client a length by then and must
// drop the connection.
//
// Not thread-safe: one session uses one reader at a time. Destroy it before the Store.
#pragma once

#include <cstdint>
#include <string>

#include "shared/result.h"

namespace mailsuite::store {

class ContentReader {
 public:
  virtual ~ContentReader() = default;
  ContentReader(const ContentReader&) = delete;
  ContentReader& operator=(const ContentReader&) = delete;

  // Octets of the whole text (the message's MessageInfo::size).
  virtual uint64_t size() const = 0;
  // Appends octets [offset, offset + length) of the text to `out`, fewer only where the text
  // ends (none from an offset at or past its end). On error `out` is as it was.
  virtual Status Read(uint64_t offset, uint64_t length, std::string& out) = 0;

 protected:
  ContentReader() = default;
};

}  // namespace mailsuite::store
