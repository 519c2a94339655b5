#include "search_return.h"

#include <algorithm>

#include "format.h"
#include "sequence_set.h"

namespace mailsuite::imapd {

std::optional<SearchReturn> ParseSearchReturn(const std::vector<Arg>& args, size_t* pos,
                                              std::string* error) {
  SearchReturn r;
  if (*pos >= args.size() || !args[*pos].IsAtom("RETURN")) return r;
  if (*pos + 1 >= args.size() || args[*pos + 1].kind != Arg::Kind::kList) {
    *error = "Syntax: SEARCH RETURN (MIN MAX ALL COUNT SAVE) …";
    return std::nullopt;
  }
  r.extended = true;
  for (const Arg& o : args[*pos + 1].items) {
    if (o.IsAtom("MIN")) {
      r.min = true;
    } else if (o.IsAtom("MAX")) {
      r.max = true;
    } else if (o.IsAtom("ALL")) {
      r.all = true;
    } else if (o.IsAtom("COUNT")) {
      r.count = true;
    } else if (o.IsAtom("SAVE")) {
      r.save = true;
    } else {
      *error = "Unknown SEARCH RETURN option";
      return std::nullopt;
    }
  }
  if (!r.min && !r.max && !r.count && !r.save) r.all = true;  // RETURN () (RFC 4731 3.1)
  *pos += 2;
  return r;
}

std::string FormatEsearch(std::string_view tag, bool uid, const SearchReturn& r,
                          const std::vector<SearchHit>& hits, bool with_modseq) {
  std::string out = "ESEARCH (TAG " + Quote(tag) + ")";
  if (uid) out += " UID";
  if (!hits.empty()) {
    uint64_t modseq = 0;
    if (r.min) {
      out += " MIN " + std::to_string(hits.front().number);
      modseq = std::max(modseq, hits.front().modseq);
    }
    if (r.max) {
      out += " MAX " + std::to_string(hits.back().number);
      modseq = std::max(modseq, hits.back().modseq);
    }
    if (r.all) {
      std::vector<uint32_t> numbers;
      numbers.reserve(hits.size());
      for (const SearchHit& h : hits) numbers.push_back(h.number);
      out += " ALL " + FormatSet(numbers);
    }
    if (r.count) out += " COUNT " + std::to_string(hits.size());
    if (r.all || r.count)
      for (const SearchHit& h : hits) modseq = std::max(modseq, h.modseq);
    if (with_modseq && modseq > 0) out += " MODSEQ " + std::to_string(modseq);
  } else if (r.count) {
    out += " COUNT 0";
  }
  return out;
}

std::vector<size_t> SavedHits(const SearchReturn& r, size_t hit_count) {
  std::vector<size_t> out;
  if (hit_count == 0) return out;
  if ((r.min || r.max) && !r.all && !r.count) {
    if (r.min) out.push_back(0);
    if (r.max && (out.empty() || out.back() != hit_count - 1)) out.push_back(hit_count - 1);
    return out;
  }
  for (size_t i = 0; i < hit_count; ++i) out.push_back(i);
  return out;
}

}  // namespace mailsuite::imapd
