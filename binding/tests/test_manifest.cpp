// Manifest reading: RFC 4180 quoting (commas, doubled quotes, line breaks inside quotes), CRLF,
// label ranges, and errors that name file and line. (A UTF-8 BOM and CR-only line ends: see
// test_untrusted_input.cpp.)
#include <filesystem>
#include <fstream>
#include <string>

#include "error.h"
#include "temp_dir.h"
#include "train/manifest.h"
#include "harness.h"

namespace {

namespace fs = std::filesystem;
using ser::ErrorCode;
using ser::train::LabelRange;
using ser::train::read_manifest;

// A fresh folder per test holding copies of a train_step WAV under the names a test needs.
struct Corpus {
  ser_test::TempDir tmp{"ser-manifest-test"};
  const std::string& dir = tmp.path;
  void wav(const std::string& name) const {
    fs::create_directories(fs::path(dir + "/" + name).parent_path());
    fs::copy_file(ser_test::fixtures_dir() + "/train_step/wav/a.wav", dir + "/" + name);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << text;
    return dir + "/" + name;
  }
  std::string path(const std::string& name) const { return (fs::path(dir) / name).lexically_normal().string(); }
};

std::string error_of(const std::string& manifest, ErrorCode want) {
  try {
    read_manifest(manifest, LabelRange{});
  } catch (const ser::Error& e) {
    if (e.code() != want)
      throw ser_test::Failure(std::string("wrong code ") + ser::error_code_name(e.code()) + ": " + e.what());
    return e.what();
  }
  throw ser_test::Failure("no error reading " + manifest);
}

}  // namespace

TEST_CASE("manifest: plain CSV rows, labels mapped from labelRange, blank lines skipped") {
  Corpus c;
  c.wav("wav/a.wav");
  auto m = read_manifest(c.write("m.csv", "file,arousal,valence,speaker\nwav/a.wav,4,1,s1\n\nwav/a.wav,7,2.5,s2"),
                         LabelRange{1, 7});
  CHECK(m.dimensions == std::vector<std::string>({"arousal", "valence"}));
  CHECK(m.examples.size() == 2);
  CHECK(m.examples[0].path == c.path("wav/a.wav"));
  CHECK_NEAR(m.examples[0].labels[0], 0.5, 1e-12);
  CHECK_NEAR(m.examples[0].labels[1], 0.0, 1e-12);
  CHECK_NEAR(m.examples[1].labels[0], 1.0, 1e-12);
  CHECK_NEAR(m.examples[1].labels[1], 0.25, 1e-12);
  CHECK(m.examples[1].speaker == "s2");
  CHECK(m.examples[1].line == 4);  // physical line, counting the blank one
  CHECK_NEAR(m.examples[0].seconds, 2400.0 / 16000, 1e-9);
}

TEST_CASE("manifest: quoted fields, embedded commas and doubled quotes") {
  Corpus c;
  c.wav("wav/a, loud.wav");
  c.wav("wav/say \"hi\".wav");
  auto m = read_manifest(c.write("m.csv",
                                 "\"file\",\"arousal\",\"speaker\"\n"
                                 "\"wav/a, loud.wav\",\"0.25\",\"Smith, J.\"\n"
                                 "\"wav/say \"\"hi\"\".wav\",0.75,\"a \"\"quoted\"\" name\"\n"),
                         LabelRange{});
  CHECK(m.dimensions == std::vector<std::string>({"arousal"}));
  CHECK(m.examples.size() == 2);
  CHECK(m.examples[0].path == c.path("wav/a, loud.wav"));
  CHECK_NEAR(m.examples[0].labels[0], 0.25, 1e-12);
  CHECK(m.examples[0].speaker == "Smith, J.");
  CHECK(m.examples[1].path == c.path("wav/say \"hi\".wav"));
  CHECK(m.examples[1].speaker == "a \"quoted\" name");
}

TEST_CASE("manifest: CRLF line endings, with and without a quoted last field") {
  Corpus c;
  c.wav("a.wav");
  auto m = read_manifest(c.write("m.csv", "file,arousal,speaker\r\na.wav,0.5,s1\r\na.wav,0.25,\"s2\"\r\n\r\n"),
                         LabelRange{});
  CHECK(m.examples.size() == 2);
  CHECK(m.examples[0].speaker == "s1");
  CHECK(m.examples[1].speaker == "s2");
  CHECK_NEAR(m.examples[1].labels[0], 0.25, 1e-12);
}

// RFC 4180 lets a quoted field hold a line break, as spreadsheet exports of a notes or transcript
// column do; messages still name the line where the record starts.
TEST_CASE("manifest: a quoted field may span lines") {
  Corpus c;
  c.wav("a.wav");
  auto m =
      read_manifest(c.write("m.csv", "file,arousal,speaker\na.wav,0.5,\"two\nlines\"\na.wav,0.25,s2\n"), LabelRange{});
  CHECK(m.examples.size() == 2);
  CHECK(m.examples[0].speaker == "two\nlines");
  CHECK(m.examples[1].speaker == "s2");
  CHECK(m.examples[1].line == 4);  // where the record starts
  const std::string after = c.write("a.csv", "file,arousal,speaker\na.wav,0.5,\"two\nlines\"\na.wav,9,s2\n");
  CHECK(contains(error_of(after, ErrorCode::Input), after + ":4: arousal 9 lies outside labelRange"));
  const std::string inside = c.write("i.csv", "file,arousal,speaker\na.wav,0.5,s1\na.wav,\"0.5\n\",s2\n");
  CHECK(contains(error_of(inside, ErrorCode::Input), inside + ":3: arousal"));
}

TEST_CASE("manifest: malformed rows are ERR_INPUT naming file and line") {
  Corpus c;
  c.wav("a.wav");
  const std::string unterminated = c.write("u.csv", "file,arousal\na.wav,0.5\n\"a.wav,0.5\n");
  CHECK(contains(error_of(unterminated, ErrorCode::Input), unterminated + ":3: unterminated quote"));
  const std::string short_row = c.write("s.csv", "file,arousal,valence\na.wav,\"0.5,0.1\"\n");  // the comma is quoted
  CHECK(contains(error_of(short_row, ErrorCode::Input), short_row + ":2: expected 3 fields, got 2"));
  const std::string quoted_number = c.write("n.csv", "file,arousal\na.wav,\"0.5x\"\n");
  CHECK(contains(error_of(quoted_number, ErrorCode::Input),
                 quoted_number + ":2: arousal \"0.5x\" is not a finite number"));
  const std::string out_of_range = c.write("r.csv", "file,arousal\na.wav,1.5\n");
  CHECK(contains(error_of(out_of_range, ErrorCode::Input), out_of_range + ":2: arousal 1.5 lies outside labelRange"));
  const std::string missing = c.write("m.csv", "file,arousal\r\na.wav,0.5\r\nnope.wav,0.5\r\n");
  CHECK(contains(error_of(missing, ErrorCode::Audio), missing + ":3: audio file not found"));
  const std::string no_rows = c.write("e.csv", "file,arousal\r\n\r\n");
  CHECK(contains(error_of(no_rows, ErrorCode::Input), "manifest has no rows"));
}

TEST_CASE("manifest: JSON lines with the same fields") {
  Corpus c;
  c.wav("wav/a, b.wav");
  auto m = read_manifest(
      c.write("m.jsonl", "{\"file\": \"wav/a, b.wav\", \"arousal\": 0.5, \"speaker\": \"x\\\"y\"}\r\n"), LabelRange{});
  CHECK(m.examples.size() == 1);
  CHECK(m.examples[0].path == c.path("wav/a, b.wav"));
  CHECK(m.examples[0].speaker == "x\"y");
}
