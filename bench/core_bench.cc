// Core codec and JSON throughput, against OpenSSL's EVP_EncodeBlock as the base64 baseline.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <string>

#include "signet/core/encoding.h"
#include "signet/core/json.h"

namespace {

const std::string& SampleJson() {
  static const std::string s = [] {
    std::string j = "{\"subject\":[";
    for (int i = 0; i < 200; ++i) {
      if (i) j += ',';
      j += "{\"name\":\"registry.example/app" + std::to_string(i) +
           "\",\"digest\":{\"sha256\":\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\"}}";
    }
    return j + "]}";
  }();
  return s;
}

void BM_JsonParse(benchmark::State& state) {
  const std::string& s = SampleJson();
  for (auto _ : state) benchmark::DoNotOptimize(signet::ParseJson(s));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}
BENCHMARK(BM_JsonParse);

void BM_Base64Encode_Signet(benchmark::State& state) {
  std::string data(4096, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(signet::Base64Encode(signet::AsBytes(data)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Base64Encode_Signet);

void BM_Base64Encode_OpenSslBaseline(benchmark::State& state) {
  std::string data(4096, 'x');
  std::string out(4096 * 4 / 3 + 8, '\0');
  for (auto _ : state) {
    benchmark::DoNotOptimize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                             reinterpret_cast<const unsigned char*>(data.data()), 4096));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Base64Encode_OpenSslBaseline);

}  // namespace

BENCHMARK_MAIN();
