// The IMAP literal framing and command parser (RFC 9051 4.3, 9) as the session reads a command,
// and the argument parsers handlers apply to what it returns: sequence sets, FETCH items and
// modifiers, SEARCH keys and RETURN options, LIST, STATUS items, flags, dates, SELECT
// parameters and mailbox names (modified UTF-7 both ways).
#include <algorithm>
#include <variant>

#include "../fuzz_target.h"
#include "imap/condstore.h"
#include "imap/fetch_items.h"
#include "imap/format.h"
#include "imap/list_request.h"
#include "imap/mailbox_utf7.h"
#include "imap/search_keys.h"
#include "imap/search_return.h"
#include "imap/sequence_set.h"
#include "imap/status_items.h"
#include "parser/command_framer.h"
#include "parser/command_parser.h"

namespace mailsuite::imapd {
namespace {

// The command as the session frames it (CommandFramer): lines up to CRLF, literals where the
// framer asks for them, refused ones skipped. What it lets through stays within its limits.
RawCommand Frame(std::string_view input) {
  constexpr FramingLimits kLimits{1 << 16, (1 << 16) + 1000, 1000};
  CommandFramer framer(kLimits);
  FramerStep step;
  size_t pos = 0;
  uint64_t literal_bytes = 0;
  bool ended = false;
  while (!ended) {
    switch (step.kind) {
      case FramerStep::Kind::kReadLine: {
        if (pos > input.size()) {
          ended = true;
          break;
        }
        size_t eol = input.find("\r\n", pos);
        size_t end = eol == std::string_view::npos ? input.size() : eol;
        std::string line(input.substr(pos, end - pos));
        pos = end + 2;
        step = line.size() > 1000 ? framer.LineTooLong() : framer.Line(std::move(line));
        break;
      }
      case FramerStep::Kind::kReadLiteral: {
        FUZZ_CHECK(step.size <= kLimits.literal);
        literal_bytes += step.size;
        FUZZ_CHECK(literal_bytes <= kLimits.total);
        if (pos + step.size > input.size()) {
          ended = true;
          break;
        }
        std::string bytes(input.substr(pos, step.size));
        pos += step.size;
        step = framer.Literal(std::move(bytes));
        break;
      }
      case FramerStep::Kind::kSkipLiteral:
        FUZZ_CHECK(step.size <= kLimits.literal || !step.reply.empty());
        if (pos + step.size > input.size()) {
          ended = true;
          break;
        }
        pos += step.size;
        step = framer.Skipped();
        break;
      case FramerStep::Kind::kDone: {
        RawCommand raw = framer.Take();
        FUZZ_CHECK(raw.lines.size() == raw.literals.size() + 1);
        return raw;
      }
      case FramerStep::Kind::kRefused:
      case FramerStep::Kind::kClose:
        return {};
    }
  }
  // The input ended inside a command: parse what came, as if its last line had ended it.
  RawCommand raw = framer.Take();
  if (raw.lines.size() == raw.literals.size()) raw.lines.emplace_back();
  return raw;
}

void Utf7RoundTrip(std::string_view text) {
  if (auto utf8 = MailboxUtf7ToUtf8(text)) (void)Utf8ToMailboxUtf7(*utf8);
  // Every UTF-8 name has a modified UTF-7 spelling that comes back unchanged.
  if (auto utf7 = Utf8ToMailboxUtf7(text)) {
    auto back = MailboxUtf7ToUtf8(*utf7);
    FUZZ_CHECK(back && *back == text);
  }
}

void OneArg(const Arg& a, int depth) {
  std::string error;
  (void)ParseFetchItems(a, &error);
  if (a.kind == Arg::Kind::kAtom) {
    if (auto set = SequenceSet::Parse(a.text)) (void)set->Contains(7, 100);
    (void)ParseModSeq(a, true);
  }
  if (a.kind != Arg::Kind::kList) {
    (void)ParseDateTime(a.text);
    (void)ParseSearchDate(a.text);
    Utf7RoundTrip(a.text);
    return;
  }
  (void)ParseFetchModifiers(a, &error);
  (void)ParseStoreModifiers(a, &error);
  (void)ParseSelectParams(a, &error);
  (void)ParseStatusItems(a, error);
  (void)ParseFlags(a.items);
  if (depth < 4)
    for (const Arg& item : a.items) OneArg(item, depth + 1);
}

MAILSUITE_FUZZ_TARGET(imap_command) {
  RawCommand raw = Frame(input);
  if (raw.lines.empty()) return;  // refused by the framer
  auto parsed = ParseCommand(raw);
  const Command* c = std::get_if<Command>(&parsed);
  if (c == nullptr) return;
  for (const Arg& a : c->args) OneArg(a, 0);
  std::string error;
  for (size_t start = 0; start < std::min<size_t>(c->args.size(), 3); ++start)
    (void)ParseSearchKeys(c->args, start, &error);
  size_t pos = 0;
  if (auto ret = ParseSearchReturn(c->args, &pos, &error)) {
    FUZZ_CHECK(pos <= c->args.size());
    (void)SavedHits(*ret, 3);
  }
  (void)ParseListRequest(c->args, error);
}

}  // namespace
}  // namespace mailsuite::imapd
