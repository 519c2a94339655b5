// scale_fill: fills a store for the scale benchmark (scale_bench.py) through the Store interface.
// Creates N users user00000..user<N-1> of a domain that exists, all with one password hash
// computed once (argon2 per user would take an hour), then with --big one more user whose INBOX
// gets M messages of about 1 KB: real RFC 5322 text with CRLF, varied From/Subject/Date, one in
// ten multipart/alternative, each through Store::Deliver as the MTA delivers it (Return-Path and
// Delivered-To prefix, the MIME metadata the MTA caches). All but the newest --unseen messages
// are then flagged \Seen, as in an INBOX kept for years. Every step is a durable transaction, so
// the fill runs at about the disk's fsync rate; --max-seconds stops the deliveries early.
//
//   scale_fill --db /tmp/x/mailsuite.db --users 9999 --big big@example.test --messages 100000
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "shared/auth/password.h"
#include "shared/mail/header_scan.h"
#include "shared/mail/mime.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace store = mailsuite::store;
namespace mail = mailsuite::mail;

struct Options {
  std::string db;
  std::string domain = "example.test";
  std::string password = "bench-password";
  int users = 10000;
  std::string big;  // empty: no big mailbox
  int messages = 100000;
  int unseen = 1000;
  int max_seconds = 3600;
};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const char* const kFirstNames[] = {"Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace",
                                   "Hiro",  "Ines",  "Jonas", "Kemal",  "Lena",  "Marta", "Nadia",
                                   "Oscar", "Priya", "Quinn", "Rosa",   "Sven",  "Tomas"};
const char* const kLastNames[] = {"Meyer",   "Novak",     "Rossi",    "Tanaka", "Okafor",
                                  "Larsen",  "Dubois",    "Kowalski", "Silva",  "Haddad",
                                  "Ivanova", "Nguyen",    "Berg",     "Moreau", "Fischer",
                                  "Costa",   "Lindqvist", "Sato",     "Weber",  "Jensen"};
const char* const kDomains[] = {"example.org",      "example.net",  "lists.example.com",
                                "mail.example.edu", "corp.example", "example.co.uk"};
const char* const kTopics[] = {"quarterly report", "meeting notes",         "build failure on main",
                               "invoice 2291",     "travel plans",          "release candidate",
                               "lunch?",           "server migration",      "draft for review",
                               "holiday schedule", "password reset policy", "conference call",
                               "budget 2026",      "patch: fix the parser", "weekly digest",
                               "welcome aboard"};
const char* const kWords[] = {"the",    "mailbox", "server",   "please",  "review", "attached",
                              "thanks", "about",   "tomorrow", "we",      "should", "change",
                              "order",  "numbers", "before",   "release", "and",    "after",
                              "team",   "update",  "question", "answer",  "soon",   "friday"};

template <size_t N>
const char* Pick(const char* const (&list)[N], std::mt19937& rng) {
  return list[rng() % N];
}

// One line of words, at most `width` octets, CRLF-terminated.
std::string WordLine(std::mt19937& rng, size_t width) {
  std::string line;
  for (;;) {
    std::string word = Pick(kWords, rng);
    if (line.size() + word.size() + 1 > width) break;
    if (!line.empty()) line += ' ';
    line += word;
  }
  return line + "\r\n";
}

std::string TextBody(std::mt19937& rng, size_t target) {
  std::string body;
  while (body.size() + 80 < target) body += WordLine(rng, 72);
  return body;
}

struct Generated {
  std::string sender;
  std::string text;
  int64_t date = 0;
};

// Message `n` of the big mailbox: sent about five minutes after the one before, so 100,000 of
// them span about a year.
Generated MakeMessage(int n, const std::string& to, std::mt19937& rng) {
  Generated g;
  const int64_t start = 1735689600;  // 2025-01-01T00:00:00Z
  g.date = start + int64_t{n} * 300 + static_cast<int64_t>(rng() % 300);
  std::string first = Pick(kFirstNames, rng), last = Pick(kLastNames, rng);
  std::string domain = Pick(kDomains, rng);
  g.sender = first + "." + last + "@" + domain;
  for (char& c : g.sender) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string subject = Pick(kTopics, rng);
  if (rng() % 3 == 0) subject = "Re: " + subject;
  if (rng() % 5 == 0) subject = "[team] " + subject;

  std::string h = "Received: from " + domain + " ([192.0.2." + std::to_string(1 + rng() % 250) +
                  "])\r\n\tby mail.example.test (mailsuite) with ESMTP id fill" +
                  std::to_string(n) + "; " + mail::FormatRfc5322Date(g.date + 2) + "\r\n";
  h += "From: " + first + " " + last + " <" + g.sender + ">\r\n";
  h += "To: <" + to + ">\r\n";
  h += "Subject: " + subject + " (" + std::to_string(n) + ")\r\n";
  h += "Date: " + mail::FormatRfc5322Date(g.date) + "\r\n";
  h += "Message-ID: <" + std::to_string(n) + "." + std::to_string(g.date) + "@" + domain + ">\r\n";
  h += "MIME-Version: 1.0\r\n";
  if (n % 10 == 9) {
    const std::string b = "=-alt-" + std::to_string(n);
    h += "Content-Type: multipart/alternative; boundary=\"" + b + "\"\r\n\r\n";
    std::string text = TextBody(rng, 400);
    g.text = h + "--" + b + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "--" +
             b + "\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>" + text +
             "</p></body></html>\r\n--" + b + "--\r\n";
  } else {
    h += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
    g.text = h + TextBody(rng, 1024 - h.size());
  }
  return g;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "scale_fill: %s\n", what.c_str());
  return 1;
}

int Usage() {
  std::fprintf(stderr,
               "usage: scale_fill --db PATH [--domain D] [--password PW] [--users N]\n"
               "                  [--big ADDRESS --messages M [--unseen U]] [--max-seconds S]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string v = argv[++i];
    if (a == "--db")
      o.db = v;
    else if (a == "--domain")
      o.domain = v;
    else if (a == "--password")
      o.password = v;
    else if (a == "--users")
      o.users = std::atoi(v.c_str());
    else if (a == "--big")
      o.big = v;
    else if (a == "--messages")
      o.messages = std::atoi(v.c_str());
    else if (a == "--unseen")
      o.unseen = std::atoi(v.c_str());
    else if (a == "--max-seconds")
      o.max_seconds = std::atoi(v.c_str());
    else
      return Usage();
  }
  if (o.db.empty()) return Usage();
  auto opened = store::OpenStore(o.db, 30000, /*create_if_missing=*/false);
  if (!opened) return Fail(opened.error());
  store::Store& st = **opened;
  const auto deadline = Clock::now() + std::chrono::seconds(o.max_seconds);

  auto start = Clock::now();
  const std::string hash = mailsuite::auth::HashPassword(o.password);
  if (hash.empty()) return Fail("argon2 failed");
  std::printf("fill: one argon2id hash in %.2f s, shared by every user\n", SecondsSince(start));

  start = Clock::now();
  char name[32];
  for (int i = 0; i < o.users; ++i) {
    std::snprintf(name, sizeof name, "user%05d@", i);
    auto user = st.AddUser(name + o.domain, hash);
    if (!user) return Fail(user.error());
  }
  const double users_seconds = SecondsSince(start);
  std::printf("fill: %d users in %.1f s (%.0f/s)\n", o.users, users_seconds,
              o.users / std::max(users_seconds, 1e-9));
  std::fflush(stdout);

  int delivered = 0;
  std::vector<uint32_t> uids;
  double messages_seconds = 0, flags_seconds = 0;
  if (!o.big.empty()) {
    auto user = st.AddUser(o.big, hash);
    if (!user) return Fail(user.error());
    auto inbox = st.GetMailbox(user->id, "INBOX");
    if (!inbox || !inbox->has_value()) return Fail("no INBOX for " + o.big);
    const store::MailboxId mailbox = (*inbox)->id;
    std::mt19937 rng(12);  // the same messages in every run
    start = Clock::now();
    auto lap = start;
    const int report_every = std::max(1, o.messages / 10);
    for (int n = 0; n < o.messages && Clock::now() < deadline; ++n) {
      Generated g = MakeMessage(n, o.big, rng);
      // What mta/delivery/delivery.cpp does for a local recipient (RFC 5321 4.4 trace fields).
      store::DeliveryTarget target(
          mailbox, "Return-Path: <" + g.sender + ">\r\nDelivered-To: " + o.big + "\r\n");
      std::string metadata = mail::SerializeMimeTree(mail::ParseMime(g.text));
      auto got = st.Deliver({target}, g.text, g.date + 2, metadata);
      if (!got) return Fail(got.error());
      uids.push_back(got->front());
      ++delivered;
      if (delivered % report_every == 0) {
        std::printf("fill: %d messages, the last %d at %.0f/s\n", delivered, report_every,
                    report_every / SecondsSince(lap));
        std::fflush(stdout);
        lap = Clock::now();
      }
    }
    messages_seconds = SecondsSince(start);
    std::printf("fill: %d messages into %s in %.1f s (%.0f/s)%s\n", delivered, o.big.c_str(),
                messages_seconds, delivered / std::max(messages_seconds, 1e-9),
                delivered < o.messages ? " (stopped by --max-seconds)" : "");

    start = Clock::now();
    std::vector<uint32_t> seen(uids.begin(),
                               uids.end() - std::min<ptrdiff_t>(std::max(o.unseen, 0), delivered));
    if (!seen.empty()) {
      auto update = st.UpdateFlags(mailbox, seen, store::FlagOperation::kAdd,
                                   store::Flags{store::kFlagSeen, {}});
      if (!update) return Fail(update.error());
    }
    flags_seconds = SecondsSince(start);
    std::printf("fill: \\Seen on %zu messages in one UpdateFlags in %.1f s\n", seen.size(),
                flags_seconds);
  }
  // One line for scale_bench.py to read.
  std::printf(
      "fill_result users=%d users_seconds=%.2f messages=%d messages_seconds=%.2f "
      "seen_seconds=%.2f\n",
      o.users, users_seconds, delivered, messages_seconds, flags_seconds);
  return 0;
}
