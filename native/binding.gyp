{
  "targets": [
    {
      "target_name": "portside_native",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/sockaddr.cc",
        "src/poller.cc",
        "src/packet_socket.cc",
        "src/icmp6_socket.cc",
        "src/tcp_md5.cc",
        "src/malloc.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
