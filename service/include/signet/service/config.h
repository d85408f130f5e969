// The configuration every Signet daemon shares: where it listens, its TLS files and its limits.
//
// A daemon's config file is one YAML document. The keys `listen`, `tls` and `limits` belong to
// this module; ParseServerSection consumes exactly those (and refuses unknown keys inside them
// with the key's path, never the value). The daemon checks every other top-level key itself and
// refuses those it does not know: IsServerKey() tells it which ones to skip, so "unknown key"
// works across both.
//
//   listen: 127.0.0.1:8443            # IPv4 or [IPv6] literal and a port; port 0 = any (tests)
//   tls: {certificate: server.pem, key: server.key, client_ca: clients.pem}  # client_ca: mTLS
//   tls: {certificate: server.pem, key: "tpm2:server.tss2", tcti: "device:/dev/tpmrm0"}
//   limits: {max_body: 4MiB, header_timeout: 5s, idle_timeout: 60s, max_connections: 1024,
//            max_header: 16KiB, body_timeout: 30s, drain_timeout: 30s,
//            requests_per_minute_per_caller: 0}
//
// Paths under `tls` are relative to the config file's directory. Sizes take B, KiB or MiB,
// durations ms, s or m. Every `limits` key is optional and defaults to the safe values above.
#ifndef SIGNET_SERVICE_CONFIG_H_
#define SIGNET_SERVICE_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/core/yaml.h"

namespace signet::service {

// Limits bounds what one client can make the server spend. All are enforced by Server and by
// ParseRawRequest (the fuzzed socket-free path).
struct Limits {
  // max_body: largest request body. Checked from Content-Length before the body is read and
  // while a chunked body is read (413).
  size_t max_body = 4 * 1024 * 1024;
  // max_header: largest request line + header fields (431).
  size_t max_header = 16 * 1024;
  // header_timeout: a deadline for the WHOLE request header (and, on a new connection, the TLS
  // handshake before it). A client trickling bytes is cut off when it expires.
  std::chrono::milliseconds header_timeout{5000};
  // idle_timeout: how long a keep-alive connection may wait for the next request's first byte.
  std::chrono::milliseconds idle_timeout{60000};
  // body_timeout: a deadline for reading the whole body, and for writing the response.
  std::chrono::milliseconds body_timeout{30000};
  // drain_timeout: on SIGTERM, how long in-flight requests may take before connections are cut.
  std::chrono::milliseconds drain_timeout{30000};
  // max_connections: open connections beyond this are closed at accept.
  size_t max_connections = 1024;
  // requests_per_minute_per_caller: what a daemon that names its callers (signerd) lets one
  // caller send per minute (a token bucket of that size refilled evenly: RateLimiter); 0 =
  // unlimited. The server itself does not enforce it (it does not know callers).
  uint32_t requests_per_minute_per_caller = 0;
};

// TlsConfig names the server's TLS files, already resolved against the config file's directory.
//
// `tls.key: tpm2:REST` puts the private key in a TPM, used through Debian's tpm2-openssl
// provider (the handshake signature runs inside the TPM; the key cannot be copied off the box).
// REST is a TSS2 PRIVATE KEY PEM file (what `signet attest tls-key` writes; relative to the
// config file's directory), `handle:0x81xxxxxx` (a persistent key) or `object:FILE` (a
// serialized persistent handle, as tpm2_evictcontrol -o writes). `tls.tcti` (only with a tpm2
// key) names the provider's TCTI; without it the provider uses TPM2OPENSSL_TCTI from the
// environment, else tpm2-tss's default search. Set both and they must agree.
struct TlsConfig {
  std::string certificate;  // PEM chain, leaf first
  std::string key;          // PEM private key file; with key_in_tpm, the text after "tpm2:",
                            // with any file in it resolved ("/etc/signet/tls.tss2",
                            // "handle:0x81000010", "object:/etc/signet/tls.obj")
  std::string client_ca;    // PEM CA bundle; non-empty = mTLS required (no client cert, no HTTP)
  bool key_in_tpm = false;  // tls.key was written tpm2:...
  std::string tcti;         // tls.tcti ("" = TPM2OPENSSL_TCTI / tpm2-tss default); tpm2 keys only

  bool operator==(const TlsConfig&) const = default;
};

// ListenAddress is an IP literal and a port (0 = the kernel picks; Server::port() tells which).
struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "::" (no brackets, no names)
  uint16_t port = 0;

  bool operator==(const ListenAddress&) const = default;
};

// ServerConfig is the parsed `listen` / `tls` / `limits` section.
struct ServerConfig {
  ListenAddress listen;
  TlsConfig tls;
  Limits limits;
};

// ParseSize reads "4MiB", "512KiB", "100B" (a decimal integer and one of B, KiB, MiB; no sign,
// no spaces, no overflow). kInvalidArgument otherwise; the message never quotes the text.
Result<size_t> ParseSize(std::string_view text);

// ParseDuration reads "250ms", "5s", "2m" (a decimal integer and one of ms, s, m; at most one
// day). kInvalidArgument otherwise; the message never quotes the text.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// ParseListen reads "HOST:PORT" where HOST is an IPv4 literal or a bracketed IPv6 literal
// ("[::1]:8443"). kInvalidArgument otherwise.
Result<ListenAddress> ParseListen(std::string_view text);

// IsServerKey reports whether `key` is a top-level key ParseServerSection owns
// ("listen", "tls", "limits").
bool IsServerKey(std::string_view key);

// ParseServerSection reads `listen` (required), `tls` (required: certificate and key; client_ca
// optional) and `limits` (optional) from the document root `root`, which must be a mapping.
// Relative TLS paths are joined to `config_dir`. Other top-level keys are ignored here (the
// daemon checks them). Errors are kInvalidArgument naming the key path ("limits.max_body") and
// line, never the value. It does not open the TLS files (LoadTlsContext / --check-config do).
Result<ServerConfig> ParseServerSection(const YamlNode& root, const std::string& config_dir);

}  // namespace signet::service

#endif  // SIGNET_SERVICE_CONFIG_H_
