# Output-path validation and file-type rules (core/file.h), issue 12 item 16a.
signet_fuzz_target(output_path DEPS signet::core)
