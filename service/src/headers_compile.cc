// Temporary: proves the public headers compile on their own while the implementation lands.
#include "signet/service/config.h"
#include "signet/service/daemon.h"
#include "signet/service/http.h"
#include "signet/service/log.h"
#include "signet/service/metrics.h"
#include "signet/service/proto_json.h"
#include "signet/service/server.h"
#include "signet/service/yaml.h"
