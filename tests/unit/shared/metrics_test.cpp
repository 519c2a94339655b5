#include <gtest/gtest.h>

#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "shared/metrics/http_endpoint.h"
#include "shared/metrics/process_metrics.h"
#include "shared/metrics/registry.h"

namespace mailsuite::metrics {
namespace {

TEST(MetricsRegistryTest, RendersCountersAndGaugesWithHelpTypeAndSortedSeries) {
  Registry r;
  auto& commands = r.AddCounter("test_commands_total", "Commands.", {"command", "result"});
  commands.With({"RETR", "ok"}).Inc(3);
  commands.With({"DELE", "err"}).Inc();
  r.AddGauge("test_open", "Open now.").With({}).Set(-2);
  EXPECT_EQ(r.Render(),
            "# HELP test_commands_total Commands.\n"
            "# TYPE test_commands_total counter\n"
            "test_commands_total{command=\"DELE\",result=\"err\"} 1\n"
            "test_commands_total{command=\"RETR\",result=\"ok\"} 3\n"
            "# HELP test_open Open now.\n"
            "# TYPE test_open gauge\n"
            "test_open -2\n");
}

TEST(MetricsRegistryTest, AFamilyWithoutSeriesStillHasItsHeader) {
  Registry r;
  r.AddCounter("test_idle_total", "Nothing yet.", {"reason"});
  EXPECT_EQ(r.Render(), "# HELP test_idle_total Nothing yet.\n# TYPE test_idle_total counter\n");
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("test_latency_seconds", "Latency.", {"op"}, {0.01, 0.1, 1});
  Histogram& commit = h.With({"commit"});
  commit.Observe(0.005);
  commit.Observe(0.01);  // on the bound: counted in it ("le")
  commit.Observe(0.5);
  commit.Observe(30);
  EXPECT_EQ(r.Render(),
            "# HELP test_latency_seconds Latency.\n"
            "# TYPE test_latency_seconds histogram\n"
            "test_latency_seconds_bucket{op=\"commit\",le=\"0.01\"} 2\n"
            "test_latency_seconds_bucket{op=\"commit\",le=\"0.1\"} 2\n"
            "test_latency_seconds_bucket{op=\"commit\",le=\"1\"} 3\n"
            "test_latency_seconds_bucket{op=\"commit\",le=\"+Inf\"} 4\n"
            "test_latency_seconds_sum{op=\"commit\"} 30.515\n"
            "test_latency_seconds_count{op=\"commit\"} 4\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.AddCounter("test_escapes_total", "Back\\slash and\nnewline.", {"v"}).With({"a\"b\\c\nd"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP test_escapes_total Back\\\\slash and\\nnewline.\n"
            "# TYPE test_escapes_total counter\n"
            "test_escapes_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsRegistryTest, RefusesBadNamesAndConflictingRegistrations) {
  Registry r;
  EXPECT_THROW(r.AddCounter("test_commands", "No _total."), std::invalid_argument);
  EXPECT_THROW(r.AddGauge("9lives", "Starts with a digit."), std::invalid_argument);
  EXPECT_THROW(r.AddGauge("test_gauge", "Bad label.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.AddHistogram("test_h", "le is Prometheus's.", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(r.AddHistogram("test_h", "Descending.", {}, {2, 1}), std::invalid_argument);
  auto& first = r.AddCounter("test_x_total", "X.", {"a"});
  EXPECT_EQ(&r.AddCounter("test_x_total", "X.", {"a"}), &first);  // the same family again
  EXPECT_THROW(r.AddCounter("test_x_total", "X.", {"b"}), std::invalid_argument);
  EXPECT_THROW(r.AddGauge("test_x_total", "X."), std::invalid_argument);
}

TEST(MetricsRegistryTest, LabelValuesPastTheCapGoToOneOtherSeries) {
  Registry r;
  auto& f = r.AddCounter("test_many_total", "Many.", {"v"});
  for (size_t i = 0; i < kMaxSeries + 50; ++i) f.With({std::to_string(i)}).Inc();
  std::string text = r.Render();
  size_t series = 0;
  for (size_t pos = 0; (pos = text.find("\ntest_many_total{", pos)) != std::string::npos; ++pos)
    ++series;
  EXPECT_EQ(series, kMaxSeries + 1);
  EXPECT_NE(text.find("test_many_total{v=\"other\"} 50\n"), std::string::npos);
}

TEST(MetricsRegistryTest, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& f = r.AddCounter("test_race_total", "Race.", {"thread"});
  auto& h = r.AddHistogram("test_race_seconds", "Race.", {}, {0.5});
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        f.With({t % 2 ? "odd" : "even"}).Inc();
        h.With({}).Observe(1);
        if (i % 10000 == 0) r.Render();  // a scrape in the middle
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.With({"odd"}).Value() + f.With({"even"}).Value(), uint64_t{kThreads} * kIncrements);
  Histogram::Snapshot s = h.With({}).Read();
  EXPECT_EQ(s.cumulative.back(), uint64_t{kThreads} * kIncrements);
  EXPECT_EQ(s.cumulative[0], 0u);
  EXPECT_DOUBLE_EQ(s.sum, double{kThreads} * kIncrements);
}

TEST(MetricsRegistryTest, ACollectorMayRegisterMetricsWhileItRuns) {
  // A store read inside a collector may count a retry, which registers a family: the scrape
  // must not hold the registry's lock then.
  Registry r;
  r.AddCollector([&](SampleWriter&) { r.AddCounter("test_late_total", "Late.").With({}).Inc(); });
  r.Render();
  EXPECT_NE(r.Render().find("\ntest_late_total 1\n"), std::string::npos);
}

TEST(MetricsRegistryTest, RemovingACollectorWaitsForTheScrapeRunningIt) {
  Registry r;
  std::atomic<bool> inside{false};
  std::atomic<bool> finished{false};
  int id = r.AddCollector([&](SampleWriter&) {
    inside = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    finished = true;
  });
  std::thread scrape([&] { r.Render(); });
  while (!inside) std::this_thread::yield();
  r.RemoveCollector(id);
  EXPECT_TRUE(finished);  // what the collector reads may go now
  scrape.join();
}

TEST(MetricsRegistryTest, CollectorsWriteAtScrapeTimeUntilRemoved) {
  Registry r;
  int calls = 0;
  int id = r.AddCollector([&](SampleWriter& w) {
    ++calls;
    w.Begin("test_parked", "Parked.", Type::kGauge);
    w.Sample("test_parked", 7, {{"state", "parked"}});
  });
  EXPECT_EQ(r.Render(),
            "# HELP test_parked Parked.\n# TYPE test_parked gauge\n"
            "test_parked{state=\"parked\"} 7\n");
  r.RemoveCollector(id);
  EXPECT_EQ(r.Render(), "");
  EXPECT_EQ(calls, 1);
}

TEST(MetricsFormatTest, ValuesAsPrometheusWritesThem) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatBound(0.0005), "0.0005");
  EXPECT_EQ(FormatBound(10), "10");
  EXPECT_TRUE(IsValidMetricName("mailsuite:rule_total"));
  EXPECT_FALSE(IsValidMetricName("has-dash"));
  EXPECT_TRUE(IsValidLabelName("_x1"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(ProcessMetricsTest, ParsesProcStatPastACommandWithSpacesAndParentheses) {
  // proc(5) fields 1..24; the command "(a) b)" is the trap.
  std::string stat =
      "1234 ((a) b)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 5000 104857600 "
      "2560 18446744073709551615";
  std::optional<ProcStat> s = ParseProcStat(stat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 75u);
  EXPECT_EQ(s->threads, 9);
  EXPECT_EQ(s->start_ticks, 5000u);
  EXPECT_EQ(s->virtual_bytes, 104857600u);
  EXPECT_EQ(s->resident_pages, 2560);
  EXPECT_FALSE(ParseProcStat("1234 (x) S 1 2"));
  EXPECT_FALSE(ParseProcStat("no parenthesis"));
}

TEST(ProcessMetricsTest, CountsThisProcessesDescriptorsAndRendersProcessFamilies) {
  int64_t before = CountOpenDescriptors();
  ASSERT_GT(before, 2);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_EQ(CountOpenDescriptors(), before + 2);
  ::close(fds[0]);
  ::close(fds[1]);
  Registry r;
  AddProcessCollector(r);
  std::string text = r.Render();
  for (const char* name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_threads ",
        "process_open_fds ", "process_max_fds ", "process_start_time_seconds "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name << "\n" << text;
}

// GET `path` from the endpoint; returns the status and fills `body`.
int Get(const HttpEndpoint& e, const std::string& path, std::string& body,
        const std::string& password = "", const std::string& method = "GET") {
  Poco::Net::HTTPClientSession client(e.bound().host, e.bound().port);
  client.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!password.empty())
    Poco::Net::HTTPBasicCredentials("prometheus", password).authenticate(request);
  client.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = client.receiveResponse(response);
  body.clear();
  Poco::StreamCopier::copyToString(in, body);
  return response.getStatus();
}

TEST(MetricsHttpEndpointTest, ServesMetricsHealthAndReadiness) {
  Registry r;
  r.AddCounter("test_served_total", "Served.").With({}).Inc(5);
  auto e = HttpEndpoint::Bind(Endpoint{"127.0.0.1", 0});
  ASSERT_TRUE(e) << e.error();
  // Read by the server's threads while this one changes them.
  std::atomic<bool> ready{false};
  std::atomic<bool> alive{true};
  HttpEndpointOptions options;
  options.alive = [&] { return alive.load(); };
  options.not_ready = [&] { return ready ? std::string() : "the store does not answer"; };
  (*e)->Start(r, options);
  std::string body;
  EXPECT_EQ(Get(**e, "/metrics", body), 200);
  EXPECT_NE(body.find("\ntest_served_total 5\n"), std::string::npos) << body;
  EXPECT_EQ(Get(**e, "/healthz", body), 200);
  EXPECT_EQ(body, "ok\n");
  EXPECT_EQ(Get(**e, "/readyz", body), 503);
  EXPECT_EQ(body, "not ready: the store does not answer\n");
  ready = true;
  EXPECT_EQ(Get(**e, "/readyz", body), 200);
  alive = false;
  EXPECT_EQ(Get(**e, "/healthz", body), 503);
  EXPECT_EQ(Get(**e, "/other", body), 404);
  EXPECT_EQ(Get(**e, "/metrics", body, "", "POST"), 405);
  (*e)->Stop();
}

TEST(MetricsHttpEndpointTest, MetricsAskForThePasswordAndHealthDoesNot) {
  Registry r;
  auto e = HttpEndpoint::Bind(Endpoint{"127.0.0.1", 0});
  ASSERT_TRUE(e) << e.error();
  HttpEndpointOptions options;
  options.password = "s3cret";
  (*e)->Start(r, options);
  std::string body;
  EXPECT_EQ(Get(**e, "/metrics", body), 401);
  EXPECT_EQ(Get(**e, "/metrics", body, "wrong"), 401);
  EXPECT_EQ(Get(**e, "/metrics", body, "s3cret"), 200);
  EXPECT_EQ(Get(**e, "/healthz", body), 200);
  EXPECT_TRUE(SamePassword("s3cret", "s3cret"));
  EXPECT_FALSE(SamePassword("s3cre", "s3cret"));
}

}  // namespace
}  // namespace mailsuite::metrics
