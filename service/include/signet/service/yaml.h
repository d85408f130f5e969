// The strict YAML tree daemons read their config files with, under the service's names.
//
// The reader lives in core (`signet/core/yaml.h`: signet::YamlNode / signet::ParseYaml; issue 13
// Part 1 moves it there from signer/src/yaml_tree.h). Until that move lands, this header bridges
// to the same struct in its old place, so daemons written against signet::service::YamlNode build
// before and after the move. service/CMakeLists.txt picks the matching dependency.
#ifndef SIGNET_SERVICE_YAML_H_
#define SIGNET_SERVICE_YAML_H_

#if __has_include("signet/core/yaml.h")
#include "signet/core/yaml.h"
namespace signet::service {
using ::signet::ParseYaml;
using ::signet::YamlNode;
}  // namespace signet::service
#else
#include "yaml_tree.h"  // signer/src: the interim home of the same reader
namespace signet::service {
using ::signet::signer::internal::ParseYaml;
using ::signet::signer::internal::YamlNode;
}  // namespace signet::service
#endif

#endif  // SIGNET_SERVICE_YAML_H_
