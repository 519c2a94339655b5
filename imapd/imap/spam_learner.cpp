// Reports to rspamd's controller; see spam_learner.h.
#include "spam_learner.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <fstream>
#include <sstream>

namespace mailsuite::imapd {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);  // also bounds how long a stop waits

Poco::Logger& Log() { return Poco::Logger::get("spam-learn"); }

}  // namespace

bool LearnVerdictFor(const std::string& from_use, const std::string& to_use,
                     SpamLearner::Verdict* verdict) {
  const bool from_junk = from_use == "\\Junk", to_junk = to_use == "\\Junk";
  if (to_junk && !from_junk) {
    *verdict = SpamLearner::Verdict::kSpam;
    return true;
  }
  if (from_junk && !to_junk && to_use != "\\Trash") {
    *verdict = SpamLearner::Verdict::kHam;
    return true;
  }
  return false;
}

SpamLearner::SpamLearner(const SpamConfig& config, store::Store& store)
    : store_(store), url_(config.learn_url) {
  if (!config.learn_password_file.empty()) {
    std::ifstream in(config.learn_password_file);
    if (!std::getline(in, password_))
      Log().error("cannot read spam.learn_password_file " + config.learn_password_file);
    password_ = Poco::trim(password_);
  }
  thread_ = std::thread([this] { Run(); });
}

SpamLearner::~SpamLearner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SpamLearner::Report(Verdict verdict, store::MailboxId mailbox,
                         const std::vector<uint32_t>& uids, const std::string& user) {
  size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (uint32_t uid : uids) {
      if (queue_.size() >= kMaxQueued) {
        ++dropped;
        continue;
      }
      queue_.push_back(Job{verdict, mailbox, uid, user});
    }
  }
  wake_.notify_one();
  if (dropped)
    Log().warning("learning queue full: " + std::to_string(dropped) + " report(s) of " + user +
                  " dropped");
}

void SpamLearner::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Learn(job);
  }
}

void SpamLearner::Learn(const Job& job) {
  const char* what = job.verdict == Verdict::kSpam ? "spam" : "ham";
  auto content = store_.ReadContent(job.mailbox, job.uid);
  if (!content) {
    Log().warning(std::string("cannot learn ") + what + ": " + content.error());
    return;
  }
  try {
    Poco::URI uri(url_);
    std::string path = uri.getPath();
    if (path.empty() || path.back() != '/') path += '/';
    path += job.verdict == Verdict::kSpam ? "learnspam" : "learnham";
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(kTimeout.count(), 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    if (!password_.empty()) request.set("Password", password_);
    request.set("Deliver-To", job.user);
    request.setContentLength(static_cast<std::streamsize>(content->size()));
    session.sendRequest(request) << *content;
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    std::ostringstream text;
    Poco::StreamCopier::copyStream(body, text, 4096);
    // 208: rspamd had learned this message as this already.
    auto status = response.getStatus();
    if (status == Poco::Net::HTTPResponse::HTTP_OK || static_cast<int>(status) == 208) {
      Log().information(std::string("learned ") + what + " from " + job.user + " (uid " +
                        std::to_string(job.uid) + "): " + std::to_string(status));
    } else {
      Log().warning(std::string("learning ") + what + " from " + job.user +
                    " failed: " + std::to_string(status) + " " + text.str().substr(0, 200));
    }
  } catch (const Poco::Exception& e) {
    Log().warning(std::string("learning ") + what + " from " + job.user +
                  " failed: " + e.displayText());
  }
}

}  // namespace mailsuite::imapd
