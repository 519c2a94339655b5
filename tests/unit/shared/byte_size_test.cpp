// Sizes as admins write them: binary suffixes, any case, optional B/iB; anything else refused.
#include "shared/byte_size.h"

#include <gtest/gtest.h>

namespace mailsuite {
namespace {

TEST(ByteSize, ParsesPlainNumbersAndBinarySuffixes) {
  EXPECT_EQ(ParseByteSize("0"), 0u);
  EXPECT_EQ(ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(ParseByteSize("64K"), 64u * 1024);
  EXPECT_EQ(ParseByteSize("500m"), 500u << 20);
  EXPECT_EQ(ParseByteSize("2G"), uint64_t(2) << 30);
  EXPECT_EQ(ParseByteSize("2GiB"), uint64_t(2) << 30);
  EXPECT_EQ(ParseByteSize("2gb"), uint64_t(2) << 30);
  EXPECT_EQ(ParseByteSize("1T"), uint64_t(1) << 40);
  EXPECT_EQ(ParseByteSize("12B"), 12u);
}

TEST(ByteSize, RefusesWhatIsNotASize) {
  for (const char* bad : {"", "G", "-1", "1.5G", "2 G", "2X", "2GG", "lots", "99999999999T"})
    EXPECT_FALSE(ParseByteSize(bad).has_value()) << bad;
}

TEST(ByteSize, FormatsForPeople) {
  EXPECT_EQ(FormatByteSize(0), "0 B");
  EXPECT_EQ(FormatByteSize(1023), "1023 B");
  EXPECT_EQ(FormatByteSize(1536), "1.5 KiB");
  EXPECT_EQ(FormatByteSize(uint64_t(2) << 30), "2.0 GiB");
}

}  // namespace
}  // namespace mailsuite
