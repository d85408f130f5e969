// `signet tsa stamp`: an RFC 3161 token from the state directory's timestamp authority (tsa/),
// the CLI path of signerd's POST /v1/timestamp.
#include <openssl/ts.h>

#include <cstdio>
#include <memory>
#include <string>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "tsa_wiring.h"

namespace signet::ops {
namespace {

struct TsaFlags {
  std::string state_dir;
  std::string in;
  std::string out;
  std::string tsa_key;
  KeyBackendFlags backend;
  bool json = false;
};

int TsaStamp(Backends& backends, const TsaFlags& f) {
  // Refuse a bad output path before the device is opened or a serial is spent.
  if (auto split = SplitOutputPath(f.out); !split.ok()) return ReportError(split.error());
  auto digest = Sha256File(f.in);
  if (!digest.ok()) return ReportError(std::move(digest).error().Prefix("reading " + f.in));
  auto authority = OpenStateDirTsa(backends, f.state_dir, f.tsa_key, f.backend);
  if (!authority.ok()) return ReportError(authority.error());
  auto token = (*authority)->StampDigest(*digest);
  if (!token.ok()) return ReportError(token.error());
  if (Status st = WriteFileAtomic(f.out, AsString(*token), 0644); !st.ok()) return ReportError(st.error());
  // Report what was stamped: the serial and genTime of the token just written.
  const unsigned char* p = token->data();
  ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(token->size())));
  TS_TST_INFO* info = resp ? TS_RESP_get_tst_info(resp.get()) : nullptr;
  uint64_t serial = 0;
  std::string gen_time;
  if (info != nullptr) {
    (void)ASN1_INTEGER_get_uint64(&serial, TS_TST_INFO_get_serial(info));
    const ASN1_GENERALIZEDTIME* t = TS_TST_INFO_get_time(info);
    gen_time.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)), static_cast<size_t>(ASN1_STRING_length(t)));
  }
  if (f.json) {
    JsonValue out;
    out.Set("out", JsonValue::String(f.out))
        .Set("serial", JsonValue::Uint(serial))
        .Set("gen_time", JsonValue::String(gen_time))
        .Set("sha256", JsonValue::String(HexEncode(*digest)));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else {
    std::printf("timestamp token written to %s (serial %llu, genTime %s)\n", f.out.c_str(),
                static_cast<unsigned long long>(serial), gen_time.c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterTsaCommands(Cli& cli, Backends& backends) {
  auto flags = std::make_shared<TsaFlags>();
  auto* tsa = cli.app.add_subcommand("tsa", "The appliance's RFC 3161 timestamp authority");
  tsa->require_subcommand(1);
  auto* stamp = tsa->add_subcommand(
      "stamp",
      "Timestamp FILE with the state directory's TSA (made by `signet log init --tsa-key --tsa-ca-key`):\n"
      "writes a DER TimeStampResp over SHA-256(FILE) to TOKEN atomically, signed by the TSA key in the\n"
      "HSM, with a fresh serial number, a nonce, the policy OID and accuracy of appliance.yaml. Check\n"
      "it with `openssl ts -verify -in TOKEN -data FILE -CAfile <CA of DIR/tsa/chain.pem> -untrusted\n"
      "<leaf of DIR/tsa/chain.pem>`. Refused while the system clock is not synchronised (unless\n"
      "appliance.yaml sets tsa.require_synchronized_clock: false).\n"
      "Exit 0: written; 2: bad flags, no TSA in the state directory; 3: device error or clock not\n"
      "synchronised.");
  stamp->add_option("--state-dir", flags->state_dir, "The state directory made by `signet log init`")->required();
  stamp->add_option("--in", flags->in, "The file to timestamp")->required();
  stamp->add_option("--out", flags->out, "Where to write the DER TimeStampResp")->required();
  stamp->add_option("--tsa-key", flags->tsa_key, "pkcs11: URI of the TSA key (default: appliance.yaml's)");
  AddKeyBackendFlags(stamp, flags->backend);
  stamp->add_flag("--json", flags->json, "Print the result as JSON");
  stamp->callback([&cli, &backends, flags] {
    cli.action = [&backends, flags] { return TsaStamp(backends, *flags); };
  });
}

}  // namespace signet::ops
