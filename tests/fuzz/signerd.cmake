# signerd: /v1/sign bodies (strict proto3 JSON, image reference, caller images) and config files.
signet_fuzz_target(signerd_request DEPS signet::signerd)
