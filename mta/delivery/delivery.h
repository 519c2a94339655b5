// DeliverMessage: what happens to an accepted message. Local recipients get it in their INBOX
// (or Junk, when the envelope says so; or where their Sieve script files it)
// (content stored once, with a per-recipient Return-Path:/Delivered-To: prefix); remote ones go
// to the outbound queue with their DSN parameters. When it returns Ok, everything is on disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../smtp/session.h"
#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::mta {

class DkimSigner;

struct Envelope {
  std::string id;      // our id for logs and the 250 reply
  std::string sender;  // empty for the null sender <>
  MailFrom mail;       // DSN RET/ENVID, BODY, SMTPUTF8
  std::vector<Recipient> recipients;
  int64_t received_at = 0;
  bool junk = false;       // local copies go to the Junk folder (DMARC p=quarantine), not INBOX
  bool run_sieve = false;  // mail received by SMTP: users' Sieve scripts decide (not for DSNs)
  std::string hostname;    // ours (Message-IDs of Sieve vacation replies)
  const DkimSigner* dkim = nullptr;  // signs Sieve vacation replies for the user's domain
};

// The trace fields in front of a local copy (RFC 5321 4.4: the final delivery adds
// Return-Path; Delivered-To names the mailbox).
std::string TraceFields(const std::string& sender, const std::string& user_address);

// A local user whose Sieve script rejected the message (RFC 5429), for the reply or the DSN.
struct SieveRefusal {
  size_t recipient = 0;  // index into Envelope::recipients
  std::string user_address;
  std::string reason;
};

struct DeliveryReport {
  // Anything went to the outbound queue (remote recipients, Sieve redirects, vacation replies
  // to remote senders), so the caller can wake the queue runner.
  bool queued = false;
  std::vector<SieveRefusal> refusals;
  // Every local user refused the message and nothing else was stored or queued: the SMTP
  // reply itself can say so (RFC 5429 2.1: refuse in the protocol when possible).
  bool all_refused = false;
  int64_t queue_id = 0;  // the queue's number for the remote recipients (0: none)
  // The local users who got a copy (one entry each, whatever their script filed).
  std::vector<std::string> delivered_to;
};

Status DeliverMessage(store::Store& store, const Envelope& envelope, const std::string& content,
                      DeliveryReport* report = nullptr);

}  // namespace mailsuite::mta
