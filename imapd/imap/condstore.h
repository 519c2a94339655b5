// CONDSTORE and QRESYNC (RFC 7162) pieces that several commands share: mod-sequence numbers,
// the FETCH / STORE / SELECT modifier lists, and the "* n FETCH (UID … FLAGS … MODSEQ …)" line
// that reports a flag change. Pure: no store, no I/O. What the session has enabled lives in
// ImapSession (condstore(), qresync()); the resync part of SELECT is in qresync.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "parser/command_parser.h"
#include "sequence_set.h"
#include "store/types.h"

namespace mailsuite::imapd {

// mod-sequence-value (1 .. 2^63-1), or with allow_zero mod-sequence-valzer (RFC 7162 7).
std::optional<uint64_t> ParseModSeq(const Arg& a, bool allow_zero);

// "MODSEQ (n)", the FETCH data item (RFC 7162 3.1.4.1).
std::string ModSeqItem(uint64_t modseq);

// FETCH modifiers (RFC 7162 3.1.4.2, 3.2.6): "(CHANGEDSINCE n [VANISHED])".
struct FetchModifiers {
  std::optional<uint64_t> changed_since;
  bool vanished = false;
};
std::optional<FetchModifiers> ParseFetchModifiers(const Arg& list, std::string* error);

// STORE modifier (RFC 7162 3.1.3): "(UNCHANGEDSINCE n)"; n may be 0.
std::optional<uint64_t> ParseStoreModifiers(const Arg& list, std::string* error);

// SELECT/EXAMINE parameters (RFC 7162 3.1.8, 3.2.5):
//   "(CONDSTORE)" or "(QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]))".
struct QresyncParams {
  uint32_t uid_validity = 0;
  uint64_t modseq = 0;
  std::optional<SequenceSet> known_uids;  // absent: every UID the client may know
};
struct SelectParams {
  bool condstore = false;
  std::optional<QresyncParams> qresync;
};
std::optional<SelectParams> ParseSelectParams(const Arg& list, std::string* error);

// "* seq FETCH (UID u FLAGS (…) MODSEQ (m))\r\n" with the parts that are asked for; once
// CONDSTORE is on, flag changes carry UID and MODSEQ (RFC 7162 3.2.4).
// `recent`: the message is \Recent to this session (FLAGS then starts with \Recent).
std::string FlagFetchLine(size_t seq, const store::MessageInfo& m, bool with_uid, bool with_flags,
                          bool with_modseq, bool recent = false);

}  // namespace mailsuite::imapd
