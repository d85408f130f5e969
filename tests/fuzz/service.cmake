# The daemons' request decoding (service/): raw bytes -> request parser -> router (issue 13).
signet_fuzz_target(http_request DEPS signet::service)
# The HTTPS client's URL parser (service/client.h).
signet_fuzz_target(https_url DEPS signet::service)
