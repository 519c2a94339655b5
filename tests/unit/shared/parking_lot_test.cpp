// ParkingLot: parked sockets resume on input, on Wake(key), at their deadline and at stop,
// exactly once each, without a thread per parked item.
#include "shared/net/parking_lot.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace mailsuite::net {
namespace {

using namespace std::chrono_literals;
using Clock = ParkingLot::Clock;

class SocketItem : public ParkingLot::Item {
 public:
  SocketItem(int id, int fd) : id(id), fd_(fd) {}
  ~SocketItem() override { ::close(fd_); }
  int fd() const override { return fd_; }
  const int id;

 private:
  int fd_;
};

class ParkingLotTest : public ::testing::Test {
 protected:
  ParkingLotTest()
      : lot_(
            [this](std::unique_ptr<ParkingLot::Item> item, WakeReason reason) {
              std::unique_lock<std::mutex> lock(mu_);
              auto* s = static_cast<SocketItem*>(item.get());
              resumed_[s->id].push_back(reason);
              cv_.notify_all();
              // Items from 1000 on keep their thread until let_go_ (a session at work).
              if (s->id >= 1000) cv_.wait(lock, [this] { return let_go_; });
            },
            2, 4) {}

  ~ParkingLotTest() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      let_go_ = true;
      cv_.notify_all();
    }
    lot_.Shutdown();
    for (int fd : peers_) ::close(fd);
  }

  // Parks item `id` (a socketpair end); returns the peer end.
  int Park(int id, const std::string& key, uint64_t generation,
           Clock::time_point deadline = Clock::now() + 1h) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    peers_.push_back(fds[1]);
    lot_.Park(std::make_unique<SocketItem>(id, fds[0]), key, generation, deadline);
    return fds[1];
  }

  std::vector<WakeReason> WaitFor(int id, std::chrono::milliseconds limit = 5000ms) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, limit, [&] { return resumed_.count(id) > 0; });
    return resumed_[id];
  }

  bool Resumed(int id) {
    std::lock_guard<std::mutex> lock(mu_);
    return resumed_.count(id) > 0;
  }

  ParkingLot lot_;
  bool let_go_ = false;  // guarded by mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, std::vector<WakeReason>> resumed_;
  std::vector<int> peers_;
};

TEST_F(ParkingLotTest, InputResumesOnlyThatSocket) {
  int peer = Park(1, "", 0);
  Park(2, "", 0);
  EXPECT_EQ(lot_.parked(), 2u);
  ASSERT_EQ(::write(peer, "DONE\r\n", 6), 6);
  EXPECT_EQ(WaitFor(1), std::vector<WakeReason>{WakeReason::kReadable});
  EXPECT_FALSE(Resumed(2));
  EXPECT_EQ(lot_.parked(), 1u);
}

TEST_F(ParkingLotTest, ClosedPeerResumesAsReadable) {
  int peer = Park(1, "", 0);
  ::shutdown(peer, SHUT_RDWR);
  EXPECT_EQ(WaitFor(1), std::vector<WakeReason>{WakeReason::kReadable});
}

TEST_F(ParkingLotTest, WakeResumesEveryItemOfItsKeyOnce) {
  Park(1, "mailbox:7", lot_.Generation("mailbox:7"));
  Park(2, "mailbox:7", lot_.Generation("mailbox:7"));
  Park(3, "mailbox:8", lot_.Generation("mailbox:8"));
  lot_.Wake("mailbox:7");
  lot_.Wake("mailbox:7");  // nothing left under the key: no second resume
  EXPECT_EQ(WaitFor(1), std::vector<WakeReason>{WakeReason::kNotified});
  EXPECT_EQ(WaitFor(2), std::vector<WakeReason>{WakeReason::kNotified});
  EXPECT_EQ(lot_.Generation("mailbox:7"), 2u);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(Resumed(3));
  EXPECT_EQ(lot_.parked(), 1u);
}

TEST_F(ParkingLotTest, WakeBetweenLookAndParkIsNotLost) {
  uint64_t seen = lot_.Generation("mailbox:1");
  lot_.Wake("mailbox:1");  // a change lands after the session's last look
  Park(1, "mailbox:1", seen);
  EXPECT_EQ(WaitFor(1), std::vector<WakeReason>{WakeReason::kNotified});
  EXPECT_EQ(lot_.parked(), 0u);
}

TEST_F(ParkingLotTest, DeadlineResumes) {
  Park(1, "", 0, Clock::now() + 100ms);
  Park(2, "", 0, Clock::now() + 1h);
  EXPECT_EQ(WaitFor(1, 3000ms), std::vector<WakeReason>{WakeReason::kDeadline});
  EXPECT_FALSE(Resumed(2));
}

TEST_F(ParkingLotTest, StopResumesAllAndRefusesNewParks) {
  for (int i = 1; i <= 50; ++i) Park(i, i % 2 ? "a" : "", lot_.Generation("a"));
  EXPECT_EQ(lot_.parked(), 50u);
  lot_.StopAll();
  for (int i = 1; i <= 50; ++i)
    EXPECT_EQ(WaitFor(i), std::vector<WakeReason>{WakeReason::kStopping}) << i;
  Park(51, "", 0);
  EXPECT_EQ(WaitFor(51), std::vector<WakeReason>{WakeReason::kStopping});
  EXPECT_EQ(lot_.parked(), 0u);
  EXPECT_LE(lot_.threads(), 4);
}

TEST_F(ParkingLotTest, ParkedItemsHoldNoThreads) {
  for (int i = 1; i <= 500; ++i) Park(i, "k", lot_.Generation("k"));
  EXPECT_EQ(lot_.parked(), 500u);
  EXPECT_EQ(lot_.threads(), 0);  // no resume yet: no worker was ever started
  lot_.Wake("k");
  for (int i = 1; i <= 500; ++i) EXPECT_EQ(WaitFor(i).size(), 1u) << i;
  EXPECT_LE(lot_.threads(), 4);
}

TEST_F(ParkingLotTest, RunResumesANewItemAtOnce) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  peers_.push_back(fds[1]);
  lot_.Run(std::make_unique<SocketItem>(7, fds[0]), WakeReason::kStart);
  EXPECT_EQ(WaitFor(7), std::vector<WakeReason>{WakeReason::kStart});
  EXPECT_EQ(lot_.parked(), 0u);
}

TEST_F(ParkingLotTest, BusyOnceTheComfortableNumberOfThreadsWork) {
  EXPECT_FALSE(lot_.Busy());
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  peers_.push_back(fds[1]);
  lot_.Run(std::make_unique<SocketItem>(1000, fds[0]), WakeReason::kStart);
  WaitFor(1000);
  EXPECT_FALSE(lot_.Busy());  // one of two comfortable threads at work
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  peers_.push_back(fds[1]);
  lot_.Run(std::make_unique<SocketItem>(1001, fds[0]), WakeReason::kStart);
  WaitFor(1001);
  EXPECT_TRUE(lot_.Busy());  // sessions about to wait for their client now park at once
  {
    std::lock_guard<std::mutex> lock(mu_);
    let_go_ = true;
    cv_.notify_all();
  }
  for (int i = 0; i < 200 && lot_.Busy(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(lot_.Busy());
}

TEST_F(ParkingLotTest, GrowsPastTheComfortableNumberOnlyWhenResumesStall) {
  int fds[2];
  for (int id : {1000, 1001}) {  // both comfortable threads stuck (slow clients)
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    peers_.push_back(fds[1]);
    lot_.Run(std::make_unique<SocketItem>(id, fds[0]), WakeReason::kStart);
    WaitFor(id);
  }
  EXPECT_EQ(lot_.threads(), 2);
  // A third resume stalls behind them: after a short wait the lot adds a thread for it.
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  peers_.push_back(fds[1]);
  lot_.Run(std::make_unique<SocketItem>(3, fds[0]), WakeReason::kStart);
  EXPECT_EQ(WaitFor(3), std::vector<WakeReason>{WakeReason::kStart});
  EXPECT_EQ(lot_.threads(), 3);
}

TEST_F(ParkingLotTest, ACrowdOfQuickResumesUsesTheComfortableThreads) {
  for (int i = 1; i <= 300; ++i) Park(i, "k", lot_.Generation("k"));
  lot_.Wake("k");
  for (int i = 1; i <= 300; ++i) EXPECT_EQ(WaitFor(i).size(), 1u) << i;
  EXPECT_LE(lot_.threads(), 3);  // 2, or one more if a resume was slow to start
}

}  // namespace
}  // namespace mailsuite::net
